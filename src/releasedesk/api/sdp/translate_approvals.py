"""Pure translations of approval levels, approvals and their notifications between SDP's
JSON and the core's shapes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from releasedesk.api.sdp.translate import (
    reference,
    sdp_time,
    sdp_time_in,
    small_user_json,
    stage_json,
)
from releasedesk.api.wire_values import integer, refuse_unknown
from releasedesk.core.approvals.rules import Rule
from releasedesk.core.approvals.schemas import ApproverInput, LevelInput, NotificationInput
from releasedesk.core.approvals.views import (
    Absence,
    Approval,
    ApprovalLevel,
    ApprovalStatus,
    Notification,
)
from releasedesk.core.errors import Invalid, Mandatory, ReadOnly, WrongType
from releasedesk.core.limits import MAX_ITEMS_PER_REQUEST
from releasedesk.core.refs import Ref
from releasedesk.core.releases.views import Person
from releasedesk.core.stage_approval.status import LevelStatus

# Approval and level statuses share SDP's ids (the samples show "Approved" with one id).
STATUS: dict[str, tuple[str, str]] = {
    LevelStatus.PENDING: ("Pending Approval", "1"),
    LevelStatus.APPROVED: ("Approved", "2"),
    LevelStatus.REJECTED: ("Rejected", "3"),
    ApprovalStatus.TO_BE_SENT: ("To Be Sent", "4"),
}
APPROVED_MESSAGE = "Your decision has been recorded. Thank you for your cooperation!"
SENT_MESSAGE = "Approval Mail Sent "  # sic: the spec's sample ends with a space

LEVEL_KEYS = frozenset({"name", "release_stage", "stage", "rule", "approvals"})
LEVEL_READ_ONLY = frozenset(
    {
        "id",
        "level",
        "status",
        "comments",
        "action_taken_by",
        "action_taken_on",
        "created_by",
        "created_on",
        "created_time",
        "deleted",
        "is_current",
        "associated_entity",
        "release",
    }
)
APPROVAL_KEYS = frozenset({"approver", "xpath"})
APPROVAL_READ_ONLY = frozenset(
    {
        "id",
        "comments",
        "original_approver",
        "approval_level",
        "status",
        "sent_on",
        "action_taken_on",
    }
)

# --- SDP -> core -------------------------------------------------------------------------


def _object(payload: Mapping[str, Any], key: str) -> dict[str, Any]:
    if key not in payload:
        raise Mandatory(key, f"'{key}' is mandatory: {{\"{key}\": {{…}}}}")
    refuse_unknown(payload, {key}, "this request")
    body = payload[key]
    if not isinstance(body, dict):
        raise WrongType(f"'{key}' must be an object", key)
    return body


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise WrongType(f"'{field}' must be a string", field)
    return value


def rule_of(value: object) -> Rule:
    """`{"type": "percent", "value": "66"}`; the value only for percent."""
    if not isinstance(value, dict):
        raise WrongType("'rule' must be an object with a type", "rule")
    refuse_unknown(value, {"type", "value", "name", "id"}, "a rule")
    type_name = value.get("type", value.get("name"))
    if type_name is None:
        raise Mandatory("rule.type")
    raw = value.get("value")
    return Rule.of(
        _text(type_name, "rule.type").strip().lower(),
        None if raw in (None, "") else integer(raw, "rule.value"),
    )


def approver_of(item: object) -> ApproverInput:
    """`{"approver": {name | email_id | id}}` or `{"xpath": {"path": …}}` (a GET's approval
    sent back: read-only keys are refused, an empty xpath ignored)."""
    if not isinstance(item, dict):
        raise WrongType("each approval must be an object", "approvals")
    for key in sorted(APPROVAL_READ_ONLY & set(item)):
        if item[key] is not None:
            raise ReadOnly(key)
    refuse_unknown(item, APPROVAL_KEYS | APPROVAL_READ_ONLY, "an approval")
    xpath = item.get("xpath")
    path = None
    if xpath is not None:
        if not isinstance(xpath, dict):
            raise WrongType("'xpath' must be an object with a path", "xpath")
        refuse_unknown(xpath, {"path", "display_name"}, "an xpath")
        if xpath.get("path") is not None:
            path = _text(xpath["path"], "xpath.path")
    approver = item.get("approver")
    if path is not None and approver is not None:
        raise Invalid("an approval names an approver or an xpath, not both", "xpath")
    if path is not None:
        return ApproverInput(xpath=path)
    if approver is None:
        raise Mandatory("approver", "each approval names an 'approver' or an 'xpath'")
    return ApproverInput(user=reference(approver, "approver"))


def approvers_of(value: object) -> tuple[ApproverInput, ...]:
    if not isinstance(value, list):
        raise WrongType("'approvals' must be an array", "approvals")
    if len(value) > MAX_ITEMS_PER_REQUEST:
        raise Invalid(
            f"'approvals' names at most {MAX_ITEMS_PER_REQUEST} approvers at once", "approvals"
        )
    return tuple(approver_of(item) for item in value)


def approvals_input(payload: Mapping[str, Any]) -> tuple[ApproverInput, ...]:
    """`{"approvals": [{…}, …]}` or one `{"approval": {…}}`."""
    if "approvals" in payload:
        refuse_unknown(payload, {"approvals"}, "this request")
        return approvers_of(payload["approvals"])
    if "approval" in payload:
        return (approver_of(_object(payload, "approval")),)
    raise Mandatory("approvals", 'name the approvers: {"approvals": [{"approver": {…}}]}')


def level_input(payload: Mapping[str, Any]) -> LevelInput:
    """`{"approval_level": {name, release_stage (or stage), rule, approvals?}}`."""
    body = _object(payload, "approval_level")
    for key in sorted(LEVEL_READ_ONLY & set(body)):
        raise ReadOnly(key, f"'{key}' is read-only (the server numbers and decides levels)")
    refuse_unknown(body, LEVEL_KEYS, "an approval level")
    if "release_stage" in body and "stage" in body:
        raise Invalid("give the stage once: 'release_stage' or 'stage'", "release_stage")
    values: dict[str, Any] = {}
    if "name" in body:
        values["name"] = None if body["name"] is None else _text(body["name"], "name")
    for key in ("release_stage", "stage"):
        if key in body:
            values["stage"] = None if body[key] is None else reference(body[key], key)
    if "rule" in body:
        values["rule"] = None if body["rule"] is None else rule_of(body["rule"])
    approvers = () if body.get("approvals") is None else approvers_of(body["approvals"])
    return LevelInput(**values, approvers=approvers, given=frozenset(values))


def decision_comments(payload: Mapping[str, Any]) -> str | None:
    """`{"approval": {"comments": "…"}}`, or nothing."""
    if not payload:
        return None
    body = _object(payload, "approval")
    refuse_unknown(body, {"comments"}, "a decision")
    comments = body.get("comments")
    return None if comments is None else _text(comments, "comments")


def notification_input(payload: Mapping[str, Any]) -> NotificationInput:
    """Nothing (the default mail), or `{"notification": {"subject"?, "description"?}}`."""
    if not payload:
        return NotificationInput()
    body = _object(payload, "notification")
    refuse_unknown(body, {"subject", "description"}, "a notification")
    subject, description = body.get("subject"), body.get("description")
    return NotificationInput(
        subject=None if subject is None else _text(subject, "subject"),
        description=None if description is None else _text(description, "description"),
    )


def away_input(payload: Mapping[str, Any]) -> tuple[Ref, dt.datetime, dt.datetime | None]:
    """`{"away": {"delegate": {name | email_id | id}, "until": <time>, "from"?: <time>}}`."""
    body = _object(payload, "away")
    refuse_unknown(body, {"delegate", "until", "from"}, "an away period")
    if body.get("delegate") is None:
        raise Mandatory("delegate")
    until = sdp_time_in(body.get("until"), "until")
    if until is None:
        raise Mandatory("until")
    return reference(body["delegate"], "delegate"), until, sdp_time_in(body.get("from"), "from")


# --- core -> SDP -------------------------------------------------------------------------


def status_json(status: str) -> dict[str, str]:
    name, status_id = STATUS[status]
    return {"name": name, "id": status_id}


def approver_json(person: Person | None) -> dict[str, Any] | None:
    """A user as the approval samples show one."""
    if person is None:
        return None
    first, _, last = person.name.partition(" ")
    department = person.department
    return {
        "email_id": person.email or "",
        "is_technician": person.role != "requester",
        "sms_mail": None,
        "mobile": person.mobile,
        "last_name": last or None,
        "user_scope": "0",
        "phone": person.phone,
        "name": person.name,
        "id": str(person.id),
        "photo_url": "",
        "is_vip_user": person.is_vip,
        "department": None
        if department is None
        else {"name": department.name, "id": str(department.id)},
        "first_name": first,
        "job_title": None,
    }


def approval_json(approval: Approval, *, in_list: bool = False) -> dict[str, Any]:
    """An approval as the get (or, `in_list`, the list) sample shows it: the list sample's
    level has request, purchase_order and change (null) in place of associated_entity."""
    level = approval.level
    nested: dict[str, Any] = {
        "created_time": sdp_time(level.created_on),
        **({"request": None} if in_list else {}),
        "level": level.level,
        **({"purchase_order": None} if in_list else {}),
        **({} if in_list else {"associated_entity": "release"}),
        "release": {"id": str(level.release_id)},
        **({"change": None} if in_list else {}),
        "id": str(level.id),
        "created_by": None if level.created_by_id is None else {"id": str(level.created_by_id)},
        "status": {"id": STATUS[level.status][1]},
    }
    xpath: dict[str, Any] = {"path": approval.xpath}
    if approval.xpath is not None:
        xpath["display_name"] = approval.xpath_display_name
    return {
        "approver": approver_json(approval.approver),
        "xpath": xpath,
        "comments": approval.comments,
        "original_approver": approver_json(approval.original_approver),
        "approval_level": nested,
        "id": str(approval.id),
        "sent_on": sdp_time(approval.sent_on),
        "status": status_json(approval.status),
        "action_taken_on": sdp_time(approval.action_taken_on),
    }


def level_json(level: ApprovalLevel, *, with_approvals: bool = True) -> dict[str, Any]:
    """A level as the approval summary shows it, with its release, stage and approvals."""
    out: dict[str, Any] = {
        "comments": level.comments,
        "level": level.level,
        "associated_entity": "release",
        "action_taken_by": small_user_json(level.action_taken_by),
        "rule": {"type": level.rule_type, "value": level.rule_value},
        "created_by": small_user_json(level.created_by),
        "deleted": False,
        "stage": str(level.stage.id),
        "created_on": sdp_time(level.created_on),
        "name": level.name,
        "id": str(level.id),
        "is_current": level.is_current,
        "status": status_json(level.status),
        "action_taken_on": sdp_time(level.action_taken_on),
    }
    if with_approvals:
        out["release"] = {"id": str(level.release_id)}
        out["release_stage"] = stage_json(level.stage)
        out["approvals"] = [approval_json(a) for a in level.approvals]
    return out


def away_json(absence: Absence | None) -> dict[str, Any] | None:
    if absence is None:
        return None
    return {
        "user": small_user_json(absence.user),
        "delegate": small_user_json(absence.delegate),
        "from": sdp_time(absence.starts_on),
        "until": sdp_time(absence.ends_on),
    }


def notification_json(notification: Notification) -> dict[str, str]:
    return {"subject": notification.subject, "description": notification.description}


def message_status(message: str) -> dict[str, Any]:
    """A success carrying a message, in the key order of the decision and send samples."""
    return {
        "status_code": 2000,
        "messages": [{"status_code": 2000, "type": "success", "message": message}],
        "status": "success",
    }
