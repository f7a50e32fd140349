"""Who holds which release role: resolve holders, change them, record each change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, Role
from releasedesk.core.errors import Invalid, NotFound
from releasedesk.core.lookups import service as lookups
from releasedesk.core.refs import Ref
from releasedesk.core.releases import recording
from releasedesk.core.releases.history import Operation, role_holder_change
from releasedesk.core.releases.rows import person_of, role_of
from releasedesk.core.releases.schemas import RoleHolderRef
from releasedesk.core.users import repository as users_repository
from releasedesk.core.users import service as users
from releasedesk.core.workflow.names import RoleName, RoleUserType
from releasedesk.db.models import Release, ReleaseRole, ReleaseRoleAssignment, User


async def resolve_user(session: AsyncSession, actor: Actor, ref: Ref, field: str = "user") -> User:
    """An active user of the caller's portal by id, name or email (someone who has left
    gets no new work)."""
    if ref.id is not None:
        found = await users_repository.get(session, actor.portal_id, ref.id)
        if found is None:
            raise Invalid(f"No user with id '{ref.id}'", field)
    else:
        login = ref.email or ref.name
        if login is None:
            raise Invalid(f"'{field}' needs an id, a name or an email_id", field)
        try:
            found = await users.find_user(session, actor.portal_id, login)
        except NotFound:
            raise Invalid(f"No user '{login}'", field) from None
    if not found.is_active:
        raise Invalid(f"'{found.name}' is deactivated", field)
    return found


def no_role(internal: RoleName) -> Invalid:
    return Invalid(f"this portal has no '{internal}' role", "roles.role")


async def role_by_internal_name(
    session: AsyncSession, actor: Actor, internal: RoleName
) -> ReleaseRole:
    for role in await lookups.list_rows(session, actor.portal_id, "release_role"):
        if isinstance(role, ReleaseRole) and role.internal_name == internal:
            return role
    raise no_role(internal)


def check_can_hold(role: ReleaseRole, user: User, field: str) -> None:
    """Technician roles (engineer, manager, …) are for technicians and admins only."""
    if role.user_type == RoleUserType.TECHNICIANS and user.role == Role.REQUESTER:
        raise Invalid(f"'{user.name}' is a requester and cannot be {role.name}", field)


MAX_ROLE_HOLDERS = 500  # each is looked up one by one; no real release has as many


async def resolve_holders(
    session: AsyncSession, actor: Actor, holders: tuple[RoleHolderRef, ...]
) -> list[tuple[ReleaseRole, User]]:
    """Each (role, user) of `holders`, checked, without duplicates."""
    if len(holders) > MAX_ROLE_HOLDERS:
        raise Invalid(f"A release has at most {MAX_ROLE_HOLDERS} role holders", "roles")
    resolved: list[tuple[ReleaseRole, User]] = []
    for holder in holders:
        role = await lookups.resolve_row(
            session, actor.portal_id, "release_role", holder.role, field="roles.role"
        )
        assert isinstance(role, ReleaseRole)  # the release_role kind's model
        user = await resolve_user(session, actor, holder.user, field="roles.user")
        check_can_hold(role, user, "roles.user")
        if (role.id, user.id) not in {(r.id, u.id) for r, u in resolved}:
            resolved.append((role, user))
    return resolved


async def set_holders(
    session: AsyncSession,
    actor: Actor,
    release: Release,
    wanted: list[tuple[ReleaseRole, User]],
    now: dt.datetime,
    only_role_ids: set[int] | None = None,
) -> int:
    """Make the holders of the roles in scope exactly `wanted`; one history entry per change.

    `only_role_ids` limits the change to those roles (assign and pickup touch the engineer
    only); None means every role. Returns how many assignments changed.
    """
    wanted_keys = {(role.id, user.id) for role, user in wanted}
    removed = [
        a
        for a in release.role_assignments
        if (only_role_ids is None or a.role_id in only_role_ids)
        and (a.role_id, a.user_id) not in wanted_keys
    ]
    for assignment in removed:
        change = role_holder_change(
            role_of(assignment.role),
            assignment.id,
            previous=person_of(assignment.user),
            current=None,
        )
        await recording.record(
            session, release.id, actor, Operation.ROLE_REMOVED, changes=[change], time=now
        )
        release.role_assignments.remove(assignment)
    current = {(a.role_id, a.user_id) for a in release.role_assignments}
    added: list[tuple[ReleaseRoleAssignment, ReleaseRole, User]] = []
    for role, user in wanted:
        if (role.id, user.id) not in current:
            assignment = ReleaseRoleAssignment(role_id=role.id, user_id=user.id)
            release.role_assignments.append(assignment)
            added.append((assignment, role, user))
    await session.flush()
    for assignment, role, user in added:
        change = role_holder_change(
            role_of(role), assignment.id, previous=None, current=person_of(user)
        )
        await recording.record(
            session, release.id, actor, Operation.ROLE_ASSIGNED, changes=[change], time=now
        )
    return len(removed) + len(added)
