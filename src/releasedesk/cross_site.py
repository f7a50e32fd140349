"""Whether a browser says a request was made by a page of another site.

Browsers mark the requests they make for a page: `Origin` (on every POST, PUT, PATCH and
DELETE a page sends, `null` from a sandboxed or opaque one) and, over HTTPS, `Sec-Fetch-Site`.
A request is cross-site when `Sec-Fetch-Site` says `cross-site`, or when it carries an
`Origin` that is none of the server's own: the request's scheme and Host as it arrived, and
the configured `RELEASEDESK_BASE_URL` (what a browser sees behind a proxy that rewrites the
Host or ends TLS). Non-browser clients send neither header, so they are never cross-site.

One check for every front that takes writes from a browser: the API dialects
(api/browser_guard.py), the web UI (web/security.py) and the approval mail link's page.
Pure: header values in, a verdict out.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL or an Origin, lower case, the default port left out;
    None for what names no origin (`null`, garbage)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    shown_port = "" if port is None or port == DEFAULT_PORTS[scheme] else f":{port}"
    return f"{scheme}://{host}{shown_port}"


def own_origins(scheme: str, host: str, base_url: str | None = None) -> frozenset[str]:
    """The origins that are this server: as the request reached it, and as configured."""
    found = (origin_of(f"{scheme}://{host}"), origin_of(base_url) if base_url else None)
    return frozenset(origin for origin in found if origin is not None)


def is_cross_site(origin: str | None, fetch_site: str | None, own: Iterable[str]) -> bool:
    """Whether the browser says another site made the request (see the module's doc)."""
    if fetch_site is not None and fetch_site.strip().lower() == "cross-site":
        return True
    if origin is None:
        return False
    return origin_of(origin) not in frozenset(own)
