"""A dialect as its own ASGI sub-app: its routers, its error format on every failure (the
exception handlers it installs, and a last-resort 500 rendered its way), no docs pages, and
what every API answers browsers (api/browser_guard.py: its headers, no cross-site writes
signed by the browser, no body in a content type it does not read)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.telemetry import TelemetryConfig
from starlette.responses import Response
from starlette.types import Scope

from releasedesk.api.browser_guard import ApiResponses, BrowserWrites
from releasedesk.api.request_text import refuse_invalid_url_text
from releasedesk.api.safety import CatchAllMiddleware
from releasedesk.core.errors import ReleaseDeskError

# FastAPI's OpenTelemetry instrumentation asks the global providers on every request (about
# 7 % of a GET's CPU when none is configured, in the profile of docs/performance.md). A
# dialect's sub-app never instruments: the outer app does, when the deployer turns it on.
TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def dialect_app(
    title: str,
    database: object,
    routers: Sequence[APIRouter],
    *,
    install_errors: Callable[[FastAPI], None],
    internal_error: Callable[[Scope], Response],
    core_error: Callable[[Scope, ReleaseDeskError], Response],
    body_types: frozenset[str],
    base_url: str | None = None,
    openapi_url: str | None = "/openapi.json",
    redirect_slashes: bool = True,
    errors: Mapping[int | str, dict[str, Any]] | None = None,
) -> FastAPI:
    """The sub-app; `routers` in the order their paths must be tried; `errors`, the error
    answers its OpenAPI document shows on every operation (api/documented.py). `core_error`
    renders a refused write; `body_types` are the content types its writes are read in;
    `base_url` is the server's own origin beside the request's Host (RELEASEDESK_BASE_URL)."""
    app = FastAPI(
        title=title,
        responses=dict(errors or {}),
        openapi_url=openapi_url,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=redirect_slashes,
        telemetry=TELEMETRY_OFF,
        # A query or path that is not UTF-8 is a 400 in the dialect's format, never U+FFFD.
        dependencies=[Depends(refuse_invalid_url_text)],
    )
    app.state.database = database
    install_errors(app)
    for router in routers:
        app.include_router(router)
    app.add_middleware(CatchAllMiddleware, render=internal_error)
    app.add_middleware(BrowserWrites, refuse=core_error, body_types=body_types, base_url=base_url)
    app.add_middleware(ApiResponses, base_url=base_url)  # outermost: on every answer
    return app
