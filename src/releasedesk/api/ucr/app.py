"""The UrbanCode Release dialect as its own ASGI sub-app, with UCR's error shape on every
failure. Mounted at the server root (the default portal) and under /app/{portal}."""

from __future__ import annotations

from fastapi import FastAPI

from releasedesk.api.safety import CatchAllMiddleware
from releasedesk.api.ucr import catalog, errors
from releasedesk.api.ucr.router import router


def create_ucr_app(database: object) -> FastAPI:
    app = FastAPI(
        title="releasedesk — UrbanCode Release",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
    )
    app.state.database = database
    errors.install(app)
    app.include_router(router)
    app.include_router(catalog.router)
    app.add_middleware(CatchAllMiddleware, render=errors.internal_error)
    return app
