"""The hottest routes, answered in front of the app's routing.

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
another route takes there goes on to that route, hot or in the app. A path that a route
declared earlier in the table matches with the same method is that route's, as in the
sub-app (`FrontRoute.shadows`: SDP's PUT /releases/close is not an update of release
"close"). Writes meet the same browser guard as in the sub-app (api/browser_guard.py).

Which routes are hot: the reads and writes `make bench` loads (SDP's GET, list, history,
POST and PUT of a release). Solving a POST's dependencies through FastAPI cost 5.3 against
6.3 ms of CPU per POST on PostgreSQL, 6.4 against 7.5 per PUT (in-process, 300 requests
each, best of three, 2026-12-06). A core error is answered by the dialect's
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
    # Routes of the table tried before this one that take one of its methods: a path one of
    # them matches is theirs in the sub-app (SDP's PUT /releases/close before PUT
    # /releases/{release_id}), so it goes on to the app.
    shadows: tuple[re.Pattern[str], ...] = ()


def front_routes(tables: Sequence[RouteTable]) -> list[FrontRoute]:
    """The hot routes of `tables`, in their order."""
    found = []
    for table in tables:
        for at, route in enumerate(table.declared):
            if not route.hot:
                continue
            methods = frozenset(with_head(route.methods))
            shadows = tuple(
                path_pattern(table.prefix, earlier.path, table.optional_slash)
                for earlier in table.declared[:at]
                if earlier.path != route.path and methods & frozenset(with_head(earlier.methods))
            )
            found.append(
                FrontRoute(
                    path_pattern(table.prefix, route.path, table.optional_slash),
                    route,
                    direct_call(route.endpoint, route.path_names, first=EVERY_ROUTE),
                    methods,
                    table.methods_of(route.path),
                    table.errors,
                    table.body_types,
                    table.prefix + route.path,
                    shadows,
                )
            )
    return found


class FrontRoutes:
    """ASGI middleware: a request matching a hot route is answered by it, any other goes
    on to `app`. `base_url`: the server's own origin, for the browser guard."""

    def __init__(
        self, app: ASGIApp, tables: Sequence[RouteTable], base_url: str | None = None
    ) -> None:
        self.app = app
        # Each route's ASGI app (`_route_app`), built once.
        self.routes = tuple((front, _route_app(front, base_url)) for front in front_routes(tables))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = _route_path(scope)
            method = scope["method"]
            for front, answer in self.routes:
                match = front.pattern.fullmatch(path)
                if match is None:
                    continue
                if method in front.methods:
                    if any(shadow.fullmatch(path) for shadow in front.shadows):
                        break  # an earlier route of the table takes it: the app's
                elif method in front.template_methods:
                    continue  # another route of the template takes it: a hot one, or the app
                groups = match.groupdict().items()
                scope["path_params"] = {k: v for k, v in groups if v is not None}
                scope["endpoint"] = front.route.endpoint  # what an error envelope reads
                portal = "/app/{portal}" if path.startswith("/app/") else ""
                note_route(scope, portal + front.template)
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _route_app(front: FrontRoute, base_url: str | None) -> ASGIApp:
    """The route as the sub-app would answer it: the API's headers, the browser guard on a
    write (a cross-site write is 403 before anything else, before a 405 too), the dialect's
    last-resort handler, then the endpoint or the 405 of a method its template does not
    take."""
    return ApiResponses(
        BrowserWrites(
            CatchAllMiddleware(_RouteApp(front), render=front.errors.internal),
            refuse=front.errors.core,
            body_types=front.body_types,
            base_url=base_url,
        ),
        base_url=base_url,
    )


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
