"""The read model: releases and what hangs off them as the core hands them to dialects.

Plain slotted dataclasses in neutral types (ints, aware UTC datetimes, enums); dialects build
their wire shapes from these and never see an ORM row. Built by the repositories.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from releasedesk.core.actors import ReleaseAccess
from releasedesk.core.values import Named, Stage, Status
from releasedesk.core.workflow.names import RoleName


@dataclass(frozen=True, slots=True)
class Person:
    """A user as releases show them (built by core/releases/rows.py only)."""

    id: int
    name: str
    email: str | None
    phone: str | None
    mobile: str | None
    is_vip: bool
    role: str
    department: Named | None


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    name: str
    site: Named | None


@dataclass(frozen=True, slots=True)
class Workflow:
    id: int
    name: str
    type: str
    validated: bool


@dataclass(frozen=True, slots=True)
class Template:
    id: int
    name: str
    workflow: Workflow


@dataclass(frozen=True, slots=True)
class ReleaseRole:
    id: int
    name: str
    internal_name: str
    user_type: str
    prominent: bool


@dataclass(frozen=True, slots=True)
class RoleHolder:
    """One user holding one release role (`id` is the assignment's own id)."""

    id: int
    role: ReleaseRole
    user: Person


@dataclass(frozen=True, slots=True)
class DescriptiveField:
    id: int
    kind: str
    description: str | None
    updated_on: dt.datetime | None
    updated_by: Person | None
    stage: Stage | None


@dataclass(slots=True)
class Release:
    """A release as every dialect reads it; the related records are loaded on request.

    Declared field by field rather than built from the registry: a slotted dataclass built
    at run time would be `Any` to mypy, and the dialects' writers and the rules read its
    attributes by name. `tests/core/test_field_registry.py` keeps it to the registry.
    """

    id: int
    portal_id: int
    uuid: uuid.UUID
    version: int
    title: str
    description: str | None
    short_description: str | None
    emergency: bool
    notes_present: bool
    scheduled_start_time: dt.datetime | None
    scheduled_end_time: dt.datetime | None
    next_review_on: dt.datetime | None
    created_time: dt.datetime
    last_updated_time: dt.datetime | None
    completed_time: dt.datetime | None
    deleted_time: dt.datetime | None
    template: Template
    stage: Stage
    status: Status
    priority: Named | None
    impact: Named | None
    urgency: Named | None
    risk: Named | None
    release_type: Named | None
    category: Named | None
    subcategory: Named | None
    item: Named | None
    site: Named | None
    group: Group | None
    closure_code: Named | None
    created_by: Person | None
    roles: list[RoleHolder] = field(default_factory=list)
    services: list[Named] = field(default_factory=list)
    descriptive_fields: list[DescriptiveField] = field(default_factory=list)

    @property
    def in_trash(self) -> bool:
        return self.deleted_time is not None

    def holder(self, role: RoleName) -> Person | None:
        """The first user holding `role` (roles were loaded), or None."""
        return next((h.user for h in self.roles if h.role.internal_name == role), None)

    def descriptive_text(self, kind: str) -> str | None:
        return next((f.description for f in self.descriptive_fields if f.kind == kind), None)

    def access(self) -> ReleaseAccess:
        """What the permission rules need (roles must have been loaded)."""
        return ReleaseAccess(
            stage_internal_name=self.stage.internal_name,
            requester_ids=frozenset(
                h.user.id for h in self.roles if h.role.internal_name == RoleName.REQUESTER
            ),
            created_by_id=None if self.created_by is None else self.created_by.id,
        )


@dataclass(frozen=True, slots=True)
class StatusComment:
    id: int
    stage: Stage
    status: Status
    comment: str | None
    commented_by: Person | None
    commented_on: dt.datetime


class ReleaseFilter(StrEnum):
    """The named lists a user can open."""

    ALL = "all"
    OPEN = "open"
    CLOSED = "closed"
    MINE = "mine"  # releases the caller holds a role on
    MY_OPEN = "my_open"
    TRASH = "trash"
