"""Every approval endpoint answers unknown ids, malformed input, missing keys and refused
callers in SDP's envelope with the right code; list routes with an array; never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.sdp.approvals_support import add_level
from tests.helpers import Desk

LEVEL = "/releases/{id}/approval_levels/{level}"
APPROVAL = LEVEL + "/approvals/{approval}"
ADD_LEVEL = {
    "approval_level": {
        "name": "CAB",
        "release_stage": {"name": "submission"},
        "rule": {"type": "anyone"},
    }
}
# (method, path, a valid body or None, whether it answers a list)
ENDPOINTS: list[tuple[str, str, Any, bool]] = [
    ("POST", "/releases/{id}/approval_levels", ADD_LEVEL, False),
    ("GET", "/releases/{id}/approval_levels", None, True),
    ("GET", LEVEL, None, False),
    ("PUT", LEVEL, {"approval_level": {"name": "Board"}}, False),
    ("DELETE", LEVEL, None, False),
    ("POST", LEVEL + "/approvals", {"approvals": [{"approver": {"name": "Ada Admin"}}]}, False),
    ("GET", LEVEL + "/approvals", None, True),
    ("PUT", LEVEL + "/approvals/send_notification?ids={approval}", {}, True),
    ("GET", APPROVAL, None, False),
    ("DELETE", APPROVAL, None, False),
    ("GET", APPROVAL + "/_send_notification", None, False),
    ("PUT", APPROVAL + "/_send_notification", {}, False),
    ("PUT", APPROVAL + "/_approve", {"approval": {"comments": "ok"}}, False),
    ("PUT", APPROVAL + "/approve", {"approval": {"comments": "ok"}}, False),
    ("PUT", APPROVAL + "/_reject", {"approval": {"comments": "no"}}, False),
    ("PUT", APPROVAL + "/reject", {"approval": {"comments": "no"}}, False),
]
IDS = [f"{m} {p}" for m, p, _, _ in ENDPOINTS]
WRITES = [e for e in ENDPOINTS if e[0] != "GET"]


def status_of(response: Any, as_list: bool) -> dict[str, Any]:
    status = response.json()["response_status"]
    assert isinstance(status, list) is as_list, status
    return status[0] if as_list else status  # type: ignore[no-any-return]


def path_of(desk: Desk, template: str, owner_key: str | None = None) -> str:
    """The path on a release of `owner_key`'s with a level and one approval (the
    technician's, sent)."""
    rid = desk.create_release(key=owner_key)["id"]
    level = add_level(desk, rid, approvers=[desk.technician])
    aid = level["approvals"][0]["id"]
    return template.format(id=rid, level=level["id"], approval=aid)


@pytest.mark.parametrize(("method", "path", "body", "as_list"), ENDPOINTS, ids=IDS)
def test_an_unknown_release_is_404_4007(
    desk: Desk, method: str, path: str, body: Any, as_list: bool
) -> None:
    response = desk.request(
        method, path.format(id="987654321", level="1", approval="1"), input_data=body
    )
    assert response.status_code == 404, response.text
    assert status_of(response, as_list)["messages"][0]["status_code"] == 4007


@pytest.mark.parametrize(("method", "path", "body", "as_list"), ENDPOINTS, ids=IDS)
def test_malformed_input_data_is_400(
    desk: Desk, method: str, path: str, body: Any, as_list: bool
) -> None:
    response = desk.request(method, path_of(desk, path), input_data="{oops")
    assert response.status_code == 400, response.text
    assert status_of(response, as_list)["messages"][0]["field"] == "input_data"


@pytest.mark.parametrize(("method", "path", "body", "as_list"), ENDPOINTS, ids=IDS)
def test_no_key_is_401_4022(desk: Desk, method: str, path: str, body: Any, as_list: bool) -> None:
    response = desk.request(
        method, path.format(id="1", level="1", approval="1"), key="", input_data=body
    )
    assert response.status_code == 401
    assert status_of(response, as_list)["messages"][0]["status_code"] == 4022


@pytest.mark.parametrize(
    ("method", "path", "body", "as_list"), WRITES, ids=[f"{m} {p}" for m, p, _, _ in WRITES]
)
def test_writes_by_a_requester_are_403_4002(
    desk: Desk, method: str, path: str, body: Any, as_list: bool
) -> None:
    """Even on their own release: approvals are the staff's and the approvers' work."""
    response = desk.request(
        method, path_of(desk, path, desk.requester.key), key=desk.requester.key, input_data=body
    )
    assert response.status_code == 403, response.text
    assert status_of(response, as_list)["messages"][0]["status_code"] == 4002


@pytest.mark.parametrize(("method", "path", "body", "as_list"), ENDPOINTS, ids=IDS)
def test_unknown_levels_and_approvals_are_404_naming_the_id(
    desk: Desk, method: str, path: str, body: Any, as_list: bool
) -> None:
    if "{level}" not in path:
        pytest.skip("names no level")
    real = path_of(desk, "{id} {level} {approval}").split()
    for level, approval in (("999999", real[2]), (real[1], "999999")):
        if level == real[1] and "{approval}" not in path:
            continue
        response = desk.request(
            method, path.format(id=real[0], level=level, approval=approval), input_data=body
        )
        assert response.status_code == 404, (level, approval, response.text)
        message = status_of(response, as_list)["messages"][0]
        if "ids=" in path:  # one status per id
            continue
        assert (message["status_code"], message["field"]) == (4007, "id")
