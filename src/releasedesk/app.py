"""create_app(settings): the server, each API dialect a sub-app over one database (SDP v3,
UrbanCode Release, FlexDeploy), the approval mail link's page, and the outbox sender and the
approval scheduler running beside them."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from prometheus_client.multiprocess import mark_process_dead
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from releasedesk.api.dialect_app import TELEMETRY_OFF
from releasedesk.api.flexdeploy.app import ROUTES as FLEXDEPLOY_ROUTES
from releasedesk.api.flexdeploy.app import create_flexdeploy_app
from releasedesk.api.front_routes import FrontRoutes
from releasedesk.api.routes import BodilessHead
from releasedesk.api.sdp.app import ROUTES as SDP_ROUTES
from releasedesk.api.sdp.app import create_sdp_app
from releasedesk.api.ucr.app import ROUTES as UCR_ROUTES
from releasedesk.api.ucr.app import create_ucr_app
from releasedesk.api.v1.app import ROUTES as V1_ROUTES
from releasedesk.api.v1.app import create_v1_app
from releasedesk.api_docs import pages as api_docs
from releasedesk.core.approvals import links
from releasedesk.core.notifications.sender import Sender, SmtpServer
from releasedesk.core.scheduler.runner import Runner
from releasedesk.core.throttle.service import throttle_for
from releasedesk.core.users.cache import AuthCache
from releasedesk.core.webhooks.config import WebhookConfig
from releasedesk.core.webhooks.sealing import Sealer
from releasedesk.core.webhooks.sender import WebhookSender
from releasedesk.core.webhooks.targets import parse_networks as webhook_networks
from releasedesk.db.auth_notify import listener_for
from releasedesk.db.session import Database
from releasedesk.observe.health import healthz, readyz_for
from releasedesk.observe.log import RequestLog
from releasedesk.observe.metrics import (
    LOOPBACK,
    MetricsAccess,
    RequestMetrics,
    metrics_endpoint,
    parse_networks,
)
from releasedesk.observe.requests import ObserveRequests, note_route
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
        timeout_seconds=settings.smtp_timeout_seconds,
    )


def webhook_config(settings: Settings) -> WebhookConfig:
    """Webhook secrets sealed under the server's key; the networks the operator allowed."""
    return WebhookConfig(
        sealer=Sealer(settings.secret_key),
        allowed=webhook_networks(settings.webhooks.allowed_networks),
    )


def webhook_sender(settings: Settings, database: Database, config: WebhookConfig) -> WebhookSender:
    return WebhookSender(
        database,
        config,
        timeout_seconds=settings.webhooks.timeout_seconds,
        disable_after=dt.timedelta(days=settings.webhooks.disable_after_days),
        lease_seconds=settings.webhooks.lease_seconds,
    )


# Where the outer routing answers itself: a path no mount takes. Starlette's mounts match the
# rest of a path with `.*`, which stops at a newline, so a path whose id holds an encoded one
# (`/api/v3/releases/1%0A`) reaches no dialect. Its 404 then speaks the dialect whose prefix
# the path is under, as the dialect's own 404s do; the web pages' paths keep the plain
# answer; UCR, at the root, answers the rest.
WEB_PATH = re.compile(r"(?:/app/[^/]+)?(?:/ui(?:/|$)|/?$)|/approval/")


async def unrouted(request: Request, exc: Exception) -> Response:
    """An HTTP failure of the outer routing, in the format of the dialect the path names."""
    assert isinstance(exc, StarletteHTTPException)
    path = request.url.path
    for table in (SDP_ROUTES, FLEXDEPLOY_ROUTES, V1_ROUTES):
        if table.owns(path):
            return table.errors.http(request.scope, exc)
    if WEB_PATH.match(path):
        return await http_exception_handler(request, exc)
    return UCR_ROUTES.errors.http(request.scope, exc)


SERVER_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
DOCS_PATH = re.compile(r"(?:/app/[^/]+)?/docs(?:/|$)")


def front_of(path: str) -> str:
    """Which front a path belongs to, for the request log and metrics."""
    if SDP_ROUTES.owns(path):
        return "sdp"
    if FLEXDEPLOY_ROUTES.owns(path):
        return "flexdeploy"
    if V1_ROUTES.owns(path):
        return "v1"
    if path.startswith("/approval/"):
        return "approval"
    if WEB_PATH.match(path):
        return "web"
    if path in SERVER_PATHS:
        return "server"
    if DOCS_PATH.match(path):
        return "docs"
    return "ucr"


def server_routes(db: Database, settings: Settings, sink: RequestMetrics) -> list[Route]:
    """The server's own paths: health for orchestrators, metrics for Prometheus."""
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz_for(db), methods=["GET"]),
    ]
    metrics = settings.metrics
    if metrics.enabled:
        networks = parse_networks(metrics.allowed_networks) or LOOPBACK
        access = MetricsAccess(networks, metrics.token)
        endpoint = metrics_endpoint(db, sink, access, metrics.multiprocess_dir)
        routes.append(Route("/metrics", endpoint, methods=["GET"]))
    return routes


