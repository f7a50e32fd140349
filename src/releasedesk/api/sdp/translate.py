"""Pure translations between SDP's release JSON and the core's shapes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from releasedesk.api.sdp.wire import READ_ONLY_FIELDS, ReleaseIn
from releasedesk.core.errors import Invalid, ReadOnly, WrongType
from releasedesk.core.releases.schemas import DESCRIPTIVE_KINDS, ReleaseChanges, RoleHolder
from releasedesk.core.search.query import to_datetime

DISPLAY_FORMAT = "%b %d, %Y %I:%M %p"
PROFILE_PIC = {"content-url": "/images/default-profile-pic2.svg"}

REF_FIELDS = (
    "template",
    "stage",
    "status",
    "priority",
    "impact",
    "urgency",
    "risk",
    "release_type",
    "category",
    "subcategory",
    "item",
    "site",
    "group",
    "closure_code",
)
TIME_FIELDS = ("scheduled_start_time", "scheduled_end_time", "next_review_on")
PLAIN_FIELDS = ("title", "description", "comment")

# The columns of SDP's release list view: every list row carries them.
LIST_FIELDS = (
    "template",
    "emergency",
    "title",
    "next_review_on",
    "urgency",
    "group",
    "created_time",
    "item",
    "impact",
    "release_type",
    "priority",
    "scheduled_end_time",
    "completed_time",
    "stage",
    "risk",
    "category",
    "subcategory",
    "deleted_time",
    "notes_present",
    "scheduled_start_time",
    "status",
)


# --- SDP -> core -------------------------------------------------------------------------


def reference(value: Any) -> dict[str, Any]:
    """{"id"/"name"} from a reference object, a name, or a bare id."""
    if isinstance(value, dict):
        return {k: value[k] for k in ("id", "name", "email_id") if value.get(k) is not None}
    if isinstance(value, int):
        return {"id": value}
    return {"name": value}


def _time(value: Any, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dict) and value.get("value") in (None, ""):
        return None
    return to_datetime(value, field)


def _descriptive(value: Any, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    text = value.get("description")
    if text is not None and not isinstance(text, str):
        raise WrongType(f"'{field}.description' must be a string", f"{field}.description")
    return text


def _bool(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise WrongType(f"'{field}' must be true or false", field)


def release_to_core(release: ReleaseIn) -> ReleaseChanges:
    """The fields the client gave, as a core change; read-only keys are refused."""
    given = release.model_fields_set
    for field in READ_ONLY_FIELDS:
        if field in given:
            hint = " (set it through roles)" if field.startswith("release_") else ""
            raise ReadOnly(field, f"'{field}' is read-only{hint}")
    for field in ("assets", "configuration_items"):
        if getattr(release, field):
            raise Invalid(f"No {field.replace('_', ' ')} are registered in this portal", field)
    values: dict[str, Any] = {}
    for field in given:
        value = getattr(release, field)
        if field in PLAIN_FIELDS:
            values[field] = value
        elif field in REF_FIELDS:
            values[field] = None if value is None else reference(value)
        elif field in TIME_FIELDS:
            values[field] = _time(value, field)
        elif field in DESCRIPTIVE_KINDS:
            values[field] = _descriptive(value, field)
        elif field == "services":
            values[field] = [reference(v) for v in value or []]
        elif field == "roles":
            values[field] = [
                RoleHolder(role=reference(r.role), user=reference(r.user)) for r in value or []
            ]
        elif field == "emergency":
            values[field] = _bool(value, field)
    return ReleaseChanges(**values)


# --- core -> SDP -------------------------------------------------------------------------


def sdp_time(value: dt.datetime | None) -> dict[str, str] | None:
    if value is None:
        return None
    return {
        "display_value": value.strftime(DISPLAY_FORMAT),
        "value": str(int(value.timestamp() * 1000)),
    }


def named(row: Any) -> dict[str, Any] | None:
    return None if row is None else {"name": row.name, "id": str(row.id)}


def colored(row: Any) -> dict[str, Any] | None:
    return None if row is None else {"color": row.color, "name": row.name, "id": str(row.id)}


def user_json(user: Any, profile_pic: Any = PROFILE_PIC) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "email_id": user.email_id,
        "phone": user.phone,
        "name": user.name,
        "mobile": user.mobile,
        "profile_pic": profile_pic,
        "is_vipuser": user.is_vipuser,
        "id": str(user.id),
        "department": named(user.department),
    }


def stage_json(stage: Any) -> dict[str, Any]:
    return {
        "internal_name": stage.internal_name,
        "stage_index": str(stage.stage_index),
        "name": stage.name,
        "id": str(stage.id),
    }


def status_json(status: Any) -> dict[str, Any]:
    return {
        "internal_name": status.internal_name,
        "stage": {"id": str(status.stage_id)},
        "status_type": status.status_type,
        "name": status.name,
        "id": str(status.id),
    }


def _role_holder(release: Any, internal_name: str) -> dict[str, Any] | None:
    for assignment in release.role_assignments:
        if assignment.role.internal_name == internal_name:
            return user_json(assignment.user)
    return None


def _roles(release: Any) -> list[dict[str, Any]]:
    return [
        {
            "role": {
                "internal_name": a.role.internal_name,
                "prominent": a.role.prominent,
                "user_type": a.role.user_type,
                "name": a.role.name,
                "id": str(a.role.id),
            },
            "release": {"id": str(release.id), "title": release.title},
            "id": str(a.id),
            "user": user_json(a.user),
        }
        for a in release.role_assignments
    ]


def _descriptive_fields(release: Any) -> dict[str, Any]:
    out: dict[str, Any] = {kind: None for kind in DESCRIPTIVE_KINDS}
    for row in release.descriptive_fields:
        name = DESCRIPTIVE_KINDS[row.kind][0]
        stage = row.stage
        out[row.kind] = {
            "updated_on": sdp_time(row.updated_on),
            "internal_name": row.kind,
            "attachments": [],
            "stage": stage_json(stage) if stage is not None else None,
            "release": {"id": str(release.id)},
            "name": name,
            "updated_by": user_json(row.updated_by),
            "description": row.description,
            "id": str(row.id),
        }
    return out


def _group(group: Any) -> dict[str, Any] | None:
    if group is None:
        return None
    return {"site": named(group.site), "name": group.name, "id": str(group.id)}


def _workflow(template: Any) -> dict[str, Any]:
    workflow = template.workflow
    return {
        "validated": workflow.validated,
        "name": workflow.name,
        "id": str(workflow.id),
        "type": workflow.type,
    }


def _release_type(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "color": row.color,
        "pre_approved": row.pre_approved,
        "name": row.name,
        "id": str(row.id),
    }


def _services(release: Any) -> list[dict[str, str]]:
    return [
        {"name": link.service.name, "id": str(link.service.id), "ciid": str(link.service.id)}
        for link in release.service_links
    ]


# One builder per key of a release, built once (not per call).
BUILDERS: dict[str, Callable[[Any], Any]] = {
    "id": lambda r: str(r.id),
    "title": lambda r: r.title,
    "description": lambda r: r.description,
    "short_description": lambda r: r.short_description,
    "template": lambda r: named(r.template),
    "workflow": lambda r: _workflow(r.template),
    "stage": lambda r: stage_json(r.stage),
    "status": lambda r: status_json(r.status),
    "priority": lambda r: colored(r.priority),
    "impact": lambda r: named(r.impact),
    "urgency": lambda r: named(r.urgency),
    "risk": lambda r: named(r.risk),
    "release_type": lambda r: _release_type(r.release_type),
    "category": lambda r: named(r.category),
    "subcategory": lambda r: named(r.subcategory),
    "item": lambda r: named(r.item),
    "site": lambda r: named(r.site),
    "group": lambda r: _group(r.group),
    "closure_code": lambda r: named(r.closure_code),
    "services": _services,
    "assets": lambda r: [],
    "configuration_items": lambda r: [],
    "attachments": lambda r: [],
    "roles": _roles,
    "release_requester": lambda r: _role_holder(r, "release_requester"),
    "release_engineer": lambda r: _role_holder(r, "release_engineer"),
    "release_manager": lambda r: _role_holder(r, "release_manager"),
    "emergency": lambda r: r.emergency,
    "notes_present": lambda r: r.notes_present,
    "next_review_on": lambda r: sdp_time(r.next_review_on),
    "scheduled_start_time": lambda r: sdp_time(r.scheduled_start_time),
    "scheduled_end_time": lambda r: sdp_time(r.scheduled_end_time),
    "created_time": lambda r: sdp_time(r.created_time),
    "completed_time": lambda r: sdp_time(r.completed_time),
    "deleted_time": lambda r: sdp_time(r.deleted_time),
    "last_updated_time": lambda r: sdp_time(r.last_updated_time),
    "created_by": lambda r: user_json(r.created_by),
}
RELEASE_KEYS = frozenset({*BUILDERS, *DESCRIPTIVE_KINDS})


def release_json(release: Any, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """A release as SDP shows it; with `fields`, only those keys (and the id)."""
    wanted = RELEASE_KEYS if fields is None else {*fields, "id"}
    out = {key: build(release) for key, build in BUILDERS.items() if key in wanted}
    if not wanted.isdisjoint(DESCRIPTIVE_KINDS):
        for key, value in _descriptive_fields(release).items():
            if key in wanted:
                out[key] = value
    return out


PARTS_OF_FIELD = {
    "roles": "roles",
    "release_requester": "roles",
    "release_engineer": "roles",
    "release_manager": "roles",
    "services": "services",
    **{kind: "descriptive_fields" for kind in DESCRIPTIVE_KINDS},
}


def parts_for(fields: Iterable[str]) -> frozenset[str]:
    """Which related records the core must load to show `fields`."""
    return frozenset(PARTS_OF_FIELD[f] for f in fields if f in PARTS_OF_FIELD)


# --- lists, history and comments ---------------------------------------------------------

OPERATION_NAMES = {
    "add": "Release Created",
    "update": "Release Updated",
    "status_change": "Stage/Status Changed",
    "close": "Release Closed",
    "move_to_trash": "Release Deleted",
    "restore_from_trash": "Release Restored",
    "release_to_release_role_add": "User assigned for role",
    "release_to_release_role_remove": "User removed from role",
    **{
        f"{kind}_{verb}": f"{kind.capitalize()} {past}"
        for kind in ("task", "worklog", "note", "reminder")
        for verb, past in (("add", "Added"), ("update", "Updated"), ("delete", "Deleted"))
    },
    **{
        f"{kind}_{verb}": f"{kind.capitalize()} {past}"
        for kind in ("change", "project")
        for verb, past in (("associate", "Associated"), ("dissociate", "Dissociated"))
    },
}
HISTORY_TIME_FIELDS = {
    "scheduled_start_time",
    "scheduled_end_time",
    "next_review_on",
    "completed_time",
    "start_time",
    "end_time",
    "actual_start_time",
    "actual_end_time",
    "time",
}
EXTRA_DISPLAY_NAMES = {"user": "User", "role": "Role"}


def list_info(echo: dict[str, Any], page: Any, row_count: int) -> dict[str, Any]:
    """The list_info of a list response: what was applied, how many rows, and whether more."""
    info: dict[str, Any] = {"has_more_rows": page.has_more, **echo, "row_count": row_count}
    if page.total is not None:
        info["total_count"] = page.total
    return info


def history_time(value: dt.datetime) -> dict[str, str]:
    return {
        "display_value": value.strftime(DISPLAY_FORMAT),
        "date": value.strftime("%b %d, %Y"),
        "time": value.strftime("%I:%M %p"),
        "value": str(int(value.timestamp() * 1000)),
    }


def _stringify_ids(value: Any) -> Any:
    if isinstance(value, dict):
        out = {
            k: (str(v) if k == "id" and v is not None else _stringify_ids(v))
            for k, v in value.items()
        }
        if "email_id" in out and "profile_pic" not in out:
            out["profile_pic"] = None
        return out
    if isinstance(value, list):
        return [_stringify_ids(v) for v in value]
    return value


def _history_value(field: str, value: Any) -> Any:
    if field in HISTORY_TIME_FIELDS and isinstance(value, int):
        return sdp_time(dt.datetime.fromtimestamp(value / 1000, dt.UTC))
    if field == "id" and value is not None:
        return str(value)
    return _stringify_ids(value)


def _diff_field(name: str, display_names: dict[str, str]) -> dict[str, str]:
    display = display_names.get(name) or EXTRA_DISPLAY_NAMES.get(name)
    return {"name": name, "display_name": display} if display else {"name": name}


def history_json(release: Any, entry: Any, display_names: dict[str, str]) -> dict[str, Any]:
    return {
        "release": {"id": str(release.id), "title": release.title},
        "by": user_json(entry.actor, profile_pic=None),
        "description": entry.description or "",
        "diff": [
            {
                "field": _diff_field(d["field"], display_names),
                "previous_value": _history_value(d["field"], d.get("previous_value")),
                "current_value": _history_value(d["field"], d.get("current_value")),
            }
            for d in entry.diff or []
        ],
        "id": str(entry.id),
        "time": history_time(entry.time),
        "operation": {
            "name": entry.operation,
            "display_name": OPERATION_NAMES.get(
                entry.operation, entry.operation.replace("_", " ").capitalize()
            ),
        },
    }


def status_comment_json(release: Any, comment: Any) -> dict[str, Any]:
    user = user_json(comment.commented_by)
    if user is not None:
        user = {k: user[k] for k in ("email_id", "name", "is_vipuser", "id", "department")}
    stage = stage_json(comment.stage)
    stage["stage_index"] = comment.stage.stage_index  # a number in this sample
    return {
        "commented_by": user,
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
