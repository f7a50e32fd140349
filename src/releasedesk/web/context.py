"""How a web page runs: the caller from the session cookie, one unit of work per request,
the CSRF and cross-site checks before any write, and core errors turned into pages a person
understands (a refused form is shown again with its message beside the field).

The web front has no SQL: a page calls core services with the session and actor it is given,
exactly as a dialect's route does, so every rule and permission is the APIs'."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from releasedesk.core.actors import Actor
from releasedesk.core.approvals import inbox
from releasedesk.core.errors import ErrorKind, Invalid, ReleaseDeskError, every_kind
from releasedesk.core.users import sessions
from releasedesk.core.webhooks.config import WebhookConfig
from releasedesk.db.session import Database
from releasedesk.failure_log import failure_summary
from releasedesk.observe.requests import note_user
from releasedesk.settings import DEFAULT_PORTAL
from releasedesk.web.form_text import check_url, read_form
from releasedesk.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    PAGE_HEADERS,
    SAFE_METHODS,
    SESSION_COOKIE,
    CookieSigner,
    cross_site,
    new_csrf_cookie,
    set_cookie,
)
from releasedesk.web.templating import ENVIRONMENT

log = logging.getLogger("releasedesk.web")
FLASH_COOKIE = "releasedesk_flash"
STATUS_OF_KIND: Mapping[ErrorKind, int] = every_kind(
    {
        ErrorKind.INVALID: 400,
        ErrorKind.WRONG_TYPE: 400,
        ErrorKind.MANDATORY: 400,
        ErrorKind.READ_ONLY: 400,
        ErrorKind.NOT_FOUND: 404,
        ErrorKind.NOT_UNIQUE: 400,
        ErrorKind.FORBIDDEN: 403,
        ErrorKind.CONFLICT: 409,
        ErrorKind.TIMES_OUT_OF_ORDER: 400,
        ErrorKind.UNSUPPORTED_MEDIA_TYPE: 415,
        ErrorKind.UNAUTHENTICATED: 401,
        ErrorKind.RATE_LIMITED: 429,
    }
)
"""The status of the page a core error becomes when no page showed it beside its field."""


@dataclass(frozen=True)
class WebState:
    """What every page needs from the server: the database, the cookie signer, the
    server's configured address (RELEASEDESK_BASE_URL, one of its own origins) and the
    webhook settings the Webhooks page hands the core (the API's own)."""

    database: Database
    signer: CookieSigner
    webhooks: WebhookConfig
    base_url: str | None = None


@dataclass
class PageContext:
    """One request to a page: its session (a unit of work), the signed-in actor (None on the
    sign-in page), the portal's URL prefix and the CSRF token its forms carry."""

    request: Request
    session: AsyncSession
    actor: Actor | None
    prefix: str
    csrf: str
    form: FormData | None = None
    cookies_to_set: dict[str, str] = field(default_factory=dict)
    flash: str | None = None
    # How many approvals wait on the user: the count beside "My approvals" in the nav, read
    # (one count) for whole pages only, never for htmx fragments or redirected writes.
    waiting: int | None = None

    @property
    def me(self) -> Actor:
        assert self.actor is not None, "a signed-in page"
        return self.actor

    @property
    def portal(self) -> str:
        return str(self.request.path_params.get("portal", DEFAULT_PORTAL)).lower()

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("hx-request") == "true"

    def url(self, path: str = "", **query: object) -> str:
        shown = {k: v for k, v in query.items() if v not in (None, "", False)}
        tail = f"?{urlencode(shown, doseq=True)}" if shown else ""
        return f"{self.prefix}/{path}{tail}"

    def field(self, name: str, default: str = "") -> str:
        """A form field as text (stripped); `default` when absent."""
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else default

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v.strip() for v in self.form.getlist(name) if isinstance(v, str) and v.strip()]

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default).strip()

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        body = ENVIRONMENT.get_template(template).render(
            ctx=self, me=self.actor, url=self.url, csrf=self.csrf, flash=self.flash, **values
        )
        response = HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)
        self._finish(response)
        return response

    def redirect(self, path: str, flash: str | None = None) -> Response:
        """After a write: 303 to `path` under the portal (htmx is told to load it whole)."""
        target = path if path.startswith("/") else self.url(path)
        response: Response
        if self.htmx:
            location = quote(target, safe="/?&=%#:+,;@")
            response = Response(status_code=204, headers={"HX-Redirect": location, **PAGE_HEADERS})
        else:
            response = RedirectResponse(target, status_code=303, headers=PAGE_HEADERS)
        if flash:
            state: WebState = self.request.app.state.web
            # A cookie holds about 4 KB: a long title makes a long flash.
            set_cookie(self.request, response, FLASH_COOKIE, state.signer.sign(quote(flash[:300])))
        self._finish(response)
        return response

    def _finish(self, response: Response) -> None:
        for name, value in self.cookies_to_set.items():
            set_cookie(self.request, response, name, value)
        if self.flash is not None:
            response.delete_cookie(FLASH_COOKIE, path="/")


class Rerender(Exception):
    """Raised by a page whose write was refused: the unit of work rolls back, then the page
    is rendered again by `render` on a fresh read session (the form with what was typed and
    the message beside its field)."""

    def __init__(
        self,
        render: Callable[[PageContext, ReleaseDeskError], Awaitable[Response]],
        error: ReleaseDeskError,
    ) -> None:
        super().__init__(error.message)
        self.render = render
        self.error = error


Handler = Callable[[PageContext], Awaitable[Response]]


