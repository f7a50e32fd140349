"""All SQL about the audit trail: append, append once, read in order."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from sqlalchemy import Insert, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.audit.views import AuditActor, AuditEntry, AuditKind, Subject
from releasedesk.db.models import AuditEvent, Portal

Values = Mapping[str, object]


async def append(session: AsyncSession, values: Values) -> None:
    await session.execute(insert(AuditEvent).values(**values))


async def recorded_for_key(session: AsyncSession, kind: str, key_id: int) -> bool:
    """Whether an event of `kind` about this key is in the trail (an index lookup)."""
    query = select(AuditEvent.id).where(
        AuditEvent.kind == kind, AuditEvent.subject_key_id == key_id
    )
    return (await session.execute(query.limit(1))).first() is not None


async def append_unless_recorded(session: AsyncSession, values: Values) -> bool:
    """Append unless a unique index says the event is already there; whether it went in.

    One statement, so it holds without a transaction around it (reads run in autocommit)
    and when concurrent requests race to record the same event.
    """
    statement: Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(AuditEvent).values(**values).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(AuditEvent).values(**values).on_conflict_do_nothing()
    inserted = await session.execute(statement.returning(AuditEvent.id))
    return inserted.first() is not None


async def entries(
    session: AsyncSession, *, portal_id: int | None, since: dt.datetime | None
) -> list[AuditEntry]:
    """The trail in the order it was written (id), of one portal or all, from `since` on."""
    query = select(AuditEvent, Portal.name).join(Portal, Portal.id == AuditEvent.portal_id)
    if portal_id is not None:
        query = query.where(AuditEvent.portal_id == portal_id)
    if since is not None:
        query = query.where(AuditEvent.occurred_time >= since)
    rows = await session.execute(query.order_by(AuditEvent.id))
    return [_entry(event, portal_name) for event, portal_name in rows]


def _entry(event: AuditEvent, portal_name: str) -> AuditEntry:
    return AuditEntry(
        id=event.id,
        portal_id=event.portal_id,
        portal_name=portal_name,
        occurred_time=event.occurred_time,
        kind=AuditKind(event.kind),
        actor=AuditActor(event.actor_id, event.actor_name),
        subject=Subject(
            event.subject_user_id,
            event.subject_user_name,
            event.subject_key_id,
            event.subject_key_name,
        ),
        detail=json.loads(event.detail),
    )
