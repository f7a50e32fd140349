"""Who holds which release role: resolve holders, change them, record each change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.errors import Invalid, NotFound
from releasedesk.core.lookups import service as lookups
from releasedesk.core.releases import history
from releasedesk.core.releases.schemas import RoleHolder
from releasedesk.core.users import service as users
from releasedesk.db.models import Release, ReleaseRole, ReleaseRoleAssignment, User

REQUESTER = "release_requester"
ENGINEER = "release_engineer"


async def resolve_user(
    session: AsyncSession, actor: Actor, ref: dict[str, Any], field: str = "user"
) -> User:
    """A user of the caller's portal by id, name or email_id."""
    user_id = lookups.reference_id(ref.get("id"), field)
    if user_id is not None:
        found = await users.repository.get(session, actor.portal_id, user_id)
        if found is None:
            raise Invalid(f"No user with id '{user_id}'", field)
        return found
    login = ref.get("email_id") or ref.get("name")
    if not isinstance(login, str):
        raise Invalid(f"'{field}' needs an id, a name or an email_id", field)
    try:
        return await users.find_user(session, actor.portal_id, login)
    except NotFound:
        raise Invalid(f"No user '{login}'", field) from None


async def role_by_internal_name(session: AsyncSession, actor: Actor, internal: str) -> ReleaseRole:
    for role in await lookups.list_lookups(session, actor.portal_id, "release_role"):
        if isinstance(role, ReleaseRole) and role.internal_name == internal:
            return role
    raise Invalid(f"this portal has no '{internal}' role", "roles.role")


def check_can_hold(role: ReleaseRole, user: User, field: str) -> None:
    """SGT roles (engineer, manager, …) are for technicians and admins only."""
    if role.user_type == "SGT" and user.role == "requester":
        raise Invalid(f"'{user.name}' is a requester and cannot be {role.name}", field)


async def resolve_holders(
    session: AsyncSession, actor: Actor, holders: list[RoleHolder]
) -> list[tuple[ReleaseRole, User]]:
    """Each (role, user) of `holders`, checked, without duplicates."""
    resolved: list[tuple[ReleaseRole, User]] = []
    for holder in holders:
        role = await lookups.resolve(
            session, actor.portal_id, "release_role", holder.role, field="roles.role"
        )
        assert isinstance(role, ReleaseRole)
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
        await history.record(
            session,
            release_id=release.id,
            actor=actor,
            time=now,
            operation="release_to_release_role_remove",
            changes=history.role_change(
                assignment.role, assignment.id, previous=assignment.user, current=None
            ),
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
        await history.record(
            session,
            release_id=release.id,
            actor=actor,
            time=now,
            operation="release_to_release_role_add",
            changes=history.role_change(role, assignment.id, previous=None, current=user),
        )
    return len(removed) + len(added)
