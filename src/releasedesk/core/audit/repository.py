"""All SQL about the audit trail: append to a portal's chain under its head's lock, read in
order, page, and read a chain whole to check it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.audit.chain import GENESIS, Head, entry_hash
from releasedesk.core.audit.views import AuditActor, AuditEntry, AuditKind, Subject, kind_of
from releasedesk.db.models import AuditChainHead, AuditEvent, Portal

Values = Mapping[str, Any]


async def lock_head(session: AsyncSession, portal_id: int) -> Head:
    """The portal's chain head, locked to the end of the transaction (FOR UPDATE on
    PostgreSQL; a SQLite writer holds the database's write lock already, and a deferred
    SQLite transaction that read it cannot write after another writer: it fails instead).
    Made at the portal's first event."""
    query = select(AuditChainHead.chain_seq, AuditChainHead.entry_hash).where(
        AuditChainHead.portal_id == portal_id
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        dialect = postgresql if postgres else sqlite
        await session.execute(
            dialect.insert(AuditChainHead)
            .values(portal_id=portal_id, chain_seq=0, entry_hash=GENESIS)
            .on_conflict_do_nothing()
        )
        row = (await session.execute(query)).one()
    return Head(row.chain_seq, row.entry_hash)


async def append(session: AsyncSession, portal_id: int, events: Sequence[Values]) -> None:
    """Append `events` (column values, in order) to the portal's chain.

    The head is locked first, so the portal's appends queue and each is chained to the one
    before. Then one statement on PostgreSQL (the rows inserted in a CTE of the head's
    UPDATE: a round trip less while the head is locked), two on SQLite.
    """
    head = await lock_head(session, portal_id)
    rows = []
    for values in events:
        row = _chained(head, values)
        head = Head(row["chain_seq"], row["entry_hash"])
        rows.append(row)
    move = (
        update(AuditChainHead)
        .where(AuditChainHead.portal_id == portal_id)
        .values(chain_seq=head.chain_seq, entry_hash=head.entry_hash)
    )
    if session.get_bind().dialect.name == "postgresql":
        inserted = insert(AuditEvent).values(rows).returning(AuditEvent.id).cte("appended")
        await session.execute(move.add_cte(inserted))
        return
    await session.execute(insert(AuditEvent), rows)
    await session.execute(move)


def _chained(head: Head, values: Values) -> dict[str, Any]:
    """The event's row as the entry after `head`: its place, previous hash and own hash."""
    row = {**values, "chain_seq": head.chain_seq + 1, "previous_hash": head.entry_hash}
    row["entry_hash"] = entry_hash(_entry(AuditEvent(**row, id=0), ""))
    return row


async def append_unless_recorded(session: AsyncSession, values: Values, since: dt.datetime) -> bool:
    """Append an event about a key unless one of its kind about that key is in the trail
    since `since` (looked up under the head's lock; for the kinds the database keeps once
    per key, a partial unique index makes sure); whether it went in. Nothing written, the
    head stays where it was."""
    portal_id = int(values["portal_id"])
    head = await lock_head(session, portal_id)
    kind, key_id = str(values["kind"]), int(values["subject_key_id"])
    if await recorded_for_key(session, kind, key_id, since):
        return False
    moved = await _insert(session, head, values, only_if_new=True)
    if moved is None:
        return False
    await _move_head(session, portal_id, moved)
    return True


async def _insert(
    session: AsyncSession, head: Head, values: Values, *, only_if_new: bool
) -> Head | None:
    """Insert the event as the entry after `head`; the new head, or None if a unique index
    said it is there already (`only_if_new`)."""
    row = _chained(head, values)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(AuditEvent).values(**row)
    if only_if_new:
        statement = statement.on_conflict_do_nothing()
    if (await session.execute(statement.returning(AuditEvent.id))).first() is None:
        return None
    return Head(row["chain_seq"], row["entry_hash"])


async def _move_head(session: AsyncSession, portal_id: int, head: Head) -> None:
    await session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.portal_id == portal_id)
        .values(chain_seq=head.chain_seq, entry_hash=head.entry_hash)
    )


