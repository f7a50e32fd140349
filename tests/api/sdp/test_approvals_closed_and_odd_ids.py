"""A closed release's approvals can no longer be decided; ids in other scripts' digits are a
400 (or a plain 404 page for a mail link), never a 500."""

from __future__ import annotations

import pytest

from tests.api.sdp.approvals_support import (
    add_level,
    add_people,
    approval_of,
    decide,
    refused,
    sent,
)
from tests.helpers import Desk


def test_a_canceled_release_takes_no_more_decisions(desk: Desk) -> None:
    (approver,) = add_people(desk, 1)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, rule={"type": "anyone"}, approvers=[approver])
    approval_id = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], approval_id)
    closed = desk.put(f"/releases/{rid}/close", input_data={"status": "canceled"})
    assert closed.status_code == 200, closed.text
    refused(
        decide(desk, rid, level["id"], approval_id, "approve", key=approver.key), 400, 4001, "id"
    )
    assert approval_of(desk, rid, level["id"], approval_id)["status"]["name"] == "Pending Approval"


@pytest.mark.parametrize("odd", ["²", "١٢", "1" * 5000])
def test_ids_that_are_not_ascii_digits_are_refused(desk: Desk, odd: str) -> None:
    for path in (f"/releases/{odd}", f"/releases/{odd}/approval_levels", f"/releases/{odd}/tasks"):
        response = desk.get(path)
        assert response.status_code == 400, (path, response.text)
    page = desk.client.get(f"/approval/{odd}.abc")
    assert page.status_code == 404
