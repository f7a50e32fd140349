"""Pure translations for what hangs off a release: children, associations, summaries and
the approval summary, between SDP's JSON and the core's shapes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from releasedesk.api.sdp.translate import (
    reference,
    sdp_time,
    sdp_time_in,
    small_user_json,
    status_json,
    user_json,
)
from releasedesk.api.wire_values import boolean, datetime_to_epoch_ms, integer
from releasedesk.core.approval_policies.views import LevelPolicy
from releasedesk.core.approvals.summary import Decision, StageSummary
from releasedesk.core.approvals.views import ApprovalLevel
from releasedesk.core.errors import Invalid, Mandatory, WrongType
from releasedesk.core.limits import MAX_ITEMS_PER_REQUEST
from releasedesk.core.releases.views import Person
from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.core.work.kinds import ChildField, ChildKind, FieldType
from releasedesk.core.work.service import AssociationRef
from releasedesk.core.work.values import ChildValue
from releasedesk.core.work.views import Association, Child, ReleaseSummary

# SDP's words for how a stage's approval stands.
DECISIONS = {
    Decision.APPROVE: "approve",
    Decision.REJECT: "reject",
    Decision.IN_PROGRESS: "inProgress",
    Decision.UPCOMING: "upcoming",
}
LEVEL_STATUS = {
    LevelStatus.PENDING: ("Pending Approval", "1"),
    LevelStatus.APPROVED: ("Approved", "2"),
    LevelStatus.REJECTED: ("Rejected", "3"),
}

# --- SDP -> core -------------------------------------------------------------------------


def _duration(value: object, name: str) -> dt.timedelta:
    """90, "90", or {"hours": "1", "minutes": "30"}."""
    if isinstance(value, Mapping):
        hours = integer(value.get("hours", 0) or 0, name)
        minutes = integer(value.get("minutes", 0) or 0, name)
    elif isinstance(value, bool) or not isinstance(value, int | str):
        raise WrongType(f"'{name}' needs minutes or {{hours, minutes}}", name)
    else:
        hours, minutes = 0, integer(value, name)
    try:
        return dt.timedelta(hours=hours, minutes=minutes)
    except OverflowError:
        raise Invalid(f"'{name}' is too long a time", name) from None


def _choice(value: object, name: str) -> str:
    text = value.get("name") if isinstance(value, Mapping) else value
    if not isinstance(text, str):
        raise WrongType(f"'{name}' needs a name", name)
    return text


def child_value(spec: ChildField, value: object) -> ChildValue:
    """One field of a task, worklog, note or reminder as the core's type."""
    name = spec.name
    if value is None:
        return None
    if spec.type in (FieldType.LINE, FieldType.HTML):
        if not isinstance(value, str):
            raise WrongType(f"'{name}' must be a string", name)
        return value
    if spec.type is FieldType.DATETIME:
        return sdp_time_in(value, name)
    if spec.type is FieldType.BOOL:
        return boolean(value, name)
    if spec.type is FieldType.PERCENT:
        return integer(value, name)
    if spec.type is FieldType.STAFF:
        return reference(value, name)
    if spec.type is FieldType.CHOICE:
        return _choice(value, name)
    return _duration(value, name)


def child_values(kind: ChildKind, body: Mapping[str, object]) -> dict[str, ChildValue]:
    """The fields given; a key the kind does not have is refused (naming it)."""
    values: dict[str, ChildValue] = {}
    for name, value in body.items():
        spec = kind.field(name)
        if spec is None:
            raise Invalid(f"'{name}' is not a field of a {kind.name}", name)
        values[name] = child_value(spec, value)
    return values


def _association_ref(kind: str, value: object) -> AssociationRef:
    """{"id": "…", "title"?: "…"} (or the id alone) naming a change or a project."""
    title = None
    if isinstance(value, Mapping):
        title = value.get("title")
        if title is not None and not isinstance(title, str):
            raise WrongType(f"'{kind}.title' must be a string", f"{kind}.title")
        value = value.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WrongType(f"'{kind}.id' must be an id", f"{kind}.id")
    return AssociationRef(str(value).strip(), title)


