"""Approval levels, approvals, notifications and decisions over HTTP: the spec's samples sent
verbatim, the shapes they answer, and who may do what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.approvals import organisation, policy
from releasedesk.core.lookups import service as lookups
from releasedesk.core.users import service as users
from releasedesk.db.models import Approval, ApprovalLevel, User
from tests.api.sdp.approvals_support import (
    add_approvers,
    add_level,
    add_people,
    approval_of,
    approvals_path,
    decide,
    decided,
    in_unit_of_work,
    level_of,
    levels_path,
    outbox,
    refused,
    send,
    sent,
)
from tests.api.sdp.shapes import shape_problems
from tests.api.sdp.support import history_of
from tests.helpers import Desk

GOLDEN = Path(__file__).parent / "golden"
SAMPLE_HEADERS = {
    "Accept": "application/vnd.manageengine.sdp.v3+json",
    "Content-Type": "application/x-www-form-urlencoded",
}
APPROVE_SAMPLE = """{
    "approval": {
        "comments": "The comments to approve the approval"
    }
}"""
REJECT_SAMPLE = """{
    "approval": {
        "comments": "The comments to reject the approval"
    }
}"""


def golden(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text())


def as_the_sample(desk: Desk, key: str, method: str, path: str, body: str | None) -> Any:
    """A request the way the spec's curl samples send it: the Zoho-oauthtoken header, form
    encoded input_data (or none)."""
    headers = {**SAMPLE_HEADERS, "Authorization": f"Zoho-oauthtoken {key}"}
    return desk.request(method, path, key="", input_data=body, as_="form", headers=headers)


@pytest.fixture
def board(desk: Desk) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """A release with a level in Submission and the technician as its one approver."""
    rid = desk.create_release()["id"]
    level = add_level(desk, rid)
    approvals = add_approvers(desk, rid, level["id"], [desk.technician])
    return rid, level, approvals


# --- levels ---------------------------------------------------------------------------------


def test_the_issue_sample_adds_a_level_numbered_by_the_server(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    response = desk.post(
        levels_path(rid),
        input_data={
            "approval_level": {
                "name": "CAB",
                "release_stage": {"name": "submission"},
                "rule": {"type": "anyone"},
            }
        },
    )
    assert response.status_code == 201, response.text
    level = response.json()["approval_level"]
    assert (level["level"], level["name"], level["rule"]) == (
        1,
        "CAB",
        {"type": "anyone", "value": None},
    )
    assert level["status"] == {"name": "Pending Approval", "id": "1"}
    assert level["release_stage"]["internal_name"] == "submission"
    assert level["release"] == {"id": rid} and level["approvals"] == []
    assert level["is_current"] is True
    # by display name, by the on-premises sample's `stage`, by id: numbered 2, 3, 4
    stage_id = level["release_stage"]["id"]
    for number, stage in enumerate(
        ({"release_stage": {"name": "Submission"}}, {"stage": {"id": stage_id}}, {"stage": "1"}),
        start=2,
    ):
        body = {"name": f"L{number}", "rule": {"type": "percent", "value": "100"}, **stage}
        if stage == {"stage": "1"}:
            body["stage"] = {"id": stage_id}
        added = desk.post(levels_path(rid), input_data={"approval_level": body})
        assert added.status_code == 201, added.text
        assert added.json()["approval_level"]["level"] == number
        assert added.json()["approval_level"]["rule"] == {"type": "percent", "value": "100"}
        assert added.json()["approval_level"]["is_current"] is False
    planning = add_level(desk, rid, stage="Planning")
    assert planning["level"] == 1  # numbered per stage

    listed = desk.get(levels_path(rid))
    assert listed.status_code == 200
    body = listed.json()
    assert body["response_status"] == [{"status_code": 2000, "status": "success"}]
    assert body["list_info"]["row_count"] == 5
    assert [(lv["release_stage"]["name"], lv["level"]) for lv in body["approval_levels"]] == [
        ("Submission", 1),
        ("Submission", 2),
        ("Submission", 3),
        ("Submission", 4),
        ("Planning", 1),
    ]
    assert level_of(desk, rid, level["id"])["name"] == "CAB"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"release_stage": {"name": "submission"}, "rule": {"type": "anyone"}}, 400, 4012, "name"),
        ({"name": "CAB", "rule": {"type": "anyone"}}, 400, 4012, "release_stage"),
        ({"name": "CAB", "release_stage": {"name": "submission"}}, 400, 4012, "rule"),
        ({"name": "CAB", "release_stage": {"name": "nowhere"}, "rule": {"type": "anyone"}},
         400, 4001, "stage"),
        ({"name": "CAB", "release_stage": {"name": "submission"}, "rule": {"type": "most"}},
         400, 4001, "rule.type"),
        ({"name": "CAB", "release_stage": {"name": "submission"},
          "rule": {"type": "percent", "value": 0}}, 400, 4001, "rule.value"),
        ({"name": "CAB", "release_stage": {"name": "submission"},
          "rule": {"type": "percent", "value": "101"}}, 400, 4001, "rule.value"),
        ({"name": "CAB", "release_stage": {"name": "submission"},
          "rule": {"type": "percent"}}, 400, 4001, "rule.value"),
        ({"name": "CAB", "release_stage": {"name": "submission"},
          "rule": {"type": "anyone", "value": "50"}}, 400, 4001, "rule.value"),
        ({"name": "CAB", "release_stage": {"name": "submission"}, "rule": {"type": "anyone"},
          "level": 3}, 400, 4014, "level"),
        ({"name": "CAB", "release_stage": {"name": "submission"}, "rule": {"type": "anyone"},
          "colour": "red"}, 400, 4001, "colour"),
        ({"name": "two\nlines", "release_stage": {"name": "submission"},
          "rule": {"type": "anyone"}}, 400, 4001, "name"),
    ],
)  # fmt: skip
def test_a_level_is_refused_naming_the_field(
    desk: Desk, body: dict[str, Any], status: int, code: int, field: str
) -> None:
    rid = desk.create_release()["id"]
    response = desk.post(levels_path(rid), input_data={"approval_level": body})
    refused(response, status, code, field)
    assert desk.count(ApprovalLevel, release_id=int(rid)) == 0


def test_only_staff_who_may_edit_the_release_manage_levels(desk: Desk) -> None:
    own = desk.create_release(key=desk.requester.key)["id"]
    body = {
        "approval_level": {
            "name": "CAB",
            "release_stage": {"name": "submission"},
            "rule": {"type": "anyone"},
        }
    }
    refused(desk.post(levels_path(own), key=desk.requester.key, input_data=body), 403, 4002)
    other = desk.create_release()["id"]
    refused(desk.get(levels_path(other), key=desk.requester.key), 403, 4002)
    assert desk.post(levels_path(own), key=desk.technician.key, input_data=body).status_code == 201
    refused(desk.get(levels_path("999999999")), 404, 4007)


def test_renaming_renumbering_and_deleting_levels(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    first, second, third = (add_level(desk, rid, name=n) for n in ("One", "Two", "Three"))
    renamed = desk.put(
        f"{levels_path(rid)}/{second['id']}",
        input_data={"approval_level": {"name": "Board", "rule": {"type": "everyone"}}},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["approval_level"]["name"] == "Board"
    assert renamed.json()["approval_level"]["rule"] == {"type": "everyone", "value": None}
    moved = desk.put(
        f"{levels_path(rid)}/{second['id']}",
        input_data={"approval_level": {"release_stage": {"name": "Planning"}}},
    )
    refused(moved, 400, 4014, "release_stage")
    deleted = desk.request("DELETE", f"{levels_path(rid)}/{first['id']}")
    assert deleted.status_code == 200, deleted.text
    levels = desk.get(levels_path(rid)).json()["approval_levels"]
    assert [(lv["name"], lv["level"], lv["is_current"]) for lv in levels] == [
        ("Board", 1, True),
        ("Three", 2, False),
    ]
    refused(desk.get(f"{levels_path(rid)}/{first['id']}"), 404, 4007, "id")
    operations = [h["operation"]["name"] for h in history_of(desk, rid)]
    assert operations.count("approval_level_add") == 3
    assert "approval_level_update" in operations and "approval_level_delete" in operations
    assert third["id"] in {lv["id"] for lv in levels}


def test_a_level_with_decisions_keeps_its_rule_and_cannot_be_deleted(
    desk: Desk, board: tuple[str, dict[str, Any], list[dict[str, Any]]]
) -> None:
    rid, level, approvals = board
    path = f"{levels_path(rid)}/{level['id']}"
    sent(desk, rid, level["id"], approvals[0]["id"])
    # sent but undecided: the rule may still change
    changed = desk.put(path, input_data={"approval_level": {"rule": {"type": "everyone"}}})
    assert changed.status_code == 200, changed.text
    decided(desk, rid, level["id"], approvals[0]["id"], "approve", desk.technician.key)
    message = refused(
        desk.put(path, input_data={"approval_level": {"rule": {"type": "anyone"}}}),
        400,
        4001,
        "rule",
    )
    assert "decisions" in message
    message = refused(desk.request("DELETE", path), 400, 4001)
    assert "decisions" in message
    renamed = desk.put(path, input_data={"approval_level": {"name": "Renamed"}})
    assert renamed.status_code == 200
    same_rule = desk.put(path, input_data={"approval_level": {"rule": {"type": "everyone"}}})
    assert same_rule.status_code == 200  # not a change


# --- approvals ------------------------------------------------------------------------------


def test_approvers_by_name_email_or_id_start_to_be_sent(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    level = add_level(desk, rid)
    others = add_people(desk, 2)
    email = f"{others[1].name.replace(' ', '.').lower()}@{desk.portal}.example.com"
    response = desk.post(
        approvals_path(rid, level["id"]),
        input_data={
            "approvals": [
                {"approver": {"name": desk.technician.name}},
                {"approver": {"id": str(others[0].id)}},
                {"approver": {"email_id": email}},
            ]
        },
    )
    assert response.status_code == 201, response.text
    added = response.json()["approvals"]
    assert [a["approver"]["id"] for a in added] == [
        str(desk.technician.id),
        str(others[0].id),
        str(others[1].id),
    ]
    assert {a["status"]["name"] for a in added} == {"To Be Sent"}
    assert all(a["sent_on"] is None and a["action_taken_on"] is None for a in added)
    one = desk.post(
        approvals_path(rid, level["id"]),
        input_data={"approval": {"approver": {"name": desk.admin.name}}},
    )
    assert one.status_code == 201, one.text
    assert one.json()["approval"]["approver"]["name"] == desk.admin.name
    assert desk.count(Approval) == 4

    listed = desk.get(approvals_path(rid, level["id"]), input_data={"list_info": {"row_count": 2}})
    body = listed.json()
    assert body["response_status"] == [{"status_code": 2000, "status": "success"}]
    assert body["list_info"]["row_count"] == 2 and body["list_info"]["has_more_rows"] is True
    assert len(body["approvals"]) == 2


def test_the_same_approver_twice_on_a_level_is_not_unique(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=[desk.technician])
    again = desk.post(
        approvals_path(rid, level["id"]),
        input_data={"approvals": [{"approver": {"name": desk.technician.name.upper()}}]},
    )
    refused(again, 400, 4008, "approver")
    twice = desk.post(
        approvals_path(rid, level["id"]),
        input_data={
            "approvals": [{"approver": {"name": desk.admin.name}}] * 2,
        },
    )
    refused(twice, 400, 4008, "approver")
    assert desk.count(Approval) == 1  # the whole request undone
    other_level = add_level(desk, rid, approvers=[desk.technician])  # another level: fine
    assert len(other_level["approvals"]) == 1


@pytest.mark.parametrize(
    ("approval", "code", "field"),
    [
        ({"approver": {"name": "Nobody Here"}}, 4001, "approver"),
        ({"approver": {"id": "999999999"}}, 4001, "approver"),
        ({}, 4012, "approver"),
        ({"xpath": {"path": "release_requester.ceo"}}, 4001, "xpath.path"),
        ({"approver": {"name": "x"}, "status": {"name": "Approved"}}, 4014, "status"),
        ({"approver": {"name": "x"}, "mood": "happy"}, 4001, "mood"),
    ],
)
def test_an_approval_is_refused_naming_the_field(
    desk: Desk, approval: dict[str, Any], code: int, field: str
) -> None:
    rid = desk.create_release()["id"]
    level = add_level(desk, rid)
    response = desk.post(approvals_path(rid, level["id"]), input_data={"approvals": [approval]})
    refused(response, 400, code, field)


def test_get_and_list_answer_the_spec_sample_shapes(
    desk: Desk, board: tuple[str, dict[str, Any], list[dict[str, Any]]]
) -> None:
    rid, level, approvals = board
    aid = approvals[0]["id"]
    sent(desk, rid, level["id"], aid)
    decided(desk, rid, level["id"], aid, "approve", desk.technician.key)
    path = f"{approvals_path(rid, level['id'])}/{aid}"
    one = as_the_sample(desk, desk.admin.key, "GET", path, None)
    assert one.status_code == 200, one.text
    expected = golden("approval_get_response.json")
    expected["approval"]["approver"]["phone"] = None  # ours has no phone number
    assert shape_problems(expected, one.json(), compare_values=False) == []
    approval = one.json()["approval"]
    assert set(approval) == set(golden("approval_get_response.json")["approval"])
    assert set(approval["approval_level"]) == {
        "created_time", "level", "associated_entity", "release", "id", "created_by", "status"
    }  # fmt: skip
    assert approval["status"] == {"name": "Approved", "id": "2"}
    assert approval["approval_level"]["status"] == {"id": "2"}
    assert approval["approver"]["is_technician"] is True
    assert approval["approver"]["first_name"] == "Heather"
    assert approval["approver"]["last_name"] == "Graham"

    listed = as_the_sample(desk, desk.admin.key, "GET", approvals_path(rid, level["id"]), "{}")
    assert listed.status_code == 200, listed.text
    expected = golden("approval_list_response.json")
    assert shape_problems(expected, listed.json(), compare_values=False) == []
    assert set(listed.json()["approvals"][0]["approval_level"]) == set(
        expected["approvals"][0]["approval_level"]
    )


# --- notifications --------------------------------------------------------------------------


def test_the_notification_content_is_the_spec_sample(
    desk: Desk, board: tuple[str, dict[str, Any], list[dict[str, Any]]]
) -> None:
    rid, level, approvals = board
    path = f"{approvals_path(rid, level['id'])}/{approvals[0]['id']}/_send_notification"
    response = as_the_sample(desk, desk.admin.key, "GET", path, None)
    assert response.status_code == 200, response.text
    assert response.json() == golden("approval_notification_response.json")
    refused(desk.get(path.replace(approvals[0]["id"], "999999")), 404, 4007, "id")


def test_sending_as_the_sample_makes_it_pending_and_queues_one_mail(
    desk: Desk, board: tuple[str, dict[str, Any], list[dict[str, Any]]]
) -> None:
    rid, level, approvals = board
    aid = approvals[0]["id"]
    path = f"{approvals_path(rid, level['id'])}/{aid}/_send_notification"
    response = as_the_sample(desk, desk.admin.key, "PUT", path, "{}")
    assert response.status_code == 200, response.text
    assert response.json() == golden("approval_sent_response.json")
    approval = approval_of(desk, rid, level["id"], aid)
    assert approval["status"] == {"name": "Pending Approval", "id": "1"}
    assert approval["sent_on"] is not None
    mails = outbox(desk)
    assert len(mails) == 1
    mail = mails[0]
    assert mail.recipient.startswith("heather.graham@")
    assert mail.subject == "Recommendation required for a Release"
    title = desk.get(f"/releases/{rid}").json()["release"]["title"]
    assert mail.body == (
        f"Ada Admin has requested your recommendations for this Release - {title}. "
        "Click here to view Release details ${approval_link}"
    )
    assert mail.delivered_on is None and mail.approval_link_id is not None
    operations = [(h["operation"]["name"], h["description"]) for h in history_of(desk, rid)]
    assert ("approval_update", "Approval of level 1 sent to Heather Graham") in operations


def test_sending_with_overrides_and_sending_again(
    desk: Desk, board: tuple[str, dict[str, Any], list[dict[str, Any]]]
) -> None:
    rid, level, approvals = board
    path = f"{approvals_path(rid, level['id'])}/{approvals[0]['id']}/send_notification"
    response = desk.put(
        path,
        input_data={
            "notification": {
                "subject": "CAB: ${title}",
                "description": "Dear ${approver},\nplease decide: ${approval_link}\n${unknown}",
            }
        },
    )
    assert response.status_code == 200, response.text
    again = desk.put(path, input_data={})  # still pending: a reminder with a new link
    assert again.status_code == 200, again.text
    first, second = outbox(desk)
    title = desk.get(f"/releases/{rid}").json()["release"]["title"]
    assert first.subject == f"CAB: {title}"
    assert first.body == "Dear Heather Graham,\nplease decide: ${approval_link}\n${unknown}"
    assert second.subject == "Recommendation required for a Release"
    assert first.approval_link_id != second.approval_link_id
    refused(desk.put(path, input_data={"notification": {"subject": ""}}), 400, 4012, "subject")
    refused(desk.put(path, input_data={"notification": {"to": "x"}}), 400, 4001, "to")


def test_sending_several_answers_one_status_per_id(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    people = add_people(desk, 2)
    level = add_level(desk, rid, approvers=people)
    ids = [a["id"] for a in level["approvals"]]
    decided_id = ids[0]
    sent(desk, rid, level["id"], decided_id)
    decided(desk, rid, level["id"], decided_id, "reject", people[0].key)
    response = desk.put(
        f"{approvals_path(rid, level['id'])}/send_notification?ids={ids[1]},{decided_id},77777",
        input_data={},
    )
    assert response.status_code == 200, response.text
    statuses = response.json()["response_status"]
    assert [s["id"] for s in statuses] == [ids[1], decided_id, "77777"]
    assert statuses[0]["messages"][0]["message"] == "Approval Mail Sent "
    assert [s["status_code"] for s in statuses] == [2000, 4000, 4000]
    assert statuses[1]["messages"][0]["field"] == "status"
    assert statuses[2]["messages"][0]["status_code"] == 4007
    assert [a["id"] for a in response.json()["approvals"]] == [ids[1]]
    assert len(outbox(desk)) == 2


def test_an_approver_without_email_cannot_be_sent_to(desk: Desk) -> None:
    rid = desk.create_release()["id"]

    async def no_email(session: AsyncSession) -> None:
        await users.add_user(
            session, portal_id=desk.portal_id, name="Mute Approver", role="technician"
        )

    in_unit_of_work(desk, no_email)
    level = add_level(desk, rid)
    aid = desk.post(
        approvals_path(rid, level["id"]),
        input_data={"approval": {"approver": {"name": "Mute Approver"}}},
    ).json()["approval"]["id"]
    message = refused(send(desk, rid, level["id"], aid), 400, 4001, "approver")
    assert "no email" in message
    assert approval_of(desk, rid, level["id"], aid)["status"]["name"] == "To Be Sent"
    assert outbox(desk) == []


def test_organisational_roles_are_resolved_when_sent(desk: Desk) -> None:
    manager, head = add_people(desk, 2)

    async def organise(session: AsyncSession) -> None:
        ops = await lookups.add_lookup(
            session, portal_id=desk.portal_id, kind="department", name="Ops"
        )
        await session.execute(
            update(User).where(User.id == desk.requester.id).values(department_id=ops.id)
        )
        await organisation.set_reporting_to(
            session, desk.portal_id, desk.requester.name, manager.name
        )
        await organisation.set_department_head(session, desk.portal_id, "Ops", head.name)

    in_unit_of_work(desk, organise)
    rid = desk.create_release(key=desk.requester.key)["id"]
    level = add_level(desk, rid, rule={"type": "everyone"})
    response = desk.post(
        approvals_path(rid, level["id"]),
        input_data={
            "approvals": [
                {"xpath": {"path": "release_requester.reporting_to"}},
                {"xpath": {"path": "release_requester.department.head"}},
            ]
        },
    )
    assert response.status_code == 201, response.text
    roles = response.json()["approvals"]
    assert [a["approver"] for a in roles] == [None, None]
    assert [a["xpath"]["display_name"] for a in roles] == [
        "Reporting Manager of the Release Requester",
        "Department Head of the Release Requester",
    ]
    again = desk.post(
        approvals_path(rid, level["id"]),
        input_data={"approval": {"xpath": {"path": "release_requester.reporting_to"}}},
    )
    refused(again, 400, 4008, "xpath")
    for approval in roles:
        sent(desk, rid, level["id"], approval["id"])
    resolved = [approval_of(desk, rid, level["id"], a["id"]) for a in roles]
    assert [a["approver"]["id"] for a in resolved] == [str(manager.id), str(head.id)]
    assert resolved[0]["xpath"]["path"] == "release_requester.reporting_to"
    decided(desk, rid, level["id"], roles[0]["id"], "approve", manager.key)


def test_an_organisational_role_that_names_nobody_is_not_sent(desk: Desk) -> None:
    rid = desk.create_release(key=desk.requester.key)["id"]
    level = add_level(desk, rid)
    role = desk.post(
        approvals_path(rid, level["id"]),
        input_data={"approval": {"xpath": {"path": "release_requester.reporting_to"}}},
    ).json()["approval"]
    message = refused(send(desk, rid, level["id"], role["id"]), 400, 4001, "xpath")
    assert "names nobody" in message


# --- decisions ------------------------------------------------------------------------------


def test_approve_and_reject_as_the_samples(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    people = add_people(desk, 2)
    level = add_level(desk, rid, rule={"type": "everyone"}, approvers=people)
    first, second = (a["id"] for a in level["approvals"])
    for aid in (first, second):
        sent(desk, rid, level["id"], aid)
    base = approvals_path(rid, level["id"])
    approved = as_the_sample(desk, people[0].key, "PUT", f"{base}/{first}/_approve", APPROVE_SAMPLE)
    assert approved.status_code == 200, approved.text
    assert approved.json() == golden("approval_decided_response.json")
    rejected = as_the_sample(desk, people[1].key, "PUT", f"{base}/{second}/reject", REJECT_SAMPLE)
    assert rejected.json() == golden("approval_decided_response.json")
    one, two = (approval_of(desk, rid, level["id"], a) for a in (first, second))
    assert (one["status"]["name"], one["comments"]) == (
        "Approved",
        "The comments to approve the approval",
    )
    assert (two["status"]["name"], two["comments"]) == (
        "Rejected",
        "The comments to reject the approval",
    )
    assert one["action_taken_on"] is not None
    after = level_of(desk, rid, level["id"])
    assert after["status"]["name"] == "Rejected"  # everyone: one rejection rejects
    assert after["comments"] == "The comments to reject the approval"
    assert after["action_taken_by"]["name"] == people[1].name
    descriptions = [h["description"] for h in history_of(desk, rid)]
    assert f"Approved by {people[0].name} (approval level 1, Submission)" in descriptions
    assert "Approval level 1 of Submission rejected (the stage's approval is rejected)" in (
        descriptions
    )


def test_a_decision_is_taken_once_and_only_on_a_sent_approval(
    desk: Desk, board: tuple[str, dict[str, Any], list[dict[str, Any]]]
) -> None:
    rid, level, approvals = board
    aid = approvals[0]["id"]
    early = decide(desk, rid, level["id"], aid, "approve", desk.technician.key)
    assert "not been sent" in refused(early, 400, 4001, "status")
    sent(desk, rid, level["id"], aid)
    decided(desk, rid, level["id"], aid, "approve", desk.technician.key)
    for verdict in ("approve", "reject"):
        twice = decide(desk, rid, level["id"], aid, verdict, desk.technician.key)
        assert "already approved" in refused(twice, 400, 4001, "status")
    resent = send(desk, rid, level["id"], aid)
    refused(resent, 400, 4001)
    assert approval_of(desk, rid, level["id"], aid)["status"]["name"] == "Approved"


def test_only_the_approver_or_an_admin_for_them_decides(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    people = add_people(desk, 2)
    level = add_level(desk, rid, rule={"type": "everyone"}, approvers=people)
    first, second = (a["id"] for a in level["approvals"])
    for aid in (first, second):
        sent(desk, rid, level["id"], aid)
    refused(decide(desk, rid, level["id"], first, "approve", people[1].key), 403, 4002)
    refused(decide(desk, rid, level["id"], first, "approve", desk.technician.key), 403, 4002)
    refused(decide(desk, rid, level["id"], first, "approve", desk.requester.key), 403, 4002)
    assert approval_of(desk, rid, level["id"], first)["status"]["name"] == "Pending Approval"
    decided(desk, rid, level["id"], first, "approve", desk.admin.key)
    entry = next(h for h in history_of(desk, rid) if h["description"].startswith("Approved by"))
    assert entry["description"] == (
        f"Approved by Ada Admin on behalf of {people[0].name} (approval level 1, Submission)"
    )
    behalf = next(d for d in entry["diff"] if d["field"]["name"] == "on_behalf_of")
    assert behalf["current_value"]["name"] == people[0].name
    assert approval_of(desk, rid, level["id"], first)["approver"]["name"] == people[0].name


@pytest.mark.parametrize(
    ("comments", "status", "code"),
    [
        ("x" * 250, 200, 2000),
        ("x" * 251, 400, 4001),
        ("two\nlines", 400, 4001),
    ],
)
def test_comments_are_one_line_of_at_most_250_characters(
    desk: Desk,
    board: tuple[str, dict[str, Any], list[dict[str, Any]]],
    comments: str,
    status: int,
    code: int,
) -> None:
    rid, level, approvals = board
    aid = approvals[0]["id"]
    sent(desk, rid, level["id"], aid)
    response = decide(desk, rid, level["id"], aid, "approve", desk.technician.key, comments)
    if status == 200:
        assert response.status_code == 200
        assert approval_of(desk, rid, level["id"], aid)["comments"] == comments
    else:
        refused(response, status, code, "comments")
        assert approval_of(desk, rid, level["id"], aid)["status"]["name"] == "Pending Approval"


def test_a_decision_without_comments_and_unknown_keys(
    desk: Desk, board: tuple[str, dict[str, Any], list[dict[str, Any]]]
) -> None:
    rid, level, approvals = board
    aid = approvals[0]["id"]
    sent(desk, rid, level["id"], aid)
    extra = desk.put(
        f"{approvals_path(rid, level['id'])}/{aid}/approve",
        key=desk.technician.key,
        input_data={"approval": {"comments": "ok", "status": "Approved"}},
    )
    refused(extra, 400, 4001, "status")
    response = decide(desk, rid, level["id"], aid, "approve", desk.technician.key, comments=None)
    assert response.status_code == 200, response.text
    assert approval_of(desk, rid, level["id"], aid)["comments"] is None


def test_self_approval_is_allowed_unless_the_portal_forbids_it(desk: Desk) -> None:
    own = desk.create_release(key=desk.technician.key)["id"]  # the technician creates it
    level = add_level(desk, own, approvers=[desk.technician])
    aid = level["approvals"][0]["id"]
    sent(desk, own, level["id"], aid)

    async def forbid(session: AsyncSession) -> None:
        await policy.set_self_approval(session, desk.portal, True)

    in_unit_of_work(desk, forbid)
    message = refused(
        decide(desk, own, level["id"], aid, "approve", desk.technician.key), 400, 4001
    )
    assert "forbids approving one's own release" in message
    # nor can an admin approve it for them
    refused(decide(desk, own, level["id"], aid, "approve", desk.admin.key), 400, 4001, "approver")
    # rejecting one's own release is not what the rule is about
    assert decide(desk, own, level["id"], aid, "reject", desk.technician.key).status_code == 200
    # and the creator or requester is refused as an approver up front
    another = add_level(desk, own)
    added = desk.post(
        approvals_path(own, another["id"]),
        input_data={"approval": {"approver": {"name": desk.technician.name}}},
    )
    assert "forbids" in refused(added, 400, 4001, "approver")

    async def allow(session: AsyncSession) -> None:
        await policy.set_self_approval(session, desk.portal, False)

    in_unit_of_work(desk, allow)
    again = desk.post(
        approvals_path(own, another["id"]),
        input_data={"approval": {"approver": {"name": desk.technician.name}}},
    )
    assert again.status_code == 201, again.text


def test_deciding_on_a_release_in_the_trash_is_refused(
    desk: Desk, board: tuple[str, dict[str, Any], list[dict[str, Any]]]
) -> None:
    rid, level, approvals = board
    aid = approvals[0]["id"]
    sent(desk, rid, level["id"], aid)
    desk.request("DELETE", f"/releases/{rid}/move_to_trash")
    refused(decide(desk, rid, level["id"], aid, "approve", desk.technician.key), 400, 4001, "id")
    permissions = desk.get(f"/releases/{rid}/get_permissions", key=desk.technician.key).json()
    assert not any(p["approve"] for p in permissions["get_permissions"].values())


# --- what the release shows -----------------------------------------------------------------


def test_summary_permissions_and_approval_summary_follow_the_approvals(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    people = add_people(desk, 2)
    level = add_level(desk, rid, rule={"type": "everyone"}, approvers=people)
    add_level(desk, rid, stage="Planning", approvers=[people[0]])
    assert desk.get(f"/releases/{rid}/summary").json()["summary"]["approvals"] == {"all": 3}

    def approve_flags(key: str) -> dict[str, bool]:
        body = desk.get(f"/releases/{rid}/get_permissions", key=key).json()["get_permissions"]
        return {k: v["approve"] for k, v in body.items()}

    submission_id = level["release_stage"]["id"]
    assert not any(approve_flags(people[0].key).values())  # nothing sent yet
    first, second = (a["id"] for a in level["approvals"])
    sent(desk, rid, level["id"], first)
    flags = approve_flags(people[0].key)
    assert [k for k, v in flags.items() if v] == [submission_id, "-1"]
    assert not any(approve_flags(people[1].key).values())  # theirs is not sent
    decided(desk, rid, level["id"], first, "approve", people[0].key)
    assert not any(approve_flags(people[0].key).values())  # decided: nothing left to decide
    sent(desk, rid, level["id"], second)
    assert approve_flags(people[1].key)[submission_id] is True

    stages = desk.get(f"{levels_path(rid)}/approval_summary").json()["approval_summary"]
    submission = stages[0]
    assert submission["latestDecision"] == "inProgress"
    (shown,) = submission["approval_levels"]
    assert shown["status"]["name"] == "Pending Approval"
    assert shown["comments"] == "ok" and shown["action_taken_by"]["name"] == people[0].name
    assert shown["action_taken_on"] is not None
    decided(desk, rid, level["id"], second, "approve", people[1].key)
    stages = desk.get(f"{levels_path(rid)}/approval_summary").json()["approval_summary"]
    assert stages[0]["latestDecision"] == "approve"
    assert stages[0]["approval_levels"][0]["status"]["name"] == "Approved"
    assert stages[1]["latestDecision"] == "inProgress"  # Planning's level waits
