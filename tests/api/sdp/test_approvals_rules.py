"""The rules over HTTP: each rule with three approvers in every order of decisions, levels in
turn (level 2 waits for level 1; a rejected level ends the stage's approval) and the stage
gate that keeps a release from moving on before its stage is approved."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.api.sdp.approvals_support import (
    add_level,
    add_people,
    approval_of,
    decide,
    decided,
    level_of,
    outbox,
    refused,
    send,
    sent,
)
from tests.api.sdp.support import history_of
from tests.helpers import Desk

APPROVE, REJECT = "approve", "reject"


def expected(rule: dict[str, Any], votes: tuple[str, ...], order: tuple[int, ...]) -> str:
    approvals = votes.count(APPROVE)
    if rule["type"] == "first_response":
        return "Approved" if votes[order[0]] == APPROVE else "Rejected"
    if rule["type"] == "anyone":
        return "Approved" if approvals else "Rejected"
    if rule["type"] == "everyone":
        return "Approved" if approvals == len(votes) else "Rejected"
    return "Approved" if approvals * 100 >= int(rule["value"]) * len(votes) else "Rejected"


@pytest.mark.parametrize(
    "rule",
    [
        {"type": "anyone"},
        {"type": "everyone"},
        {"type": "first_response"},
        {"type": "percent", "value": "50"},
        {"type": "percent", "value": "67"},
    ],
    ids=lambda r: "-".join(str(v) for v in r.values()),
)
@pytest.mark.parametrize("votes", [(APPROVE, APPROVE, REJECT), (REJECT, REJECT, APPROVE)])
def test_each_rule_in_every_order_of_decisions(
    desk: Desk, rule: dict[str, Any], votes: tuple[str, ...]
) -> None:
    people = add_people(desk, 3)
    for order in itertools.permutations(range(3)):
        rid = desk.create_release()["id"]
        level = add_level(desk, rid, rule=rule, approvers=people)
        ids = [a["id"] for a in level["approvals"]]
        for aid in ids:
            sent(desk, rid, level["id"], aid)
        outcome = expected(rule, votes, order)
        counted = 0
        for n in order:
            response = decide(desk, rid, level["id"], ids[n], votes[n], people[n].key)
            status = level_of(desk, rid, level["id"])["status"]["name"]
            if response.status_code == 200:
                counted += 1
                continue
            # once the level has its outcome it takes no more decisions
            message = refused(response, 400, 4001, "status")
            assert f"its level is already {outcome.lower()}" in message, (order, message)
            assert approval_of(desk, rid, level["id"], ids[n])["status"]["name"] == (
                "Pending Approval"
            )
            assert status == outcome
        assert level_of(desk, rid, level["id"])["status"]["name"] == outcome, (order, votes)
        if rule["type"] == "first_response":
            assert counted == 1


def test_level_2_waits_for_level_1_and_goes_out_once_it_is_approved(desk: Desk) -> None:
    first, second, third = add_people(desk, 3)
    rid = desk.create_release()["id"]
    one = add_level(desk, rid, name="Change board", approvers=[first])
    two = add_level(
        desk, rid, name="Directors", rule={"type": "everyone"}, approvers=[second, third]
    )
    waiting = [a["id"] for a in two["approvals"]]
    message = refused(send(desk, rid, two["id"], waiting[0]), 400, 4001, "approval_level")
    assert "level 1 is not approved yet" in message
    refused(decide(desk, rid, two["id"], waiting[0], APPROVE, second.key), 400, 4001, "status")
    assert level_of(desk, rid, one["id"])["is_current"] is True
    assert level_of(desk, rid, two["id"])["is_current"] is False

    sent(desk, rid, one["id"], one["approvals"][0]["id"])
    assert len(outbox(desk)) == 1
    decided(desk, rid, one["id"], one["approvals"][0]["id"], APPROVE, first.key)

    # level 1 approved: level 2's approvals went out in the same transaction
    assert [approval_of(desk, rid, two["id"], a)["status"]["name"] for a in waiting] == [
        "Pending Approval",
        "Pending Approval",
    ]
    mails = outbox(desk)
    assert len(mails) == 3
    assert {m.recipient.split("@")[0] for m in mails[1:]} == {
        p.name.replace(" ", ".").lower() for p in (second, third)
    }
    assert all(m.body.startswith("Ada Admin has requested") for m in mails[1:])  # who sent L1
    assert level_of(desk, rid, one["id"])["is_current"] is False
    assert level_of(desk, rid, two["id"])["is_current"] is True
    refused(desk.put(f"/releases/{rid}", input_data={"release": {"stage": "Planning"}}), 400, 4001)
    decided(desk, rid, two["id"], waiting[0], APPROVE, second.key)
    decided(desk, rid, two["id"], waiting[1], APPROVE, third.key)
    moved = desk.put(f"/releases/{rid}", input_data={"release": {"stage": {"name": "Planning"}}})
    assert moved.status_code == 200, moved.text


def test_a_rejected_level_ends_the_stage_approval(desk: Desk) -> None:
    first, second = add_people(desk, 2)
    rid = desk.create_release()["id"]
    one = add_level(desk, rid, approvers=[first])
    two = add_level(desk, rid, approvers=[second])
    sent(desk, rid, one["id"], one["approvals"][0]["id"])
    decided(desk, rid, one["id"], one["approvals"][0]["id"], REJECT, first.key)
    assert level_of(desk, rid, one["id"])["status"]["name"] == "Rejected"
    later = two["approvals"][0]["id"]
    assert approval_of(desk, rid, two["id"], later)["status"]["name"] == "To Be Sent"
    assert "was rejected" in refused(send(desk, rid, two["id"], later), 400, 4001)
    assert level_of(desk, rid, two["id"])["is_current"] is False
    move = desk.put(f"/releases/{rid}", input_data={"release": {"stage": {"name": "Planning"}}})
    message = refused(move, 400, 4001, "stage")
    assert "approval level 1 'CAB' of Submission was rejected" in message
    summary = desk.get(f"/releases/{rid}/approval_levels/approval_summary").json()
    assert summary["approval_summary"][0]["latestDecision"] == "reject"
    added = desk.post(
        f"/releases/{rid}/approval_levels/{one['id']}/approvals",
        input_data={"approval": {"approver": {"name": desk.technician.name}}},
    )
    assert "takes no more approvers" in refused(added, 400, 4001)


def test_level_2_goes_out_even_if_one_approver_cannot_be_sent_to(desk: Desk) -> None:
    first, second = add_people(desk, 2)
    rid = desk.create_release()["id"]  # made by the admin: no reporting line for its requester
    one = add_level(desk, rid, approvers=[first])
    two = add_level(desk, rid, approvers=[second])
    role = desk.post(
        f"/releases/{rid}/approval_levels/{two['id']}/approvals",
        input_data={"approval": {"xpath": {"path": "release_requester.reporting_to"}}},
    ).json()["approval"]
    sent(desk, rid, one["id"], one["approvals"][0]["id"])
    decided(desk, rid, one["id"], one["approvals"][0]["id"], APPROVE, first.key)
    assert approval_of(desk, rid, two["id"], two["approvals"][0]["id"])["status"]["name"] == (
        "Pending Approval"
    )
    assert approval_of(desk, rid, two["id"], role["id"])["status"]["name"] == "To Be Sent"
    notes = [h["description"] for h in history_of(desk, rid)]
    assert any("could not be sent" in n and "names nobody" in n for n in notes)


# --- the stage gate ---------------------------------------------------------------------------


def test_a_release_moves_on_only_once_its_stage_is_approved(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, name="CAB", approvers=[desk.technician])
    aid = level["approvals"][0]["id"]

    def move(stage: str) -> Any:
        return desk.put(f"/releases/{rid}", input_data={"release": {"stage": {"name": stage}}})

    message = refused(move("Planning"), 400, 4001, "stage")
    assert message == (
        "The release cannot move on from Submission to Planning: approval level 1 'CAB' of "
        "Submission is not approved yet"
    )
    status = desk.put(f"/releases/{rid}", input_data={"release": {"status": {"name": "Accepted"}}})
    assert status.status_code == 200  # a status within the stage is no move
    refused(desk.put(f"/releases/{rid}/close", input_data={"status": "completed"}), 400, 4001)
    sent(desk, rid, level["id"], aid)
    decided(desk, rid, level["id"], aid, APPROVE, desk.technician.key)
    assert move("Planning").status_code == 200
    assert move("Submission").status_code == 200  # back is always allowed
    assert move("Development").status_code == 200


def test_a_stage_passed_over_is_gated_too_and_canceling_is_not(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    add_level(desk, rid, stage="Planning", name="Budget", approvers=[desk.technician])
    jump = desk.put(f"/releases/{rid}", input_data={"release": {"stage": {"name": "Testing"}}})
    message = refused(jump, 400, 4001, "stage")
    assert "approval level 1 'Budget' of Planning is not approved yet" in message
    completed = desk.put(f"/releases/{rid}/close", input_data={"status": "completed"})
    assert "Budget" in refused(completed, 400, 4001, "stage")
    canceled = desk.put(f"/releases/{rid}/close", input_data={"status": "canceled"})
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["release"]["status"]["name"] == "Canceled"


def test_stages_without_levels_are_not_gated(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    add_level(desk, rid, stage="Review", approvers=[desk.technician])
    moved = desk.put(f"/releases/{rid}", input_data={"release": {"stage": {"name": "Training"}}})
    assert moved.status_code == 200, moved.text
    onward = desk.put(f"/releases/{rid}", input_data={"release": {"stage": {"name": "Closure"}}})
    assert "Review" in refused(onward, 400, 4001, "stage")


PENDING, APPROVED, REJECTED = "Pending Approval", "Approved", "Rejected"


@pytest.mark.parametrize(
    ("rule", "steps"),
    [
        # each step: a decision, and the level's status just after it (worked out by hand)
        (
            {"type": "percent", "value": "75"},
            [(APPROVE, PENDING), (APPROVE, PENDING), (REJECT, PENDING), (APPROVE, APPROVED)],
        ),
        (
            {"type": "percent", "value": "75"},
            [(APPROVE, PENDING), (REJECT, PENDING), (REJECT, REJECTED)],
        ),
        (
            {"type": "percent", "value": "25"},
            [(REJECT, PENDING), (REJECT, PENDING), (REJECT, PENDING), (APPROVE, APPROVED)],
        ),
        (
            {"type": "everyone"},
            [(APPROVE, PENDING), (APPROVE, PENDING), (APPROVE, PENDING), (APPROVE, APPROVED)],
        ),
        (
            {"type": "anyone"},
            [(REJECT, PENDING), (REJECT, PENDING), (REJECT, PENDING), (REJECT, REJECTED)],
        ),
        ({"type": "first_response"}, [(REJECT, REJECTED)]),
    ],
    ids=["75-3of4", "75-unreachable", "25-last", "everyone-4", "anyone-all-reject", "first"],
)
def test_four_approvers_step_by_step(
    desk: Desk, rule: dict[str, Any], steps: list[tuple[str, str]]
) -> None:
    people = add_people(desk, 4)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, rule=rule, approvers=people)
    ids = [a["id"] for a in level["approvals"]]
    for aid in ids:
        sent(desk, rid, level["id"], aid)
    for n, (verdict, status) in enumerate(steps):
        decided(desk, rid, level["id"], ids[n], verdict, people[n].key)
        assert level_of(desk, rid, level["id"])["status"]["name"] == status, (n, verdict)
