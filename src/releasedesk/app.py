"""create_app(settings): the server, each API dialect a sub-app over one database (SDP v3,
UrbanCode Release, FlexDeploy), the approval mail link's page, and the outbox sender running
beside them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import Mount, Route

from releasedesk.api.dialect_app import TELEMETRY_OFF
from releasedesk.api.flexdeploy.app import ROUTES as FLEXDEPLOY_ROUTES
from releasedesk.api.flexdeploy.app import create_flexdeploy_app
from releasedesk.api.front_routes import FrontRoutes
from releasedesk.api.routes import BodilessHead
from releasedesk.api.sdp.app import ROUTES as SDP_ROUTES
from releasedesk.api.sdp.app import create_sdp_app
from releasedesk.api.ucr.app import ROUTES as UCR_ROUTES
from releasedesk.api.ucr.app import create_ucr_app
from releasedesk.core.approvals import links
from releasedesk.core.notifications.sender import Sender, SmtpServer
from releasedesk.core.users.cache import AUTH_CACHE
from releasedesk.db.auth_notify import listener_for
from releasedesk.db.session import Database
from releasedesk.settings import Settings
from releasedesk.web import approval_link
from releasedesk.web.app import create_web_app, to_ui


def mail_sender(settings: Settings, database: Database) -> Sender:
    """The outbox sender for these settings (its links signed with the server's key)."""

    async def render_link(session: AsyncSession, link_id: int) -> str | None:
        return await links.url_of(session, settings.base_url, settings.secret_key, link_id)

    return Sender(
        database,
        smtp=None if settings.smtp_url is None else SmtpServer.from_url(settings.smtp_url),
        mail_from=settings.mail_from,
        render_link=render_link,
    )


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """The whole server: SDP at /api/v3 and /app/{portal}/api/v3, the mail link page at
    /approval/…, FlexDeploy at /flexdeploy/rest/v1 and /app/{portal}/flexdeploy/rest/v1,
    UrbanCode Release at the root and under /app/{portal}/, and (with
    `settings.mail_sender`) the outbox sender.

    While it runs, a listener tells the process's auth cache what other processes changed
    in keys and users (db/auth_notify.py).
    """
    settings = settings or Settings.from_env()
    db = database or Database(settings.database_url)
    sender = mail_sender(settings, db) if settings.mail_sender else None
    AUTH_CACHE.ttl = settings.auth_cache_seconds
    listener = listener_for(db.url, AUTH_CACHE)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if listener is not None:
            await listener.start()
        task = None if sender is None else asyncio.create_task(sender.run(), name="mail sender")
        try:
            yield
        finally:
            if sender is not None and task is not None:
                sender.stop()
                with suppress(asyncio.CancelledError):
                    await task
            if listener is not None:
                await listener.stop()
            await db.dispose()

    sdp = create_sdp_app(db)
    ucr = create_ucr_app(db)
    flexdeploy = create_flexdeploy_app(db)
    web = create_web_app(db, settings)
    app = FastAPI(
        title="releasedesk",
        lifespan=lifespan,
        openapi_url=None,  # each dialect serves its own document (api/openapi.py)
        docs_url=None,
        redoc_url=None,
        telemetry=None if settings.opentelemetry else TELEMETRY_OFF,
        routes=[
            *SDP_ROUTES.mounts(sdp),
            *FLEXDEPLOY_ROUTES.mounts(flexdeploy),
            *approval_link.routes(),
            Route("/", to_ui, methods=["GET"]),
            Route("/app/{portal}/", to_ui, methods=["GET"]),
            Mount("/ui", app=web),
            Mount("/app/{portal}/ui", app=web),
            # UrbanCode Release answers at the root (/releases/, /lifecycleModels/, /teams/);
            # mounted last, so the paths above (/app/{portal}/api/v3, …/flexdeploy/…) stay theirs.
            *UCR_ROUTES.mounts(ucr),
        ],
    )
    # The routes the dialects' tables mark hot, answered before the routing
    # (api/front_routes.py); a HEAD is its GET without the body, wherever it is answered.
    app.add_middleware(FrontRoutes, tables=[SDP_ROUTES, FLEXDEPLOY_ROUTES, UCR_ROUTES])
    app.add_middleware(BodilessHead)
    app.state.database = db
    app.state.settings = settings
    app.state.mail_sender = sender
    app.state.auth_listener = listener
    return app
