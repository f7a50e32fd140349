"""The page an approval mail links to: GET shows the release and the Approve / Reject form
(and decides nothing: mail scanners fetch links), only the form's POST decides. Rendered from
the web UI's Jinja2 templates (approval_link/*.html, every value autoescaped) with its one
stylesheet; a used, expired or altered link says so plainly."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.approvals import mail_link
from releasedesk.core.approvals.links import PATH, LinkProblem, LinkRefused
from releasedesk.core.approvals.mail_link import LinkPage
from releasedesk.core.approvals.rules import MAX_COMMENTS
from releasedesk.core.approvals.views import ApprovalStatus
from releasedesk.core.errors import ErrorKind, Invalid, ReleaseDeskError
from releasedesk.db.session import Database
from releasedesk.settings import Settings
from releasedesk.web.form_text import read_form
from releasedesk.web.security import cross_site
from releasedesk.web.templating import ENVIRONMENT

RECORDED = "Your decision has been recorded. Thank you for your cooperation!"
VERDICTS = {"approve": ApprovalStatus.APPROVED, "reject": ApprovalStatus.REJECTED}
STATUS_OF_PROBLEM = {LinkProblem.INVALID: 404, LinkProblem.USED: 410, LinkProblem.EXPIRED: 410}
# The web UI's stylesheet, served by its default mount (the link has no portal in its path).
STYLESHEET = "/ui/static/app.css"
HEADERS = {
    "Cache-Control": "no-store",
    # The link is the credential: never pass it on to another site. Not "no-referrer":
    # under it a browser sends the form's own POST with `Origin: null`, which the
    # cross-site check (cross_site.py) must refuse, as a sandboxed page of another site
    # sends it too.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # No script at all; styles only from our own stylesheet.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
}


def _render(template: str, title: str, status: int = 200, **values: Any) -> HTMLResponse:
    body = ENVIRONMENT.get_template(template).render(title=title, stylesheet=STYLESHEET, **values)
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def _message(title: str, text: str, status: int) -> HTMLResponse:
    return _render("approval_link/message.html", title, status, message=text)


def _page(page: LinkPage, title: str, decided: str | None = None) -> HTMLResponse:
    return _render(
        "approval_link/page.html",
        title,
        page=page,
        decided=decided,
        max_comments=MAX_COMMENTS,
        expires=page.expires_on.strftime("%b %d, %Y %I:%M %p UTC"),
    )


def _refused(error: LinkRefused) -> HTMLResponse:
    return _message("Approval link", error.message, STATUS_OF_PROBLEM[error.problem])


async def show(request: Request) -> Response:
    """The release and the form; nothing is decided by looking."""
    database: Database = request.app.state.database
    secret: str = request.app.state.settings.secret_key
    token = str(request.path_params["token"])
    try:
        async with database.unit_of_work(writes=False) as session:
            page = await mail_link.link_page(session, secret, token)
    except LinkRefused as error:
        return _refused(error)
    if not page.decidable:
        state = page.status if page.status is not ApprovalStatus.PENDING else page.level_status
        text = f"This approval is already {state}: there is nothing left to decide."
        return _page(page, "Approval", decided=text)
    return _page(page, "Approval requested")


async def decide(request: Request) -> Response:
    """The form's decision, as the approver, via mail link; the link is then used. A form
    another site's page sends is refused before anything is read: the link in the path is
    the only credential, and a page that learnt it must not decide with it."""
    database: Database = request.app.state.database
    settings: Settings = request.app.state.settings
    if cross_site(request, settings.base_url):
        return _message("Approval not recorded", "This form was sent from another site.", 403)
    secret = settings.secret_key
    token = str(request.path_params["token"])
    try:
        form = await read_form(request)
    except Invalid as error:
        return _message("Approval not recorded", error.message, 400)
    verdict = VERDICTS.get(str(form.get("decision", "")))
    if verdict is None:
        return _message("Approval", "Choose Approve or Reject.", 400)
    raw = form.get("comments")
    comments = raw.strip() if isinstance(raw, str) and raw.strip() else None
    try:
        async with database.unit_of_work() as session:
            await mail_link.decide_by_link(session, secret, token, verdict, comments)
    except LinkRefused as error:
        return _refused(error)
    except ReleaseDeskError as error:
        status = 403 if error.kind is ErrorKind.FORBIDDEN else 400
        return _message("Approval not recorded", error.message, status)
    return _message("Approval", RECORDED, 200)


async def endpoint(request: Request) -> Response:
    if request.method == "POST":
        return await decide(request)
    return await show(request)


def routes() -> list[BaseRoute]:
    return [Route(PATH + "{token}", endpoint, methods=["GET", "POST"])]
