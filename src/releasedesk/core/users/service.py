"""Users: add and list them, set passwords, deactivate and reactivate them, change their
roles (each audited in the transaction of the change, and each evicting the user's keys from
the auth cache once it commits), and turn a password into an Actor. Keys live in keys.py;
`create_api_key` and `authenticate_key` stay importable from here.

HTTP Basic is not cached: argon2's cost per attempt is the point of argon2, and a cache of
accepted passwords would keep a fast check of each in memory. Failed password sign-ins are
throttled (core/throttle)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, Role
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import SYSTEM, AuditActor, AuditKind, Detail, Subject
from releasedesk.core.errors import Invalid, Mandatory, NotFound, NotUnique
from releasedesk.core.lookups import service as lookups
from releasedesk.core.portals import service as portals
from releasedesk.core.refs import Ref
from releasedesk.core.throttle.counts import login_bucket, user_bucket
from releasedesk.core.throttle.service import Failure, SignInFailed, Throttle, shown_login
from releasedesk.core.users import repository
from releasedesk.core.users.cache import evict_after_commit
from releasedesk.core.users.keys import authenticate_key as authenticate_key
from releasedesk.core.users.keys import create_api_key as create_api_key
from releasedesk.core.users.secrets import argon2_limiter, hash_password, verify_password
from releasedesk.db.models import Portal, User

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NAME_LENGTH = 200  # the columns' sizes
EMAIL_LENGTH = 254


# One answer for every failed password sign-in: the caller learns nothing of which part was
# wrong.
PASSWORD_REFUSED = "Invalid user name or password"  # noqa: S105 (a message, not a secret)


def actor_for(user: User, portal: Portal) -> Actor:
    return Actor(
        user_id=user.id,
        user_name=user.name,
        portal_id=portal.id,
        portal_name=portal.name,
        role=Role(user.role),
    )


async def add_user(
    session: AsyncSession,
    *,
    portal_id: int,
    name: str,
    role: str,
    email_id: str | None = None,
    password: str | None = None,
    phone: str | None = None,
    mobile: str | None = None,
    department: str | None = None,
    is_vipuser: bool = False,
    by: AuditActor = SYSTEM,
) -> User:
    """A new user of the portal; the password, if any, is stored as an argon2 hash.

    Names and emails are unique in the portal, ignoring case: logins and `find_user` look
    users up by either, so a second one would make both ambiguous.
    """
    name = name.strip()
    if not name:
        raise Mandatory("name")
    if len(name) > NAME_LENGTH:
        raise Invalid(f"the name is longer than {NAME_LENGTH} characters", "name")
    if same_name := await repository.find_by_name(session, portal_id, name):
        raise NotUnique(f"a user named '{same_name[0].name}' already exists in this portal", "name")
    role_value = _role(role)
    if email_id is not None:
        if len(email_id) > EMAIL_LENGTH or not EMAIL.match(email_id):
            raise Invalid(f"'{email_id}' is not an email address", "email_id")
        if await repository.find_by_email(session, portal_id, email_id):
            raise NotUnique(
                f"a user with email '{email_id}' already exists in this portal", "email_id"
            )
    if password is not None:
        _check_password(password)
    department_id = None
    if department:
        department_id = (
            await lookups.resolve(
                session, portal_id, "department", Ref(name=department), field="department"
            )
        ).id
    user = User(
        portal_id=portal_id,
        name=name,
        role=role_value.value,
        email_id=email_id,
        phone=phone,
        mobile=mobile,
        department_id=department_id,
        is_vipuser=is_vipuser,
        password_hash=hash_password(password) if password else None,
    )
    user = await repository.insert(session, user)
    detail = {"role": user.role, "email_id": email_id, "password_set": password is not None}
    await _record(session, user, by, AuditKind.USER_ADDED, detail)
    return user


def user_subject(user: User) -> Subject:
    return Subject(user.id, user.name)


async def _record(
    session: AsyncSession, user: User, by: AuditActor, kind: AuditKind, detail: Detail
) -> None:
    await audit.record(
        session,
        portal_id=user.portal_id,
        by=by,
        kind=kind,
        subject=user_subject(user),
        detail=detail,
    )


def _check_password(password: str) -> None:
    if not password:
        raise Mandatory("password", "the password must not be empty")


# A user as a change names them: by name or email (the CLI), or by id (the web UI).
Who = str | int


async def set_password(
    session: AsyncSession,
    portal_id: int,
    login: Who,
    password: str,
    by: AuditActor = SYSTEM,
) -> User:
    """Replace the password of the user `login` (name, email or id) with `password`,
    stored as an argon2 hash; the default users have none until one is set."""
    _check_password(password)
    user = await repository.lock(session, await find_user(session, portal_id, login))
    had_one = user.password_hash is not None
    user.password_hash = hash_password(password)
    await session.flush()
    evict_after_commit(session, user_id=user.id)  # as every account change does
    await repository.end_web_sessions(session, user.id)  # a new password signs everyone out
    await _record(session, user, by, AuditKind.PASSWORD_SET, {"replaced": had_one})
    return user


async def set_active(
    session: AsyncSession, portal_id: int, login: Who, active: bool, by: AuditActor = SYSTEM
) -> User:
    """Deactivate a user (their keys, password and web sessions stop working on the next
    request; the user row, and so their name in every history, stays) or reactivate one.
    The portal's last active administrator is not deactivated."""
    found = await find_user(session, portal_id, login)
    if not active:
        await _keep_an_admin(session, found, "active", "deactivate them")
    user = await repository.lock(session, found)
    if user.is_active == active:
        state = "active" if active else "deactivated"
        raise Invalid(f"user '{user.name}' is already {state}", "user")
    user.is_active = active
    await session.flush()
    evict_after_commit(session, user_id=user.id)
    await repository.end_web_sessions(session, user.id)
    kind = AuditKind.USER_ACTIVATED if active else AuditKind.USER_DEACTIVATED
    await _record(session, user, by, kind, {})
    return user


