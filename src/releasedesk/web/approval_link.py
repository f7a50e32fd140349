"""The page an approval mail links to: GET shows the release and the Approve / Reject form
(and decides nothing: mail scanners fetch links), only the form's POST decides. Rendered on
the server, every value HTML-escaped; a used, expired or altered link says so plainly."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.approvals import mail_link
from releasedesk.core.approvals.links import PATH, LinkProblem, LinkRefused
from releasedesk.core.approvals.mail_link import LinkPage
from releasedesk.core.approvals.rules import MAX_COMMENTS
from releasedesk.core.approvals.views import ApprovalStatus
from releasedesk.core.errors import ReleaseDeskError
from releasedesk.db.session import Database

RECORDED = "Your decision has been recorded. Thank you for your cooperation!"
VERDICTS = {"approve": ApprovalStatus.APPROVED, "reject": ApprovalStatus.REJECTED}
STATUS_OF_PROBLEM = {LinkProblem.INVALID: 404, LinkProblem.USED: 410, LinkProblem.EXPIRED: 410}
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the link is the credential: never pass it on
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
}
STYLE = (  # overflow-wrap: a long unbroken title or name wraps, not scrolls, on a phone
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
    "color:#222;overflow-wrap:anywhere}dt{font-weight:600}dd{margin:0 0 .5rem}"
    "input[type=text]{width:100%;box-sizing:border-box}"
    "button{font-size:1rem;padding:.4rem 1.2rem;margin-right:.5rem}"
)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=HEADERS)


def _message(title: str, text: str, status: int) -> HTMLResponse:
    return _page(title, f"<p>{html.escape(text)}</p>", status)


def _details(page: LinkPage) -> str:
    rows = [
        ("Release", f"#{page.release_id} {page.release_title}"),
        ("Stage", page.stage),
        ("Approval level", f"{page.level} — {page.level_name} (rule: {page.rule})"),
        ("Approver", page.approver),
    ]
    if page.original_approver is not None:
        rows.append(("On behalf of", f"{page.original_approver} (away)"))
    items = "".join(
        f"<dt>{html.escape(name)}</dt><dd>{html.escape(value)}</dd>" for name, value in rows
    )
    return f"<dl>{items}</dl>"


def _form(page: LinkPage) -> str:
    expires = page.expires_on.strftime("%b %d, %Y %I:%M %p UTC")
    return (
        '<form method="post">'
        f'<p><label for="comments">Comments (one line, at most {MAX_COMMENTS} characters)'
        "</label><br>"
        f'<input type="text" id="comments" name="comments" size="60" '
        f'maxlength="{MAX_COMMENTS}"></p>'
        '<p><button type="submit" name="decision" value="approve">Approve</button>'
        '<button type="submit" name="decision" value="reject">Reject</button></p>'
        f"<p><small>This link works once, until {html.escape(expires)}.</small></p>"
        "</form>"
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
        return _page("Approval", _details(page) + f"<p>{html.escape(text)}</p>")
    return _page("Approval requested", _details(page) + _form(page))


async def decide(request: Request) -> Response:
    """The form's decision, as the approver, via mail link; the link is then used."""
    database: Database = request.app.state.database
    secret: str = request.app.state.settings.secret_key
    token = str(request.path_params["token"])
    form = await request.form()
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
        status = 403 if error.kind == "forbidden" else 400
        return _message("Approval not recorded", error.message, status)
    return _message("Approval", RECORDED, 200)


async def endpoint(request: Request) -> Response:
    if request.method == "POST":
        return await decide(request)
    return await show(request)


def routes() -> list[BaseRoute]:
    return [Route(PATH + "{token}", endpoint, methods=["GET", "POST"])]
