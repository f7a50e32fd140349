"""What keeps the web UI's cookies and forms safe: the signed session cookie, the CSRF token
every form carries, the check that a write did not come from another site, and the headers
every page is sent with."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, Signer
from starlette.requests import Request
from starlette.responses import Response

from releasedesk.cross_site import is_cross_site, own_origins

SESSION_COOKIE = "releasedesk_session"
CSRF_COOKIE = "releasedesk_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Scripts and styles come from our own /static only: no inline script, no eval.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'",
}


class CookieSigner:
    """Signs the session cookie with the server's secret (RELEASEDESK_SECRET_KEY), so a
    forged or altered cookie is refused before any lookup."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()
        self._signer = Signer(secret, salt="releasedesk.web.session")

    def sign(self, token: str) -> str:
        return self._signer.sign(token).decode()

    def unsign(self, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return self._signer.unsign(value).decode()
        except BadSignature:
            return None

    def csrf_token(self, cookie_value: str) -> str:
        """The form token for a browser's CSRF cookie: a page on another site can neither
        read the cookie nor compute this without the server's secret."""
        digest = hmac.new(self._secret, b"csrf:" + cookie_value.encode(), hashlib.sha256)
        return digest.hexdigest()

    def csrf_matches(self, cookie_value: str | None, sent: str | None) -> bool:
        if not cookie_value or not sent:
            return False
        return hmac.compare_digest(self.csrf_token(cookie_value), sent)


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """HttpOnly, SameSite=Lax, Secure over HTTPS, for the whole site (the UI of every portal
    shares one session cookie; a session belongs to one portal)."""
    response.set_cookie(
        name, value, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )


def delete_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=is_https(request))


def cross_site(request: Request, base_url: str | None = None) -> bool:
    """Whether the browser says this request comes from another site: an `Origin` that is
    not this server (as reached, or its RELEASEDESK_BASE_URL), or `Sec-Fetch-Site:
    cross-site` (releasedesk/cross_site.py, the check every front shares)."""
    headers = request.headers
    origin, fetch_site = headers.get("origin"), headers.get("sec-fetch-site")
    if origin is None and fetch_site is None:
        return False
    own = own_origins(request.url.scheme, request.url.netloc, base_url)
    return is_cross_site(origin, fetch_site, own)
