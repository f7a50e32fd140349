"""All SQL of calendar feed tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.db.models import CalendarFeedToken, Portal, User


async def replace(session: AsyncSession, user_id: int, token_hash: str, now: dt.datetime) -> None:
    await session.execute(delete(CalendarFeedToken).where(CalendarFeedToken.user_id == user_id))
    session.add(CalendarFeedToken(user_id=user_id, token_hash=token_hash, created_on=now))
    await session.flush()


async def remove(session: AsyncSession, user_id: int) -> bool:
    result = await session.execute(
        delete(CalendarFeedToken).where(CalendarFeedToken.user_id == user_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def made_on(session: AsyncSession, user_id: int) -> dt.datetime | None:
    statement = select(CalendarFeedToken.created_on).where(CalendarFeedToken.user_id == user_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def holder(session: AsyncSession, token_hash: str) -> tuple[User, str] | None:
    """The user holding the token, and their portal's name (one read on the unique hash)."""
    statement = (
        select(User, Portal.name)
        .join(CalendarFeedToken, CalendarFeedToken.user_id == User.id)
        .join(Portal, Portal.id == User.portal_id)
        .where(CalendarFeedToken.token_hash == token_hash)
    )
    row = (await session.execute(statement)).first()
    return None if row is None else (row[0], row[1])
