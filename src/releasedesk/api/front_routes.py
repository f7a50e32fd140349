"""The hottest reads, answered in front of the app's routing.

A GET of one release spent about a third of its CPU in the machinery around the endpoint
(docs/performance.md): a Mount per portal form, the sub-app's own middleware stack, its
router trying each route in turn, FastAPI's dependency solving and its exit stack. The few
requests every CI pipeline polls are matched here by one pattern each and answered by
their endpoint directly; every other request goes on to the app as before. An endpoint
here is the only one for its method and path (the dialect does not also declare it as a
FastAPI route) and opens its own unit of work; a core error it raises is answered by the
dialect's `core_error` (the renderer its sub-app's exception handler uses) and an
unexpected failure the dialect's way by the same CatchAllMiddleware as its sub-app's.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from releasedesk.api.browser_guard import ApiResponses
from releasedesk.api.safety import CatchAllMiddleware
from releasedesk.core.errors import ReleaseDeskError

Endpoint = Callable[[Request, dict[str, str]], Awaitable[Response]]


@dataclass(frozen=True)
class FrontRoute:
    """`method` and a `path` pattern (named groups become path parameters; a `portal` group
    names the portal as /app/{portal}/… does) answered by `endpoint`; `errors` renders its
    failures in the dialect's format. `sole`: no other method has this path, so any other
    is answered 405 here (the sub-app, which no longer has the path, would answer it from
    an unrelated route)."""

    method: str
    path: re.Pattern[str]
    endpoint: Endpoint
    errors: ErrorRenderers
    sole: bool = False


@dataclass(frozen=True)
class ErrorRenderers:
    """How a dialect answers a core error, an HTTP error (a malformed form body, a method
    not allowed) and an unexpected failure: what its sub-app's handlers answer."""

    core: Callable[[Scope, ReleaseDeskError], Response]
    http: Callable[[Scope, HTTPException], Response]
    internal: Callable[[Scope], Response]


class FrontRoutes:
    """ASGI middleware: a request matching a front route is answered by it, any other goes
    on to `app`."""

    def __init__(self, app: ASGIApp, routes: Sequence[FrontRoute]) -> None:
        self.app = app
        # Each route's ASGI app, behind its dialect's last-resort handler and with the API's
        # response headers (api/browser_guard.py), built once.
        self.routes = tuple(
            (
                route,
                ApiResponses(CatchAllMiddleware(_RouteApp(route), render=route.errors.internal)),
            )
            for route in routes
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = _route_path(scope)
            for route, answer in self.routes:
                if scope["method"] != route.method and not route.sole:
                    continue
                match = route.path.fullmatch(path)
                if match is not None:
                    groups = match.groupdict().items()
                    scope["path_params"] = {k: v for k, v in groups if v is not None}
                    scope["endpoint"] = route.endpoint  # what a dialect's error envelope reads
                    await answer(scope, receive, send)
                    return
        await self.app(scope, receive, send)


class _RouteApp:
    """One front route as an ASGI app: its endpoint's answer, or its failure the dialect's
    way."""

    def __init__(self, route: FrontRoute) -> None:
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.route
        response: Response
        try:
            if scope["method"] != route.method:
                raise HTTPException(status_code=405)
            response = await route.endpoint(Request(scope, receive), scope["path_params"])
        except ReleaseDeskError as exc:
            response = route.errors.core(scope, exc)
        except HTTPException as exc:
            response = route.errors.http(scope, exc)
        await response(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path below the server's root path (as Starlette's router sees it)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
