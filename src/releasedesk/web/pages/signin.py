"""Sign-in and sign-out: the same credential check as HTTP Basic; the session cookie and the
CSRF cookie are new at every sign-in, and both end at sign-out."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.errors import RateLimited
from releasedesk.core.throttle.service import SignInFailed, Throttle
from releasedesk.core.users import sessions
from releasedesk.web.context import PageContext, WebState, page
from releasedesk.web.security import CSRF_COOKIE, SESSION_COOKIE, delete_cookie, new_csrf_cookie

WRONG = "The name, email or password is not right. Check them and try again."
THROTTLED = (
    "Too many failed sign-ins. For your safety, signing in is paused for {wait}: "
    "try again then, or ask an administrator."
)


def _wait_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"


def _client_address(ctx: PageContext) -> str:
    """As the APIs count it (api/deps.client_address)."""
    client = ctx.request.client
    return client.host if client is not None else "unknown"


def _next(ctx: PageContext, raw: str) -> str:
    """Where to go after signing in: a path of this portal's UI only (never another site)."""
    if raw.startswith(ctx.prefix + "/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return ctx.url("releases")


@page(public=True)
async def sign_in_form(ctx: PageContext) -> Response:
    """The sign-in page (a signed-in user goes straight to the releases)."""
    if ctx.actor is not None:
        return ctx.redirect(_next(ctx, ctx.query("next")))
    return ctx.render("signin.html", login="", next=ctx.query("next"), error=None)


@page(public=True)
async def sign_in(ctx: PageContext) -> Response:
    login = ctx.field("login")
    # The password as typed: spaces at its ends are part of it, as they are over HTTP Basic
    # and when an administrator sets it on the Users page.
    sent = ctx.form.get("password") if ctx.form is not None else None
    password = sent if isinstance(sent, str) else ""
    target = _next(ctx, ctx.field("next"))
    if not login or not password:
        return ctx.render(
            "signin.html",
            status=422,
            login=login,
            next=target,
            error="Enter your name or email and your password.",
        )
    throttle: Throttle = ctx.request.app.state.throttle
    try:
        signed_in = await sessions.sign_in(
            ctx.session,
            ctx.portal,
            login,
            password,
            throttle=throttle,
            address=_client_address(ctx),
        )
    except RateLimited as limited:
        error = THROTTLED.format(wait=_wait_words(limited.retry_after))
        response = ctx.render("signin.html", status=429, login=login, next=target, error=error)
        response.headers["Retry-After"] = str(limited.retry_after)
        return response
    except SignInFailed as failed:
        # Counted and audited in this page's own transaction, which holds nothing else and
        # commits with the refusal page.
        await throttle.record_failure(ctx.session, failed.failure)
        return ctx.render("signin.html", status=401, login=login, next=target, error=WRONG)
    state: WebState = ctx.request.app.state.web
    ctx.cookies_to_set[SESSION_COOKIE] = state.signer.sign(signed_in.token)
    ctx.cookies_to_set[CSRF_COOKIE] = new_csrf_cookie()
    return ctx.redirect(target)


@page
async def sign_out(ctx: PageContext) -> Response:
    state: WebState = ctx.request.app.state.web
    token = state.signer.unsign(ctx.request.cookies.get(SESSION_COOKIE))
    if token is not None:
        await sessions.sign_out(ctx.session, token)
    response = ctx.redirect("sign-in", flash="You are signed out.")
    delete_cookie(ctx.request, response, SESSION_COOKIE)
    delete_cookie(ctx.request, response, CSRF_COOKIE)
    return response


def routes() -> list[BaseRoute]:
    return [
        Route("/sign-in", sign_in_form, methods=["GET"]),
        Route("/sign-in", sign_in, methods=["POST"]),
        Route("/sign-out", sign_out, methods=["POST"]),
    ]
