"""Tasks, worklogs, notes, reminders, associations, summary, permissions, approval summary."""

from __future__ import annotations

from typing import Any

import pytest

from releasedesk.db.models import (
    ReleaseAssociation,
    ReleaseNote,
    ReleaseReminder,
    ReleaseTask,
    ReleaseWorklog,
)
from tests.api.sdp.support import add_approval_level, error_of, history_of, operations
from tests.helpers import Desk

SAMPLES: dict[str, dict[str, Any]] = {
    "tasks": {
        "title": "Back up the database",
        "description": "<p>full backup</p>",
        "status": {"name": "open"},
        "owner": {"name": "Heather Graham"},
        "scheduled_start_time": {"value": "1592820350370"},
        "scheduled_end_time": {"value": "1592820360370"},
        "percentage_completion": 10,
    },
    "worklogs": {
        "description": "Patched two servers",
        "owner": {"name": "Heather Graham"},
        "start_time": {"value": "1592820000000"},
        "end_time": {"value": "1592825400000"},
    },
    "notes": {"description": "<p>Change board approved on Monday</p>", "show_to_requester": True},
    "reminders": {"summary": "Call the vendor", "time": {"value": "1592820350370"}},
}
SINGULAR = {"tasks": "task", "worklogs": "worklog", "notes": "note", "reminders": "reminder"}
UPDATES = {
    "tasks": {"title": "Back up twice"},
    "worklogs": {"description": "<p>Patched three</p>"},
    "notes": {"description": "<p>Board moved to Tuesday</p>"},
    "reminders": {"summary": "Call the vendor again"},
}
CHILD_MODELS = (ReleaseTask, ReleaseWorklog, ReleaseNote, ReleaseReminder, ReleaseAssociation)


@pytest.mark.parametrize("plural", list(SAMPLES))
def test_child_add_list_get_update_delete(desk: Desk, plural: str) -> None:
    release = desk.create_release()
    base = f"/releases/{release['id']}/{plural}"
    name = SINGULAR[plural]
    added = desk.post(base, input_data={name: SAMPLES[plural]}, as_="form")
    assert added.status_code == 201, added.text
    child = added.json()[name]
    assert child["id"].isdigit() and child["release"]["id"] == release["id"]
    assert child["created_by"]["name"] == desk.admin.name
    listed = desk.get(base, input_data={"list_info": {"get_total_count": True}}).json()
    assert isinstance(listed["response_status"], list)
    assert [c["id"] for c in listed[plural]] == [child["id"]]
    assert listed["list_info"]["total_count"] == 1
    fetched = desk.get(f"{base}/{child['id']}").json()[name]
    assert fetched == child
    ((first_field, new_value),) = UPDATES[plural].items()
    updated = desk.put(f"{base}/{child['id']}", input_data={name: {first_field: new_value}})
    assert updated.status_code == 200, updated.text
    assert updated.json()[name][first_field] == new_value
    stored = desk.get(f"{base}/{child['id']}").json()[name]
    assert stored[first_field] == new_value  # stored, not only echoed
    assert {k: v for k, v in stored.items() if k != first_field} == {
        k: v for k, v in child.items() if k != first_field
    }
    deleted = desk.request("DELETE", f"{base}/{child['id']}")
    assert deleted.status_code == 200
    assert desk.get(f"{base}/{child['id']}").status_code == 404
    assert operations(desk, release["id"])[:3] == [
        f"{name}_delete",
        f"{name}_update",
        f"{name}_add",
    ]


