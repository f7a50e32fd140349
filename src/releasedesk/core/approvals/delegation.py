"""Approvers away: a period in which the approvals sent to a user go to their delegate
(`original_approver` then names the user). The period ends by itself at `until`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.approvals import repository
from releasedesk.core.approvals.views import Absence
from releasedesk.core.errors import Invalid, TimesOutOfOrder
from releasedesk.core.users import service as users
from releasedesk.db.models import ApproverAbsence


async def set_away(
    session: AsyncSession,
    portal_id: int,
    login: str,
    delegate: str,
    until: dt.datetime,
    starts: dt.datetime | None = None,
) -> Absence:
    """`login` is away from `starts` (now) until `until`, `delegate` deciding meanwhile;
    replaces any period set before."""
    now = dt.datetime.now(dt.UTC)
    starts = starts or now
    if until <= starts:
        raise TimesOutOfOrder("the away period must end after it starts", "until")
    if until <= now:
        raise Invalid("the away period must end in the future", "until")
    user = await users.find_user(session, portal_id, login)
    other = await users.find_user(session, portal_id, delegate)
    if other.id == user.id:
        raise Invalid(f"'{user.name}' cannot be their own delegate", "delegate")
    if not other.is_active:
        raise Invalid(f"'{other.name}' is not an active user", "delegate")
    row = await repository.absence_row(session, user.id)
    if row is None:
        row = ApproverAbsence(portal_id=portal_id, user_id=user.id)
        session.add(row)
    row.delegate_id, row.starts_on, row.ends_on, row.created_on = other.id, starts, until, now
    await session.flush()
    absence = await repository.absence_view(session, user.id)
    assert absence is not None  # written just above
    return absence


async def clear_away(session: AsyncSession, portal_id: int, login: str) -> bool:
    """Back: approvals go to the user again; whether a period was set."""
    user = await users.find_user(session, portal_id, login)
    return await repository.clear_absence(session, user.id)


async def away_period(session: AsyncSession, portal_id: int, login: str) -> Absence | None:
    """The user's away period, when one is set and has not ended."""
    user = await users.find_user(session, portal_id, login)
    absence = await repository.absence_view(session, user.id)
    if absence is None or absence.ends_on <= dt.datetime.now(dt.UTC):
        return None
    return absence
