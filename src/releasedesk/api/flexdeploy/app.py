"""The FlexDeploy dialect as its own ASGI sub-app, with FlexDeploy's errors on every failure."""

from __future__ import annotations

from fastapi import FastAPI

from releasedesk.api.browser_guard import JSON_BODIES
from releasedesk.api.dialect_app import dialect_app
from releasedesk.api.flexdeploy import answers, catalog, errors, router
from releasedesk.api.flexdeploy.errors import core_error, http_error_response, internal_error
from releasedesk.api.routes import ErrorRenderers, RouteTable

# FlexDeploy's routes at /flexdeploy/rest/v1 and /app/{portal}/flexdeploy/rest/v1.
ROUTES = RouteTable.of(
    "releasedesk — FlexDeploy releases",
    "/flexdeploy/rest/v1",
    [router.routes, catalog.routes],
    errors=ErrorRenderers(core_error, http_error_response, internal_error),
    doc=answers.DOC,
    body_types=JSON_BODIES,
)


def create_flexdeploy_app(database: object, base_url: str | None = None) -> FastAPI:
    return dialect_app(
        ROUTES,
        database,
        install_errors=errors.install,
        base_url=base_url,
    )
