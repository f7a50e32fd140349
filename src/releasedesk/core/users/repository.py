"""All SQL about users and API keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.db.models import ApiKey, Portal, User


async def get(session: AsyncSession, portal_id: int, user_id: int) -> User | None:
    result = await session.execute(
        select(User).where(User.portal_id == portal_id, User.id == user_id)
    )
    return result.scalar_one_or_none()


async def find_by_name(session: AsyncSession, portal_id: int, name: str) -> Sequence[User]:
    result = await session.execute(
        select(User)
        .where(User.portal_id == portal_id, func.lower(User.name) == name.strip().lower())
        .limit(2)
    )
    return result.scalars().all()


async def find_by_email(session: AsyncSession, portal_id: int, email: str) -> Sequence[User]:
    result = await session.execute(
        select(User)
        .where(User.portal_id == portal_id, func.lower(User.email_id) == email.strip().lower())
        .limit(2)
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


# Built once: it runs on every request.
_KEY_HOLDER = (
    select(User.id, User.name, User.role, User.is_active, Portal.id, Portal.name)
    .select_from(ApiKey)
    .join(User, User.id == ApiKey.user_id)
    .join(Portal, Portal.id == ApiKey.portal_id)
    .where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_time.is_(None))
)


async def key_holder(session: AsyncSession, key_hash: str) -> Any:
    """(user_id, user_name, role, is_active, portal_id, portal_name) of a live key, or None:
    one indexed lookup, no ORM objects."""
    return (await session.execute(_KEY_HOLDER, {"key_hash": key_hash})).first()
