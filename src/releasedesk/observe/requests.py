"""One observation per HTTP request, taken by the outermost middleware.

Every request gets a request id (a sane `X-Request-ID` from the client or proxy, else a new
one), returned in `X-Request-ID`, and once its answer is sent an `Observation`: method, the
route's template (never the concrete path, so ids and search text stay out of logs and
labels), the front that answered, status, duration and the caller's user id. Fronts name the
caller with `note_user`; the fast path names its template with `note_route` (it answers
before any Router sets `scope["route"]`). Sinks (the request log, metrics) take the
observation; a sink that fails is logged once and never fails the request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = b"x-request-id"
_ROUTE = "releasedesk.route"
_USER = "releasedesk.user_id"
_REQUEST_ID = "releasedesk.request_id"
# What a request id from outside may hold: a proxy's or client's token, never markup or a
# line break for the log (anything else is replaced by an id of our own).
_SANE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
_PORTAL_PREFIX = re.compile(r"^/app/[^/]+")


@dataclass(frozen=True, slots=True)
class Observation:
    request_id: str
    method: str
    route: str  # the template ("/api/v3/releases/{release_id}"), "" when no route took it
    front: str  # sdp, ucr, flexdeploy, web, approval, server
    status: int
    seconds: float
    user_id: int | None


Sink = Callable[[Observation], None]


def note_user(scope: Scope, user_id: int) -> None:
    """Name the authenticated caller of this request (the log's `user`)."""
    scope[_USER] = user_id


def note_route(scope: Scope, template: str) -> None:
    """Name the template of the route answering, where no Router does (the fast path)."""
    scope[_ROUTE] = template


def request_id_of(scope: Scope) -> str | None:
    """This request's id (as sent back in `X-Request-ID`)."""
    value = scope.get(_REQUEST_ID)
    return value if isinstance(value, str) else None


def route_template(scope: Scope) -> str:
    """The template of the route that answered: the mounts' prefixes (a portal's name
    replaced by `{portal}`) and the route's own path."""
    named = scope.get(_ROUTE)
    if isinstance(named, str):
        return named
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return ""
    root = scope.get("root_path", "")
    outer = scope.get(_OUTER_ROOT, "")
    mounted = root[len(outer) :] if root.startswith(outer) else root
    return _PORTAL_PREFIX.sub("/app/{portal}", mounted) + path


_OUTER_ROOT = "releasedesk.outer_root_path"


class ObserveRequests:
    """Outermost middleware: the request id in and out, then one observation to each sink."""

    def __init__(self, app: ASGIApp, sinks: Sequence[Sink], front_of: Callable[[str], str]) -> None:
        self.app = app
        self.sinks = tuple(sinks)
        self.front_of = front_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _accepted_id(scope) or uuid.uuid4().hex
        scope[_REQUEST_ID] = request_id
        scope[_OUTER_ROOT] = scope.get("root_path", "")
        path = scope["path"]
        status = 500  # what the server answers if the app fails before it starts an answer
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            user = scope.get(_USER)
            observation = Observation(
                request_id=request_id,
                method=scope["method"],
                route=route_template(scope),
                front=self.front_of(path),
                status=status,
                seconds=time.perf_counter() - started,
                user_id=user if isinstance(user, int) else None,
            )
            for sink in self.sinks:
                try:
                    sink(observation)
                except Exception as error:  # an observer never fails the request
                    log.warning("request observer failed: %s", type(error).__name__)


def _accepted_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            return text if _SANE_ID.fullmatch(text) else None
    return None
