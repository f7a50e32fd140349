"""The UrbanCode Release dialect as its own ASGI sub-app, with UCR's error shape on every
failure. Mounted at the server root (the default portal) and under /app/{portal}."""

from __future__ import annotations

import re

from fastapi import FastAPI

from releasedesk.api.browser_guard import JSON_BODIES
from releasedesk.api.dialect_app import dialect_app
from releasedesk.api.front_routes import ErrorRenderers, FrontRoute
from releasedesk.api.ucr import catalog, errors
from releasedesk.api.ucr.errors import core_error, http_error_response, internal_error
from releasedesk.api.ucr.router import get_release, router

# What clients poll, answered in front of the app's routing (api/front_routes.py): a release
# by its UUID, with and without the trailing slash, at the root and under /app/{portal}/.
FRONT_ROUTES = [
    FrontRoute(
        "GET",
        re.compile(r"(?:/app/(?P<portal>[^/]+))?/releases/(?P<release_id>[^/]+)/?"),
        get_release,
        ErrorRenderers(core_error, http_error_response, internal_error),
    )
]


def create_ucr_app(database: object, base_url: str | None = None) -> FastAPI:
    # /releases and /releases/ both answer, without redirects (UCR clients do not follow
    # them on POST); no OpenAPI document at the server root, which is UCR's.
    return dialect_app(
        "releasedesk — UrbanCode Release",
        database,
        [router, catalog.router],
        install_errors=errors.install,
        internal_error=errors.internal_error,
        core_error=core_error,
        body_types=JSON_BODIES,
        base_url=base_url,
        errors=errors.DOCUMENTED_ERRORS,
        openapi_url=None,
        redirect_slashes=False,
    )
