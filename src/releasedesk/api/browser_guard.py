"""What every API dialect answers to browsers: two ASGI middlewares, wired around each
dialect's sub-app by api/dialect_app.py (and `ApiResponses` around each front route).

`ApiResponses`, on every answer (errors, unknown paths and the last-resort 500 included):
- `X-Content-Type-Options: nosniff`: a browser never reads a JSON answer as a page or a
  script;
- `Cache-Control: no-store`: no answer, which holds what only its caller may see, is kept
  by a browser or a proxy;
- no `WWW-Authenticate` challenge to a request a browser marks as cross-site
  (cross_site.py). Clients still get it: the vendors' servers send it, and challenge-driven
  clients (PowerShell's `-Credential`, Java's Authenticator) send their password only after
  it. To a page of another site it would only make the browser ask for our password, and a
  browser that has it attaches it to that site's later requests on its own.

`BrowserWrites`, before anything is read, on a POST, PUT, PATCH or DELETE:
- 403 (the dialect's forbidden) for a cross-site request carrying what a browser attaches by
  itself, HTTP Basic (`PasswordIsAuthToken` too) or cookies: a page of another site could
  otherwise make a signed-in browser write. Keys sent in a header (`authtoken`,
  `X-API-Key`, `Authorization: Bearer …`) pass: a page cannot send those to another site
  without a CORS preflight, and no dialect answers one.
- 415 for a body in a content type the dialect does not read, or in none: UrbanCode Release
  and FlexDeploy read JSON only (`application/json`, `application/*+json`), as their servers
  do; SDP also form-encoded and multipart `input_data`, as its clients send it. So a body
  sent as `text/plain`, what an HTML form of another site can send, is never read as JSON.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from releasedesk.core.errors import Forbidden, ReleaseDeskError, UnsupportedMediaType
from releasedesk.cross_site import is_cross_site, own_origins

READS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_BODIES = frozenset({"application/json"})
FORM_BODIES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
API_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store"))
CHALLENGE = b"www-authenticate"


def request_is_cross_site(scope: Scope, headers: Headers, base_url: str | None) -> bool:
    """Whether the browser says a page of another site made this request."""
    origin, fetch_site = headers.get("origin"), headers.get("sec-fetch-site")
    if origin is None and fetch_site is None:
        return False  # not a browser's request, or a browser's own navigation
    server = scope.get("server")
    host = headers.get("host") or (f"{server[0]}:{server[1]}" if server else "")
    return is_cross_site(
        origin, fetch_site, own_origins(scope.get("scheme", "http"), host, base_url)
    )


def browser_credentials(headers: Headers) -> bool:
    """Whether the request carries what a browser sends on its own: HTTP Basic or cookies."""
    scheme = headers.get("authorization", "").strip().partition(" ")[0]
    return scheme.lower() == "basic" or "cookie" in headers


def media_type(content_type: str) -> str:
    return content_type.partition(";")[0].strip().lower()


def reads(body_types: frozenset[str], content_type: str) -> bool:
    kind = media_type(content_type)
    if kind in body_types:
        return True
    return (
        "application/json" in body_types
        and kind.startswith("application/")
        and kind.endswith("+json")
    )


def has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    return length.strip() not in ("", "0") if length is not None else "transfer-encoding" in headers


class ApiResponses:
    """The API's headers on every answer; no Basic challenge to a cross-site request."""

    def __init__(self, app: ASGIApp, base_url: str | None = None) -> None:
        self.app = app
        self.base_url = base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cross = request_is_cross_site(scope, Headers(scope=scope), self.base_url)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", ())
                    if not (cross and name.lower() == CHALLENGE)
                ]
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in API_HEADERS if header[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BrowserWrites:
    """Refuse a cross-site write signed by the browser (403) and a body the dialect does not
    read (415), in the dialect's format (`refuse` renders a core error its way)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        refuse: Callable[[Scope, ReleaseDeskError], Response],
        body_types: frozenset[str],
        base_url: str | None = None,
    ) -> None:
        self.app = app
        self.refuse = refuse
        self.body_types = body_types
        self.base_url = base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in READS:
            refusal = self.refusal(scope)
            if refusal is not None:
                await self.refuse(scope, refusal)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope) -> ReleaseDeskError | None:
        headers = Headers(scope=scope)
        if browser_credentials(headers) and request_is_cross_site(scope, headers, self.base_url):
            return Forbidden(
                "A write from a page of another site is refused when the browser signs it "
                "(HTTP Basic or cookies): send a key in its header",
                "Origin" if "origin" in headers else "Sec-Fetch-Site",
            )
        if has_body(headers) and not reads(self.body_types, headers.get("content-type", "")):
            sent = media_type(headers.get("content-type", "")) or "no Content-Type"
            wanted = " or ".join(sorted(self.body_types))
            return UnsupportedMediaType(
                f"The request body must be sent as {wanted}, not {sent}", "Content-Type"
            )
        return None
