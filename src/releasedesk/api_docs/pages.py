"""The /docs pages: an index of the APIs, the web UI and the approval link page, and one
Swagger UI page per dialect over the document its sub-app serves at a stable path.

The pages come with a Content-Security-Policy that allows only the server itself: Swagger
UI's script, its stylesheet and the few lines that start it (static/docs.js, which reads the
document's address from the page, not from an inline script) are files of this package. A
portal's pages (/app/{portal}/docs) load that portal's documents, whose `servers` are the
portal's paths, so "Try it out" reaches the portal's releases.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from releasedesk.api.dialect_app import OPENAPI_URL
from releasedesk.api.flexdeploy.app import ROUTES as FLEXDEPLOY_ROUTES
from releasedesk.api.routes import PORTAL_PREFIX, RouteTable
from releasedesk.api.sdp.app import ROUTES as SDP_ROUTES
from releasedesk.api.ucr.app import ROUTES as UCR_ROUTES
from releasedesk.api.v1.app import ROUTES as V1_ROUTES
from releasedesk.core.approvals import links
from releasedesk.web.app import StaticFilesWithHeaders

STATIC = Path(__file__).parent / "static"
STATIC_PATH = "/docs/static"  # one copy of the assets, whichever portal's page uses them
WEB_STYLESHEET = "/ui/static/app.css"  # the index is styled as the web UI's pages
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Only the server itself: scripts and styles as files (no inline script, no eval), the
    # documents fetched from it, and the images Swagger UI's stylesheet holds as data: URLs.
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
}

ENVIRONMENT = Environment(
    loader=PackageLoader("releasedesk.api_docs", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class DocumentedApi:
    """An API the docs show: its path segment under /docs, its name, what it is for, and its
    route table (its prefix, where its document is)."""

    slug: str
    name: str
    about: str
    table: RouteTable

    def document_path(self, portal_prefix: str) -> str:
        return portal_prefix + self.table.prefix + OPENAPI_URL


APIS = (
    DocumentedApi(
        "sdp",
        "ServiceDesk Plus v3",
        "The release API of ManageEngine ServiceDesk Plus: releases, their tasks and "
        "associations, approval levels and approvals. Sign in with a key in an authtoken "
        "header, or HTTP Basic.",
        SDP_ROUTES,
    ),
    DocumentedApi(
        "ucr",
        "UrbanCode Release",
        "The REST API of IBM UrbanCode Release at the server's root: releases, lifecycle "
        "models and teams. Sign in with HTTP Basic (a password, or PasswordIsAuthToken and "
        "a key) or a bearer key.",
        UCR_ROUTES,
    ),
    DocumentedApi(
        "flexdeploy",
        "FlexDeploy",
        "The release API of FlexDeploy: releases, their projects and pipelines, and the "
        "deployment catalog. Sign in with HTTP Basic, a bearer key or an X-API-Key header.",
        FLEXDEPLOY_ROUTES,
    ),
    DocumentedApi(
        "v1",
        "releasedesk",
        "releasedesk's own API, for what no vendor API covers: change freezes and their "
        "exceptions, schedule conflicts and the next free slot, the calendar feed, approval "
        "policies, outgoing webhooks and DORA metrics. Errors are RFC 9457 problem details. "
        "Sign in with a bearer key, an authtoken header or HTTP Basic.",
        V1_ROUTES,
    ),
)
BY_SLUG = {api.slug: api for api in APIS}


def _portal_prefix(request: Request) -> str:
    """`/app/{portal}` for a portal's page, "" for the default portal's."""
    portal = request.path_params.get("portal")
    return "" if portal is None else "/app/" + quote(str(portal).lower(), safe="")


def _html(template: str, status: int = 200, **values: object) -> HTMLResponse:
    body = ENVIRONMENT.get_template(template).render(**values)
    return HTMLResponse(body, status_code=status, headers=HEADERS)


async def index(request: Request) -> Response:
    """The APIs, each with its interactive docs and its document, and the other fronts."""
    prefix = _portal_prefix(request)
    return _html(
        "index.html",
        apis=APIS,
        prefix=prefix,
        stylesheet=WEB_STYLESHEET,
        web_ui=prefix + "/ui/",
        approval_path=links.PATH,
    )


async def api_page(request: Request) -> Response:
    """One dialect's document in Swagger UI."""
    api = BY_SLUG.get(request.path_params["api"])
    prefix = _portal_prefix(request)
    if api is None:
        return _html("missing.html", status=404, stylesheet=WEB_STYLESHEET, index=prefix + "/docs")
    return _html(
        "api.html",
        api=api,
        document=api.document_path(prefix),
        index=prefix + "/docs",
        static=STATIC_PATH,
    )


def routes() -> list[BaseRoute]:
    """The docs at /docs and under /app/{portal}/, and their static files (before UCR's
    mounts, which take every other path)."""
    pages: list[BaseRoute] = []
    for prefix in ("", PORTAL_PREFIX):
        pages += [
            Route(prefix + "/docs", index, methods=["GET"]),
            Route(prefix + "/docs/{api}", api_page, methods=["GET"]),
        ]
    return [Mount(STATIC_PATH, app=StaticFilesWithHeaders(directory=STATIC)), *pages]
