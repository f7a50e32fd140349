"""Core shapes of a release change; dialects translate their JSON into these.

A plain dataclass rather than a Pydantic model: the dialect has already parsed and typed
every value (references, aware datetimes, booleans), so the core has nothing to validate
twice on the hottest write path. `given` says which fields the client set: on update only
those change, and a given None clears the field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace

from releasedesk.core.refs import Ref
from releasedesk.core.releases.fields import FieldKind


@dataclass(frozen=True, slots=True)
class RoleHolderRef:
    role: Ref
    user: Ref


@dataclass(frozen=True, slots=True)
class ReleaseChanges:
    """The fields of a release to set (the writable fields of the registry, plus a comment).

    Declared rather than built from the registry (`make_dataclass`): the services read its
    attributes by name (`changes.stage`), which mypy checks only on a declared class. So
    `tests/core/test_field_registry.py` holds it to the registry instead: exactly the
    writable fields, each of the type `CHANGE_TYPES` gives its kind.
    """

    title: str | None = None
    description: str | None = None
    comment: str | None = None
    template: Ref | None = None
    stage: Ref | None = None
    status: Ref | None = None
    priority: Ref | None = None
    impact: Ref | None = None
    urgency: Ref | None = None
    risk: Ref | None = None
    release_type: Ref | None = None
    category: Ref | None = None
    subcategory: Ref | None = None
    item: Ref | None = None
    site: Ref | None = None
    group: Ref | None = None
    closure_code: Ref | None = None
    services: tuple[Ref, ...] | None = None
    roles: tuple[RoleHolderRef, ...] | None = None
    emergency: bool | None = None
    scheduled_start_time: dt.datetime | None = None
    scheduled_end_time: dt.datetime | None = None
    next_review_on: dt.datetime | None = None
    roll_out_plan: str | None = None
    back_out_plan: str | None = None
    checklist: str | None = None
    impact_details: str | None = None
    review_details: str | None = None
    close_details: str | None = None
    given: frozenset[str] = field(default=frozenset())

    @classmethod
    def of(cls, **values: object) -> ReleaseChanges:
        """The changes with exactly these fields given."""
        return replace(cls(), **values, given=frozenset(values))  # type: ignore[arg-type]

    def has(self, name: str) -> bool:
        return name in self.given


CHANGE_FIELDS = frozenset(f.name for f in fields(ReleaseChanges)) - {"given"}
"""Every field a change can carry (the registry's writable fields and `comment`)."""

CHANGE_TYPES: dict[FieldKind, object] = {
    FieldKind.TEXT: str,
    FieldKind.HTML: str,
    FieldKind.LOOKUP: Ref,
    FieldKind.SERVICES: tuple[Ref, ...],
    FieldKind.ROLES: tuple[RoleHolderRef, ...],
    FieldKind.BOOL: bool,
    FieldKind.DATETIME: dt.datetime,
    FieldKind.DESCRIPTIVE: str,
}
"""The type of a change to a writable field, by the field's kind (None clears it)."""