@pytest.mark.parametrize("plural", [*SAMPLES, "changes"])
def test_a_release_in_the_trash_takes_no_child_writes(desk: Desk, plural: str) -> None:
    """Add, update and delete (associate and remove for changes) are each refused, with the
    same valid bodies that work on a live release, and change nothing."""
    release = desk.create_release()
    rid = int(release["id"])
    base = f"/releases/{rid}/{plural}"
    if plural == "changes":
        existing = desk.post(base, input_data={"changes": [{"change": {"id": "41"}}]})
        attempts = [
            ("POST", base, {"changes": [{"change": {"id": "42"}}]}),
            ("DELETE", f"{base}/41", None),
        ]
    else:
        name = SINGULAR[plural]
        existing = desk.post(base, input_data={name: SAMPLES[plural]})
        child_id = existing.json()[name]["id"]
        attempts = [
            ("POST", base, {name: SAMPLES[plural]}),
            ("PUT", f"{base}/{child_id}", {name: UPDATES[plural]}),
            ("DELETE", f"{base}/{child_id}", None),
        ]
    assert existing.status_code == 201, existing.text
    trashed = desk.request("DELETE", f"/releases/{rid}/move_to_trash")
    assert trashed.status_code == 200, trashed.text
    listed_before = desk.get(base).json()[plural]
    history_before = history_of(desk, str(rid))
    counts_before = [desk.count(model, release_id=rid) for model in CHILD_MODELS]
    release_before = desk.get(f"/releases/{rid}").json()["release"]

    for method, path, body in attempts:
        response = desk.request(method, path, input_data=body)
        assert response.status_code == 400, (method, response.text)
        message = error_of(response)
        assert (message["field"], message["status_code"]) == ("id", 4001), method
        assert "trash" in message["message"], method

    assert desk.get(base).json()[plural] == listed_before
    assert history_of(desk, str(rid)) == history_before
    assert [desk.count(model, release_id=rid) for model in CHILD_MODELS] == counts_before
    assert desk.get(f"/releases/{rid}").json()["release"] == release_before
    # The same requests are taken once the release is restored.
    restored = desk.put(f"/releases/restore_from_trash?ids={rid}", input_data={})
    assert restored.status_code == 200, restored.text
    for method, path, body in attempts:
        response = desk.request(method, path, input_data=body)
        assert response.status_code in (200, 201), (method, response.text)


def test_task_values(desk: Desk) -> None:
    release = desk.create_release()
    task = desk.post(
        f"/releases/{release['id']}/tasks", input_data={"task": SAMPLES["tasks"]}
    ).json()["task"]
    assert task["status"] == {"name": "Open"}
    assert task["owner"]["name"] == "Heather Graham"
    assert task["scheduled_start_time"]["value"] == "1592820350370"
    assert task["percentage_completion"] == 10


def test_worklog_time_spent_from_its_times_or_given(desk: Desk) -> None:
    release = desk.create_release()
    base = f"/releases/{release['id']}/worklogs"
    derived = desk.post(base, input_data={"worklog": SAMPLES["worklogs"]}).json()["worklog"]
    assert derived["time_spent"] == {"hours": "1", "minutes": "30"}
    given = desk.post(
        base,
        key=desk.technician.key,
        input_data={"worklog": {"description": "x", "time_spent": {"hours": "2", "minutes": "15"}}},
    ).json()["worklog"]
    assert given["time_spent"] == {"hours": "2", "minutes": "15"}
    assert given["owner"]["name"] == desk.technician.name


@pytest.mark.parametrize(
    ("plural", "body", "field", "code"),
    [
        ("tasks", {}, "title", 4012),
        ("tasks", {"title": "a\nb"}, "title", 4001),
        ("tasks", {"title": "x", "status": {"name": "Sleeping"}}, "status", 4001),
        ("tasks", {"title": "x", "owner": {"name": "Rita Requester"}}, "owner", 4001),
        ("tasks", {"title": "x", "percentage_completion": 150}, "percentage_completion", 4001),
        ("tasks", {"title": "x", "colour": "red"}, "colour", 4001),
        ("tasks", {"title": 5}, "title", 4021),
        (
            "tasks",
            {
                "title": "x",
                "scheduled_start_time": {"value": "1592820360370"},
                "scheduled_end_time": {"value": "1592820350370"},
            },
            "scheduled_end_time",
            4016,
        ),
        ("worklogs", {"time_spent": {"hours": "two"}}, "time_spent", 4021),
        ("notes", {"description": ""}, "description", 4001),
        ("notes", {}, "description", 4012),
        ("reminders", {"summary": "x"}, "time", 4012),
        ("reminders", {"summary": "x", "time": {"value": "later"}}, "time", 4021),
    ],
)
def test_bad_child_input(
    desk: Desk, plural: str, body: dict[str, Any], field: str, code: int
) -> None:
    release = desk.create_release()
    models = (ReleaseTask, ReleaseWorklog, ReleaseNote, ReleaseReminder)
    before = [desk.count(m) for m in models]
    response = desk.post(f"/releases/{release['id']}/{plural}", input_data={SINGULAR[plural]: body})
    assert response.status_code == 400, response.text
    assert (error_of(response)["field"], error_of(response)["status_code"]) == (field, code)
    assert [desk.count(m) for m in models] == before


