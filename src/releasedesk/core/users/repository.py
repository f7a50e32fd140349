"""All SQL about users and API keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Role
from releasedesk.core.users.views import KeyHolder, RevokedKey
from releasedesk.db.base import UtcDateTime
from releasedesk.db.models import (
    ApiKey,
    Portal,
    User,
    WebSession,
)
from releasedesk.db.text_search import same_text


async def get(session: AsyncSession, portal_id: int, user_id: int) -> User | None:
    result = await session.execute(
        select(User).where(User.portal_id == portal_id, User.id == user_id)
    )
    return result.scalar_one_or_none()


async def find_by_name(session: AsyncSession, portal_id: int, name: str) -> Sequence[User]:
    result = await session.execute(
        select(User).where(User.portal_id == portal_id, same_text(User.name, name)).limit(2)
    )
    return result.scalars().all()


async def find_by_email(session: AsyncSession, portal_id: int, email: str) -> Sequence[User]:
    result = await session.execute(
        select(User).where(User.portal_id == portal_id, same_text(User.email_id, email)).limit(2)
    )
    return result.scalars().all()


async def list_in_portal(session: AsyncSession, portal_id: int) -> Sequence[User]:
    result = await session.execute(
        select(User).where(User.portal_id == portal_id).order_by(User.id)
    )
    return result.scalars().all()


async def insert(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def insert_key(session: AsyncSession, key: ApiKey) -> ApiKey:
    session.add(key)
    await session.flush()
    return key


async def lock(session: AsyncSession, user: User) -> User:
    """`user` reloaded under a row lock (FOR UPDATE on PostgreSQL; SQLite writers already
    hold the database's write lock), so a change checks the values it replaces."""
    result = await session.execute(
        select(User)
        .where(User.id == user.id)
        .with_for_update(of=User)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one()


async def lock_active_admins(session: AsyncSession, portal_id: int) -> Sequence[User]:
    """The portal's active administrators, locked in id order (one order for every caller,
    so two such locks never wait on each other in a cycle)."""
    result = await session.execute(
        select(User)
        .where(User.portal_id == portal_id, User.role == Role.ADMIN.value, User.is_active)
        .order_by(User.id)
        .with_for_update(of=User)
        .execution_options(populate_existing=True)
    )
    return result.scalars().all()


# Built once: it runs on every request.
_KEY_HOLDER = (
    select(
        ApiKey.id,
        ApiKey.name,
        ApiKey.prefix,
        ApiKey.expires_time,
        ApiKey.last_used_time,
        User.id,
        User.name,
        User.role,
        User.is_active,
        Portal.id,
        Portal.name,
    )
    .select_from(ApiKey)
    .join(User, User.id == ApiKey.user_id)
    .join(Portal, Portal.id == ApiKey.portal_id)
    .where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_time.is_(None))
)


async def key_holder(session: AsyncSession, key_hash: str) -> KeyHolder | None:
    """The unrevoked key with this hash and who holds it: one indexed lookup, no ORM objects."""
    row = (await session.execute(_KEY_HOLDER, {"key_hash": key_hash})).first()
    if row is None:
        return None
    key_id, name, prefix, expires, last_used, user_id, user_name, role, active, pid, pname = row
    return KeyHolder(
        key_id=key_id,
        key_name=name,
        prefix=prefix,
        expires_time=expires,
        last_used_time=last_used,
        user_id=user_id,
        user_name=user_name,
        role=Role(role),
        user_active=active,
        portal_id=pid,
        portal_name=pname,
    )


_TOUCH = (
    update(ApiKey)
    .where(
        ApiKey.id == bindparam("key_id"),
        or_(ApiKey.last_used_time.is_(None), ApiKey.last_used_time < bindparam("stale_before")),
    )
    .values(last_used_time=bindparam("now", type_=UtcDateTime()))
    .execution_options(synchronize_session=False)
)


async def touch_key(
    session: AsyncSession, key_id: int, now: dt.datetime, stale_before: dt.datetime
) -> None:
    """Set the key's last use to `now` unless it was set since `stale_before`: a conditional
    UPDATE, so of concurrent requests at most one writes."""
    await session.execute(_TOUCH, {"key_id": key_id, "now": now, "stale_before": stale_before})


async def revoked_key(session: AsyncSession, key_hash: str) -> RevokedKey | None:
    """The revoked key with this hash and whose it was (for auditing its refusal)."""
    query = (
        select(
            ApiKey.id,
            ApiKey.name,
            ApiKey.prefix,
            ApiKey.revoked_time,
            ApiKey.portal_id,
            User.id,
            User.name,
        )
        .join(User, User.id == ApiKey.user_id)
        .where(ApiKey.key_hash == key_hash, ApiKey.revoked_time.is_not(None))
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    key_id, name, prefix, revoked_time, portal_id, user_id, user_name = row
    assert revoked_time is not None  # the query asked for revoked keys
    return RevokedKey(key_id, name, prefix, revoked_time, portal_id, user_id, user_name)


async def key_by_id(session: AsyncSession, key_id: int) -> ApiKey | None:
    return (await session.execute(select(ApiKey).where(ApiKey.id == key_id))).scalar_one_or_none()


async def key_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    """The key with this hash, revoked or not (the lookup is in SQL, by the unique hash)."""
    result = await session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash))
    return result.scalar_one_or_none()


