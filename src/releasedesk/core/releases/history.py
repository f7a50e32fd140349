"""Release history in neutral terms: what happened (an Operation), to what, and field diffs.

Values are kept as they were when the change was made, in neutral JSON: text, numbers and
booleans as themselves, references as `{"id": 4, "name": "High"}`, people as person
snapshots, and times as `{"$time": "<ISO 8601, UTC>"}` (the one tag, so a time reads back as
a datetime without a schema). Each dialect renders these in its own shapes (SDP's
three-part role diff, display names and epoch milliseconds live in `api/sdp`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

from releasedesk.core.releases import fields
from releasedesk.core.releases.fields import FieldKind
from releasedesk.core.releases.views import Named, Person, Release, ReleaseRole

HistoryValue: TypeAlias = (
    str | int | float | bool | dt.datetime | list["HistoryValue"] | dict[str, "HistoryValue"] | None
)
TIME_TAG = "$time"


class Operation(StrEnum):
    CREATED = "created"
    UPDATED = "updated"  # field diffs
    MOVED = "moved"  # a stage and status change
    CLOSED = "closed"
    TRASHED = "trashed"
    RESTORED = "restored"
    ROLE_ASSIGNED = "role_assigned"
    ROLE_REMOVED = "role_removed"
    # Something hanging off the release; the entry's `subject` says what (task, note, …).
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"
    ASSOCIATED = "associated"
    DISSOCIATED = "dissociated"


ROLE_HOLDER = "role_holder"
"""The field of a role assignment or removal: {assignment_id, role, user}."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    previous: HistoryValue
    current: HistoryValue


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    operation: Operation
    subject: str | None
    actor: Person | None
    time: dt.datetime
    description: str | None
    changes: tuple[FieldChange, ...]


# --- snapshots --------------------------------------------------------------------------


def ref_value(row: Named | None) -> HistoryValue:
    return None if row is None else {"id": row.id, "name": row.name}


def person_value(person: Person | None) -> HistoryValue:
    """A user as history keeps them: as they were when the change was made."""
    if person is None:
        return None
    department = person.department
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "phone": person.phone,
        "mobile": person.mobile,
        "is_vip": person.is_vip,
        "department": None
        if department is None
        else {"id": department.id, "name": department.name},
    }


def role_value(role: ReleaseRole) -> dict[str, HistoryValue]:
    return {
        "id": role.id,
        "name": role.name,
        "internal_name": role.internal_name,
        "user_type": role.user_type,
        "prominent": role.prominent,
    }


def role_holder_change(
    role: ReleaseRole, assignment_id: int, previous: Person | None, current: Person | None
) -> FieldChange:
    """A role given to `current`, or taken from `previous`."""
    holder = previous if current is None else current
    value: HistoryValue = {
        "assignment_id": assignment_id,
        "role": role_value(role),
        "user": person_value(holder),
    }
    return FieldChange(
        ROLE_HOLDER, previous=value if current is None else None, current=value if current else None
    )


def _field_value(release: Release, field: fields.ReleaseField) -> HistoryValue:
    if field.kind is FieldKind.DESCRIPTIVE:
        return release.descriptive_text(field.name)
    if field.kind is FieldKind.SERVICES:
        return [ref_value(s) for s in release.services]
    value = getattr(release, field.name)
    if field.kind is FieldKind.LOOKUP:
        return ref_value(value)
    return value


def snapshot(release: Release) -> dict[str, HistoryValue]:
    """The fields the registry records in history, as neutral values."""
    return {f.name: _field_value(release, f) for f in fields.IN_HISTORY}


def diff(
    before: Mapping[str, HistoryValue], after: Mapping[str, HistoryValue]
) -> list[FieldChange]:
    return [
        FieldChange(name, before.get(name), value)
        for name, value in after.items()
        if before.get(name) != value
    ]


# --- storage encoding -------------------------------------------------------------------


def encode(value: HistoryValue) -> object:
    """A neutral value as stored JSON (times tagged)."""
    if isinstance(value, dt.datetime):
        return {TIME_TAG: value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def decode(raw: object) -> HistoryValue:
    if isinstance(raw, dict):
        if set(raw) == {TIME_TAG} and isinstance(raw[TIME_TAG], str):
            return dt.datetime.fromisoformat(raw[TIME_TAG].replace("Z", "+00:00"))
        return {str(k): decode(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [decode(v) for v in raw]
    if raw is None or isinstance(raw, str | int | float | bool):
        return raw
    raise TypeError(f"not a stored history value: {type(raw).__name__}")


def encode_changes(changes: Sequence[FieldChange]) -> list[dict[str, object]]:
    return [
        {"field": c.field, "previous": encode(c.previous), "current": encode(c.current)}
        for c in changes
    ]


def decode_changes(raw: object) -> tuple[FieldChange, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        FieldChange(str(item["field"]), decode(item.get("previous")), decode(item.get("current")))
        for item in raw
        if isinstance(item, dict)
    )
