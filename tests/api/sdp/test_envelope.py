"""List routes answer `response_status` as an array whatever happens, single ones as an object."""

from __future__ import annotations

import pytest

from tests.helpers import Desk


@pytest.mark.parametrize(
    "path",
    [
        "/releases",
        "/releases/1/history",
        "/releases/1/status_comments",
        "/releases/1/tasks",
        "/releases/1/changes",
        "/releases/1/approval_levels/approval_summary",
    ],
)
def test_a_list_route_answers_an_array_even_when_the_caller_is_refused(
    desk: Desk, path: str
) -> None:
    response = desk.get(path, key="not-a-key")
    assert response.status_code == 401
    status = response.json()["response_status"]
    assert isinstance(status, list)
    assert status[0]["messages"][0]["status_code"] == 4022


def test_a_single_entity_route_answers_an_object(desk: Desk) -> None:
    response = desk.get("/releases/1", key="not-a-key")
    assert response.status_code == 401
    assert response.json()["response_status"]["messages"][0]["status_code"] == 4022


def test_a_list_route_with_bad_input_answers_an_array(desk: Desk) -> None:
    response = desk.get("/releases", input_data="{not json")
    assert response.status_code == 400
    assert isinstance(response.json()["response_status"], list)


def test_an_unexpected_failure_on_a_list_route_answers_an_array_without_internals(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from releasedesk.core.releases import service

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "list_releases", broken)
    response = desk.get("/releases")
    assert response.status_code == 500
    status = response.json()["response_status"]
    assert isinstance(status, list) and status[0]["messages"][0]["status_code"] == 4004
    assert "secret internals" not in response.text