async def keys_by_prefix(session: AsyncSession, prefix: str) -> Sequence[ApiKey]:
    result = await session.execute(
        select(ApiKey).where(ApiKey.prefix == prefix).order_by(ApiKey.id)
    )
    return result.scalars().all()


async def list_keys(
    session: AsyncSession, portal_id: int, user_id: int | None = None
) -> Sequence[ApiKey]:
    query = select(ApiKey).where(ApiKey.portal_id == portal_id)
    if user_id is not None:
        query = query.where(ApiKey.user_id == user_id)
    return (await session.execute(query.order_by(ApiKey.id))).scalars().all()


async def revoke_key(session: AsyncSession, key_id: int, now: dt.datetime) -> bool:
    """Revoke the key unless it already is (whoever got there first wins); whether this did."""
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.revoked_time.is_(None))
        .values(revoked_time=now)
        .returning(ApiKey.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


# --- web sessions ---------------------------------------------------------------------------


async def insert_web_session(session: AsyncSession, row: WebSession) -> WebSession:
    session.add(row)
    await session.flush()
    return row


async def web_session(session: AsyncSession, token_hash: str) -> tuple[WebSession, str] | None:
    """The session with this token hash, its user loaded, and its portal's name."""
    row = (
        await session.execute(
            select(WebSession, Portal.name)
            .join(Portal, Portal.id == WebSession.portal_id)
            .where(WebSession.token_hash == token_hash)
        )
    ).first()
    return None if row is None else (row[0], str(row[1]))


async def extend_web_session(
    session: AsyncSession, session_id: int, now: dt.datetime, expires: dt.datetime
) -> None:
    await session.execute(
        update(WebSession)
        .where(WebSession.id == session_id)
        .values(last_seen_time=now, expires_time=expires)
        .execution_options(synchronize_session=False)
    )


async def delete_web_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(
        delete(WebSession)
        .where(WebSession.token_hash == token_hash)
        .execution_options(synchronize_session=False)
    )


async def end_web_sessions(session: AsyncSession, user_id: int) -> None:
    """Every web session of the user ends, in the transaction of the account change that
    ends them (a new password, a deactivation, another role)."""
    await session.execute(
        delete(WebSession)
        .where(WebSession.user_id == user_id)
        .execution_options(synchronize_session=False)
    )


async def active_names(
    session: AsyncSession, portal_id: int, roles: Sequence[str] | None = None
) -> list[tuple[int, str]]:
    """(id, name) of the portal's active users (of these roles), by name: two columns, not
    every user row with its department, for the choices a page offers."""
    statement = select(User.id, User.name).where(User.portal_id == portal_id, User.is_active)
    if roles is not None:
        statement = statement.where(User.role.in_(list(roles)))
    rows = await session.execute(statement.order_by(User.name, User.id))
    return [(int(user_id), str(name)) for user_id, name in rows]
