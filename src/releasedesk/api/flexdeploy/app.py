"""The FlexDeploy dialect as its own ASGI sub-app, with FlexDeploy's errors on every failure."""

from __future__ import annotations

import re

from fastapi import FastAPI

from releasedesk.api.browser_guard import JSON_BODIES
from releasedesk.api.dialect_app import dialect_app
from releasedesk.api.flexdeploy import catalog, errors
from releasedesk.api.flexdeploy.errors import core_error, http_error_response, internal_error
from releasedesk.api.flexdeploy.router import get_release, router
from releasedesk.api.front_routes import ErrorRenderers, FrontRoute

# What pipelines poll, answered in front of the app's routing (api/front_routes.py).
FRONT_ROUTES = [
    FrontRoute(
        "GET",
        re.compile(
            r"(?:/app/(?P<portal>[^/]+))?/flexdeploy/rest/v1/releases/(?P<release_id>[^/]+)"
        ),
        get_release,
        ErrorRenderers(core_error, http_error_response, internal_error),
    )
]


def create_flexdeploy_app(database: object, base_url: str | None = None) -> FastAPI:
    return dialect_app(
        "releasedesk — FlexDeploy releases",
        database,
        [router, catalog.router],
        install_errors=errors.install,
        internal_error=errors.internal_error,
        core_error=core_error,
        body_types=JSON_BODIES,
        base_url=base_url,
        errors=errors.DOCUMENTED_ERRORS,
    )
