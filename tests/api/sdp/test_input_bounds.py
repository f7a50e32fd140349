"""Values too large for what the database keeps are a clear 400 naming the field, never a
500: durations, ids and paging numbers beyond 64 bits, titles beyond their column."""

from __future__ import annotations

import pytest

from tests.api.sdp.support import error_of
from tests.helpers import Desk


@pytest.mark.parametrize(
    "time_spent",
    [{"hours": 99999999999}, "99999999999999999", 3000000000, {"minutes": "1" + "0" * 30}],
)
def test_a_worklog_too_long_is_refused(desk: Desk, time_spent: object) -> None:
    rid = desk.create_release()["id"]
    response = desk.post(
        f"/releases/{rid}/worklogs", input_data={"worklog": {"time_spent": time_spent}}
    )
    assert response.status_code == 400, response.text
    assert error_of(response)["field"].startswith("time_spent")
    assert desk.get(f"/releases/{rid}/worklogs").json()["worklogs"] == []


def test_an_association_title_longer_than_kept_is_refused(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    response = desk.post(
        f"/releases/{rid}/changes",
        input_data={"changes": [{"change": {"id": "CH-1", "title": "x" * 251}}]},
    )
    assert response.status_code == 400, response.text
    assert error_of(response)["field"] == "change.title"
    assert desk.get(f"/releases/{rid}/changes").json()["changes"] == []


@pytest.mark.parametrize(
    "list_info",
    [
        {"start_index": 10**19},
        {"row_count": "9" * 25},
        {"search_criteria": {"field": "id", "condition": "is", "value": "9" * 20}},
    ],
)
def test_numbers_beyond_64_bits_are_refused(desk: Desk, list_info: dict[str, object]) -> None:
    response = desk.get("/releases", input_data={"list_info": list_info})
    assert response.status_code == 400, response.text
    assert error_of(response)["status_code"] == 4001


@pytest.mark.parametrize(
    ("field", "many"),
    [
        ("services", [{"name": f"service {i}"} for i in range(501)]),
        (
            "roles",
            [
                {"role": {"name": "Release Engineer"}, "user": {"name": f"user {i}"}}
                for i in range(501)
            ],
        ),
    ],
)
def test_more_services_or_role_holders_than_a_release_keeps_are_refused(
    desk: Desk, field: str, many: list[object]
) -> None:
    """A new release's rows go in as one statement; a list past what any release names is a
    400 naming it, before anything is looked up or written."""
    before = desk.get("/releases").json()["list_info"]
    response = desk.post("/releases", input_data={"release": {"title": "many", field: many}})
    assert response.status_code == 400, response.text
    assert error_of(response)["field"] == field
    assert desk.get("/releases").json()["list_info"] == before