def test_child_of_another_release_or_unknown_kind(desk: Desk) -> None:
    one, two = desk.create_release(), desk.create_release()
    task = desk.post(f"/releases/{one['id']}/tasks", input_data={"task": {"title": "t"}}).json()[
        "task"
    ]
    assert desk.get(f"/releases/{two['id']}/tasks/{task['id']}").status_code == 404
    gadgets = desk.get(f"/releases/{one['id']}/gadgets")
    assert gadgets.status_code == 400 and error_of(gadgets)["field"] == "path"
    wrapper = desk.post(f"/releases/{one['id']}/tasks", input_data={"title": "t"})
    assert wrapper.status_code == 400 and error_of(wrapper)["field"] == "task"


def test_notes_set_notes_present(desk: Desk) -> None:
    release = desk.create_release()
    path = f"/releases/{release['id']}"
    note = desk.post(f"{path}/notes", input_data={"note": SAMPLES["notes"]}).json()["note"]
    assert desk.get(path).json()["release"]["notes_present"] is True
    desk.request("DELETE", f"{path}/notes/{note['id']}")
    assert desk.get(path).json()["release"]["notes_present"] is False


def test_change_and_project_associations(desk: Desk) -> None:
    release = desk.create_release()
    base = f"/releases/{release['id']}"
    added = desk.post(
        f"{base}/changes",
        input_data={"changes": [{"change": {"id": "41"}}, {"change": {"id": "42"}}]},
    )
    assert added.status_code == 201, added.text
    assert [c["change"]["id"] for c in added.json()["changes"]] == ["41", "42"]
    twice = desk.post(f"{base}/changes", input_data={"changes": [{"change": {"id": "41"}}]})
    assert twice.status_code == 400 and error_of(twice)["status_code"] == 4008
    desk.post(f"{base}/projects", input_data={"projects": [{"project": {"id": "7"}}]})
    listed = desk.get(f"{base}/changes").json()
    assert [c["change"]["id"] for c in listed["changes"]] == ["41", "42"]
    assert desk.get(f"{base}/changes/41").json()["change"]["id"] == "41"
    assert desk.request("DELETE", f"{base}/changes/41").status_code == 200
    assert desk.get(f"{base}/changes/41").status_code == 404
    summary = desk.get(f"{base}/summary").json()["summary"]
    assert (summary["changes"], summary["projects"]) == ({"all": 1}, {"all": 1})
    bad = desk.post(f"{base}/changes", input_data={"changes": [{"change": {"id": "a b"}}]})
    assert bad.status_code == 400 and error_of(bad)["field"] == "change.id"
    assert [c["change"]["id"] for c in desk.get(f"{base}/changes").json()["changes"]] == ["42"]


def test_summary_counts_stored_rows(desk: Desk) -> None:
    release = desk.create_release()
    base = f"/releases/{release['id']}"
    for title in ("one", "two", "three"):
        desk.post(f"{base}/tasks", input_data={"task": {"title": title}})
    task_id = desk.get(f"{base}/tasks").json()["tasks"][0]["id"]
    desk.put(f"{base}/tasks/{task_id}", input_data={"task": {"status": {"name": "Closed"}}})
    desk.post(f"{base}/worklogs", input_data={"worklog": {"time_spent": 30}})
    desk.post(f"{base}/reminders", input_data={"reminder": SAMPLES["reminders"]})
    body = desk.get(f"{base}/summary").json()
    assert body["response_status"] == {"status_code": 2000, "status": "success"}
    assert body["summary"] == {
        "reminders": {"all": 1},
        "projects": {"all": 0},
        "approvals": {"all": 0},
        "changes": {"all": 0},
        "id": release["id"],
        "tasks": {"all": 3, "closed": 1},
        "worklogs": {"all": 1},
    }


