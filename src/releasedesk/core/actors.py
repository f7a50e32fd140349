"""Who is calling (Actor) and the permission rules every write asks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from releasedesk.core.errors import Forbidden
from releasedesk.core.workflow.names import StageName


class Role(StrEnum):
    ADMIN = "admin"
    TECHNICIAN = "technician"
    REQUESTER = "requester"


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    user_name: str
    portal_id: int
    portal_name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_requester(self) -> bool:
        return self.role is Role.REQUESTER

    @property
    def is_staff(self) -> bool:
        """Admins and technicians: the people who work on releases."""
        return self.role in (Role.ADMIN, Role.TECHNICIAN)


@dataclass(frozen=True, slots=True)
class ReleaseAccess:
    """What the permission rules need to know about one release."""

    stage_internal_name: str
    requester_ids: frozenset[int]
    created_by_id: int | None

    def with_stage(self, stage_internal_name: str) -> ReleaseAccess:
        """The same release as if it stood in another stage (per-stage permissions)."""
        return ReleaseAccess(stage_internal_name, self.requester_ids, self.created_by_id)


def is_own_release(actor: Actor, release: ReleaseAccess) -> bool:
    return actor.user_id in release.requester_ids or actor.user_id == release.created_by_id


def can_view_release(actor: Actor, release: ReleaseAccess) -> bool:
    return actor.is_staff or is_own_release(actor, release)


def can_edit_release(actor: Actor, release: ReleaseAccess) -> bool:
    """Staff edit any release; a requester edits their own while it is still in Submission."""
    if actor.is_staff:
        return True
    return is_own_release(actor, release) and release.stage_internal_name == StageName.SUBMISSION


def require_edit_release(actor: Actor, release: ReleaseAccess) -> None:
    if not can_edit_release(actor, release):
        raise Forbidden("You are not allowed to modify this release")


def require_admin(actor: Actor, action: str) -> None:
    if not actor.is_admin:
        raise Forbidden(f"Only an administrator can {action}")


def require_staff(actor: Actor, action: str) -> None:
    if not actor.is_staff:
        raise Forbidden(f"Requesters cannot {action}")
