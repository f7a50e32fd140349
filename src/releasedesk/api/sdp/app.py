"""The SDP dialect as its own ASGI sub-app, with SDP's error envelope on every failure."""

from __future__ import annotations

import re

from fastapi import FastAPI

from releasedesk.api.browser_guard import FORM_BODIES, JSON_BODIES
from releasedesk.api.dialect_app import dialect_app
from releasedesk.api.front_routes import ErrorRenderers, FrontRoute
from releasedesk.api.sdp import approvals, errors, lifecycle, work
from releasedesk.api.sdp import router as router_module
from releasedesk.api.sdp.errors import error_response, http_error_response, internal_error
from releasedesk.api.sdp.router import RELEASES_PATH, router

# What clients poll, answered in front of the app's routing (api/front_routes.py), at
# /api/v3 and /app/{portal}/api/v3; none of these is also a route of the sub-app.
ERRORS = ErrorRenderers(error_response, http_error_response, internal_error)
FRONT_ROUTES = [
    FrontRoute("GET", re.compile(path), endpoint, ERRORS, sole=sole)
    for path, endpoint, sole in (
        (RELEASES_PATH, router_module.list_releases, False),
        (RELEASES_PATH + r"/(?P<release_id>[^/]+)", router_module.get_release, False),
        (RELEASES_PATH + r"/(?P<release_id>[^/]+)/history", lifecycle.history, True),
    )
]


def create_sdp_app(database: object, base_url: str | None = None) -> FastAPI:
    # The fixed paths (/releases/close, /releases/assign, …) go before /releases/{id}.
    return dialect_app(
        "releasedesk — ServiceDesk Plus v3 releases",
        database,
        [lifecycle.router, approvals.router, router, work.router],
        install_errors=errors.install,
        internal_error=errors.internal_error,
        core_error=error_response,
        body_types=JSON_BODIES | FORM_BODIES,  # input_data form-encoded, as clients send it
        base_url=base_url,
        errors=errors.DOCUMENTED_ERRORS,
    )
