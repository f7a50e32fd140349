"""The approval summary's decision for each stage: from its approval levels when it has
some, else from where the release stands and the statuses each stage ended in."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.sdp.support import add_approval_level
from tests.helpers import Desk

STAGES = [
    "Submission",
    "Planning",
    "Development",
    "Testing",
    "UAT",
    "Deployment",
    "Training",
    "Review",
    "Closure",
]


def summary(desk: Desk, release_id: str) -> list[dict[str, Any]]:
    response = desk.get(f"/releases/{release_id}/approval_levels/approval_summary")
    assert response.status_code == 200, response.text
    stages: list[dict[str, Any]] = response.json()["approval_summary"]
    assert [s["stage"]["name"] for s in stages] == STAGES
    return stages


def decisions(desk: Desk, release_id: str) -> list[str]:
    return [s["latestDecision"] for s in summary(desk, release_id)]


def move(desk: Desk, release_id: str, stage: str | None = None, status: str | None = None) -> None:
    release: dict[str, Any] = {}
    if stage is not None:
        release["stage"] = {"name": stage}
    if status is not None:
        release["status"] = {"name": status}
    response = desk.put(f"/releases/{release_id}", input_data={"release": release})
    assert response.status_code == 200, response.text


def test_the_last_level_of_a_stage_decides_it_whatever_its_statuses_say(desk: Desk) -> None:
    """Each level below sits on a stage whose statuses alone would give another decision."""
    rid = desk.create_release()["id"]
    move(desk, rid, status="Rejected")  # Submission ends Failed: alone it would be 'reject'
    move(desk, rid, stage="Planning")  # Planning left In Progress: alone 'approve'
    move(desk, rid, stage="Development")
    release_id = int(rid)
    add_approval_level(desk, release_id, "Submission", desk.admin.id, status="approved")
    add_approval_level(desk, release_id, "Planning", desk.admin.id, status="approved", level=1)
    add_approval_level(desk, release_id, "Planning", desk.admin.id, status="rejected", level=2)
    add_approval_level(desk, release_id, "Testing", desk.admin.id, status="pending")

    stages = summary(desk, rid)
    assert [s["latestDecision"] for s in stages] == [
        "approve",  # approved level, over the stage's Rejected status
        "reject",  # the later of two levels (approved, then rejected)
        "inProgress",  # the current stage, no level
        "inProgress",  # a pending level on a stage not reached yet (else 'upcoming')
        "upcoming",
        "upcoming",
        "upcoming",
        "upcoming",
        "upcoming",
    ]
    assert [s["visited"] for s in stages] == [True] * 3 + [False] * 6
    levels = stages[1]["approval_levels"]
    assert [(lv["level"], lv["status"]["name"]) for lv in levels] == [
        (1, "Approved"),
        (2, "Rejected"),
    ]
    assert stages[3]["approval_levels"][0]["status"] == {"name": "Pending Approval", "id": "1"}


def test_without_levels_each_stage_left_says_how_it_ended(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    move(desk, rid, status="Rejected")  # Submission: Failed
    move(desk, rid, stage="Planning", status="Approved")  # Planning: Success
    move(desk, rid, stage="Testing")  # Development skipped; Testing: In Progress
    move(desk, rid, stage="UAT", status="On Hold")  # where the release stands

    stages = summary(desk, rid)
    assert [s["latestDecision"] for s in stages] == [
        "reject",  # left after a Failed status
        "approve",  # left after a Success status
        "approve",  # passed over without a status of its own: moving on means passed
        "approve",  # left while In Progress: moving on means passed
        "inProgress",  # the current stage, whatever its status (On Hold)
        "upcoming",
        "upcoming",
        "upcoming",
        "upcoming",
    ]
    assert [s["visited"] for s in stages] == [True] * 5 + [False] * 4
    assert [s.get("status", {}).get("name") for s in stages[:5]] == [
        "Rejected",
        "Approved",
        None,  # no comment was made in a stage passed over
        "In Progress",
        "On Hold",
    ]


def test_a_stage_ahead_that_the_release_came_back_from_is_not_upcoming(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    move(desk, rid, stage="Testing", status="Failed")
    move(desk, rid, stage="Planning")  # back

    stages = summary(desk, rid)
    assert [s["latestDecision"] for s in stages] == [
        "approve",  # left In Progress (its creation status)
        "inProgress",  # current
        "upcoming",  # ahead, never reached
        "reject",  # ahead of the release now, but it ended there Failed
        "upcoming",
        "upcoming",
        "upcoming",
        "upcoming",
        "upcoming",
    ]
    assert [s["visited"] for s in stages] == [True, True, False, True] + [False] * 5


@pytest.mark.parametrize(("status", "decision"), [("completed", "approve"), ("canceled", "reject")])
def test_a_closed_release_ends_with_the_decision_of_its_closure_status(
    desk: Desk, status: str, decision: str
) -> None:
    rid = desk.create_release()["id"]
    closed = desk.put(f"/releases/{rid}/close", input_data={"status": status})
    assert closed.status_code == 200, closed.text
    # Submission was left In Progress, the stages between passed over: all 'approve'.
    assert decisions(desk, rid) == ["approve"] * 8 + [decision]
