"""Users and keys: add and list users, set passwords, issue keys, and turn a key or a password
into an Actor."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, Role
from releasedesk.core.errors import Invalid, Mandatory, NotFound, NotUnique, Unauthenticated
from releasedesk.core.lookups import service as lookups
from releasedesk.core.refs import Ref
from releasedesk.core.users import repository
from releasedesk.core.users.secrets import hash_api_key, hash_password, new_api_key, verify_password
from releasedesk.db.models import ApiKey, Portal, User

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
) -> User:
    """A new user of the portal; the password, if any, is stored as an argon2 hash.

    Names and emails are unique in the portal, ignoring case: logins and `find_user` look
    users up by either, so a second one would make both ambiguous.
    """
    name = name.strip()
    if not name:
        raise Mandatory("name")
    if same_name := await repository.find_by_name(session, portal_id, name):
        raise NotUnique(f"a user named '{same_name[0].name}' already exists in this portal", "name")
    try:
        role_value = Role(role.lower())
    except ValueError:
        raise Invalid(f"role must be one of {', '.join(r.value for r in Role)}", "role") from None
    if email_id is not None:
        if not EMAIL.match(email_id):
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
    return await repository.insert(session, user)


def _check_password(password: str) -> None:
    if not password:
        raise Mandatory("password", "the password must not be empty")


async def set_password(session: AsyncSession, portal_id: int, login: str, password: str) -> User:
    """Replace the password of the user called `login` (name or email) with `password`,
    stored as an argon2 hash; the default users have none until one is set."""
    _check_password(password)
    user = await find_user(session, portal_id, login)
    user.password_hash = hash_password(password)
    await session.flush()
    return user


async def list_users(session: AsyncSession, portal_id: int) -> Sequence[User]:
    """Every user of the portal, in the order they were added."""
    return await repository.list_in_portal(session, portal_id)


async def find_user(session: AsyncSession, portal_id: int, name: str) -> User:
    """The one user called `name` (or with that email) in the portal."""
    users = await repository.find_by_name(session, portal_id, name)
    if not users:
        users = await repository.find_by_email(session, portal_id, name)
    if not users:
        raise NotFound(f"no user '{name}'", "user")
    if len(users) > 1:
        raise NotUnique(f"more than one user is called '{name}'", "user")
    return users[0]


async def create_api_key(session: AsyncSession, *, user: User, name: str | None = None) -> str:
    """Issue a key for `user`; only its hash is stored, so the key is shown this once."""
    key = new_api_key()
    await repository.insert_key(
        session,
        ApiKey(
            portal_id=user.portal_id,
            user_id=user.id,
            name=name or user.name,
            key_hash=hash_api_key(key),
            prefix=key[:12],
        ),
    )
    return key


async def authenticate_key(session: AsyncSession, key: str, portal: str) -> Actor:
    """The actor behind an API key, if the key is valid on this portal."""
    holder = await repository.key_holder(session, hash_api_key(key.strip()))
    if holder is None:
        raise Unauthenticated("Invalid or expired authtoken")
    user_id, user_name, role, is_active, portal_id, portal_name = holder
    if portal_name != portal or not is_active:
        raise Unauthenticated("Invalid or expired authtoken")
    return Actor(
        user_id=user_id,
        user_name=user_name,
        portal_id=portal_id,
        portal_name=portal_name,
        role=Role(role),
    )


async def authenticate_password(
    session: AsyncSession, portal: Portal, login: str, password: str
) -> Actor:
    """The actor for HTTP Basic credentials (user name or email, and password)."""
    users = await repository.find_by_name(session, portal.id, login)
    if len(users) != 1:
        users = await repository.find_by_email(session, portal.id, login)
    user = users[0] if len(users) == 1 else None
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        raise Unauthenticated("Invalid user name or password")
    return actor_for(user, portal)
