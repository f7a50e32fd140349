"""The SDP dialect as its own ASGI sub-app, with SDP's error envelope on every failure."""

from __future__ import annotations

from fastapi import FastAPI

from releasedesk.api.browser_guard import FORM_BODIES, JSON_BODIES
from releasedesk.api.dialect_app import dialect_app
from releasedesk.api.routes import ErrorRenderers, RouteTable
from releasedesk.api.sdp import answers, approvals, errors, lifecycle, router, work
from releasedesk.api.sdp.errors import error_response, http_error_response, internal_error

# SDP's routes at /api/v3 and /app/{portal}/api/v3 (api/routes.py). The fixed paths
# (/releases/close, /releases/assign, …) go before /releases/{id}, and everything named
# under a release before work's /releases/{id}/{plural}.
ROUTES = RouteTable.of(
    "releasedesk — ServiceDesk Plus v3 releases",
    "/api/v3",
    [lifecycle.routes, approvals.routes, router.routes, work.routes],
    errors=ErrorRenderers(error_response, http_error_response, internal_error),
    doc=answers.DOC,
    body_types=JSON_BODIES | FORM_BODIES,  # input_data form-encoded, as clients send it
)


def create_sdp_app(database: object, base_url: str | None = None) -> FastAPI:
    return dialect_app(
        ROUTES,
        database,
        install_errors=errors.install,
        base_url=base_url,
    )
