"""The web UI: a fourth front beside the three API dialects, mounted at /ui (the default
portal) and /app/{portal}/ui, server-rendered from Jinja2 templates with its static files
(htmx, one stylesheet, a few lines of script) served from the package."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from releasedesk.core.webhooks.config import WebhookConfig
from releasedesk.db.session import Database
from releasedesk.settings import Settings
from releasedesk.web.context import PageContext, WebState, page, prefix_of, refusal_page
from releasedesk.web.pages import (
    approval_policies,
    approvals,
    audit,
    board,
    calendar,
    freezes,
    insights,
    keys,
    release,
    release_actions,
    release_approvals,
    release_edit,
    releases,
    signin,
    trash,
    users,
    webhooks,
)
from releasedesk.web.security import CookieSigner

STATIC = Path(__file__).parent / "static"
PAGES = (
    signin,
    releases,
    release,
    release_edit,
    release_actions,
    release_approvals,
    approvals,
    board,
    calendar,
    freezes,
    insights,
    trash,
    keys,
    users,
    approval_policies,
    webhooks,
    audit,
)


@page(public=True)
async def home(ctx: PageContext) -> Response:
    """The UI's front door: the releases for a signed-in user, else the sign-in page."""
    return ctx.redirect("releases" if ctx.actor is not None else "sign-in")


class StaticFilesWithHeaders(StaticFiles):
    """The package's static files, cached a day and never sniffed as another type."""

    async def get_response(self, path: str, scope: dict) -> Response:  # type: ignore[override]
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "public, max-age=86400"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


async def not_found(request: Request, _error: Exception) -> Response:
    """An address under the UI that no page answers: a page saying so, not a bare 404."""
    return refusal_page(request, "There is no page at this address.", 404)


async def not_allowed(request: Request, _error: Exception) -> Response:
    return refusal_page(request, "This page cannot be used that way.", 405)


def create_web_app(database: Database, settings: Settings, webhooks: WebhookConfig) -> Starlette:
    routes: list[BaseRoute] = [
        Route("/", home, methods=["GET"]),
        Mount("/static", app=StaticFilesWithHeaders(directory=STATIC), name="static"),
    ]
    for module in PAGES:
        routes.extend(module.routes())
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})
    app.state.web = WebState(
        database=database,
        signer=CookieSigner(settings.secret_key),
        webhooks=webhooks,
        base_url=settings.base_url,
    )
    return app


async def to_ui(request: Request) -> Response:
    """`/` (and `/app/{portal}/`): to the web UI, which sends a stranger on to sign in."""
    return RedirectResponse(prefix_of(request) + "/", status_code=307)
