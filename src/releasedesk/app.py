"""create_app(settings): the server, each API dialect a sub-app over one database (today SDP v3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.routing import Mount

from releasedesk.api.sdp.app import create_sdp_app
from releasedesk.core.users.cache import AUTH_CACHE
from releasedesk.db.auth_notify import listener_for
from releasedesk.db.session import Database
from releasedesk.settings import Settings


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """The whole server: SDP at /api/v3 and /app/{portal}/api/v3.

    While it runs, a listener tells the process's auth cache what other processes changed
    in keys and users (db/auth_notify.py).
    """
    settings = settings or Settings.from_env()
    db = database or Database(settings.database_url)
    listener = listener_for(db.url, AUTH_CACHE)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if listener is not None:
            await listener.start()
        try:
            yield
        finally:
            if listener is not None:
                await listener.stop()
            await db.dispose()

    sdp = create_sdp_app(db)
    app = FastAPI(
        title="releasedesk",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        routes=[Mount("/api/v3", app=sdp), Mount("/app/{portal}/api/v3", app=sdp)],
    )
    app.state.database = db
    app.state.settings = settings
    app.state.auth_listener = listener
    return app
