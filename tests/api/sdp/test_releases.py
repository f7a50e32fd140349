"""Add, get and update: defaults, references, rules, and the exact error for each bad input."""

from __future__ import annotations

from typing import Any

import pytest

from releasedesk.db.models import (
    Release,
    ReleaseDescriptiveField,
    ReleaseHistory,
    ReleaseRoleAssignment,
    ReleaseService,
    ReleaseStatusComment,
)
from tests.api.sdp.support import error_of, history_of
from tests.helpers import Desk


def test_add_with_only_a_title_takes_the_defaults(desk: Desk) -> None:
    release = desk.create_release(title="Minimal")
    assert release["template"]["name"] == "General Template"
    assert release["stage"]["name"] == "Submission"
    assert release["status"]["name"] == "Requested"
    assert release["workflow"]["name"] == "General Release Workflow"
    assert release["release_requester"]["name"] == desk.admin.name
    assert release["id"].isdigit()
    assert release["created_time"]["value"].isdigit()
    assert release["completed_time"] is None and release["deleted_time"] is None
    for kind, stage in (
        ("roll_out_plan", "planning"),
        ("back_out_plan", "planning"),
        ("checklist", "planning"),
        ("impact_details", "planning"),
        ("review_details", "review"),
        ("close_details", "close"),
    ):
        assert release[kind]["internal_name"] == kind
        assert release[kind]["stage"]["internal_name"] == stage
        assert release[kind]["description"] is None


def test_lookups_by_name_any_case_and_by_id(desk: Desk) -> None:
    release = desk.create_release(
        priority={"name": "hIgH"},
        urgency="Urgent",
        impact={"name": "High"},
        risk={"name": "low"},
        release_type={"name": "standard"},
        category={"name": "software"},
        subcategory={"name": "ie 7"},
        item={"name": "INSTALL"},
        group={"name": "Hardware Problems"},
        services=[{"name": "email"}, {"name": "Email"}],
    )
    assert release["priority"] == {
        "color": "#ff0000",
        "name": "High",
        "id": release["priority"]["id"],
    }
    assert release["release_type"]["pre_approved"] is True
    assert (
        release["category"]["name"],
        release["subcategory"]["name"],
        release["item"]["name"],
    ) == ("Software", "IE 7", "Install")
    assert [s["name"] for s in release["services"]] == ["Email"]
    by_id = desk.create_release(priority={"id": release["priority"]["id"]})
    assert by_id["priority"]["name"] == "High"


def _tree_ids(desk: Desk, category: str, subcategory: str, item: str) -> dict[str, str]:
    """The ids of a category, a subcategory under it and an item under that (by name)."""
    release = desk.create_release(
        category={"name": category}, subcategory={"name": subcategory}, item={"name": item}
    )
    return {kind: release[kind]["id"] for kind in ("category", "subcategory", "item")}


def test_subcategory_and_item_by_id_must_sit_under_their_parent_on_add(desk: Desk) -> None:
    hardware = _tree_ids(desk, "Hardware", "Desktop", "Repair")
    office = _tree_ids(desk, "Software", "MS Office", "Install")
    before = [desk.count(model) for model in TABLES]
    foreign_subcategory = desk.post(
        "/releases",
        input_data={
            "release": {
                "title": "x",
                "category": {"name": "Software"},
                "subcategory": {"id": hardware["subcategory"]},
            }
        },
    )
    assert foreign_subcategory.status_code == 400, foreign_subcategory.text
    message = error_of(foreign_subcategory)
    assert (message["field"], message["status_code"]) == ("subcategory", 4001)
    foreign_item = desk.post(
        "/releases",
        input_data={
            "release": {
                "title": "x",
                "category": {"name": "Software"},
                "subcategory": {"name": "IE 7"},
                "item": {"id": office["item"]},  # Install, but MS Office's
            }
        },
    )
    assert foreign_item.status_code == 400, foreign_item.text
    assert (error_of(foreign_item)["field"], error_of(foreign_item)["status_code"]) == (
        "item",
        4001,
    )
    assert [desk.count(model) for model in TABLES] == before
    # Ids under the right parent are taken.
    by_id = desk.create_release(
        category={"id": office["category"]},
        subcategory={"id": office["subcategory"]},
        item={"id": office["item"]},
    )
    assert [by_id[k]["name"] for k in ("category", "subcategory", "item")] == [
        "Software",
        "MS Office",
        "Install",
    ]


