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