def test_permissions_follow_the_rules_for_each_role(desk: Desk) -> None:
    own = desk.create_release(key=desk.requester.key)
    rid = own["id"]

    def permissions(key: str) -> dict[str, dict[str, bool]]:
        response = desk.get(f"/releases/{rid}/get_permissions", key=key)
        assert response.status_code == 200, response.text
        return response.json()["get_permissions"]  # type: ignore[no-any-return]

    admin = permissions(desk.admin.key)
    assert len(admin) == 10 and "-1" in admin
    # approve: exactly where the caller can decide something (nothing waits for a decision)
    assert all(p == {"view": True, "edit": True, "approve": False} for p in admin.values())
    technician = permissions(desk.technician.key)
    assert set(technician) == set(admin)  # so the check below covers every stage
    assert all(p["view"] and p["edit"] and not p["approve"] for p in technician.values())
    requester = permissions(desk.requester.key)
    assert set(requester) == set(admin)
    stage_ids = sorted((k for k in requester if k != "-1"), key=int)
    assert len(stage_ids) == 9
    assert requester[stage_ids[0]] == {"view": True, "edit": True, "approve": False}
    assert all(not requester[s]["edit"] for s in stage_ids[1:])
    assert requester["-1"]["edit"] is True
    assert (
        desk.get(f"/releases/{rid}/get_permissions", key=desk.other_requester.key).status_code
        == 403
    )

    planning_id = desk.put(
        f"/releases/{rid}", input_data={"release": {"stage": {"name": "Planning"}}}
    ).json()["release"]["stage"]["id"]
    add_approval_level(desk, int(rid), "Planning", desk.technician.id)
    technician = permissions(desk.technician.key)
    assert technician[planning_id]["approve"] is True
    assert technician[stage_ids[0]]["approve"] is False
    assert technician["-1"]["approve"] is True
    admin = permissions(desk.admin.key)  # an admin may act for the approver
    assert [k for k, p in admin.items() if p["approve"]] == [planning_id, "-1"]
    requester = permissions(desk.requester.key)
    assert requester["-1"]["edit"] is False
    refused = desk.put(
        f"/releases/{rid}", key=desk.requester.key, input_data={"release": {"title": "late"}}
    )
    assert refused.status_code == 403


def test_requester_writes_on_children_follow_the_same_rules(desk: Desk) -> None:
    own = desk.create_release(key=desk.requester.key)
    note = desk.post(
        f"/releases/{own['id']}/notes",
        key=desk.requester.key,
        input_data={"note": {"description": "mine"}},
    )
    assert note.status_code == 201
    other = desk.create_release(key=desk.other_requester.key)
    refused = desk.post(
        f"/releases/{other['id']}/notes",
        key=desk.requester.key,
        input_data={"note": {"description": "not mine"}},
    )
    assert refused.status_code == 403
    assert error_of(refused)["status_code"] == 4002
    assert desk.count(ReleaseNote, release_id=int(other["id"])) == 0
    assert desk.count(ReleaseNote, release_id=int(own["id"])) == 1


def test_approval_summary_in_the_spec_shape(desk: Desk) -> None:
    release = desk.create_release()
    rid = release["id"]
    desk.put(
        f"/releases/{rid}",
        input_data={"release": {"status": {"name": "Accepted"}, "comment": "Jump"}},
    )
    desk.put(f"/releases/{rid}", input_data={"release": {"stage": {"name": "Planning"}}})
    add_approval_level(desk, int(rid), "Submission", desk.admin.id, status="approved")
    body = desk.get(f"/releases/{rid}/approval_levels/approval_summary").json()
    assert body["response_status"] == [{"status_code": 2000, "status": "success"}]
    stages = body["approval_summary"]
    assert [s["stage"]["stage_index"] for s in stages] == list(range(1, 10))
    assert [s["latestDecision"] for s in stages] == ["approve", "inProgress"] + ["upcoming"] * 7
    assert [s["visited"] for s in stages] == [True, True] + [False] * 7
    submission = stages[0]
    assert submission["comments"] == "Jump"
    assert isinstance(submission["commented_on"], int)
    assert submission["status"]["name"] == "Accepted"
    level = submission["approval_levels"][0]
    assert level["status"] == {"name": "Approved", "id": "2"}
    assert level["rule"] == {"type": "anyone", "value": None}
    assert level["associated_entity"] == "release"
    assert stages[1]["stage"]["description"] == "Release planning"
    assert "approval_levels" not in stages[2]