def page(handler: Handler | None = None, *, public: bool = False) -> Any:
    """Make `handler(ctx)` a Starlette endpoint; `public` pages need no signed-in user."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await _run(request, handler, public)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap(handler) if handler is not None else wrap


def prefix_of(request: Request) -> str:
    portal = request.path_params.get("portal")
    return "/ui" if portal is None else f"/app/{str(portal).lower()}/ui"


async def _run(request: Request, handler: Handler, public: bool) -> Response:
    state: WebState = request.app.state.web
    writes = request.method not in SAFE_METHODS
    csrf_cookie = request.cookies.get(CSRF_COOKIE)
    new_cookies: dict[str, str] = {}
    if not csrf_cookie:
        csrf_cookie = new_csrf_cookie()
        new_cookies[CSRF_COOKIE] = csrf_cookie
    form: FormData | None = None
    try:
        check_url(request)
    except Invalid as error:
        return _refusal(request, state, error.message, 400, new_cookies)
    if writes:
        if cross_site(request, state.base_url):
            return _refusal(request, state, "This form was sent from another site.", 403)
        try:
            form = await read_form(request)
        except Invalid as error:
            return _refusal(request, state, error.message, 400, new_cookies)
        sent = request.headers.get(CSRF_HEADER) or _text(form, CSRF_FIELD)
        if not state.signer.csrf_matches(request.cookies.get(CSRF_COOKIE), sent):
            return _refusal(
                request,
                state,
                "This form has expired: go back, reload the page and try again.",
                403,
            )
    flash = _flash(request, state)
    token = state.signer.unsign(request.cookies.get(SESSION_COOKIE))

    def context(session: AsyncSession, actor: Actor | None) -> PageContext:
        return PageContext(
            request=request,
            session=session,
            actor=actor,
            prefix=prefix_of(request),
            csrf=state.signer.csrf_token(csrf_cookie),
            form=form,
            cookies_to_set=dict(new_cookies),
            flash=flash,
        )

    portal = str(request.path_params.get("portal", DEFAULT_PORTAL)).lower()
    try:
        async with state.database.unit_of_work(writes=writes) as session:
            actor = (
                None if token is None else await sessions.signed_in_actor(session, token, portal)
            )
            ctx = context(session, actor)
            if actor is None and not public:
                return _to_sign_in(ctx)
            if actor is not None:
                note_user(request.scope, actor.user_id)
            if not writes:
                await _count_waiting(ctx)
            return await handler(ctx)
    except Rerender as refused:
        return await _rerender(request, state, refused, token, portal, context, new_cookies)
    except ReleaseDeskError as error:
        status = STATUS_OF_KIND[error.kind]
        return _refusal(request, state, error.message, status, new_cookies)
    except Exception as exc:  # the last resort: a page a person understands, the cause logged
        _log_failure(request, exc)
        return _refusal(
            request, state, "Something went wrong on our side; nothing was changed.", 500
        )


def _log_failure(request: Request, exc: Exception) -> None:
    """One record of bounded size (failure_log.py), not a traceback per nested frame."""
    log.error("web page %s %s failed\n%s", request.method, request.url.path, failure_summary(exc))


async def _count_waiting(ctx: PageContext) -> None:
    """The nav's count of approvals waiting on the user, for a page shown whole."""
    if ctx.actor is not None and not ctx.htmx:
        ctx.waiting = await inbox.waiting_count(ctx.session, ctx.actor)


async def _rerender(
    request: Request,
    state: WebState,
    refused: Rerender,
    token: str | None,
    portal: str,
    context: Callable[[AsyncSession, Actor | None], PageContext],
    cookies: Mapping[str, str],
) -> Response:
    """The refused form again, on a fresh read session; if showing it fails too (the
    release is gone, the session ended meanwhile) the refusal itself is the page."""
    try:
        async with state.database.unit_of_work(writes=False) as session:
            actor = (
                None if token is None else await sessions.signed_in_actor(session, token, portal)
            )
            ctx = context(session, actor)
            if actor is None:
                return _to_sign_in(ctx)
            await _count_waiting(ctx)
            return await refused.render(ctx, refused.error)
    except ReleaseDeskError:
        error = refused.error
        return _refusal(request, state, error.message, STATUS_OF_KIND[error.kind], cookies)
    except Exception as exc:
        _log_failure(request, exc)
        return _refusal(
            request, state, "Something went wrong on our side; nothing was changed.", 500
        )


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _flash(request: Request, state: WebState) -> str | None:
    from urllib.parse import unquote

    signed = state.signer.unsign(request.cookies.get(FLASH_COOKIE))
    return None if signed is None else unquote(signed)


def _to_sign_in(ctx: PageContext) -> Response:
    path = ctx.request.url.path
    query = ctx.request.url.query
    target = ctx.url("sign-in", next=path + (f"?{query}" if query else ""))
    if ctx.htmx:  # never a sign-in page inside a fragment
        response: Response = Response(status_code=204, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    ctx._finish(response)
    return response


TITLES = {
    400: "That could not be done",
    405: "That could not be done",
    401: "Sign in",
    403: "Not allowed",
    404: "Not found",
    500: "Something went wrong",
}


def refusal_page(request: Request, message: str, status: int) -> HTMLResponse:
    """The error page for a request no page handled (an unknown address)."""
    return _refusal(request, request.app.state.web, message, status)


def _refusal(
    request: Request,
    state: WebState,
    message: str,
    status: int,
    cookies: Mapping[str, str] | None = None,
) -> HTMLResponse:
    body = ENVIRONMENT.get_template("error.html").render(
        title=TITLES.get(status, TITLES[400]),
        message=message,
        status=status,
        prefix=prefix_of(request),
    )
    response = HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)
    for name, value in (cookies or {}).items():
        set_cookie(request, response, name, value)
    return response
