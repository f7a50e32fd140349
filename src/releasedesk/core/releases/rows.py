"""ORM rows to read-model views: used by repositories only, so no view leaks a row."""

from __future__ import annotations

from releasedesk.core.releases.views import Named, Person, ReleaseRole
from releasedesk.core.workflow.views import Stage, Status
from releasedesk.db.models import LookupBase, ReleaseStage, ReleaseStatus, User
from releasedesk.db.models import ReleaseRole as ReleaseRoleRow


def named_of(row: LookupBase) -> Named:
    return Named(
        id=row.id,
        name=row.name,
        color=getattr(row, "color", None),
        pre_approved=getattr(row, "pre_approved", None),
        parent_id=getattr(row, "parent_id", None),
    )


def person_of(user: User | None) -> Person | None:
    """A user row as a Person (its department must be loaded: it is a joined relationship)."""
    if user is None:
        return None
    department = user.department
    return Person(
        id=user.id,
        name=user.name,
        email_id=user.email_id,
        phone=user.phone,
        mobile=user.mobile,
        is_vipuser=user.is_vipuser,
        role=user.role,
        department=None if department is None else Named(department.id, department.name),
    )


def stage_of(row: ReleaseStage) -> Stage:
    return Stage(row.id, row.name, row.internal_name, row.stage_index, row.description)


def status_of(row: ReleaseStatus) -> Status:
    return Status(row.id, row.name, row.internal_name, row.status_type, row.stage_id)


def role_of(row: ReleaseRoleRow) -> ReleaseRole:
    return ReleaseRole(row.id, row.name, row.internal_name, row.user_type, row.prominent)
