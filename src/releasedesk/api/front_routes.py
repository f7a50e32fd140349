"""The hottest reads, answered in front of the app's routing.

A GET of one release spent about a third of its CPU in the machinery around the endpoint
(docs/performance.md): a Mount per portal form, the sub-app's own middleware stack, its
router trying each route in turn, FastAPI's dependency solving and its exit stack. The
routes a dialect's table marks hot (api/routes.py) are matched here by one pattern each,
derived from the table's prefix and the route's template, and their endpoint is called
directly through a plan made at start (api/endpoint_calls.py); every other request goes on
to the app. The same routes are in the sub-app too (what reaches it, reaches them there).

A path a hot route matches belongs to its template: a method no route of the table takes at
that template is answered 405 here (the sub-app might hand it to a route whose parameter
matches the same segment, as SDP's `/releases/{id}/{plural}` would `history`); a method
another route takes there goes on to the app. A core error is answered by the dialect's
`core` renderer (what its sub-app's exception handler uses), an HTTP error by its `http`
one, and an unexpected failure the dialect's way by the same CatchAllMiddleware as its
sub-app's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from releasedesk.api.browser_guard import ApiResponses, BrowserWrites
from releasedesk.api.endpoint_calls import DirectCall, direct_call
from releasedesk.api.routes import (
    EVERY_ROUTE,
    ApiRoute,
    ErrorRenderers,
    RouteTable,
    path_pattern,
    with_head,
)
from releasedesk.api.safety import CatchAllMiddleware
from releasedesk.core.errors import ReleaseDeskError
from releasedesk.observe.requests import note_route


@dataclass(frozen=True)
class FrontRoute:
    """A hot route as the fast path runs it: its pattern, its call, the methods it answers
    and those the table takes at its template, its dialect's error renderers."""

    pattern: re.Pattern[str]
    route: ApiRoute
    call: DirectCall
    methods: frozenset[str]
    template_methods: frozenset[str]
    errors: ErrorRenderers
    body_types: frozenset[str]
    template: str  # the prefix and the route's path, for the request log and metrics


def front_routes(tables: Sequence[RouteTable]) -> list[FrontRoute]:
    """The hot routes of `tables`, in their order."""
    return [
        FrontRoute(
            path_pattern(table.prefix, route.path, table.optional_slash),
            route,
            direct_call(route.endpoint, route.path_names, first=EVERY_ROUTE),
            frozenset(with_head(route.methods)),
            table.methods_of(route.path),
            table.errors,
            table.body_types,
            table.prefix + route.path,
        )
        for table in tables
        for route in table.declared
        if route.hot
    ]


class FrontRoutes:
    """ASGI middleware: a request matching a hot route is answered by it, any other goes
    on to `app`. `base_url`: the server's own origin, for the browser guard."""

    def __init__(
        self, app: ASGIApp, tables: Sequence[RouteTable], base_url: str | None = None
    ) -> None:
        self.app = app
        # Each route's ASGI app, behind its dialect's last-resort handler and with the API's
        # response headers (api/browser_guard.py), built once; a method its template does
        # not take meets the browser guard first, as in the sub-app (a cross-site write is
        # 403 before it is 405).
        self.routes = tuple(
            (front, *_route_apps(front, base_url)) for front in front_routes(tables)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = _route_path(scope)
            method = scope["method"]
            for front, answer, refuse in self.routes:
                match = front.pattern.fullmatch(path)
                if match is None:
                    continue
                if method in front.methods or method not in front.template_methods:
                    groups = match.groupdict().items()
                    scope["path_params"] = {k: v for k, v in groups if v is not None}
                    scope["endpoint"] = front.route.endpoint  # what an error envelope reads
                    portal = "/app/{portal}" if path.startswith("/app/") else ""
                    note_route(scope, portal + front.template)
                    await (answer if method in front.methods else refuse)(scope, receive, send)
                    return
                break  # another route of the template takes this method: the app's
        await self.app(scope, receive, send)


def _route_apps(front: FrontRoute, base_url: str | None) -> tuple[ASGIApp, ASGIApp]:
    """The route's answer, and its refusal of a method its template does not take."""
    answer = ApiResponses(
        CatchAllMiddleware(_RouteApp(front), render=front.errors.internal), base_url=base_url
    )
    refuse = ApiResponses(
        BrowserWrites(
            CatchAllMiddleware(_RouteApp(front), render=front.errors.internal),
            refuse=front.errors.core,
            body_types=front.body_types,
            base_url=base_url,
        ),
        base_url=base_url,
    )
    return answer, refuse


class _RouteApp:
    """One hot route as an ASGI app: its endpoint's answer, or its failure the dialect's
    way (405 for a method its template does not take)."""

    def __init__(self, front: FrontRoute) -> None:
        self.front = front

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        front = self.front
        response: Response
        try:
            if scope["method"] not in front.methods:
                raise HTTPException(status_code=405)
            response = await front.call(Request(scope, receive), scope["path_params"])
        except ReleaseDeskError as exc:
            response = front.errors.core(scope, exc)
        except HTTPException as exc:
            response = front.errors.http(scope, exc)
        await response(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path below the server's root path (as Starlette's router sees it)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
