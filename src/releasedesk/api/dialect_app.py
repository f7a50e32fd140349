"""A dialect as its own ASGI sub-app: the routes of its table, its error format on every
failure (the exception handlers it installs, and a last-resort 500 rendered its way), its
OpenAPI document (built from the same table), no docs pages, and what every API answers
browsers (api/browser_guard.py: its headers, no cross-site writes signed by the browser, no
body in a content type it does not read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.telemetry import TelemetryConfig

from releasedesk.api import openapi
from releasedesk.api.browser_guard import ApiResponses, BrowserWrites
from releasedesk.api.routes import EVERY_ROUTE, RouteTable
from releasedesk.api.safety import CatchAllMiddleware

# FastAPI's OpenTelemetry instrumentation asks the global providers on every request (about
# 7 % of a GET's CPU when none is configured, in the profile of docs/performance.md). A
# dialect's sub-app never instruments: the outer app does, when the deployer turns it on.
TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}

OPENAPI_URL = "/openapi.json"  # below the dialect's prefix


def dialect_app(
    table: RouteTable,
    database: object,
    *,
    install_errors: Callable[[FastAPI], None],
    base_url: str | None = None,
) -> FastAPI:
    """The sub-app answering `table`'s routes in its order. `base_url` is the server's own
    origin beside the request's Host (RELEASEDESK_BASE_URL); a refused write is rendered as
    the table's core errors."""
    app = FastAPI(
        title=table.title,
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        # A table whose paths take a trailing slash or not answers both without redirects.
        redirect_slashes=not table.optional_slash,
        telemetry=TELEMETRY_OFF,
        dependencies=[Depends(dependency) for dependency in EVERY_ROUTE],
    )
    app.state.database = database
    install_errors(app)
    table.add_to(app)
    document = openapi.document(table)

    def table_document() -> dict[str, Any]:
        return document

    app.openapi = table_document  # type: ignore[method-assign]
    app.add_middleware(CatchAllMiddleware, render=table.errors.internal)
    app.add_middleware(
        BrowserWrites, refuse=table.errors.core, body_types=table.body_types, base_url=base_url
    )
    app.add_middleware(ApiResponses, base_url=base_url)  # outermost: on every answer
    return app
