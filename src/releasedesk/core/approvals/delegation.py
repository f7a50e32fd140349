"""Approvers away: a period in which the approvals sent to a user go to their delegate
(`original_approver` then names the user), and the delegate may decide the user's pending
ones. The period ends by itself at `until`; `clear` ends it early."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_admin
from releasedesk.core.approvals import repository
from releasedesk.core.approvals.views import Absence
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import (
    SYSTEM,
    AuditActor,
    AuditKind,
    JsonValue,
    Subject,
    actor_of,
    iso,
)
from releasedesk.core.errors import Invalid, NotFound, TimesOutOfOrder
from releasedesk.core.refs import Ref
from releasedesk.core.users import repository as users_repository
from releasedesk.core.users import service as users
from releasedesk.db.models import ApproverAbsence, User


async def _user(session: AsyncSession, portal_id: int, ref: Ref, field: str) -> User:
    if ref.id is not None:
        found = await users_repository.get(session, portal_id, ref.id)
        if found is None:
            raise NotFound(f"No user with id '{ref.id}'", field)
        return found
    login = ref.email or ref.name
    if login is None:
        raise Invalid(f"'{field}' needs an id, a name or an email_id", field)
    try:
        return await users.find_user(session, portal_id, login)
    except NotFound as error:
        raise NotFound(error.message, field) from None


async def set_away(
    session: AsyncSession,
    portal_id: int,
    user: Ref,
    delegate: Ref,
    until: dt.datetime,
    starts: dt.datetime | None = None,
    *,
    by: AuditActor = SYSTEM,
) -> Absence:
    """`user` is away from `starts` (now) until `until`, `delegate` deciding meanwhile;
    replaces any period set before (audited, with the period it replaced). One hop: a
    delegate's own delegate is not followed."""
    now = dt.datetime.now(dt.UTC)
    starts = starts or now
    if until <= starts:
        raise TimesOutOfOrder("the away period must end after it starts", "until")
    if until <= now:
        raise Invalid("the away period must end in the future", "until")
    away = await _user(session, portal_id, user, "user")
    other = await _user(session, portal_id, delegate, "delegate")
    if other.id == away.id:
        raise Invalid(f"'{away.name}' cannot be their own delegate", "delegate")
    if not other.is_active:
        raise Invalid(f"'{other.name}' is not an active user", "delegate")
    row = await repository.absence_row(session, away.id)
    replaced = await repository.absence_view(session, away.id) if row is not None else None
    if row is None:
        row = ApproverAbsence(portal_id=portal_id, user_id=away.id)
        session.add(row)
    row.delegate_id, row.starts_on, row.ends_on, row.created_on = other.id, starts, until, now
    await session.flush()
    absence = await repository.absence_view(session, away.id)
    assert absence is not None  # written just above
    detail = _period(absence)
    if replaced is not None and replaced.ends_on > now:
        detail["replaced"] = _period(replaced)
    await _record(session, portal_id, by, AuditKind.AWAY_SET, away, detail)
    return absence


def _period(absence: Absence) -> dict[str, JsonValue]:
    return {
        "delegate": {"id": absence.delegate.id, "name": absence.delegate.name},
        "from": iso(absence.starts_on),
        "until": iso(absence.ends_on),
    }


async def _record(
    session: AsyncSession,
    portal_id: int,
    by: AuditActor,
    kind: AuditKind,
    away: User,
    detail: dict[str, JsonValue],
) -> None:
    await audit.record(
        session,
        portal_id=portal_id,
        by=by,
        kind=kind,
        subject=Subject(away.id, away.name),
        detail=detail,
    )


async def clear_away(
    session: AsyncSession, portal_id: int, user: Ref, *, by: AuditActor = SYSTEM
) -> bool:
    """Back early: approvals go to the user again; whether a period was set (audited if
    one was, with the period that ended)."""
    away = await _user(session, portal_id, user, "user")
    ended = await repository.absence_view(session, away.id)
    cleared = await repository.clear_absence(session, away.id)
    if cleared:
        detail = {} if ended is None else _period(ended)
        await _record(session, portal_id, by, AuditKind.AWAY_CLEARED, away, detail)
    return cleared


async def away_period(session: AsyncSession, portal_id: int, user: Ref) -> Absence | None:
    """The user's away period, when one is set and has not ended."""
    away = await _user(session, portal_id, user, "user")
    absence = await repository.absence_view(session, away.id)
    if absence is None or absence.ends_on <= dt.datetime.now(dt.UTC):
        return None
    return absence


# --- over the API: admins only --------------------------------------------------------------

ACTION = "set who is away and their delegate"


async def admin_set_away(
    session: AsyncSession,
    actor: Actor,
    user: Ref,
    delegate: Ref,
    until: dt.datetime,
    starts: dt.datetime | None = None,
) -> Absence:
    require_admin(actor, ACTION)
    return await set_away(
        session, actor.portal_id, user, delegate, until, starts, by=actor_of(actor)
    )


async def admin_clear_away(session: AsyncSession, actor: Actor, user: Ref) -> bool:
    require_admin(actor, ACTION)
    return await clear_away(session, actor.portal_id, user, by=actor_of(actor))


async def admin_away_period(session: AsyncSession, actor: Actor, user: Ref) -> Absence | None:
    require_admin(actor, "see who is away")
    return await away_period(session, actor.portal_id, user)
