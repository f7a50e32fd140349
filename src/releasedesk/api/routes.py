"""One route table per dialect: the mounted app, the fast path and the OpenAPI document are
all built from it.

A dialect declares each route once, beside its endpoint (`@routes.get(path, answers=…)`),
with its path below the dialect's prefix; its `RouteTable` gathers them in the order they
are tried, with the prefix, the dialect's error renderers and what its document says of
every operation. From the table:

- `add_to(app)`: the routes of the dialect's FastAPI sub-app (every route, hot ones too);
- `mounts(app)`: the sub-app at the prefix and under /app/{portal}/;
- `api/front_routes.FrontRoutes`: the hot routes, matched in front of the routing by
  patterns derived from the prefix and the path templates;
- `api/openapi.document`: the dialect's OpenAPI document, every route in it.

A GET also answers HEAD (the same headers, no body: `BodilessHead`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from releasedesk.api.request_text import refuse_invalid_url_text
from releasedesk.core.errors import ReleaseDeskError

PORTAL_PREFIX = "/app/{portal}"  # a portal named in the path; the bare prefix serves the default

# What every route of every dialect runs first, in the sub-app and on the fast path alike: a
# query or path that is not UTF-8 is a 400 in the dialect's format, never U+FFFD.
EVERY_ROUTE: tuple[Callable[..., Awaitable[None]], ...] = (refuse_invalid_url_text,)

Schema = dict[str, Any]
Endpoint = Callable[..., Awaitable[Response]]
E = TypeVar("E", bound=Endpoint)

_PATH_PARAMETER = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)}")


@dataclass(frozen=True)
class Parameter:
    """A query parameter the document names (path parameters come from the template).
    `json`: its value is a JSON text, and `schema` the shape of what it holds."""

    name: str
    description: str
    schema: Schema = field(default_factory=lambda: {"type": "string"})
    json: bool = False


@dataclass(frozen=True)
class ApiRoute:
    """A route: its methods, its path template below the dialect's prefix, its endpoint
    (FastAPI's style: path parameters by name, `Request`, `Annotated` dependencies), whether
    it is answered in front of the routing, and for the document what it answers on success
    (status → body schema, None for no body), its query parameters and its body."""

    methods: tuple[str, ...]
    path: str
    endpoint: Endpoint
    answers: Mapping[int, Schema | None]
    hot: bool = False
    query: tuple[Parameter, ...] = ()
    body: Schema | None = None  # None: the dialect's usual body for a write, none for a read

    @property
    def path_names(self) -> tuple[str, ...]:
        return tuple(_PATH_PARAMETER.findall(self.path))

    @property
    def summary(self) -> str:
        doc = (self.endpoint.__doc__ or self.endpoint.__name__.replace("_", " ")).strip()
        return doc.split("\n\n", 1)[0].replace("\n", " ")


class Routes:
    """Routes declared beside their endpoints, in the order declared (decorators stacked on
    one endpoint declare aliases, the lowest first, as FastAPI's do)."""

    def __init__(self) -> None:
        self.declared: list[ApiRoute] = []

    def route(
        self,
        methods: Sequence[str],
        path: str,
        *,
        answers: Mapping[int, Schema | None],
        hot: bool = False,
        query: Sequence[Parameter] = (),
        body: Schema | None = None,
    ) -> Callable[[E], E]:
        def declare(endpoint: E) -> E:
            route = ApiRoute(tuple(methods), path, endpoint, answers, hot, tuple(query), body)
            self.declared.append(route)
            return endpoint

        return declare

    def get(self, path: str, **kwargs: Any) -> Callable[[E], E]:
        return self.route(("GET",), path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Callable[[E], E]:
        return self.route(("POST",), path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Callable[[E], E]:
        return self.route(("PUT",), path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Callable[[E], E]:
        return self.route(("PATCH",), path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Callable[[E], E]:
        return self.route(("DELETE",), path, **kwargs)


@dataclass(frozen=True)
class ErrorRenderers:
    """How a dialect answers a core error, an HTTP error (a malformed form body, a method
    not allowed) and an unexpected failure: what its sub-app's handlers answer."""

    core: Callable[[Scope, ReleaseDeskError], Response]
    http: Callable[[Scope, HTTPException], Response]
    internal: Callable[[Scope], Response]


@dataclass(frozen=True)
class DocStyle:
    """What a dialect's document says of every operation: the query parameters all take,
    the body a write takes, its error answers (status → OpenAPI response, per route:
    api/documented.py), and the values its path parameters take (by name; any other is a
    string)."""

    parameters: tuple[Parameter, ...]
    write_body: Schema
    errors: Callable[[ApiRoute], Mapping[int | str, dict[str, Any]]]
    path_parameters: Mapping[str, Schema] = field(default_factory=dict)


@dataclass(frozen=True)
class RouteTable:
    """A dialect's routes in the order they are tried, below `prefix` (and PORTAL_PREFIX +
    prefix). `body_types`: the content types its writes are read in (api/browser_guard.py).
    `optional_slash`: every path also answers with a trailing slash (UCR's clients send
    both; no redirects)."""

    title: str
    prefix: str
    declared: tuple[ApiRoute, ...]
    errors: ErrorRenderers
    doc: DocStyle
    body_types: frozenset[str]
    optional_slash: bool = False

    @classmethod
    def of(cls, title: str, prefix: str, groups: Sequence[Routes], **kwargs: Any) -> RouteTable:
        """The table of `groups`, tried in the order given."""
        return cls(title, prefix, tuple(r for g in groups for r in g.declared), **kwargs)

    def routes(self) -> Iterator[tuple[str, ApiRoute]]:
        """Every (path, route) the sub-app answers, slash variants included."""
        for route in self.declared:
            yield route.path, route
            if self.optional_slash and not route.path.endswith("/"):
                yield route.path + "/", route

    def add_to(self, app: FastAPI) -> None:
        """Route `app` (the dialect's sub-app) by the table: every route, in its order; a GET
        answers HEAD."""
        for path, route in self.routes():
            app.add_api_route(
                path,
                route.endpoint,
                methods=list(with_head(route.methods)),
                name=route.endpoint.__name__,
                include_in_schema=False,  # the document is the table's (api/openapi.py)
            )

    def mounts(self, app: ASGIApp) -> list[Mount]:
        """`app` under /app/{portal}/ and at the bare prefix (in that order: UCR's bare
        prefix is the root, which would take the other)."""
        return [Mount(PORTAL_PREFIX + self.prefix, app=app), Mount(self.prefix, app=app)]

    def owns(self, path: str) -> bool:
        """Whether `path` is below the table's prefix, bare or under /app/{portal}/."""
        return _prefix_pattern(self.prefix).match(path) is not None

    def methods_of(self, path: str) -> frozenset[str]:
        """Every method some route of the table takes at exactly `path`."""
        return frozenset(m for p, r in self.routes() if p == path for m in with_head(r.methods))


def with_head(methods: Sequence[str]) -> tuple[str, ...]:
    """HEAD is answered wherever GET is."""
    return (*methods, "HEAD") if "GET" in methods and "HEAD" not in methods else tuple(methods)


def path_pattern(prefix: str, path: str, optional_slash: bool) -> re.Pattern[str]:
    """What matches `path` under `prefix` at the bare prefix and under /app/{portal}/ (a
    `portal` group), each parameter one segment without a newline: Starlette's mounts match
    a path's rest with `.*`, which stops at one, so such a path never reaches a sub-app
    (its 404 is `app.unrouted`'s) and must not reach a hot route either."""
    portal = _template_regex(PORTAL_PREFIX)
    pattern = f"(?:{portal})?{_template_regex(prefix + path)}"
    if optional_slash and not path.endswith("/"):
        pattern += "/?"
    return re.compile(pattern)


@functools.cache
def _prefix_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(f"(?:{_template_regex(PORTAL_PREFIX)})?{re.escape(prefix)}(?:/|$)")


def _template_regex(template: str) -> str:
    parts = _PATH_PARAMETER.split(template)  # literal, name, literal, name, …
    return "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/\n]+)" for i, part in enumerate(parts)
    )


class BodilessHead:
    """ASGI middleware: a HEAD is answered as its GET, headers (Content-Length included) and
    all, without the body, whatever server runs the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app(scope, receive, send_headers_only)
