"""The mail outbox: a mail is a row written in the transaction of the change that causes it,
so it is sent exactly when that change commits; the sender (sender.py) delivers it after.

A body may hold `${approval_link}`: the sender fills it from the row's link with the
server's secret key at delivery, so no stored mail holds a working link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.notifications import repository
from releasedesk.db.models import OutboxMail


async def enqueue(
    session: AsyncSession,
    *,
    portal_id: int,
    recipient: str,
    subject: str,
    body: str,
    approval_link_id: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Queue one mail in the caller's transaction; its id."""
    now = now or dt.datetime.now(dt.UTC)
    row = OutboxMail(
        portal_id=portal_id,
        recipient=recipient,
        subject=" ".join(subject.split()),  # one header line
        body=body,
        approval_link_id=approval_link_id,
        created_on=now,
        attempts=0,
        next_attempt_on=now,
    )
    return await repository.insert(session, row)


async def withdraw_approval_mails(session: AsyncSession, approval_ids: Collection[int]) -> int:
    """Withdraw, in the caller's transaction, the mails not delivered yet that ask for
    these approvals (removed before their mail went out); how many. A mail a sender is
    delivering at this instant may still reach its recipient: its link then says the
    approval no longer exists."""
    if not approval_ids:
        return 0
    return await repository.delete_undelivered_for_approvals(session, approval_ids)
