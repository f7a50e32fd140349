"""Record account and key events in the transaction of the change, and read them back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.audit import repository
from releasedesk.core.audit.views import (
    AuditActor,
    AuditEntry,
    AuditKind,
    Detail,
    Subject,
    canonical_json,
)
from releasedesk.db.base import utcnow


def _values(
    portal_id: int,
    by: AuditActor,
    kind: AuditKind,
    subject: Subject,
    detail: Detail,
    now: dt.datetime | None,
) -> dict[str, object]:
    return {
        "portal_id": portal_id,
        "occurred_time": now or utcnow(),
        "kind": kind.value,
        "actor_id": by.id,
        "actor_name": by.name,
        "subject_user_id": subject.user_id,
        "subject_user_name": subject.user_name,
        "subject_key_id": subject.key_id,
        "subject_key_name": subject.key_name,
        "detail": canonical_json(detail),
    }


async def record(
    session: AsyncSession,
    *,
    portal_id: int,
    by: AuditActor,
    kind: AuditKind,
    subject: Subject,
    detail: Detail | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Append one event; it commits or rolls back with the change it records."""
    await repository.append(session, _values(portal_id, by, kind, subject, detail or {}, now))


async def record_once(
    session: AsyncSession,
    *,
    portal_id: int,
    by: AuditActor,
    kind: AuditKind,
    subject: Subject,
    detail: Detail | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Append an event of a kind the database keeps once per key; whether this was the first.

    A read first, so that a refused key sent again and again costs a lookup, not a write;
    the unique index settles the race between two first ones.
    """
    if subject.key_id is None:
        raise ValueError("record_once is for events about a key")
    if await repository.recorded_for_key(session, kind.value, subject.key_id):
        return False
    values = _values(portal_id, by, kind, subject, detail or {}, now)
    return await repository.append_unless_recorded(session, values)


async def list_entries(
    session: AsyncSession, *, portal_id: int | None = None, since: dt.datetime | None = None
) -> Sequence[AuditEntry]:
    """The trail, oldest first: one portal's or every portal's, from `since` on."""
    return await repository.entries(session, portal_id=portal_id, since=since)
