"""Every SDP endpoint answers bad input, unknown ids, missing keys and refused writes in
SDP's envelope with the right code; never a 500."""

from __future__ import annotations

import pytest

from tests.helpers import Desk

# (method, path with {id}, a valid body or None)
ENDPOINTS = [
    ("GET", "/releases/{id}", None),
    ("PUT", "/releases/{id}", {"release": {"title": "x"}}),
    ("PUT", "/releases/{id}/close", {"status": "completed"}),
    ("PUT", "/releases/{id}/_close", {"status": "completed"}),
    ("DELETE", "/releases/{id}/move_to_trash", None),
    ("DELETE", "/releases/{id}", None),
    ("GET", "/releases/{id}/history", None),
    ("GET", "/releases/{id}/status_comments", None),
    ("GET", "/releases/{id}/summary", None),
    ("GET", "/releases/{id}/get_permissions", None),
    ("GET", "/releases/{id}/approval_levels/approval_summary", None),
    ("GET", "/releases/{id}/tasks", None),
    ("POST", "/releases/{id}/tasks", {"task": {"title": "t"}}),
    ("GET", "/releases/{id}/worklogs", None),
    ("POST", "/releases/{id}/notes", {"note": {"description": "n"}}),
    ("GET", "/releases/{id}/reminders", None),
    ("POST", "/releases/{id}/changes", {"changes": [{"change": {"id": "1"}}]}),
    ("GET", "/releases/{id}/projects", None),
]
MANY = [
    ("PUT", "/releases/close?ids={id}", {"status": "completed"}),
    ("DELETE", "/releases/move_to_trash?ids={id}", None),
    ("PUT", "/releases/restore_from_trash?ids={id}", {}),
    (
        "PUT",
        "/releases/assign?ids={id}",
        {"release": {"release_engineer": {"name": "Heather Graham"}}},
    ),
    ("PUT", "/releases/pickup?ids={id}", {}),
]


def status_of(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    status = body["response_status"]
    return status[0] if isinstance(status, list) else status  # type: ignore[no-any-return]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS + MANY)
def test_unknown_release_is_404_4007(desk: Desk, method: str, path: str, body: object) -> None:
    response = desk.request(method, path.format(id="987654321"), input_data=body)
    assert response.status_code == 404, response.text
    status = status_of(response)
    assert status["status_code"] == 4000
    assert status["messages"][0]["status_code"] == 4007  # type: ignore[index]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS + MANY)
def test_malformed_input_data_is_400(desk: Desk, method: str, path: str, body: object) -> None:
    release = desk.create_release()
    response = desk.request(method, path.format(id=release["id"]), input_data="{oops")
    assert response.status_code == 400, response.text
    message = status_of(response)["messages"][0]  # type: ignore[index]
    assert message["field"] == "input_data"


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS + MANY)
def test_no_key_is_401_4022(desk: Desk, method: str, path: str, body: object) -> None:
    response = desk.request(method, path.format(id="1"), key="", input_data=body)
    assert response.status_code == 401
    assert status_of(response)["messages"][0]["status_code"] == 4022  # type: ignore[index]


@pytest.mark.parametrize(("method", "path", "body"), [e for e in ENDPOINTS + MANY if e[0] != "GET"])
def test_writes_refused_to_another_requester_are_403_4002(
    desk: Desk, method: str, path: str, body: object
) -> None:
    release = desk.create_release(key=desk.other_requester.key)
    response = desk.request(
        method, path.format(id=release["id"]), key=desk.requester.key, input_data=body
    )
    assert response.status_code == 403, response.text
    assert status_of(response)["messages"][0]["status_code"] == 4002  # type: ignore[index]


@pytest.mark.parametrize(
    ("method", "path", "body"), [e for e in ENDPOINTS if isinstance(e[2], dict)]
)
def test_wrong_type_for_the_body_is_400(desk: Desk, method: str, path: str, body: object) -> None:
    release = desk.create_release()
    response = desk.request(method, path.format(id=release["id"]), input_data="[1, 2]")
    assert response.status_code == 400, response.text
    message = status_of(response)["messages"][0]  # type: ignore[index]
    assert (message["field"], message["status_code"]) == ("input_data", 4021)
    assert desk.get(f"/releases/{release['id']}").json()["release"] == release
