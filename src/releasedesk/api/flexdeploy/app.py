"""The FlexDeploy dialect as its own ASGI sub-app, with FlexDeploy's errors on every failure."""

from __future__ import annotations

from fastapi import FastAPI

from releasedesk.api.dialect_app import dialect_app
from releasedesk.api.flexdeploy import catalog, errors
from releasedesk.api.flexdeploy.router import router


def create_flexdeploy_app(database: object) -> FastAPI:
    return dialect_app(
        "releasedesk — FlexDeploy releases",
        database,
        [router, catalog.router],
        install_errors=errors.install,
        internal_error=errors.internal_error,
    )
