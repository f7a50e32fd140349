"""The FlexDeploy dialect as its own ASGI sub-app, with FlexDeploy's errors on every failure."""

from __future__ import annotations

from fastapi import FastAPI

from releasedesk.api.flexdeploy import catalog, errors
from releasedesk.api.flexdeploy.router import router
from releasedesk.api.safety import CatchAllMiddleware


def create_flexdeploy_app(database: object) -> FastAPI:
    app = FastAPI(
        title="releasedesk — FlexDeploy releases",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.database = database
    errors.install(app)
    app.include_router(router)
    app.include_router(catalog.router)
    app.add_middleware(CatchAllMiddleware, render=errors.internal_error)
    return app
