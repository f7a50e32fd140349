"""Pure translations for what hangs off a release: children, associations, summaries."""

from __future__ import annotations

from typing import Any

from releasedesk.api.sdp.translate import sdp_time, status_json, user_json
from releasedesk.core.errors import Invalid, Mandatory, WrongType
from releasedesk.core.work.kinds import ChildKind, FieldType
from releasedesk.core.work.service import AssociationRef, association_ref

LEVEL_STATUS = {
    "pending": ("Pending Approval", "1"),
    "approved": ("Approved", "2"),
    "rejected": ("Rejected", "3"),
}


def child_json(kind: ChildKind, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(row.id), "release": {"id": str(row.release_id)}}
    for spec in kind.fields:
        value = getattr(row, spec.attribute)
        if spec.type is FieldType.DATETIME:
            value = sdp_time(value)
        elif spec.type is FieldType.STAFF:
            value = user_json(getattr(row, spec.name))
        elif spec.type is FieldType.CHOICE:
            value = None if value is None else {"name": value}
        elif spec.type is FieldType.MINUTES:
            value = {"hours": str((value or 0) // 60), "minutes": str((value or 0) % 60)}
        out[spec.name] = value
    out["created_by"] = user_json(row.created_by)
    out["created_time"] = sdp_time(row.created_time)
    return out


def association_refs(payload: dict[str, Any], plural: str, kind: str) -> list[AssociationRef]:
    """`{"changes": [{"change": {"id": "…"}}]}` (or one `{"change": {"id"}}`)."""
    if plural in payload:
        items = payload[plural]
        if not isinstance(items, list):
            raise WrongType(f"'{plural}' must be an array", plural)
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
        refs.append(association_ref(kind, item[kind]))
    return refs


def association_json(row: Any) -> dict[str, Any]:
    return {
        row.kind: {"id": row.ref_id, "title": row.title},
        "associated_by": user_json(row.created_by),
        "associated_time": sdp_time(row.created_time),
    }


def summary_json(counts: Any) -> dict[str, Any]:
    return {
        "reminders": {"all": counts.reminders},
        "projects": {"all": counts.projects},
        "approvals": {"all": counts.approvals},
        "changes": {"all": counts.changes},
        "id": str(counts.release_id),
        "tasks": {"all": counts.tasks, "closed": counts.closed_tasks},
        "worklogs": {"all": counts.worklogs},
    }


def _small_user(user: Any) -> dict[str, Any] | None:
    full = user_json(user)
    if full is None:
        return None
    return {k: full[k] for k in ("email_id", "name", "is_vipuser", "id", "department")}


def approval_level_json(level: Any) -> dict[str, Any]:
    name, status_id = LEVEL_STATUS.get(level.status, (level.status.capitalize(), "0"))
    return {
        "comments": level.comments,
        "level": level.level,
        "associated_entity": "release",
        "action_taken_by": _small_user(level.action_taken_by),
        "rule": {"type": level.rule_type, "value": level.rule_value},
        "created_by": _small_user(level.created_by),
        "deleted": False,
        "stage": str(level.stage_id),
        "created_on": sdp_time(level.created_on),
        "name": level.name,
        "id": str(level.id),
        "is_current": level.is_current,
        "status": {"name": name, "id": status_id},
        "action_taken_on": sdp_time(level.action_taken_on),
    }


def stage_summary_json(summary: Any) -> dict[str, Any]:
    stage = summary.stage
    out: dict[str, Any] = {
        "latestDecision": summary.latest_decision,
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
        out["commented_on"] = int(comment.commented_on.timestamp() * 1000)
        out["status"] = status_json(comment.status)
    if summary.levels:
        out["approval_levels"] = [approval_level_json(level) for level in summary.levels]
    return out
