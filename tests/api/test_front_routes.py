"""The reads answered in front of the routing (api/front_routes.py) fail as their dialect's
sub-app failed before: a malformed form body is the dialect's 400, a method the path does
not take its 405 (a list route's envelope for SDP's history), a page past 2**31 an empty
page; and a read on the driver inside a write's unit of work is part of its transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import func, select

from releasedesk.api.front_routes import front_routes
from releasedesk.api.sdp.app import ROUTES as SDP_ROUTES
from releasedesk.db import driver
from tests.helpers import Desk

NO_BOUNDARY = {"content-type": "multipart/form-data"}


@pytest.mark.parametrize("path", ["/releases", "/releases/{id}", "/releases/{id}/history"])
def test_a_multipart_body_without_boundary_is_sdps_400(desk: Desk, path: str) -> None:
    release = desk.create_release()
    response = desk.request(
        "GET", path.format(id=release["id"]), headers=dict(NO_BOUNDARY), content=b"input_data=x"
    )
    assert response.status_code == 400, response.text
    status = response.json()["response_status"]
    status = status[0] if isinstance(status, list) else status
    assert status["status_code"] == 4000
    assert "boundary" in status["messages"][0]["message"]


def test_ucr_and_flexdeploy_answer_a_malformed_form_their_way(desk: Desk) -> None:
    release = desk.create_release()
    bearer = {"authorization": f"Bearer {desk.admin.key}"}
    headers = {**NO_BOUNDARY, **bearer}
    listed = desk.client.get(f"/app/{desk.portal}/releases/?format=name", headers=bearer)
    uuid = next(r["id"] for r in listed.json() if r["name"] == release["title"])
    answer = desk.client.request(
        "GET", f"/app/{desk.portal}/releases/{uuid}", headers=headers, content=b"x"
    )
    assert answer.status_code == 200, answer.text  # UCR's GET reads no body
    flex = desk.client.request(
        "GET",
        f"/app/{desk.portal}/flexdeploy/rest/v1/releases/{release['id']}",
        headers=headers,
        content=b"x",
    )
    assert flex.status_code == 200, flex.text  # nor does FlexDeploy's


@pytest.mark.parametrize("method", ["DELETE", "PUT", "POST"])
def test_a_method_history_does_not_take_is_405_in_a_list_envelope(desk: Desk, method: str) -> None:
    release = desk.create_release()
    response = desk.request(method, f"/releases/{release['id']}/history")
    assert response.status_code == 405, response.text
    status = response.json()["response_status"]
    assert isinstance(status, list)
    assert status[0]["messages"][0]["message"] == "Method Not Allowed"


@pytest.mark.parametrize("start", [2**31 + 1, 2**63 - 1])
def test_history_past_two_to_the_31st_is_an_empty_page(desk: Desk, start: int) -> None:
    release = desk.create_release()
    response = desk.get(
        f"/releases/{release['id']}/history",
        input_data={"list_info": {"start_index": start, "row_count": 10}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["history"] == []
    assert response.json()["list_info"]["has_more_rows"] is False


def test_a_driver_read_in_a_write_is_inside_its_transaction(
    desk: Desk, run: Callable[[Callable[[], Awaitable[tuple[int, int, int]]]], tuple[int, int, int]]
) -> None:
    """What a write's unit of work reads on the driver and what it then runs through
    SQLAlchemy are one transaction (the adapter begins lazily; the driver read must not
    run committed on its own before it)."""
    if desk.database.is_sqlite:
        pytest.skip("SQLite's writes begin IMMEDIATE before any statement: nothing to show")
    statement = select(func.txid_current())

    async def txids() -> tuple[int, int, int]:
        async with desk.database.unit_of_work() as session:
            first = (await driver.fetch(session, statement, {}))[0][0]
            middle = (await session.execute(statement)).scalar_one()
            last = (await driver.fetch(session, statement, {}))[0][0]
        return first, middle, last

    first, middle, last = run(txids)
    assert first == middle == last


def test_sdps_release_writes_are_answered_in_front_and_earlier_routes_keep_their_paths(
    desk: Desk,
) -> None:
    """POST /releases and PUT /releases/{id} are hot; PUT /releases/close, /assign, /pickup
    and /restore_from_trash are declared before PUT /releases/{release_id} and still reach
    their own endpoints (the sub-app would try them first), not the update with id
    "close"."""
    hot = {(m, f.template) for f in front_routes([SDP_ROUTES]) for m in f.route.methods}
    assert ("POST", "/api/v3/releases") in hot
    assert ("PUT", "/api/v3/releases/{release_id}") in hot
    put_update = next(
        f for f in front_routes([SDP_ROUTES]) if "PUT" in f.methods and "{release_id}" in f.template
    )
    for action in ("close", "assign", "pickup", "restore_from_trash"):
        assert any(s.fullmatch(f"/api/v3/releases/{action}") for s in put_update.shadows), action

    release = desk.create_release()
    closed = desk.put(f"/releases/close?ids={release['id']}", input_data={"status": "completed"})
    assert closed.status_code == 200, closed.text
    assert "is not a release id" not in closed.text
    read = desk.get(f"/releases/{release['id']}").json()["release"]
    assert read["stage"]["internal_name"] == "close"

    updated = desk.put(f"/releases/{release['id']}", input_data={"release": {"title": "Hot"}})
    assert updated.status_code == 200, updated.text
    assert updated.json()["release"]["title"] == "Hot"
    wrong = desk.put("/releases/nope", input_data={"release": {"title": "x"}})
    assert wrong.status_code == 400 and "not a release id" in wrong.text
