"""Removing an approver who has not decided: the level settles under its rule with the
approvers left, so a role that names nobody or an approver who left cannot hold a stage's
approval forever; decided approvals and settled levels stay as they are."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.sdp.approvals_support import (
    add_approvers,
    add_level,
    add_people,
    approvals_path,
    decided,
    level_of,
    outbox,
    refused,
    send,
    sent,
)
from tests.api.sdp.support import history_of
from tests.helpers import Desk

REPORTING_TO = {"xpath": {"path": "release_requester.reporting_to"}}


def remove(desk: Desk, rid: str, level_id: str, approval_id: str, key: str | None = None) -> Any:
    return desk.request("DELETE", f"{approvals_path(rid, level_id)}/{approval_id}", key=key)


def move(desk: Desk, rid: str, stage: str) -> httpx.Response:
    return desk.put(f"/releases/{rid}", input_data={"release": {"stage": {"name": stage}}})


def test_removing_a_role_that_names_nobody_lets_the_level_approve(desk: Desk) -> None:
    (approver,) = add_people(desk, 1)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, rule={"type": "everyone"}, approvers=[approver])
    role = desk.post(approvals_path(rid, level["id"]), input_data={"approval": REPORTING_TO})
    assert role.status_code == 201, role.text
    role_id = role.json()["approval"]["id"]
    mine = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], mine)
    refused(send(desk, rid, level["id"], role_id), 400, 4001, "xpath")  # names nobody
    decided(desk, rid, level["id"], mine, "approve", approver.key)
    assert level_of(desk, rid, level["id"])["status"]["name"] == "Pending Approval"  # stuck
    assert "not approved yet" in refused(move(desk, rid, "Planning"), 400, 4001, "stage")

    removed = remove(desk, rid, level["id"], role_id)
    assert removed.status_code == 200, removed.text
    assert removed.json()["response_status"]["status"] == "success"
    gone = desk.get(f"{approvals_path(rid, level['id'])}/{role_id}")
    assert gone.status_code == 404
    assert level_of(desk, rid, level["id"])["status"]["name"] == "Approved"
    assert move(desk, rid, "Planning").status_code == 200
    descriptions = [h["description"] for h in history_of(desk, rid)]
    assert "Approver removed from approval level 1" in descriptions
    assert any(d.startswith("Approval level 1 of Submission approved") for d in descriptions)


def test_removing_the_last_holdout_sends_the_next_level(desk: Desk) -> None:
    first, holdout, second = add_people(desk, 3)
    rid = desk.create_release()["id"]
    one = add_level(desk, rid, rule={"type": "everyone"}, approvers=[first, holdout])
    two = add_level(desk, rid, name="Board", approvers=[second])
    ids = [a["id"] for a in one["approvals"]]
    for aid in ids:
        sent(desk, rid, one["id"], aid)
    decided(desk, rid, one["id"], ids[0], "approve", first.key)
    before = [m.recipient for m in outbox(desk)]
    assert any(r.startswith(holdout.name.replace(" ", ".").lower()) for r in before)

    assert remove(desk, rid, one["id"], ids[1]).status_code == 200
    recipients = [m.recipient for m in outbox(desk)]
    # the holdout's unsent mail is withdrawn; level 2 went out to its approver
    assert not any(r.startswith(holdout.name.replace(" ", ".").lower()) for r in recipients)
    assert any(r.startswith(second.name.replace(" ", ".").lower()) for r in recipients)
    approval = level_of(desk, rid, two["id"])["approvals"][0]
    assert approval["status"]["name"] == "Pending Approval"


def test_a_percent_level_recounts_its_share_without_the_removed(desk: Desk) -> None:
    people = add_people(desk, 3)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, rule={"type": "percent", "value": "50"}, approvers=people)
    ids = [a["id"] for a in level["approvals"]]
    for aid in ids[:2]:
        sent(desk, rid, level["id"], aid)
    decided(desk, rid, level["id"], ids[0], "approve", people[0].key)
    assert level_of(desk, rid, level["id"])["status"]["name"] == "Pending Approval"  # 1 of 3 < 50 %
    assert remove(desk, rid, level["id"], ids[2]).status_code == 200  # never sent
    assert level_of(desk, rid, level["id"])["status"]["name"] == "Approved"  # 1 of 2


def test_removing_every_approver_leaves_the_level_pending_until_one_is_added(
    desk: Desk,
) -> None:
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=[desk.technician])
    assert remove(desk, rid, level["id"], level["approvals"][0]["id"]).status_code == 200
    shown = level_of(desk, rid, level["id"])
    assert (shown["status"]["name"], shown["approvals"]) == ("Pending Approval", [])
    assert "not approved yet" in refused(move(desk, rid, "Planning"), 400, 4001, "stage")
    (again,) = add_approvers(desk, rid, level["id"], [desk.technician])
    sent(desk, rid, level["id"], again["id"])
    decided(desk, rid, level["id"], again["id"], "approve", desk.technician.key)
    assert move(desk, rid, "Planning").status_code == 200


def test_a_decided_approval_and_a_settled_level_keep_their_approvers(desk: Desk) -> None:
    first, other = add_people(desk, 2)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=[first, other])  # anyone
    ids = [a["id"] for a in level["approvals"]]
    sent(desk, rid, level["id"], ids[0])
    decided(desk, rid, level["id"], ids[0], "approve", first.key)
    message = refused(remove(desk, rid, level["id"], ids[0]), 400, 4001, "id")
    assert "already approved" in message and "cannot be removed" in message
    message = refused(remove(desk, rid, level["id"], ids[1]), 400, 4001, "approval_level")
    assert "level 1 is already approved" in message
    assert len(level_of(desk, rid, level["id"])["approvals"]) == 2


def test_requesters_cannot_remove_approvers_even_on_their_own_release(desk: Desk) -> None:
    (approver,) = add_people(desk, 1)
    rid = desk.create_release(key=desk.requester.key)["id"]
    level = add_level(desk, rid, approvers=[approver])
    aid = level["approvals"][0]["id"]
    refused(remove(desk, rid, level["id"], aid, key=desk.requester.key), 403, 4002)
    assert len(level_of(desk, rid, level["id"])["approvals"]) == 1
