"""Close, trash, restore, delete, assign, pickup, history and status comments over HTTP."""

from __future__ import annotations

import pytest

from releasedesk.db.models import (
    Approval,
    ApprovalLevel,
    Release,
    ReleaseAssociation,
    ReleaseDescriptiveField,
    ReleaseHistory,
    ReleaseNote,
    ReleaseReminder,
    ReleaseRoleAssignment,
    ReleaseService,
    ReleaseStatusComment,
    ReleaseTask,
    ReleaseWorklog,
)
from tests.api.sdp.support import add_approval_level, error_of, history_of, operations
from tests.helpers import Desk

TASK = {"task": {"title": "t"}}


@pytest.mark.parametrize("path", ["close", "_close"])
def test_close_one_with_the_spec_sample(desk: Desk, path: str) -> None:
    created = desk.create_release()
    response = desk.put(
        f"/releases/{created['id']}/{path}",
        input_data={"status": "completed", "comment": "Release has been closed"},
        as_="form",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response_status"] == {"status_code": 2000, "status": "success"}
    release = body["release"]
    assert (release["stage"]["name"], release["status"]["name"]) == ("Closure", "Completed")
    assert release["completed_time"]["value"].isdigit()
    comments = desk.get(f"/releases/{created['id']}/status_comments").json()["status_comments"]
    assert comments[0]["comment"] == "Release has been closed"
    assert comments[0]["status"]["name"] == "Completed"
    assert operations(desk, created["id"])[0] == "close"
    again = desk.put(f"/releases/{created['id']}/close", input_data={"status": "completed"})
    assert again.status_code == 400 and "already closed" in error_of(again)["message"]


def test_close_as_canceled_and_by_default_completed(desk: Desk) -> None:
    first, second = desk.create_release(), desk.create_release()
    canceled = desk.put(f"/releases/{first['id']}/close", input_data={"status": "canceled"})
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["release"]["status"]["name"] == "Canceled"
    plain = desk.put(f"/releases/{second['id']}/close")
    assert plain.status_code == 200, plain.text
    assert plain.json()["release"]["status"]["name"] == "Completed"
    stored = [desk.get(f"/releases/{r['id']}").json()["release"] for r in (first, second)]
    assert [(r["stage"]["name"], r["status"]["name"]) for r in stored] == [
        ("Closure", "Canceled"),
        ("Closure", "Completed"),
    ]
    bad_id = desk.create_release()["id"]
    bad = desk.put(f"/releases/{bad_id}/close", input_data={"status": "exploded"})
    assert bad.status_code == 400 and error_of(bad)["field"] == "status"
    assert operations(desk, bad_id) == ["add"]


def test_close_several_with_one_bad_id(desk: Desk) -> None:
    a, b = desk.create_release(), desk.create_release()
    response = desk.put(
        f"/releases/close?ids={a['id']},987654321,{b['id']}",
        input_data={"status": "completed", "comment": "Batch"},
    )
    assert response.status_code == 200
    statuses = response.json()["response_status"]
    assert [(s["id"], s["status_code"]) for s in statuses] == [
        (a["id"], 2000),
        ("987654321", 4000),
        (b["id"], 2000),
    ]
    assert statuses[1]["messages"][0]["status_code"] == 4007
    assert [r["status"]["name"] for r in response.json()["releases"]] == ["Completed"] * 2


def test_closing_several_undoes_each_close_that_fails_after_writing(desk: Desk) -> None:
    """A comment close cannot store fails after the release is already moved: each id
    answers its error, and the request (which succeeds as a whole) keeps none of the moves."""
    a, b = desk.create_release(), desk.create_release()
    response = desk.put(
        f"/releases/close?ids={a['id']},{b['id']}",
        input_data={"status": "completed", "comment": "two\nlines"},
    )
    assert response.status_code == 400, response.text
    statuses = response.json()["response_status"]
    assert [(s["id"], s["messages"][0]["field"]) for s in statuses] == [
        (a["id"], "comment"),
        (b["id"], "comment"),
    ]
    for release in (a, b):
        now = desk.get(f"/releases/{release['id']}").json()["release"]
        assert (now["stage"]["name"], now["status"]["name"]) == ("Submission", "Requested")
        assert now["completed_time"] is None
        assert operations(desk, release["id"]) == ["add"]
        assert desk.count(ReleaseStatusComment, release_id=int(release["id"])) == 1


def test_trash_restore_and_lists(desk: Desk) -> None:
    keep, trash = desk.create_release(title="Keep"), desk.create_release(title="Trash me")
    response = desk.request("DELETE", f"/releases/move_to_trash?ids={trash['id']}")
    assert response.status_code == 200
    assert response.json()["response_status"] == {"status_code": 2000, "status": "success"}
    listed = desk.get("/releases").json()["releases"]
    assert [r["title"] for r in listed] == ["Keep"]
    in_trash = desk.get("/releases", input_data={"list_info": {"filter_by": {"name": "trash"}}})
    assert [r["title"] for r in in_trash.json()["releases"]] == ["Trash me"]
    assert desk.get(f"/releases/{trash['id']}").json()["release"]["deleted_time"] is not None
    edit = desk.put(f"/releases/{trash['id']}", input_data={"release": {"title": "x"}})
    assert edit.status_code == 400 and "trash" in error_of(edit)["message"]
    assert desk.get(f"/releases/{trash['id']}").json()["release"]["title"] == "Trash me"
    restored = desk.put(f"/releases/restore_from_trash?ids={trash['id']}", input_data={})
    assert restored.status_code == 200
    body = restored.json()
    assert body["response_status"] == [
        {"status_code": 2000, "status": "success", "id": trash["id"]}
    ]
    assert body["releases"]["deleted_time"] is None
    assert [r["title"] for r in desk.get("/releases").json()["releases"]] == ["Trash me", "Keep"]
    assert operations(desk, trash["id"]) == ["restore_from_trash", "move_to_trash", "add"]
    # The release beside it was never touched.
    assert desk.get(f"/releases/{keep['id']}").json()["release"]["deleted_time"] is None
    assert operations(desk, keep["id"]) == ["add"]


def test_trash_one_by_path_and_twice_is_an_error(desk: Desk) -> None:
    created = desk.create_release()
    first = desk.request("DELETE", f"/releases/{created['id']}/move_to_trash")
    assert first.status_code == 200
    second = desk.request("DELETE", f"/releases/{created['id']}/move_to_trash")
    assert second.status_code == 400
    assert (error_of(second)["field"], error_of(second)["message"]) == (
        "id",
        "The release is already in the trash",
    )
    assert operations(desk, created["id"]) == ["move_to_trash", "add"]


def test_several_ids_report_each_and_one_failure_undoes_only_itself(desk: Desk) -> None:
    a, b = desk.create_release(), desk.create_release()
    desk.request("DELETE", f"/releases/{b['id']}/move_to_trash")
    response = desk.request("DELETE", f"/releases/move_to_trash?ids={a['id']},{b['id']},x9")
    assert response.status_code == 400  # 'x9' is not an id: nothing is attempted
    assert error_of(response)["field"] == "ids"
    assert desk.get(f"/releases/{a['id']}").json()["release"]["deleted_time"] is None
    response = desk.request("DELETE", f"/releases/move_to_trash?ids={a['id']},{b['id']}")
    assert response.status_code == 200
    statuses = response.json()["response_status"]
    assert [(s["id"], s["status_code"]) for s in statuses] == [(a["id"], 2000), (b["id"], 4000)]
    assert statuses[1]["messages"][0]["message"] == "The release is already in the trash"
    assert desk.get(f"/releases/{a['id']}").json()["release"]["deleted_time"] is not None
    assert operations(desk, a["id"]) == ["move_to_trash", "add"]
    assert operations(desk, b["id"]) == ["move_to_trash", "add"]  # the failure wrote nothing


def test_permanent_delete_only_from_trash_and_leaves_no_orphans(desk: Desk) -> None:
    created = desk.create_release(
        services=[{"name": "Email"}],
        roles=[{"role": {"name": "Release Engineer"}, "user": {"name": desk.technician.name}}],
    )
    rid = int(created["id"])
    desk.put(f"/releases/{rid}", input_data={"release": {"stage": {"name": "Planning"}}})
    for plural, body in (
        ("tasks", {"task": {"title": "t"}}),
        ("worklogs", {"worklog": {"time_spent": 5}}),
        ("notes", {"note": {"description": "n"}}),
        ("reminders", {"reminder": {"summary": "r", "time": {"value": "1592820350370"}}}),
        ("changes", {"changes": [{"change": {"id": "9"}}]}),
    ):
        assert desk.post(f"/releases/{rid}/{plural}", input_data=body).status_code == 201
    add_approval_level(desk, rid, "Planning", desk.technician.id)
    kept = desk.create_release()  # another release's rows must survive the delete
    assert desk.post(f"/releases/{kept['id']}/tasks", input_data=TASK).status_code == 201
    owned = (
        ReleaseDescriptiveField,
        ReleaseHistory,
        ReleaseRoleAssignment,
        ReleaseService,
        ReleaseStatusComment,
        ReleaseTask,
        ReleaseWorklog,
        ReleaseNote,
        ReleaseReminder,
        ReleaseAssociation,
        ApprovalLevel,
    )
    # Each table holds a row of this release, so "none left" below can fail.
    for model in owned:
        assert desk.count(model, release_id=rid) >= 1, model.__name__
    assert desk.count(Approval) == 1
    refused = desk.request("DELETE", f"/releases/{rid}")
    assert refused.status_code == 400 and "trash" in error_of(refused)["message"]
    assert desk.count(Release, id=rid) == 1
    desk.request("DELETE", f"/releases/{rid}/move_to_trash")
    assert desk.request("DELETE", f"/releases/{rid}", key=desk.technician.key).status_code == 403
    response = desk.request("DELETE", f"/releases/{rid}")
    assert response.status_code == 200
    assert response.json()["response_status"]["status_code"] == 2000
    assert desk.get(f"/releases/{rid}").status_code == 404
    for model in owned:
        assert desk.count(model, release_id=rid) == 0, model.__name__
    assert desk.count(Release, id=rid) == 0
    assert desk.count(Approval) == 0
    assert desk.count(Release) == 1
    assert desk.count(ReleaseTask, release_id=int(kept["id"])) == 1


def test_assign_with_the_spec_sample_and_its_history(desk: Desk) -> None:
    a, b = desk.create_release(), desk.create_release()
    response = desk.put(
        f"/releases/assign?ids={a['id']},{b['id']}",
        as_="form",
        input_data={"release": {"release_engineer": {"name": "heather graham"}}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [s["status_code"] for s in body["response_status"]] == [2000, 2000]
    assert [r["release_engineer"]["name"] for r in body["releases"]] == ["Heather Graham"] * 2
    entry = history_of(desk, a["id"])[0]
    assert entry["operation"] == {
        "name": "release_to_release_role_add",
        "display_name": "User assigned for role",
    }
    fields = [d["field"]["name"] for d in entry["diff"]]
    assert fields == ["user", "id", "role"]
    assert entry["diff"][0]["current_value"]["name"] == "Heather Graham"
    assert entry["diff"][0]["current_value"]["id"] == str(desk.technician.id)
    assert entry["diff"][2]["current_value"]["internal_name"] == "release_engineer"
    reassigned = desk.put(
        f"/releases/assign?ids={a['id']}",
        input_data={"release": {"release_engineer": {"name": desk.admin.name}}},
    ).json()
    assert reassigned["releases"]["release_engineer"]["name"] == desk.admin.name
    assert operations(desk, a["id"])[:2] == [
        "release_to_release_role_add",
        "release_to_release_role_remove",
    ]


def test_assign_refuses_requesters_and_unknown_users(desk: Desk) -> None:
    created = desk.create_release()
    requester = desk.put(
        f"/releases/assign?ids={created['id']}",
        input_data={"release": {"release_engineer": {"name": desk.requester.name}}},
    )
    assert requester.status_code == 400
    message = requester.json()["response_status"][0]["messages"][0]
    assert (message["field"], message["status_code"]) == ("release_engineer", 4001)
    assert "requester" in message["message"]
    unknown = desk.put(
        f"/releases/assign?ids={created['id']}",
        input_data={"release": {"release_engineer": {"name": "Nobody"}}},
    )
    assert unknown.status_code == 400
    message = unknown.json()["response_status"][0]["messages"][0]
    assert (message["field"], message["status_code"]) == ("release_engineer", 4001)
    assert "Nobody" in message["message"]
    missing = desk.put(f"/releases/assign?ids={created['id']}", input_data={"release": {}})
    assert missing.status_code == 400 and error_of(missing)["field"] == "release_engineer"
    no_ids = desk.put(
        "/releases/assign",
        input_data={"release": {"release_engineer": {"name": desk.technician.name}}},
    )
    assert no_ids.status_code == 400
    assert (error_of(no_ids)["field"], error_of(no_ids)["status_code"]) == ("ids", 4012)
    # None of the refusals assigned anyone.
    assert desk.get(f"/releases/{created['id']}").json()["release"]["release_engineer"] is None
    assert operations(desk, created["id"]) == ["add"]


def test_pickup_makes_the_caller_engineer_and_refuses_requesters(desk: Desk) -> None:
    created = desk.create_release(key=desk.requester.key)
    picked = desk.put(
        f"/releases/pickup?ids={created['id']}", key=desk.technician.key, input_data={}
    )
    assert picked.status_code == 200, picked.text
    assert picked.json()["releases"]["release_engineer"]["name"] == desk.technician.name
    refused = desk.put(f"/releases/pickup?ids={created['id']}", key=desk.requester.key)
    assert refused.status_code == 403
    assert refused.json()["response_status"][0]["messages"][0]["status_code"] == 4002
    release = desk.get(f"/releases/{created['id']}").json()["release"]
    assert release["release_engineer"]["name"] == desk.technician.name
    entry = history_of(desk, created["id"])[0]
    assert entry["operation"]["name"] == "release_to_release_role_add"
    assert entry["by"]["name"] == desk.technician.name
    assert len(history_of(desk, created["id"])) == 2  # add, then the one pickup


def test_history_lists_every_change_newest_first_and_pages(desk: Desk) -> None:
    created = desk.create_release(priority={"name": "Low"})
    rid = created["id"]
    low_id = created["priority"]["id"]
    renamed = desk.put(
        f"/releases/{rid}",
        input_data={"release": {"priority": {"name": "High"}, "title": "Renamed"}},
    )
    high_id = renamed.json()["release"]["priority"]["id"]
    assert high_id != low_id
    desk.put(
        f"/releases/{rid}",
        input_data={"release": {"stage": {"name": "Planning"}, "comment": "Planning starts"}},
    )
    entries = history_of(desk, rid)
    assert [e["operation"]["name"] for e in entries] == ["status_change", "update", "add"]
    move = entries[0]
    assert move["description"] == "Planning starts"
    assert {d["field"]["name"] for d in move["diff"]} == {"stage", "status"}
    update = {d["field"]["name"]: d for d in entries[1]["diff"]}
    assert update["priority"]["previous_value"] == {"id": low_id, "name": "Low"}
    assert update["priority"]["current_value"] == {"id": high_id, "name": "High"}
    assert (update["title"]["previous_value"], update["title"]["current_value"]) == (
        created["title"],
        "Renamed",
    )
    assert update["title"]["field"]["display_name"] == "Title"
    assert entries[2]["operation"]["display_name"] == "Release Created"
    assert set(entries[2]["time"]) == {"display_value", "date", "time", "value"}
    assert entries[2]["by"]["name"] == desk.admin.name
    page = desk.get(
        f"/releases/{rid}/history",
        input_data={"list_info": {"row_count": 1, "start_index": 2, "get_total_count": True}},
    ).json()
    assert [e["operation"]["name"] for e in page["history"]] == ["update"]
    assert page["list_info"]["total_count"] == 3 and page["list_info"]["has_more_rows"]


def test_status_comments_in_the_spec_shape(desk: Desk) -> None:
    created = desk.create_release()
    desk.put(
        f"/releases/{created['id']}",
        input_data={
            "release": {
                "stage": {"name": "Planning"},
                "status": {"name": "Rejected"},
                "comment": "No budget",
            }
        },
    )
    body = desk.get(f"/releases/{created['id']}/status_comments").json()
    assert isinstance(body["response_status"], list)
    latest, first = body["status_comments"]
    assert latest["comment"] == "No budget"
    assert latest["stage"]["stage_index"] == 2
    assert latest["status"]["status_type"] == "Failed"
    assert latest["release"]["id"] == created["id"]
    assert first["comment"] == "The above Stage/Status is set as part of 'Release' creation"
    assert body["list_info"]["row_count"] == 2


def test_requesters_cannot_close_trash_or_assign(desk: Desk) -> None:
    created = desk.create_release(key=desk.requester.key)
    rid = created["id"]
    assert desk.put(f"/releases/{rid}/close", key=desk.requester.key).status_code == 403
    assert (
        desk.request("DELETE", f"/releases/{rid}/move_to_trash", key=desk.requester.key).status_code
        == 403
    )
    assign = desk.put(
        f"/releases/assign?ids={rid}",
        key=desk.requester.key,
        input_data={"release": {"release_engineer": {"name": desk.technician.name}}},
    )
    assert assign.status_code == 403
    assert operations(desk, rid) == ["add"]
