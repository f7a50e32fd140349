"""The SDP dialect as its own ASGI sub-app, with SDP's error envelope on every failure."""

from __future__ import annotations

from fastapi import FastAPI

from releasedesk.api.dialect_app import dialect_app
from releasedesk.api.sdp import approvals, errors, lifecycle, work
from releasedesk.api.sdp.router import FRONT_ROUTES, router

__all__ = ["FRONT_ROUTES", "create_sdp_app"]


def create_sdp_app(database: object) -> FastAPI:
    # The fixed paths (/releases/close, /releases/assign, …) go before /releases/{id}.
    return dialect_app(
        "releasedesk — ServiceDesk Plus v3 releases",
        database,
        [lifecycle.router, approvals.router, router, work.router],
        install_errors=errors.install,
        internal_error=errors.internal_error,
    )
