"""Users and keys administered by a signed-in person (the web UI), checked against who they
are: everyone creates, lists and revokes their own keys; an administrator also sees and
revokes every key of their portal and adds users, changes roles, deactivates, activates and
sets passwords. Nothing here reaches another portal: a user or key of another portal is not
found.

The operations underneath are the CLI's (service.py, keys.py): the same rules (the last
active administrator stays one), the same audit entries, here with the person as `by=`, and
the same evictions from the auth cache after the commit. The CLI calls them directly: its
operator may do anything to any portal.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, Role, require_admin
from releasedesk.core.audit.views import AuditActor
from releasedesk.core.errors import Mandatory, NotFound
from releasedesk.core.users import keys, repository, service
from releasedesk.core.users.views import IssuedKey, KeyView, UserView
from releasedesk.db.base import utcnow
from releasedesk.db.models import ApiKey, User


def audit_actor(actor: Actor) -> AuditActor:
    """The person as the audit trail names them."""
    return AuditActor(actor.user_id, actor.user_name)


def user_view(user: User) -> UserView:
    return UserView(
        id=user.id,
        name=user.name,
        email_id=user.email_id,
        role=Role(user.role),
        is_active=user.is_active,
        has_password=user.password_hash is not None,
        created_time=user.created_time,
    )


# --- keys -----------------------------------------------------------------------------------


async def issue_own_key(
    session: AsyncSession,
    actor: Actor,
    label: str,
    expires_time: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> IssuedKey:
    """A new key acting as `actor` themselves, labelled (the label tells one's keys apart
    in the list), shown once."""
    if not label.strip():
        raise Mandatory("label", "Enter a label, such as what the key is for")
    me = await service.get_user(session, actor.portal_id, actor.user_id)
    return await keys.issue_key(
        session, user=me, name=label, expires_time=expires_time, by=audit_actor(actor), now=now
    )


async def own_keys(session: AsyncSession, actor: Actor) -> list[KeyView]:
    """The actor's keys, revoked and expired ones too, oldest first."""
    return list(await keys.list_keys(session, actor.portal_id, actor.user_id))


async def portal_keys(session: AsyncSession, actor: Actor) -> list[KeyView]:
    """Every key of the actor's portal, with its owner: administrators only."""
    require_admin(actor, "see the keys of other users")
    return list(await keys.list_keys(session, actor.portal_id))


async def revoke(
    session: AsyncSession, actor: Actor, key_id: int, now: dt.datetime | None = None
) -> KeyView:
    """Revoke a key of the actor's own, or any key of their portal if they are an
    administrator; the API refuses it from its next request."""
    key = await _key(session, actor, key_id)
    if key.user_id != actor.user_id:
        require_admin(actor, "revoke the keys of other users")
    return await keys.revoke_found(session, key, by=audit_actor(actor), now=now or utcnow())


async def _key(session: AsyncSession, actor: Actor, key_id: int) -> ApiKey:
    key = None
    if 0 < key_id <= service.MAX_ID:
        key = await repository.key_by_id(session, key_id)
    if key is None or key.portal_id != actor.portal_id:
        raise NotFound(f"no key with id {key_id}", "key")
    return key


# --- users ----------------------------------------------------------------------------------


async def list_users(session: AsyncSession, actor: Actor) -> list[UserView]:
    """The portal's users in the order they were added: administrators only. (The approvals
    awaiting each are approvals/inbox.waiting_by_approver's: approvals build on users.)"""
    require_admin(actor, "manage users")
    return [user_view(user) for user in await service.list_users(session, actor.portal_id)]


async def add_user(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    role: str,
    email_id: str | None = None,
    password: str | None = None,
) -> UserView:
    """A new user of the actor's portal (name and email new to it, in any case)."""
    require_admin(actor, "add users")
    if not role.strip():
        raise Mandatory("role", "Choose a role")
    user = await service.add_user(
        session,
        portal_id=actor.portal_id,
        name=name,
        role=role,
        email_id=email_id or None,
        password=password or None,
        by=audit_actor(actor),
    )
    return user_view(user)


async def set_role(session: AsyncSession, actor: Actor, user_id: int, role: str) -> UserView:
    """Give a user of the portal another role; the last active administrator keeps theirs."""
    require_admin(actor, "change roles")
    user = await service.set_role(session, actor.portal_id, user_id, role, by=audit_actor(actor))
    return user_view(user)


async def set_active(session: AsyncSession, actor: Actor, user_id: int, active: bool) -> UserView:
    """Deactivate (never delete) or reactivate a user of the portal; the last active
    administrator stays active."""
    require_admin(actor, "deactivate or activate users")
    user = await service.set_active(
        session, actor.portal_id, user_id, active, by=audit_actor(actor)
    )
    return user_view(user)


async def set_password(
    session: AsyncSession, actor: Actor, user_id: int, password: str
) -> UserView:
    """Set the password of a user of the portal (for the web UI and HTTP Basic)."""
    require_admin(actor, "set the passwords of users")
    user = await service.set_password(
        session, actor.portal_id, user_id, password, by=audit_actor(actor)
    )
    return user_view(user)
