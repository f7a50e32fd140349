"""The app as served in production, plus the reference routes the bench measures against.

`/api/v3/_bench/ceiling` runs through the stack a release read goes through (a front route
in front of the routing, its read unit of work, the caller from the process's auth cache,
an orjson response) but returns a release-sized body from memory: the most this stack can
do per request. (Until the reads became front routes it went through the SDP sub-app.)
`/api/v3/_bench/ceiling_db_auth` is the same with the key looked up in the database on every
request, as before the cache: the difference is what the cache saves. On SQLite,
`/api/v3/_bench/ceiling_version_check` adds one read of the auth_version counter per request:
what checking for changes per request, instead of polling, would cost (bench/auth_cost.py).
`/_bench/bare` is a bare ASGI callable returning the same bytes: the most one Python process
can do here.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import Depends, FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from releasedesk.api.deps import Session, portal_name
from releasedesk.api.front_routes import FrontRoutes
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Routes, RouteTable
from releasedesk.api.sdp.app import ROUTES as SDP_ROUTES
from releasedesk.api.sdp.auth import CurrentActor, read_credentials
from releasedesk.app import create_app
from releasedesk.core.actors import Actor
from releasedesk.core.errors import Unauthenticated
from releasedesk.core.users import keys
from releasedesk.core.users.cache import AuthCache

CEILING_RELEASE = {
    "id": "1",
    "title": "MSSQL Server service pack upgrade",
    "description": "<p>" + "x" * 400,
    "short_description": "MSSQL Server service pack upgrade",
    "template": {"name": "General Template", "id": "1"},
    "workflow": {
        "validated": True,
        "name": "General Release Workflow",
        "id": "1",
        "type": "General",
    },
    "stage": {"internal_name": "planning", "stage_index": "2", "name": "Planning", "id": "2"},
    "status": {
        "internal_name": "rejected",
        "stage": {"id": "2"},
        "status_type": "Failed",
        "name": "Rejected",
        "id": "7",
    },
    **{
        k: {"name": "High", "id": "4", "color": "#ff0000"}
        for k in (
            "priority",
            "impact",
            "urgency",
            "risk",
            "release_type",
            "category",
            "subcategory",
            "item",
            "group",
        )
    },
    "roles": [
        {
            "role": {
                "internal_name": "release_requester",
                "prominent": True,
                "user_type": "ALL",
                "name": "Release Requester",
                "id": "3",
            },
            "release": {"id": "1", "title": "MSSQL"},
            "id": "8",
            "user": {"email_id": "guest@example.com", "name": "Guest", "id": "3"},
        }
    ]
    * 2,
    **{
        k: {
            "updated_on": None,
            "internal_name": k,
            "attachments": [],
            "stage": {
                "internal_name": "planning",
                "stage_index": "2",
                "name": "Planning",
                "id": "2",
            },
            "release": {"id": "1"},
            "name": k,
            "updated_by": None,
            "description": None,
            "id": "12",
        }
        for k in (
            "roll_out_plan",
            "back_out_plan",
            "checklist",
            "impact_details",
            "review_details",
            "close_details",
        )
    },
    **{
        k: {"display_value": "Jun 22, 2020 03:34 PM", "value": "1592820250370"}
        for k in ("created_time", "scheduled_start_time", "scheduled_end_time", "next_review_on")
    },
}
CEILING_BODY = {
    "response_status": {"status_code": 2000, "status": "success"},
    "release": CEILING_RELEASE,
}
CEILING_BYTES = orjson.dumps(CEILING_BODY)


async def bare_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": CEILING_BYTES})


UNCACHED = AuthCache(ttl=0)  # keeps nothing: every lookup asks the database


async def db_actor(request: Request, session: AsyncSession) -> Actor:
    """The caller with the key looked up in the database, never from the cache."""
    key = read_credentials(request).key
    if not key:
        raise Unauthenticated("send a key")
    return await keys.authenticate_key(session, key, portal_name(request), cache=UNCACHED)


async def version_checked(session: Session, actor: CurrentActor) -> Actor:
    await session.execute(text("SELECT version FROM auth_version"))
    return actor


async def db_caller(request: Request, session: Session) -> Actor:
    return await db_actor(request, session)


CEILINGS = Routes()


@CEILINGS.get("/_bench/ceiling", hot=True, answers={200: {}})
async def ceiling(actor: CurrentActor) -> Response:
    """A release read's stack without the read: a hot route, its read unit of work, the
    caller from the auth cache, an orjson body."""
    return JsonResponse(CEILING_BODY)


@CEILINGS.get("/_bench/ceiling_db_auth", hot=True, answers={200: {}})
async def ceiling_db_auth(actor: Annotated[Actor, Depends(db_caller)]) -> Response:
    """The ceiling with the key looked up in the database on every request."""
    return JsonResponse(CEILING_BODY)


# The ceilings as SDP routes of their own: in front of the routing, where release reads are.
CEILING_ROUTES = RouteTable.of(
    "bench ceilings",
    SDP_ROUTES.prefix,
    [CEILINGS],
    errors=SDP_ROUTES.errors,
    doc=SDP_ROUTES.doc,
    body_types=SDP_ROUTES.body_types,
)


def create_bench_app() -> FastAPI:
    app = create_app()
    sdp = next(r.app for r in app.routes if isinstance(r, Mount) and r.path == "/api/v3")

    async def ceiling_version_check(
        actor: Annotated[Actor, Depends(version_checked)],
    ) -> JsonResponse:
        return JsonResponse(CEILING_BODY)

    sdp.add_api_route(  # type: ignore[attr-defined]
        "/_bench/ceiling_version_check", ceiling_version_check, methods=["GET"]
    )
    # The ceilings go where the release reads are answered: in front of the routing.
    front = next(m for m in app.user_middleware if m.cls is FrontRoutes)
    front.kwargs["tables"] = [CEILING_ROUTES, *front.kwargs["tables"]]
    app.router.routes.insert(0, Mount("/_bench/bare", app=bare_asgi))
    return app
