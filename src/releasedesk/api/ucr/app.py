"""The UrbanCode Release dialect as its own ASGI sub-app, with UCR's error shape on every
failure. Mounted at the server root (the default portal) and under /app/{portal}."""

from __future__ import annotations

from fastapi import FastAPI

from releasedesk.api.browser_guard import JSON_BODIES
from releasedesk.api.dialect_app import dialect_app
from releasedesk.api.routes import ErrorRenderers, RouteTable
from releasedesk.api.ucr import answers, catalog, errors, router
from releasedesk.api.ucr.errors import core_error, http_error_response, internal_error

# UCR's routes at the root and under /app/{portal}/. /releases and /releases/ both answer,
# without redirects (UCR clients do not follow them on POST).
ROUTES = RouteTable.of(
    "releasedesk — UrbanCode Release",
    "",
    [router.routes, catalog.routes],
    errors=ErrorRenderers(core_error, http_error_response, internal_error),
    doc=answers.DOC,
    body_types=JSON_BODIES,
    optional_slash=True,
)


def create_ucr_app(database: object, base_url: str | None = None) -> FastAPI:
    return dialect_app(
        ROUTES,
        database,
        install_errors=errors.install,
        base_url=base_url,
    )
