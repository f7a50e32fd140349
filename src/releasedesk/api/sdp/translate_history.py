"""A release's neutral history and status comments in SDP's shapes: its operation names,
display names, three-part role diff and times in epoch milliseconds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from releasedesk.api.sdp.fields import DISPLAY_NAMES
from releasedesk.api.sdp.translate import (
    display_parts,
    sdp_time,
    small_user_json,
    stage_json,
    status_json,
    user_json,
)
from releasedesk.api.wire_values import datetime_to_epoch_ms
from releasedesk.core.approvals import org_roles
from releasedesk.core.releases.history import (
    ROLE_HOLDER,
    FieldChange,
    HistoryEntry,
    HistoryValue,
    Operation,
)
from releasedesk.core.releases.views import Release, StatusComment

# Operations on the release itself: SDP's operation name and display name.
RELEASE_OPERATIONS: dict[Operation, tuple[str, str]] = {
    Operation.CREATED: ("add", "Release Created"),
    Operation.UPDATED: ("update", "Release Updated"),
    Operation.MOVED: ("status_change", "Stage/Status Changed"),
    Operation.CLOSED: ("close", "Release Closed"),
    Operation.TRASHED: ("move_to_trash", "Release Deleted"),
    Operation.RESTORED: ("restore_from_trash", "Release Restored"),
    Operation.ROLE_ASSIGNED: ("release_to_release_role_add", "User assigned for role"),
    Operation.ROLE_REMOVED: ("release_to_release_role_remove", "User removed from role"),
}
# Operations on what hangs off it: SDP names them `<subject>_<verb>`.
ITEM_VERBS: dict[Operation, tuple[str, str]] = {
    Operation.ADDED: ("add", "Added"),
    Operation.CHANGED: ("update", "Updated"),
    Operation.REMOVED: ("delete", "Deleted"),
    Operation.ASSOCIATED: ("associate", "Associated"),
    Operation.DISSOCIATED: ("dissociate", "Dissociated"),
}


def operation_json(entry: HistoryEntry) -> dict[str, str]:
    if entry.operation in RELEASE_OPERATIONS:
        name, display = RELEASE_OPERATIONS[entry.operation]
        return {"name": name, "display_name": display}
    verb, past = ITEM_VERBS[entry.operation]
    subject = entry.subject or "item"
    words = subject.replace("_", " ").capitalize()
    return {"name": f"{subject}_{verb}", "display_name": f"{words} {past}"}


def history_time(value: dt.datetime) -> dict[str, str]:
    date, time = display_parts(value)
    return {
        "display_value": f"{date} {time}",
        "date": date,
        "time": time,
        "value": str(datetime_to_epoch_ms(value)),
    }


_ORG_ROLE = org_roles.SNAPSHOT_KEY


def org_role_json(value: HistoryValue) -> dict[str, str | None]:
    """An approval's organisational role as SDP shows it: the path and its display name,
    derived now (rows that stored one stored the same name)."""
    path = org_roles.snapshot_path(value)
    return {"path": path, "display_name": org_roles.display_name(path)}


# A person's neutral keys in history snapshots (history.person_value) and SDP's words.
_PERSON_WIRE_KEYS = {"email": "email_id", "is_vip": "is_vipuser"}


def value_json(value: HistoryValue) -> Any:
    """A neutral value in SDP's terms: times as {display_value, value}, ids as strings, people
    in SDP's words with a profile_pic key, an approval's organisational role with its display
    name."""
    if isinstance(value, dt.datetime):
        return sdp_time(value)
    if isinstance(value, dict):
        person = "is_vip" in value or "email" in value
        out = {
            (_PERSON_WIRE_KEYS.get(k, k) if person else k): (
                str(v)
                if k == "id" and v is not None
                else org_role_json(v)
                if k == _ORG_ROLE and v is not None
                else value_json(v)
            )
            for k, v in value.items()
        }
        if person and "profile_pic" not in out:
            out["profile_pic"] = None
        return out
    if isinstance(value, list):
        return [value_json(v) for v in value]
    return value


def _field(name: str) -> dict[str, str]:
    display = DISPLAY_NAMES.get(name)
    return {"name": name, "display_name": display} if display else {"name": name}


def _diff(name: str, previous: Any, current: Any) -> dict[str, Any]:
    return {"field": _field(name), "previous_value": previous, "current_value": current}


def _role_holder_parts(change: FieldChange) -> list[dict[str, Any]]:
    """SDP shows a role assignment as three diffs: the user, the assignment id, the role."""
    added = change.current is not None
    holder = change.current if added else change.previous
    assert isinstance(holder, dict)  # the core records {assignment_id, role, user}
    user, role = value_json(holder.get("user")), value_json(holder.get("role"))
    assignment = str(holder.get("assignment_id"))
    return [
        _diff("user", None if added else user, user if added else None),
        _diff("id", None if added else assignment, assignment if added else None),
        _diff("role", None if added else role, role if added else None),
    ]


def _org_role_or_none(value: HistoryValue) -> dict[str, str | None] | None:
    return None if value is None else org_role_json(value)


def diff_json(changes: tuple[FieldChange, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for change in changes:
        if change.field == ROLE_HOLDER:
            out += _role_holder_parts(change)
        elif change.field == _ORG_ROLE:
            previous, current = change.previous, change.current
            out.append(_diff(_ORG_ROLE, _org_role_or_none(previous), _org_role_or_none(current)))
        else:
            out.append(_diff(change.field, value_json(change.previous), value_json(change.current)))
    return out


def history_json(release: Release, entry: HistoryEntry) -> dict[str, Any]:
    return {
        "release": {"id": str(release.id), "title": release.title},
        "by": user_json(entry.actor, profile_pic=None),
        "description": entry.description or "",
        "diff": diff_json(entry.changes),
        "id": str(entry.id),
        "time": history_time(entry.time),
        "operation": operation_json(entry),
    }


def status_comment_json(release: Release, comment: StatusComment) -> dict[str, Any]:
    stage = stage_json(comment.stage)
    stage["stage_index"] = comment.stage.stage_index  # a number in this sample
    return {
        "commented_by": small_user_json(comment.commented_by),
        "stage": stage,
        "release": {
            "short_description": release.short_description,
            "id": str(release.id),
            "title": release.title,
        },
        "commented_on": sdp_time(comment.commented_on),
        "comment": comment.comment,
        "id": str(comment.id),
        "status": status_json(comment.status),
    }