def association_refs(payload: dict[str, Any], plural: str, kind: str) -> list[AssociationRef]:
    """`{"changes": [{"change": {"id": "…"}}]}` (or one `{"change": {"id"}}`)."""
    if plural in payload:
        items = payload[plural]
        if not isinstance(items, list):
            raise WrongType(f"'{plural}' must be an array", plural)
        if len(items) > MAX_ITEMS_PER_REQUEST:
            raise Invalid(f"'{plural}' names at most {MAX_ITEMS_PER_REQUEST} at once", plural)
    elif kind in payload:
        items = [{kind: payload[kind]}]
    else:
        raise Mandatory(
            plural, f'\'{plural}\' is mandatory: {{"{plural}": [{{"{kind}": {{"id": …}}}}]}}'
        )
    refs: list[AssociationRef] = []
    for item in items:
        if not isinstance(item, dict) or kind not in item:
            raise Invalid(f'each entry of \'{plural}\' is {{"{kind}": {{"id": …}}}}', plural)
        refs.append(_association_ref(kind, item[kind]))
    return refs


# --- core -> SDP -------------------------------------------------------------------------


def _child_field_json(spec: ChildField, value: object) -> object:
    if spec.type is FieldType.DATETIME:
        return sdp_time(value) if isinstance(value, dt.datetime) else None
    if spec.type is FieldType.STAFF:
        return user_json(value) if isinstance(value, Person) else None
    if spec.type is FieldType.CHOICE:
        return None if value is None else {"name": value}
    if spec.type is FieldType.MINUTES:
        minutes = int(value.total_seconds() // 60) if isinstance(value, dt.timedelta) else 0
        return {"hours": str(minutes // 60), "minutes": str(minutes % 60)}
    return value


def child_json(child: Child) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(child.id), "release": {"id": str(child.release_id)}}
    for spec in child.kind.fields:
        out[spec.name] = _child_field_json(spec, child.values.get(spec.name))
    out["created_by"] = user_json(child.created_by)
    out["created_time"] = sdp_time(child.created_time)
    return out


def association_json(row: Association) -> dict[str, Any]:
    return {
        str(row.kind): {"id": row.ref_id, "title": row.title},
        "associated_by": user_json(row.created_by),
        "associated_time": sdp_time(row.created_time),
    }


def summary_json(counts: ReleaseSummary) -> dict[str, Any]:
    return {
        "reminders": {"all": counts.reminders},
        "projects": {"all": counts.projects},
        "approvals": {"all": counts.approvals},
        "changes": {"all": counts.changes},
        "id": str(counts.release_id),
        "tasks": {"all": counts.tasks, "closed": counts.closed_tasks},
        "worklogs": {"all": counts.worklogs},
    }


def approval_level_json(level: ApprovalLevel, timed: LevelPolicy | None = None) -> dict[str, Any]:
    """A level in SDP's shape; a pending one waiting under an approval policy (releasedesk's
    own, no SDP field) adds its `deadline` and `next_reminder` in SDP's time shape."""
    name, status_id = LEVEL_STATUS[level.status]
    shape = {
        "comments": level.comments,
        "level": level.level,
        "associated_entity": "release",
        "action_taken_by": small_user_json(level.action_taken_by),
        "rule": {"type": level.rule_type, "value": level.rule_value},
        "created_by": small_user_json(level.created_by),
        "deleted": False,
        "stage": str(level.stage_id),
        "created_on": sdp_time(level.created_on),
        "name": level.name,
        "id": str(level.id),
        "is_current": level.is_current,
        "status": {"name": name, "id": status_id},
        "action_taken_on": sdp_time(level.action_taken_on),
    }
    pending = level.status is LevelStatus.PENDING
    if pending and timed is not None and timed.waiting and (timed.deadline or timed.next_reminder):
        shape["deadline"] = sdp_time(timed.deadline)
        shape["next_reminder"] = sdp_time(timed.next_reminder)
    return shape


def stage_summary_json(
    summary: StageSummary, timed: Mapping[int, LevelPolicy] | None = None
) -> dict[str, Any]:
    stage = summary.stage
    out: dict[str, Any] = {
        "latestDecision": DECISIONS[summary.latest_decision],
        "stage": {
            "internal_name": stage.internal_name,
            "stage_index": stage.stage_index,
            "name": stage.name,
            "description": stage.description,
            "id": str(stage.id),
        },
        "visited": summary.visited,
    }
    comment = summary.last_comment
    if comment is not None:
        out["comments"] = comment.comment
        out["commented_on"] = datetime_to_epoch_ms(comment.commented_on)
        out["status"] = status_json(comment.status)
    if summary.levels:
        out["approval_levels"] = [
            approval_level_json(level, (timed or {}).get(level.id)) for level in summary.levels
        ]
    return out
