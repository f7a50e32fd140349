"""Record security and decision events in the transaction of the change, each appended to its
portal's hash chain; read them back, page them, check the chains.

Every append locks the portal's chain head (repository.lock_head) until its transaction
ends, so a portal's events are chained one after another. `record` keeps its event with the
transaction and appends it just before the COMMIT (db.session.before_commit): the head is
then the last lock the transaction takes, held only for the commit, and no lock a later
step takes can wait behind it (a request closing releases 1 and 2 holds 1 when it asks for
2; had it locked the head after 1, a request holding 2 and waiting for the head would
deadlock with it). An event recorded in a savepoint that rolls back goes with it.
A caller without a transaction (a read unit of work, whose statements each commit as they
run) gets one of its own for the append: its change, if any, was committed already.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from releasedesk.core.actors import Actor, require_admin
from releasedesk.core.audit import chain, repository
from releasedesk.core.audit.views import (
    AuditActor,
    AuditEntry,
    AuditKind,
    Detail,
    Subject,
    canonical_json,
)
from releasedesk.db.base import utcnow
from releasedesk.db.session import autocommits, before_commit, transaction_apart

EVER = dt.datetime.min.replace(tzinfo=dt.UTC)


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


PENDING = "releasedesk_audit_pending"


@dataclass(frozen=True, slots=True)
class _Pending:
    transaction: SessionTransaction  # the innermost at the time: a savepoint's, or the root
    values: dict[str, object]


async def _append_pending(session: AsyncSession) -> None:
    pending: list[_Pending] = session.info.pop(PENDING, [])
    by_portal: dict[int, list[dict[str, object]]] = {}
    for item in pending:
        by_portal.setdefault(int(str(item.values["portal_id"])), []).append(item.values)
    for portal_id in sorted(by_portal):  # heads locked in one order: no two wait on each other
        await repository.append(session, portal_id, by_portal[portal_id])


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """Events recorded in a transaction (or savepoint) that rolled back never happened."""
    pending: list[_Pending] | None = session.info.get(PENDING)
    if pending:
        pending[:] = [p for p in pending if not _within(p.transaction, previous)]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


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
    values = _values(portal_id, by, kind, subject, detail or {}, now)
    if autocommits(session):
        async with transaction_apart(session) as own:
            await repository.append(own, portal_id, [values])
        return
    sync = session.sync_session
    transaction = sync.get_nested_transaction() or sync.get_transaction()
    assert transaction is not None  # a writing unit of work has begun
    session.info.setdefault(PENDING, []).append(_Pending(transaction, values))
    before_commit(session, PENDING, _append_pending)


async def record_once(
    session: AsyncSession,
    *,
    portal_id: int,
    by: AuditActor,
    kind: AuditKind,
    subject: Subject,
    detail: Detail | None = None,
    now: dt.datetime | None = None,
    every: dt.timedelta | None = None,
) -> bool:
    """Append an event about a key unless one of its kind about that key is in the trail
    (within `every` before `now`, or ever); whether this one went in.

    Appended at once (callers commit it before they refuse). For refusals, which an
    attacker can repeat at will: a read first, so a refused key sent
    again and again costs a lookup, not a write; under the chain head's lock the read is
    made again (and for the kinds the database keeps once per key, a unique index settles
    it too), so two requests racing record one event, and one that records nothing leaves
    the chain as it was.
    """
    if subject.key_id is None:
        raise ValueError("record_once is for events about a key")
    now = now or utcnow()
    since = EVER if every is None else now - every
    if await repository.recorded_for_key(session, kind.value, subject.key_id, since):
        return False
    values = _values(portal_id, by, kind, subject, detail or {}, now)
    if autocommits(session):
        async with transaction_apart(session) as own:
            return await repository.append_unless_recorded(own, values, since)
    return await repository.append_unless_recorded(session, values, since)


async def list_entries(
    session: AsyncSession, *, portal_id: int | None = None, since: dt.datetime | None = None
) -> Sequence[AuditEntry]:
    """The trail, oldest first: one portal's or every portal's, from `since` on."""
    return await repository.entries(session, portal_id=portal_id, since=since)


async def page(
    session: AsyncSession,
    portal_id: int,
    *,
    kinds: frozenset[AuditKind] = frozenset(),
    since: dt.datetime | None = None,
    before_seq: int | None = None,
    size: int = 50,
) -> Sequence[AuditEntry]:
    """One page of a portal's trail, newest first (keyset: after the place `before_seq`)."""
    return await repository.page(
        session, portal_id, kinds=kinds, since=since, before_seq=before_seq, size=size
    )


async def portal_page(
    session: AsyncSession,
    actor: Actor,
    *,
    kinds: frozenset[AuditKind] = frozenset(),
    since: dt.datetime | None = None,
    before_seq: int | None = None,
    size: int = 50,
) -> Sequence[AuditEntry]:
    """A page of the caller's portal's trail, newest first: administrators only."""
    require_admin(actor, "read the audit trail")
    return await page(
        session, actor.portal_id, kinds=kinds, since=since, before_seq=before_seq, size=size
    )


async def chain_portals(
    session: AsyncSession, portal_id: int | None = None
) -> list[tuple[int, str]]:
    """(id, name) of the portals with a trail, or of the one given if it has one."""
    found = await repository.chain_portals(session)
    return [p for p in found if portal_id is None or p[0] == portal_id]


async def verify(session: AsyncSession, portal_id: int, portal_name: str) -> chain.Verdict:
    """Check the portal's chain from its first entry to its head, on one snapshot of the
    database (so appends committed meanwhile neither show half nor hold it up)."""
    async with transaction_apart(session, snapshot=True) as snapshot:
        head = await repository.head(snapshot, portal_id)
        entries = [e async for e in repository.chain(snapshot, portal_id, portal_name)]
    return chain.check(entries, head)


async def export(
    session: AsyncSession, portal_id: int, portal_name: str, since: dt.datetime | None = None
) -> AsyncIterator[AuditEntry]:
    """The portal's entries in chain order, from `since` on, streamed."""
    async for entry in repository.chain(session, portal_id, portal_name, since):
        yield entry
