"""One store: a release made through UCR is the same release through SDP, and the reverse,
with every field both sides have (docs/dialects.md, UrbanCode Release, "Release fields")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.sdp.approvals_support import add_level, decide, sent
from tests.api.ucr.support import DEFAULT_LIFECYCLE, Ucr, golden_text
from tests.helpers import Desk


@pytest.fixture
def ucr(desk: Desk) -> Ucr:
    return Ucr(desk)


def sdp_id_of(desk: Desk, title: str) -> str:
    search = {"list_info": {"search_fields": {"title": title}}}
    found = desk.get("/releases", input_data=search).json()["releases"]
    assert len(found) == 1, found
    return str(found[0]["id"])


def sdp_release(desk: Desk, release_id: str) -> dict[str, Any]:
    response = desk.get(f"/releases/{release_id}")
    assert response.status_code == 200, response.text
    return response.json()["release"]  # type: ignore[no-any-return]


def test_a_ucr_release_is_an_sdp_release(ucr: Ucr) -> None:
    made = ucr.post("/releases/", content=golden_text("create_release_request.json")).json()
    release_id = sdp_id_of(ucr.desk, "Example Release")
    sdp = sdp_release(ucr.desk, release_id)
    assert sdp["title"] == made["name"]
    assert sdp["description"] == "Optional description"
    assert int(sdp["created_time"]["value"]) == made["dateCreated"]
    assert sdp["deleted_time"] is None
    assert sdp["release_requester"]["name"] == ucr.desk.admin.name
    assert sdp["stage"]["name"] == "Submission"


def test_an_sdp_release_is_a_ucr_release(ucr: Ucr) -> None:
    sdp = ucr.desk.create_release(title="Made in SDP", description="<p>From <b>SDP</b></p>")
    listed = ucr.get("/releases/", params={"name": "Made in SDP"}).json()
    assert len(listed) == 1
    release = listed[0]
    assert release["name"] == "Made in SDP"
    assert release["description"] == "From SDP"
    assert release["dateCreated"] == int(sdp["created_time"]["value"])
    # Made without a lifecycle model: none, no phases, no team, until one is given.
    assert (release["lifecycleModel"], release["phases"], release["team"]) == (None, [], None)
    given = ucr.put(f"/releases/{release['id']}", {"lifecycleModel": {"id": DEFAULT_LIFECYCLE}})
    assert given.status_code == 200, given.text
    assert [p["name"] for p in given.json()["phases"]] == ["DEV", "CERT", "QA", "PT", "PROD"]


def test_changes_either_way_are_seen_the_other_way(ucr: Ucr) -> None:
    made = ucr.create(name="Shared")
    release_id = sdp_id_of(ucr.desk, "Shared")
    ucr.put(f"/releases/{made['id']}", {"name": "Shared, renamed", "description": "new"})
    assert sdp_release(ucr.desk, release_id)["title"] == "Shared, renamed"
    assert sdp_release(ucr.desk, release_id)["description"] == "new"
    ucr.desk.put(f"/releases/{release_id}", input_data={"release": {"title": "Renamed by SDP"}})
    seen = ucr.get(f"/releases/{made['id']}").json()
    assert seen["name"] == "Renamed by SDP"
    assert seen["version"] == 3


def test_every_change_through_sdp_moves_the_version_ucr_locks_on(ucr: Ucr) -> None:
    made = ucr.create(name="Versioned")
    release_id = sdp_id_of(ucr.desk, "Versioned")
    task = ucr.desk.post(f"/releases/{release_id}/tasks", input_data={"task": {"title": "Back up"}})
    assert task.status_code == 201, task.text
    assert ucr.get(f"/releases/{made['id']}").json()["version"] == 2
    stale = ucr.put(f"/releases/{made['id']}", {"name": "Stale", "version": 1})
    assert stale.status_code == 409
    assert sdp_release(ucr.desk, release_id)["title"] == "Versioned"


def test_the_trash_is_shared(ucr: Ucr) -> None:
    made = ucr.create(name="Trash me")
    release_id = sdp_id_of(ucr.desk, "Trash me")
    assert ucr.delete(f"/releases/{made['id']}").status_code == 204
    sdp = sdp_release(ucr.desk, release_id)
    assert (
        int(sdp["deleted_time"]["value"])
        == ucr.get(f"/releases/{made['id']}").json()["ghostedDate"]
    )
    trash = ucr.desk.get("/releases", input_data={"list_info": {"filter_by": {"name": "trash"}}})
    assert [r["title"] for r in trash.json()["releases"]] == ["Trash me"]
    restored = ucr.desk.put(f"/releases/restore_from_trash?ids={release_id}", input_data={})
    assert restored.status_code == 200, restored.text
    assert ucr.get(f"/releases/{made['id']}").json()["ghostedDate"] == 0
    assert [r["name"] for r in ucr.get("/releases/").json()] == ["Trash me"]


def test_permanent_delete_through_sdp_takes_the_plan_with_it(ucr: Ucr) -> None:
    from releasedesk.db.models import ReleaseMilestone, ReleasePhase, ReleasePlan

    made = ucr.create(name="Gone", milestones=[{"name": "GA", "date": 0}])
    release_id = sdp_id_of(ucr.desk, "Gone")
    ucr.delete(f"/releases/{made['id']}")
    assert ucr.desk.request("DELETE", f"/releases/{release_id}").status_code == 200
    assert ucr.get(f"/releases/{made['id']}").status_code == 404
    for model in (ReleasePlan, ReleasePhase, ReleaseMilestone):
        assert ucr.desk.count(model) == 0


def test_changes_associated_through_sdp_are_the_list_formats_total_changes(ucr: Ucr) -> None:
    made = ucr.create(name="With changes")
    release_id = sdp_id_of(ucr.desk, "With changes")
    changes = {"changes": [{"change": {"id": "5"}}, {"change": {"id": "6"}}]}
    linked = ucr.desk.post(f"/releases/{release_id}/changes", input_data=changes)
    assert linked.status_code in (200, 201), linked.text
    listed = ucr.get(f"/releases/{made['id']}", params={"format": "list"}).json()
    assert listed["totalChanges"] == 2


def test_a_put_answers_the_version_it_made(ucr: Ucr) -> None:
    made = ucr.create(name="Put me")
    assert made["version"] == 1
    for expected in (2, 3):
        answered = ucr.put(f"/releases/{made['id']}", {"description": f"v{expected}"})
        assert answered.status_code == 200, answered.text
        assert answered.json()["version"] == expected
        assert ucr.get(f"/releases/{made['id']}").json()["version"] == expected


def test_an_approval_decision_moves_the_version_ucr_locks_on(ucr: Ucr) -> None:
    desk = ucr.desk
    made = ucr.create(name="Decided")
    release_id = sdp_id_of(desk, "Decided")
    level = add_level(
        desk, release_id, rule={"type": "everyone"}, approvers=[desk.technician, desk.admin]
    )
    approval = next(a for a in level["approvals"] if a["approver"]["name"] == desk.technician.name)
    sent(desk, release_id, level["id"], approval["id"])
    before = ucr.get(f"/releases/{made['id']}").json()["version"]
    decision = decide(desk, release_id, level["id"], approval["id"], "approve", desk.technician.key)
    assert decision.status_code == 200, decision.text
    assert ucr.get(f"/releases/{made['id']}").json()["version"] == before + 1
    stale = ucr.put(f"/releases/{made['id']}", {"name": "Stale", "version": before})
    assert stale.status_code == 409, stale.text