async def set_role(
    session: AsyncSession, portal_id: int, login: Who, role: str, by: AuditActor = SYSTEM
) -> User:
    """Give a user another role; their next request is judged by it (and their web sessions
    end). The portal's last active administrator keeps the role."""
    new_role = _role(role)
    found = await find_user(session, portal_id, login)
    if new_role is not Role.ADMIN:
        await _keep_an_admin(session, found, "role", "change their role")
    user = await repository.lock(session, found)
    if user.role == new_role.value:
        raise Invalid(f"user '{user.name}' already has the role {new_role.value}", "role")
    previous, user.role = user.role, new_role.value
    await session.flush()
    evict_after_commit(session, user_id=user.id)
    await repository.end_web_sessions(session, user.id)
    await _record(session, user, by, AuditKind.ROLE_CHANGED, {"from": previous, "to": user.role})
    return user


async def _keep_an_admin(session: AsyncSession, user: User, field: str, change: str) -> None:
    """Refuse a change that would leave the portal without an active administrator (no one
    could then manage its users from the web UI or its API).

    The portal's active administrators are locked first, in id order, before the user
    changed: two administrators demoting each other at once then run one after the other
    (FOR UPDATE on PostgreSQL; SQLite writers already run one at a time), and the second
    sees the first's change and is refused, where each alone would see the other still an
    administrator."""
    admins = await repository.lock_active_admins(session, user.portal_id)
    if [admin.id for admin in admins] == [user.id]:
        raise Invalid(
            f"'{user.name}' is the last active administrator of this portal: make another "
            f"user an administrator before you {change}",
            field,
        )


def _role(role: str) -> Role:
    try:
        return Role(role.strip().lower())
    except ValueError:
        raise Invalid(f"role must be one of {', '.join(r.value for r in Role)}", "role") from None


async def list_users(session: AsyncSession, portal_id: int) -> Sequence[User]:
    """Every user of the portal, in the order they were added."""
    return await repository.list_in_portal(session, portal_id)


async def find_user(session: AsyncSession, portal_id: int, name: Who) -> User:
    """The one user called `name` (or with that email, or with that id) in the portal."""
    if isinstance(name, int):
        return await get_user(session, portal_id, name)
    users = await repository.find_by_name(session, portal_id, name)
    if not users:
        users = await repository.find_by_email(session, portal_id, name)
    if not users:
        raise NotFound(f"no user '{name}'", "user")
    if len(users) > 1:
        raise NotUnique(f"more than one user is called '{name}'", "user")
    return users[0]


async def get_user(session: AsyncSession, portal_id: int, user_id: int) -> User:
    """The user with this id in the portal (a user of another portal is not found)."""
    user = None
    if 0 < user_id <= MAX_ID:
        user = await repository.get(session, portal_id, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}", "user")
    return user


MAX_ID = 2**63 - 1  # ids are 64-bit: a larger number names nothing (and binds nowhere)


async def authenticate_password(
    session: AsyncSession,
    portal_name: str,
    login: str,
    password: str,
    *,
    throttle: Throttle,
    address: str,
) -> Actor:
    """The actor for a user name (or email) and password on the named portal: HTTP Basic
    in every dialect and the web sign-in.

    Refused with `RateLimited` before the password is checked when the user (or the login
    tried) or the client address is past its limit of failures; refused with `SignInFailed`,
    carrying the failure for the caller to record once its transaction is over, for a
    wrong password, a login no user has, a deactivated user or a portal that does not
    exist (one message for all). argon2 runs on a worker thread, a few at once
    (secrets.ARGON2_AT_ONCE): a flood of guesses costs CPU, not the event loop every other
    request waits on.
    """
    try:
        portal = await portals.get_portal(session, portal_name)
    except NotFound:
        await throttle.check_password(session, None, address)
        nobody = Subject(None, shown_login(login))
        failure = Failure(portal_name, None, nobody, None, address, "password")
        raise SignInFailed(PASSWORD_REFUSED, failure) from None
    users = await repository.find_by_name(session, portal.id, login)
    if len(users) != 1:
        users = await repository.find_by_email(session, portal.id, login)
    user = users[0] if len(users) == 1 else None
    bucket = user_bucket(user.id) if user else login_bucket(portal.id, login)
    await throttle.check_password(session, bucket, address)
    stored = user.password_hash if user else None
    ok = await anyio.to_thread.run_sync(verify_password, stored, password, limiter=argon2_limiter())
    if user is None or not ok or not user.is_active:
        subject = user_subject(user) if user else Subject(None, shown_login(login))
        failure = Failure(portal.name, portal.id, subject, bucket, address, "password")
        raise SignInFailed(PASSWORD_REFUSED, failure)
    return actor_for(user, portal)


async def active_people(
    session: AsyncSession, portal_id: int, *, staff_only: bool = False
) -> list[tuple[int, str]]:
    """(id, name) of the portal's active users, by name; staff only: admins and technicians
    (who may hold the engineer role)."""
    roles = (Role.ADMIN.value, Role.TECHNICIAN.value) if staff_only else None
    return await repository.active_names(session, portal_id, roles)
