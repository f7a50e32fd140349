"""Release history: snapshots of the tracked fields and the diff rows written on every change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.releases.schemas import DESCRIPTIVE_KINDS, LOOKUP_FIELDS, TIME_FIELDS
from releasedesk.db.models import ReleaseHistory

FIELD_DISPLAY_NAMES: dict[str, str] = {
    "title": "Title",
    "description": "Description",
    "template": "Template",
    "stage": "Stage",
    "status": "Status",
    "priority": "Priority",
    "impact": "Impact",
    "urgency": "Urgency",
    "risk": "Risk",
    "release_type": "Release Type",
    "category": "Category",
    "subcategory": "Subcategory",
    "item": "Item",
    "site": "Site",
    "group": "Group",
    "closure_code": "Closure Code",
    "services": "Services Affected",
    "emergency": "Emergency",
    "scheduled_start_time": "Scheduled Start Time",
    "scheduled_end_time": "Scheduled End Time",
    "next_review_on": "Next Review On",
    "completed_time": "Completed Time",
    **{kind: display for kind, (display, _) in DESCRIPTIVE_KINDS.items()},
}


def user_snapshot(user: Any) -> dict[str, Any] | None:
    """A user as history keeps them: as they were when the change was made."""
    if user is None:
        return None
    department = user.department
    return {
        "id": user.id,
        "name": user.name,
        "email_id": user.email_id,
        "phone": user.phone,
        "mobile": user.mobile,
        "is_vipuser": user.is_vipuser,
        "department": None
        if department is None
        else {"id": department.id, "name": department.name},
    }


def role_snapshot(role: Any) -> dict[str, Any]:
    return {
        "id": role.id,
        "name": role.name,
        "internal_name": role.internal_name,
        "user_type": role.user_type,
        "prominent": role.prominent,
    }


def role_change(
    role: Any, assignment_id: int | None, previous: Any, current: Any
) -> list[dict[str, Any]]:
    """The diff of a role assignment, in the three parts SDP shows: user, id, role."""
    added = current is not None
    return [
        {
            "field": "user",
            "previous_value": user_snapshot(previous),
            "current_value": user_snapshot(current),
        },
        {
            "field": "id",
            "previous_value": None if added else assignment_id,
            "current_value": assignment_id if added else None,
        },
        {
            "field": "role",
            "previous_value": None if added else role_snapshot(role),
            "current_value": role_snapshot(role) if added else None,
        },
    ]


MOVE_FIELDS = ("stage", "status")


def _ref(row: Any) -> dict[str, Any] | None:
    return None if row is None else {"id": row.id, "name": row.name}


def epoch_ms(value: dt.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def snapshot(release: Any) -> dict[str, Any]:
    """The tracked fields of a release as JSON values (lookups as {id, name}, times as ms)."""
    values: dict[str, Any] = {
        "title": release.title,
        "description": release.description,
        "template": _ref(release.template),
        "stage": _ref(release.stage),
        "status": _ref(release.status),
        "emergency": release.emergency,
        "completed_time": epoch_ms(release.completed_time),
        "services": [_ref(link.service) for link in release.service_links],
    }
    for field in LOOKUP_FIELDS:
        values[field] = _ref(getattr(release, field))
    for field in TIME_FIELDS:
        values[field] = epoch_ms(getattr(release, field))
    texts = {f.kind: f.description for f in release.descriptive_fields}
    for kind in DESCRIPTIVE_KINDS:
        values[kind] = texts.get(kind)
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"field": name, "previous_value": before.get(name), "current_value": value}
        for name, value in after.items()
        if before.get(name) != value
    ]


async def record(
    session: AsyncSession,
    *,
    release_id: int,
    actor: Actor,
    operation: str,
    changes: list[dict[str, Any]] | None = None,
    description: str | None = None,
    time: dt.datetime | None = None,
) -> None:
    """Write one history row; called by the core service that made the change."""
    await session.execute(
        insert(ReleaseHistory).values(
            release_id=release_id,
            operation=operation,
            actor_id=actor.user_id,
            time=time or dt.datetime.now(dt.UTC),
            description=description,
            diff=changes or [],
        )
    )


async def record_item(
    session: AsyncSession,
    *,
    release_id: int,
    actor: Actor,
    operation: str,
    field: str,
    previous: Any,
    current: Any,
    description: str | None = None,
) -> None:
    """One thing hanging off the release added, changed or removed: a one-field diff."""
    await record(
        session,
        release_id=release_id,
        actor=actor,
        operation=operation,
        description=description,
        changes=[{"field": field, "previous_value": previous, "current_value": current}],
    )