def test_subcategory_and_item_by_id_must_sit_under_their_parent_on_update(desk: Desk) -> None:
    hardware = _tree_ids(desk, "Hardware", "Desktop", "Repair")
    office = _tree_ids(desk, "Software", "MS Office", "Install")
    release = desk.create_release(
        category={"name": "Software"}, subcategory={"name": "IE 7"}, item={"name": "Install"}
    )
    path = f"/releases/{release['id']}"
    for change, field in (
        ({"subcategory": {"id": hardware["subcategory"]}}, "subcategory"),
        ({"item": {"id": office["item"]}}, "item"),
        ({"item": {"id": hardware["item"]}}, "item"),
    ):
        response = desk.put(path, input_data={"release": change})
        assert response.status_code == 400, (change, response.text)
        assert (error_of(response)["field"], error_of(response)["status_code"]) == (field, 4001)
    after = desk.get(path).json()["release"]
    assert [after[k]["id"] for k in ("category", "subcategory", "item")] == [
        release[k]["id"] for k in ("category", "subcategory", "item")
    ]
    assert desk.count(ReleaseHistory, release_id=int(release["id"])) == 1
    moved = desk.put(
        path,
        input_data={
            "release": {
                "subcategory": {"id": office["subcategory"]},
                "item": {"id": office["item"]},
            }
        },
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["release"]["subcategory"]["name"] == "MS Office"
    assert moved.json()["release"]["item"]["id"] == office["item"]


def test_description_is_sanitized_and_summarized(desk: Desk) -> None:
    release = desk.create_release(
        description='<p onclick="x()">Hello <b>world</b><script>alert(1)</script></p>'
        '<a href="javascript:evil()">link</a>'
    )
    assert "script" not in release["description"]
    assert "onclick" not in release["description"]
    assert "javascript" not in release["description"]
    assert "<b>world</b>" in release["description"]
    assert release["short_description"].startswith("Hello world")


def test_roles_and_users_by_name_or_email(desk: Desk) -> None:
    release = desk.create_release(
        roles=[
            {"role": {"name": "release requester"}, "user": {"name": desk.requester.name}},
            {
                "role": {"name": "Release Engineer"},
                "user": {"email_id": f"heather.graham@{desk.portal}.example.com"},
            },
            {"role": {"name": "release manager"}, "user": {"id": str(desk.admin.id)}},
        ]
    )
    assert release["release_requester"]["name"] == desk.requester.name
    assert release["release_engineer"]["name"] == desk.technician.name
    assert release["release_manager"]["name"] == desk.admin.name
    assert {r["role"]["internal_name"] for r in release["roles"]} == {
        "release_requester",
        "release_engineer",
        "release_manager",
    }


def test_stage_and_status_set_on_add_and_status_must_fit_the_stage(desk: Desk) -> None:
    release = desk.create_release(stage={"name": "planning"}, status={"name": "In Progress"})
    assert (release["stage"]["name"], release["status"]["name"]) == ("Planning", "In Progress")
    bad = desk.post(
        "/releases",
        input_data={
            "release": {
                "title": "x",
                "stage": {"name": "Submission"},
                "status": {"name": "Deployed"},
            }
        },
    )
    assert bad.status_code == 400
    assert error_of(bad)["field"] == "status"


@pytest.mark.parametrize(
    ("release", "field", "code", "http"),
    [
        ({}, "title", 4012, 400),
        ({"title": "   "}, "title", 4012, 400),
        ({"title": "two\nlines"}, "title", 4001, 400),
        ({"title": "x", "priority": {"name": "Galactic"}}, "priority", 4001, 400),
        ({"title": "x", "priority": {"id": "999999"}}, "priority", 4001, 400),
        ({"title": "x", "colour": "red"}, "release.colour", 4001, 400),
        ({"title": 42}, "release.title", 4021, 400),
        ({"title": "x", "priority": ["High"]}, "release.priority", 4021, 400),
        ({"title": "x", "emergency": "maybe"}, "emergency", 4021, 400),
        ({"title": "x", "services": {"name": "Email"}}, "release.services", 4021, 400),
        ({"title": "x", "id": "5"}, "id", 4014, 400),
        ({"title": "x", "release_requester": {"name": "Guest"}}, "release_requester", 4014, 400),
        ({"title": "x", "template": {"name": "No such template"}}, "template", 4001, 400),
        ({"title": "x", "stage": {"name": "Nowhere"}}, "stage", 4001, 400),
        ({"title": "x", "subcategory": {"name": "IE 7"}}, "subcategory", 4001, 400),
        (
            {"title": "x", "category": {"name": "Hardware"}, "subcategory": {"name": "IE 7"}},
            "subcategory",
            4001,
            400,
        ),
        (
            {
                "title": "x",
                "scheduled_start_time": {"value": "1592820360370"},
                "scheduled_end_time": {"value": "1592820350370"},
            },
            "scheduled_end_time",
            4016,
            400,
        ),
        (
            {"title": "x", "scheduled_start_time": {"value": "soon"}},
            "scheduled_start_time",
            4021,
            400,
        ),
        (
            {
                "title": "x",
                "roles": [{"role": {"name": "Release Engineer"}, "user": {"name": "Nobody Here"}}],
            },
            "roles.user",
            4001,
            400,
        ),
        (
            {
                "title": "x",
                "roles": [{"role": {"name": "Release Boss"}, "user": {"name": "Guest"}}],
            },
            "roles.role",
            4001,
            400,
        ),
        (
            {
                "title": "x",
                "roles": [{"role": {"name": "Release Engineer"}, "user": {"name": "Guest"}}],
            },
            "roles.user",
            4001,
            400,
        ),
        ({"title": "x", "assets": [{"name": "pc-42"}]}, "assets", 4001, 400),
    ],
)
def test_bad_add_input_gets_its_exact_error_and_leaves_nothing(
    desk: Desk, release: dict[str, Any], field: str, code: int, http: int
) -> None:
    before = [desk.count(model) for model in TABLES]
    response = desk.post("/releases", input_data={"release": release})
    assert response.status_code == http, response.text
    message = error_of(response)
    assert message["field"] == field
    assert message["status_code"] == code
    assert message["message"]
    assert [desk.count(model) for model in TABLES] == before


TABLES = (
    Release,
    ReleaseDescriptiveField,
    ReleaseHistory,
    ReleaseRoleAssignment,
    ReleaseService,
    ReleaseStatusComment,
)


def test_missing_release_object_is_mandatory(desk: Desk) -> None:
    response = desk.post("/releases", input_data={"title": "no wrapper"})
    assert response.status_code == 400
    assert (error_of(response)["field"], error_of(response)["status_code"]) == ("release", 4012)
    assert desk.count(Release) == 0


def test_a_failure_late_in_a_write_rolls_back_everything(desk: Desk) -> None:
    """The role check runs after the release row is built: still nothing may remain."""
    before = [desk.count(model) for model in TABLES]
    response = desk.post(
        "/releases",
        input_data={
            "release": {
                "title": "Half written",
                "services": [{"name": "Email"}],
                "roles": [
                    {"role": {"name": "Release Engineer"}, "user": {"name": desk.requester.name}}
                ],
            }
        },
    )
    assert response.status_code == 400
    assert error_of(response)["field"] == "roles.user"
    assert [desk.count(model) for model in TABLES] == before


def test_get_unknown_and_malformed_ids(desk: Desk) -> None:
    missing = desk.get("/releases/987654321")
    assert missing.status_code == 404
    assert error_of(missing)["status_code"] == 4007
    malformed = desk.get("/releases/abc")
    assert malformed.status_code == 400
    assert error_of(malformed)["field"] == "id"


def test_update_changes_only_the_fields_given(desk: Desk) -> None:
    created = desk.create_release(
        title="Original",
        priority={"name": "Low"},
        description="<p>keep me</p>",
        services=[{"name": "Email"}],
    )
    response = desk.put(
        f"/releases/{created['id']}",
        input_data={
            "release": {
                "priority": {"name": "High"},
                "roll_out_plan": {"description": "<ol><li>go</li></ol>"},
            }
        },
    )
    assert response.status_code == 200, response.text
    updated = response.json()["release"]
    assert updated["priority"]["name"] == "High"
    assert updated["title"] == "Original"
    assert updated["description"] == "<p>keep me</p>"
    assert [s["name"] for s in updated["services"]] == ["Email"]
    assert updated["roll_out_plan"]["description"] == "<ol><li>go</li></ol>"
    assert updated["roll_out_plan"]["updated_by"]["name"] == desk.admin.name
    assert desk.get(f"/releases/{created['id']}").json()["release"] == updated  # as stored
    cleared = desk.put(
        f"/releases/{created['id']}", input_data={"release": {"priority": None, "services": []}}
    ).json()["release"]
    assert cleared["priority"] is None and cleared["services"] == []
    stored = desk.get(f"/releases/{created['id']}").json()["release"]
    assert stored["priority"] is None and stored["services"] == []
    assert stored["title"] == "Original"


def test_update_moves_stage_and_defaults_the_status(desk: Desk) -> None:
    created = desk.create_release()
    moved = desk.put(
        f"/releases/{created['id']}",
        input_data={"release": {"stage": {"name": "Testing"}, "comment": "Build 42 ready"}},
    ).json()["release"]
    assert (moved["stage"]["name"], moved["status"]["name"]) == ("Testing", "In Progress")
    closed = desk.put(
        f"/releases/{created['id']}",
        input_data={"release": {"stage": {"name": "closure"}, "status": {"name": "completed"}}},
    ).json()["release"]
    assert closed["completed_time"] is not None


def test_update_errors(desk: Desk) -> None:
    created = desk.create_release()
    path = f"/releases/{created['id']}"
    assert (
        desk.put("/releases/987654321", input_data={"release": {"title": "x"}}).status_code == 404
    )
    blank = desk.put(path, input_data={"release": {"title": None}})
    assert blank.status_code == 400 and error_of(blank)["field"] == "title"
    wrong = desk.put(path, input_data={"release": {"status": {"name": "Deployed"}}})
    assert wrong.status_code == 400 and error_of(wrong)["field"] == "status"
    assert desk.get(path).json()["release"] == created  # neither refusal changed anything


def test_update_writes_history_with_field_diffs(desk: Desk) -> None:
    created = desk.create_release(priority={"name": "Low"})
    desk.put(f"/releases/{created['id']}", input_data={"release": {"priority": {"name": "High"}}})
    assert desk.count(ReleaseHistory, release_id=int(created["id"])) == 2
    assert desk.count(ReleaseStatusComment, release_id=int(created["id"])) == 1  # no move
    entry = history_of(desk, created["id"])[0]
    assert entry["operation"]["name"] == "update"
    assert [
        (d["field"]["name"], d["previous_value"]["name"], d["current_value"]["name"])
        for d in entry["diff"]
    ] == [("priority", "Low", "High")]


def test_requesters_see_and_edit_only_their_own_releases_in_submission(desk: Desk) -> None:
    own = desk.create_release(key=desk.requester.key, title="Mine")
    other = desk.create_release(key=desk.other_requester.key, title="Not mine")
    assert desk.get(f"/releases/{own['id']}", key=desk.requester.key).status_code == 200
    hidden = desk.get(f"/releases/{other['id']}", key=desk.requester.key)
    assert hidden.status_code == 403 and error_of(hidden)["status_code"] == 4002
    listing = desk.get("/releases", key=desk.requester.key).json()
    assert [r["title"] for r in listing["releases"]] == ["Mine"]
    edit = desk.put(
        f"/releases/{own['id']}",
        key=desk.requester.key,
        input_data={"release": {"title": "Mine, edited"}},
    )
    assert edit.status_code == 200
    desk.put(f"/releases/{own['id']}", input_data={"release": {"stage": {"name": "Planning"}}})
    late = desk.put(
        f"/releases/{own['id']}",
        key=desk.requester.key,
        input_data={"release": {"title": "Too late"}},
    )
    assert late.status_code == 403 and error_of(late)["status_code"] == 4002


def test_technicians_see_and_edit_every_release(desk: Desk) -> None:
    created = desk.create_release(key=desk.requester.key)
    seen = desk.get(f"/releases/{created['id']}", key=desk.technician.key)
    assert seen.status_code == 200
    response = desk.put(
        f"/releases/{created['id']}",
        key=desk.technician.key,
        input_data={"release": {"priority": {"name": "High"}}},
    )
    assert response.status_code == 200
    assert desk.get(f"/releases/{created['id']}").json()["release"]["priority"]["name"] == "High"
    listing = desk.get("/releases", key=desk.technician.key).json()["releases"]
    assert [r["id"] for r in listing] == [created["id"]]


def test_unknown_route_and_method_answer_in_sdp_format(desk: Desk) -> None:
    missing = desk.get(f"{desk.base}/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["response_status"]["status_code"] == 4000
    wrong = desk.request("PATCH", "/releases/1")
    assert wrong.status_code == 405
    assert wrong.json()["response_status"]["status_code"] == 4000


@pytest.mark.parametrize(
    "change",
    [
        {"stage": {"name": "Closure"}},
        {"status": {"name": "Accepted"}},
        {"roles": [{"role": {"name": "Release Engineer"}, "user": {"name": "Heather Graham"}}]},
    ],
)
def test_requesters_cannot_move_their_release_or_hand_out_roles(
    desk: Desk, change: dict[str, Any]
) -> None:
    own = desk.create_release(key=desk.requester.key)
    response = desk.put(
        f"/releases/{own['id']}", key=desk.requester.key, input_data={"release": change}
    )
    assert response.status_code == 403, response.text
    assert (error_of(response)["status_code"], error_of(response)["field"]) == (
        4002,
        next(iter(change)),
    )
    assert desk.get(f"/releases/{own['id']}").json()["release"] == own


def test_requesters_cannot_add_a_release_past_submission(desk: Desk) -> None:
    response = desk.post(
        "/releases",
        key=desk.requester.key,
        input_data={"release": {"title": "Straight to done", "stage": {"name": "Closure"}}},
    )
    assert response.status_code == 403
    assert error_of(response)["field"] == "stage"
    assert desk.count(Release) == 0