async def recorded_for_key(
    session: AsyncSession, kind: str, key_id: int, since: dt.datetime | None = None
) -> bool:
    """Whether an event of `kind` about this key is in the trail (since `since`): an index
    lookup."""
    query = select(AuditEvent.id).where(
        AuditEvent.kind == kind, AuditEvent.subject_key_id == key_id
    )
    if since is not None:
        query = query.where(AuditEvent.occurred_time >= since)
    return (await session.execute(query.limit(1))).first() is not None


def _filters(portal_id: int | None, since: dt.datetime | None) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if portal_id is not None:
        found.append(AuditEvent.portal_id == portal_id)
    if since is not None:
        found.append(AuditEvent.occurred_time >= since)
    return found


async def entries(
    session: AsyncSession, *, portal_id: int | None, since: dt.datetime | None
) -> list[AuditEntry]:
    """The trail in the order it was written (id), of one portal or all, from `since` on."""
    query = (
        select(AuditEvent, Portal.name)
        .join(Portal, Portal.id == AuditEvent.portal_id)
        .where(*_filters(portal_id, since))
        .order_by(AuditEvent.id)
    )
    return [_entry(event, portal_name) for event, portal_name in await session.execute(query)]


async def page(
    session: AsyncSession,
    portal_id: int,
    *,
    kinds: frozenset[AuditKind],
    since: dt.datetime | None,
    before_seq: int | None,
    size: int,
) -> list[AuditEntry]:
    """Up to `size` of the portal's entries, newest first, before the place `before_seq`
    (keyset: the page after the last one shown), of the kinds given (all when none)."""
    filters = _filters(portal_id, since)
    if kinds:
        filters.append(AuditEvent.kind.in_(sorted(k.value for k in kinds)))
    if before_seq is not None:
        filters.append(AuditEvent.chain_seq < before_seq)
    query = (
        select(AuditEvent, Portal.name)
        .join(Portal, Portal.id == AuditEvent.portal_id)
        .where(*filters)
        .order_by(AuditEvent.chain_seq.desc())
        .limit(size)
    )
    return [_entry(event, portal_name) for event, portal_name in await session.execute(query)]


async def chain_portals(session: AsyncSession) -> list[tuple[int, str]]:
    """Every portal with a trail or a chain head, (id, name) in id order."""
    with_events = exists().where(AuditEvent.portal_id == Portal.id)
    with_head = exists().where(AuditChainHead.portal_id == Portal.id)
    query = select(Portal.id, Portal.name).where(with_events | with_head).order_by(Portal.id)
    return [(row.id, row.name) for row in await session.execute(query)]


async def head(session: AsyncSession, portal_id: int) -> Head | None:
    query = select(AuditChainHead.chain_seq, AuditChainHead.entry_hash).where(
        AuditChainHead.portal_id == portal_id
    )
    row = (await session.execute(query)).first()
    return None if row is None else Head(row.chain_seq, row.entry_hash)


async def chain(
    session: AsyncSession, portal_id: int, portal_name: str, since: dt.datetime | None = None
) -> AsyncIterator[AuditEntry]:
    """The portal's entries in chain order, streamed (a trail may be long)."""
    query = (
        select(AuditEvent)
        .where(*_filters(portal_id, since))
        .order_by(AuditEvent.chain_seq, AuditEvent.id)
    )
    result = await session.stream_scalars(query.execution_options(yield_per=1000))
    async for event in result:
        yield _entry(event, portal_name)


def _entry(event: AuditEvent, portal_name: str) -> AuditEntry:
    return AuditEntry(
        id=event.id,
        portal_id=event.portal_id,
        portal_name=portal_name,
        occurred_time=event.occurred_time,
        kind=kind_of(event.kind),
        actor=AuditActor(event.actor_id, event.actor_name),
        subject=Subject(
            event.subject_user_id,
            event.subject_user_name,
            event.subject_key_id,
            event.subject_key_name,
        ),
        detail=json.loads(event.detail),
        chain_seq=event.chain_seq,
        previous_hash=event.previous_hash,
        entry_hash=event.entry_hash,
    )
