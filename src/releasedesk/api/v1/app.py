"""releasedesk's own API as an ASGI sub-app at /api/v1 (and /app/{portal}/api/v1), with
problem details on every failure."""

from __future__ import annotations

from fastapi import FastAPI

from releasedesk.api.browser_guard import JSON_BODIES
from releasedesk.api.dialect_app import dialect_app
from releasedesk.api.routes import ErrorRenderers, RouteTable
from releasedesk.api.v1 import (
    answers,
    approval_policies,
    calendar_feed,
    errors,
    freezes,
    metrics,
    schedule,
    webhooks,
)
from releasedesk.api.v1.errors import core_error, http_error_response, internal_error

ROUTES = RouteTable.of(
    "releasedesk — its own API",
    "/api/v1",
    [
        freezes.routes,
        schedule.routes,
        calendar_feed.routes,
        webhooks.routes,
        metrics.routes,
        approval_policies.routes,
    ],
    errors=ErrorRenderers(core_error, http_error_response, internal_error),
    doc=answers.DOC,
    body_types=JSON_BODIES,
)


def create_v1_app(database: object, base_url: str | None = None) -> FastAPI:
    return dialect_app(ROUTES, database, install_errors=errors.install, base_url=base_url)