def _name_outer_routes(routes: list[BaseRoute]) -> None:
    """The outer app's own routes (/healthz, /docs, …) name their template for the request
    log and metrics themselves: FastAPI's outer router leaves `scope["route"]` unset."""
    for route in routes:
        if isinstance(route, Route):
            route.app = _noting(route.app, route.path)


def _noting(inner: ASGIApp, template: str) -> ASGIApp:
    async def named(scope: Scope, receive: Receive, send: Send) -> None:
        note_route(scope, template)
        await inner(scope, receive, send)

    return named


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """The whole server: SDP at /api/v3 and /app/{portal}/api/v3, the mail link page at
    /approval/…, FlexDeploy at /flexdeploy/rest/v1 and /app/{portal}/flexdeploy/rest/v1,
    UrbanCode Release at the root and under /app/{portal}/, the API docs at /docs, and (with
    `settings.mail_sender`) the outbox sender, (with `settings.approval_scheduler`) the
    approval policies' scheduler.

    The database's auth cache is made here, with the settings' TTL; while the app runs, a
    listener tells it what other processes changed in keys and users (db/auth_notify.py).
    """
    settings = settings or Settings.from_env()
    db = database or Database(settings.database_url, settings.database)
    sender = mail_sender(settings, db) if settings.mail_sender else None
    webhooks = webhook_config(settings)
    hooks = webhook_sender(settings, db, webhooks) if settings.webhooks.sender else None
    scheduler = Runner(db) if settings.approval_scheduler else None
    auth_cache = AuthCache(ttl=settings.auth_cache_seconds)
    db.caches.adopt(auth_cache)  # the database's from now on: sessions find it (cache.py)
    listener = listener_for(db.url, auth_cache)
    throttle = throttle_for(settings.throttle)
    request_metrics = RequestMetrics(db)
    multiprocess_dir = settings.metrics.multiprocess_dir

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if listener is not None:
            await listener.start()
        task = None if sender is None else asyncio.create_task(sender.run(), name="mail sender")
        hooks_task = (
            None if hooks is None else asyncio.create_task(hooks.run(), name="webhook sender")
        )
        runs = (
            None
            if scheduler is None
            else asyncio.create_task(scheduler.run(), name="approval scheduler")
        )
        try:
            yield
        finally:
            if hooks is not None and hooks_task is not None:
                hooks.stop()
                with suppress(asyncio.CancelledError):
                    await hooks_task
            if sender is not None and task is not None:
                sender.stop()
                with suppress(asyncio.CancelledError):
                    await task
            if scheduler is not None and runs is not None:
                scheduler.stop()
                with suppress(asyncio.CancelledError):
                    await runs
            if listener is not None:
                await listener.stop()
            await throttle.close()
            await db.dispose()
            if multiprocess_dir:  # this worker's live gauges leave the sums
                mark_process_dead(os.getpid(), multiprocess_dir)

    sdp = create_sdp_app(db, settings.base_url)
    ucr = create_ucr_app(db, settings.base_url)
    flexdeploy = create_flexdeploy_app(db, settings.base_url)
    v1 = create_v1_app(db, settings.base_url)
    web = create_web_app(db, settings, webhooks)
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
            *V1_ROUTES.mounts(v1),
            *approval_link.routes(),
            *api_docs.routes(),  # /docs: each API's docs from its document
            *server_routes(db, settings, request_metrics),
            Route("/", to_ui, methods=["GET"]),
            Route("/app/{portal}/", to_ui, methods=["GET"]),
            Mount("/ui", app=web),
            Mount("/app/{portal}/ui", app=web),
            # UrbanCode Release answers at the root (/releases/, /lifecycleModels/, /teams/);
            # mounted last, so the paths above (/app/{portal}/api/v3, …/flexdeploy/…) stay theirs.
            *UCR_ROUTES.mounts(ucr),
        ],
    )
    app.add_exception_handler(StarletteHTTPException, unrouted)
    _name_outer_routes(app.router.routes)
    # The routes the dialects' tables mark hot, answered before the routing
    # (api/front_routes.py); a HEAD is its GET without the body, wherever it is answered.
    app.add_middleware(
        FrontRoutes, tables=[SDP_ROUTES, FLEXDEPLOY_ROUTES, UCR_ROUTES], base_url=settings.base_url
    )
    app.add_middleware(BodilessHead)
    # Outermost: every request's id and its one observation (the request log, metrics).
    app.add_middleware(
        ObserveRequests,
        sinks=[RequestLog(settings.log_format), request_metrics],
        front_of=front_of,
    )
    app.state.database = db
    app.state.settings = settings
    app.state.mail_sender = sender
    app.state.webhook_sender = hooks
    app.state.webhooks = webhooks
    v1.state.webhooks = webhooks  # api/v1/webhooks.py: the sealer and the allowed networks
    app.state.approval_scheduler = scheduler
    app.state.auth_listener = listener
    # Failed sign-ins and key request limits (core/throttle), one counter store for all.
    for each in (app, sdp, ucr, flexdeploy, v1, web):
        each.state.throttle = throttle
    return app
