"""Each dialect's OpenAPI document names every route the server answers for it (the hot
ones answered in front of the routing included), and HEAD answers wherever GET does, with
GET's status and headers and no body."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
import schemathesis
from fastapi import Depends
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from releasedesk.api.dialect_app import OPENAPI_URL
from releasedesk.api.endpoint_calls import direct_call
from releasedesk.api.flexdeploy.app import ROUTES as FLEXDEPLOY_ROUTES
from releasedesk.api.front_routes import FrontRoutes, front_routes
from releasedesk.api.routes import PORTAL_PREFIX, RouteTable
from releasedesk.api.sdp.app import ROUTES as SDP_ROUTES
from releasedesk.api.ucr.app import ROUTES as UCR_ROUTES
from tests.api.flexdeploy.support import flex_for
from tests.api.sdp.approvals_support import add_approvers, add_level, add_people
from tests.helpers import Desk

TABLES = {"sdp": SDP_ROUTES, "ucr": UCR_ROUTES, "flexdeploy": FLEXDEPLOY_ROUTES}
METHODS = ("get", "head", "post", "put", "patch", "delete")


def document(desk: Desk, table: RouteTable, portal: str | None) -> dict[str, Any]:
    prefix = table.prefix if portal is None else f"/app/{portal}{table.prefix}"
    response = desk.client.get(prefix + OPENAPI_URL)
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    if prefix:
        assert doc["servers"] == [{"url": prefix}]
    return doc


def operations(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops if m in METHODS}


def served(desk: Desk, table: RouteTable) -> set[tuple[str, str]]:
    """What the dialect's sub-app routes, as mounted in the running app (its own document
    aside), and what is answered in front of it."""
    app = desk.client.app
    mounts = [r for r in app.routes if isinstance(r, Mount)]  # type: ignore[attr-defined]
    (sub_app,) = {id(m.app): m.app for m in mounts if m.path == table.prefix}.values()
    (portal_app,) = {
        id(m.app): m.app for m in mounts if m.path == PORTAL_PREFIX + table.prefix
    }.values()
    assert portal_app is sub_app
    routes: set[tuple[str, str]] = set()
    for route in sub_app.routes:
        if getattr(route, "path", None) == OPENAPI_URL:
            continue
        assert isinstance(route, APIRoute), f"{route!r} is not a route of the table"
        routes |= {(method, route.path) for method in route.methods}
    (front,) = [m for m in app.user_middleware if m.cls is FrontRoutes]  # type: ignore[attr-defined]
    for hot in front_routes(front.kwargs["tables"]):
        if hot.errors is table.errors and hot.route in table.declared:
            routes |= {(method, hot.route.path) for method in hot.methods}
    return routes


@pytest.mark.parametrize("dialect", list(TABLES))
def test_every_route_served_is_in_the_document(desk: Desk, dialect: str) -> None:
    table = TABLES[dialect]
    doc = document(desk, table, desk.portal)
    assert document(desk, table, None)["paths"] == doc["paths"]
    in_doc = operations(doc)
    answered = served(desk, table)
    assert answered - in_doc == set(), "served but not in the document"
    assert in_doc - answered == set(), "in the document but not served"
    hot = {(m, r.path) for r in table.declared if r.hot for m in ("GET", "HEAD")}
    assert hot and hot <= in_doc
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    loaded = schemathesis.openapi.from_dict(doc)
    assert sum(1 for _ in loaded.get_all_operations()) == len(in_doc)


def path_values(desk: Desk) -> dict[str, str]:
    """A real value for every path parameter the documents name."""
    flex = flex_for(desk)
    release = desk.create_release()
    rid = release["id"]
    (approver,) = add_people(desk, 1)
    level = add_level(desk, rid)
    (approval,) = add_approvers(desk, rid, level["id"], [approver])
    task = desk.post(f"/releases/{rid}/tasks", input_data={"task": {"title": "Check"}})
    assert task.status_code == 201, task.text
    bearer = {"authorization": f"Bearer {desk.admin.key}"}
    ucr = f"/app/{desk.portal}"
    names = desk.client.get(f"{ucr}/releases/?format=name", headers=bearer).json()
    pipelines = flex.request("GET", "/pipelines").json()
    projects = flex.request("GET", "/projects").json()
    return {
        "release_id": rid,
        "ucr_release_id": next(r["id"] for r in names if r["name"] == release["title"]),
        "level_id": level["id"],
        "approval_id": approval["id"],
        "plural": "tasks",
        "child_id": task.json()["task"]["id"],
        "user_id": str(desk.admin.id),
        "model_id": desk.client.get(f"{ucr}/lifecycleModels/", headers=bearer).json()[0]["id"],
        "team_id": desk.client.get(f"{ucr}/teams/", headers=bearer).json()[0]["id"],
        "pipeline_id": str(pipelines[0]["pipelineId"]),
        "project_id": str(projects[0]["projectId"]),
    }


def without_id(headers: httpx.Headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != "x-request-id"}


@pytest.mark.parametrize("dialect", list(TABLES))
def test_head_answers_as_get_without_a_body(desk: Desk, dialect: str) -> None:
    table = TABLES[dialect]
    doc = document(desk, table, desk.portal)
    values = path_values(desk)
    if dialect == "ucr":
        values["release_id"] = values["ucr_release_id"]
    headers = {
        "authtoken": desk.admin.key,
        "authorization": f"Bearer {desk.admin.key}",
        "x-api-key": desk.admin.key,
    }
    base = f"/app/{desk.portal}{table.prefix}"
    statuses = []
    for template, ops in doc["paths"].items():
        if "get" not in ops:
            continue
        assert "head" in ops, template
        path = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], template)
        got = desk.client.get(base + path, headers=headers)
        head = desk.client.head(base + path, headers=headers)
        assert head.status_code == got.status_code, (template, got.text)
        # Each request has its own id (X-Request-ID); every other header is the GET's.
        assert without_id(head.headers) == without_id(got.headers), template
        assert int(head.headers["content-length"]) == len(got.content) > 0, template
        assert head.content == b"", template
        statuses.append(got.status_code)
    # The values are real: most GETs answer 200 (the rest are the documented errors).
    assert statuses.count(200) >= len(statuses) - 1, statuses


def test_head_of_a_hot_route_and_a_mounted_one_without_a_release(desk: Desk) -> None:
    """HEAD fails as GET fails, on the fast path and in the sub-app alike."""
    for path in ("/releases/987654321", "/releases/987654321/summary", "/releases/x/history"):
        got = desk.get(path)
        head = desk.request("HEAD", path)
        assert got.status_code in (400, 404)
        assert (head.status_code, without_id(head.headers), head.content) == (
            got.status_code,
            without_id(got.headers),
            b"",
        )


# A hot endpoint and its dependencies (at module level: annotations resolve in its globals).
EVENTS: list[str] = []


async def opened(request: Request) -> AsyncIterator[str]:
    EVENTS.append("open")
    try:
        yield "session"
    except RuntimeError:
        EVENTS.append("rolled back")
        raise
    EVENTS.append("committed")


async def caller(session: Annotated[str, Depends(opened)]) -> str:
    EVENTS.append(f"caller in {session}")
    return "actor"


async def endpoint(
    item: str,
    session: Annotated[str, Depends(opened)],
    actor: Annotated[str, Depends(caller)],
) -> Response:
    if item == "boom":
        raise RuntimeError(item)
    return Response(f"{item} {session} {actor}")


async def with_query(limit: int) -> Response:
    return Response()


def test_a_hot_endpoint_is_called_as_fastapi_would_call_it() -> None:
    """The fast path's plan: each dependency once per request, in order, a generator left
    after the endpoint with its exception thrown in; a parameter it cannot give refused."""
    call = direct_call(endpoint, ["item"])
    request = Request({"type": "http", "method": "GET", "headers": [], "path": "/"})
    EVENTS.clear()
    answer = asyncio.run(call(request, {"item": "x"}))
    assert answer.body == b"x session actor"
    assert EVENTS == ["open", "caller in session", "committed"]
    EVENTS.clear()
    with pytest.raises(RuntimeError):
        asyncio.run(call(request, {"item": "boom"}))
    assert EVENTS == ["open", "caller in session", "rolled back"]
    with pytest.raises(TypeError, match="'limit'"):
        direct_call(with_query, [])
