"""The SDP dialect as its own ASGI sub-app, with SDP's error envelope on every failure."""

from __future__ import annotations

from fastapi import FastAPI

from releasedesk.api.safety import CatchAllMiddleware
from releasedesk.api.sdp import approvals, errors, lifecycle, work
from releasedesk.api.sdp.router import router


def create_sdp_app(database: object) -> FastAPI:
    app = FastAPI(
        title="releasedesk — ServiceDesk Plus v3 releases",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.database = database
    errors.install(app)
    # The fixed paths (/releases/close, /releases/assign, …) go before /releases/{id}.
    app.include_router(lifecycle.router)
    app.include_router(approvals.router)
    app.include_router(router)
    app.include_router(work.router)
    app.add_middleware(CatchAllMiddleware, render=errors.internal_error)
    return app
