"""All SQL of the mail outbox: queue, claim due mails, record delivery or failure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.db.models import ApprovalLink, OutboxMail


async def insert(session: AsyncSession, row: OutboxMail) -> int:
    session.add(row)
    await session.flush()
    return row.id


async def delete_undelivered_for_approvals(
    session: AsyncSession, approval_ids: Collection[int]
) -> int:
    """Drop the undelivered mails whose link asks for one of these approvals; how many."""
    links = select(ApprovalLink.id).where(ApprovalLink.approval_id.in_(approval_ids))
    statement = delete(OutboxMail).where(
        OutboxMail.delivered_on.is_(None), OutboxMail.approval_link_id.in_(links)
    )
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def _due(now: dt.datetime) -> list[ColumnElement[bool]]:
    return [
        OutboxMail.delivered_on.is_(None),
        OutboxMail.next_attempt_on <= now,
        or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until <= now),
    ]


async def any_due(session: AsyncSession, now: dt.datetime) -> bool:
    """Whether a claim would find anything: a read, so an idle sender takes no write lock."""
    statement = select(OutboxMail.id).where(*_due(now)).limit(1)
    return (await session.execute(statement)).first() is not None


async def claim_due(
    session: AsyncSession, now: dt.datetime, lease: dt.timedelta, limit: int
) -> Sequence[OutboxMail]:
    """Undelivered mails that are due and not held by another sender, leased to the caller
    until now + lease (a sender that dies mid-delivery leaves them to the next one once the
    lease runs out; a live one renews it as it goes, renew_claims).

    PostgreSQL: `FOR UPDATE SKIP LOCKED`, so senders in several processes each take other
    rows and never wait on one another. SQLite renders no FOR UPDATE; its single writer
    (BEGIN IMMEDIATE) makes claims one after another, and each sees the leases before it.
    """
    statement = (
        select(OutboxMail)
        .where(*_due(now))
        .order_by(OutboxMail.next_attempt_on, OutboxMail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await session.execute(statement)).scalars())
    for row in rows:
        row.claimed_until = now + lease
    await session.flush()
    return rows


async def renew_claims(
    session: AsyncSession, mail_ids: Collection[int], until: dt.datetime
) -> None:
    """Extend the lease on mails the caller claimed and has not delivered yet."""
    if not mail_ids:
        return
    await session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(mail_ids), OutboxMail.delivered_on.is_(None))
        .values(claimed_until=until)
    )


async def mark_delivered(session: AsyncSession, mail_id: int, now: dt.datetime) -> None:
    await session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id)
        .values(delivered_on=now, claimed_until=None, last_error=None)
    )


async def mark_failed(
    session: AsyncSession, mail_id: int, error: str, attempts: int, retry_on: dt.datetime
) -> None:
    await session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id)
        .values(attempts=attempts, next_attempt_on=retry_on, claimed_until=None, last_error=error)
    )


async def backlog(session: AsyncSession) -> tuple[int, dt.datetime | None]:
    """How many mails wait to be delivered, and when the oldest was queued (for metrics:
    one aggregate over ix_mail_outbox_due's undelivered rows)."""
    statement = select(func.count(), func.min(OutboxMail.created_on)).where(
        OutboxMail.delivered_on.is_(None)
    )
    count, oldest = (await session.execute(statement)).one()
    return int(count), oldest
