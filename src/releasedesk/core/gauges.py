"""What the server's metrics read from the database when scraped: the mail outbox's backlog
and the approvals waiting on someone. Aggregates over the whole database (every portal), one
statement each, so a scrape costs two indexed reads whatever the traffic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.approvals import repository as approvals
from releasedesk.core.notifications import repository as outbox


@dataclass(frozen=True, slots=True)
class Gauges:
    outbox_backlog: int  # mails not yet delivered
    outbox_oldest_seconds: float  # how long the oldest of them has waited (0 with none)
    approvals_pending: int  # approvals sent, not yet decided


async def read_gauges(session: AsyncSession, now: dt.datetime) -> Gauges:
    backlog, oldest = await outbox.backlog(session)
    waited = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
    return Gauges(backlog, waited, await approvals.count_awaiting_decision(session))
