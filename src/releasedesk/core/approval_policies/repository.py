"""All SQL of approval policies and of the scheduler's queue (approval_scheduled_actions):
each statement says why it has its shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.db.models import (
    ApprovalLevel,
    ApprovalPolicy,
    ApprovalScheduledAction,
    Release,
    ReleaseStage,
    ReleaseTemplate,
    User,
)

# --- policies ------------------------------------------------------------------------------


async def insert(session: AsyncSession, row: ApprovalPolicy) -> ApprovalPolicy:
    session.add(row)
    await session.flush()
    return row


async def get(
    session: AsyncSession, portal_id: int, policy_id: int, *, for_update: bool = False
) -> ApprovalPolicy | None:
    """One policy of the portal (locked to change it: two admins saving one queue)."""
    statement = select(ApprovalPolicy).where(
        ApprovalPolicy.portal_id == portal_id, ApprovalPolicy.id == policy_id
    )
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def find_by_name(session: AsyncSession, portal_id: int, name: str) -> ApprovalPolicy | None:
    """By name in any case, as ux_approval_policies_name compares them."""
    statement = select(ApprovalPolicy).where(
        ApprovalPolicy.portal_id == portal_id, func.lower(ApprovalPolicy.name) == name.lower()
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def find_by_target(
    session: AsyncSession, portal_id: int, target: str
) -> ApprovalPolicy | None:
    statement = select(ApprovalPolicy).where(
        ApprovalPolicy.portal_id == portal_id, ApprovalPolicy.target == target
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def list_policies(session: AsyncSession, portal_id: int) -> Sequence[ApprovalPolicy]:
    statement = (
        select(ApprovalPolicy)
        .where(ApprovalPolicy.portal_id == portal_id)
        .order_by(func.lower(ApprovalPolicy.name), ApprovalPolicy.id)
    )
    return (await session.execute(statement)).scalars().all()


async def for_targets(
    session: AsyncSession, portal_id: int, targets: Collection[str]
) -> Sequence[ApprovalPolicy]:
    """The policies of the few targets a level may fall under (one read through
    ux_approval_policies_target); the caller picks the most specific."""
    statement = select(ApprovalPolicy).where(
        ApprovalPolicy.portal_id == portal_id, ApprovalPolicy.target.in_(targets)
    )
    return (await session.execute(statement)).scalars().all()


async def remove(session: AsyncSession, row: ApprovalPolicy) -> None:
    await session.delete(row)
    await session.flush()


async def stage_names(session: AsyncSession, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    statement = select(ReleaseStage.id, ReleaseStage.name).where(ReleaseStage.id.in_(ids))
    return {int(i): str(n) for i, n in (await session.execute(statement)).all()}


async def template_names(session: AsyncSession, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    statement = select(ReleaseTemplate.id, ReleaseTemplate.name).where(ReleaseTemplate.id.in_(ids))
    return {int(i): str(n) for i, n in (await session.execute(statement)).all()}


async def user_names(session: AsyncSession, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    statement = select(User.id, User.name).where(User.id.in_(ids))
    return {int(i): str(n) for i, n in (await session.execute(statement)).all()}


async def template_of(session: AsyncSession, release_id: int) -> int | None:
    statement = select(Release.template_id).where(Release.id == release_id)
    return (await session.execute(statement)).scalar_one_or_none()


# --- the scheduler's queue -----------------------------------------------------------------


async def add_actions(session: AsyncSession, rows: Sequence[ApprovalScheduledAction]) -> None:
    session.add_all(rows)
    await session.flush()


def _claimable(now: dt.datetime) -> list[object]:
    return [
        ApprovalScheduledAction.done_on.is_(None),
        ApprovalScheduledAction.due_at <= now,
        or_(
            ApprovalScheduledAction.claimed_until.is_(None),
            ApprovalScheduledAction.claimed_until <= now,
        ),
    ]


async def any_due(session: AsyncSession, now: dt.datetime) -> bool:
    """Whether a claim would find anything: a read, so an idle runner takes no write lock."""
    statement = select(ApprovalScheduledAction.id).where(*_claimable(now)).limit(1)  # type: ignore[arg-type]
    return (await session.execute(statement)).first() is not None


async def claim_due(
    session: AsyncSession, now: dt.datetime, runner: str, lease: dt.timedelta, limit: int
) -> list[int]:
    """Due actions no other runner holds, leased to `runner` until now + lease.

    PostgreSQL: `FOR UPDATE SKIP LOCKED` through ix_approval_scheduled_actions_due, so
    runners in several processes take different rows and never wait on one another.
    SQLite renders no FOR UPDATE; its one writer (BEGIN IMMEDIATE) makes claims one after
    another, each seeing the leases before it."""
    statement = (
        select(ApprovalScheduledAction)
        .where(*_claimable(now))  # type: ignore[arg-type]
        .order_by(ApprovalScheduledAction.due_at, ApprovalScheduledAction.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await session.execute(statement)).scalars())
    for row in rows:
        row.claimed_by, row.claimed_until = runner, now + lease
    await session.flush()
    return [row.id for row in rows]


async def release_of_action(session: AsyncSession, action_id: int) -> tuple[int, int] | None:
    """(portal, release) of an action, to lock the release before the action itself."""
    statement = select(ApprovalScheduledAction.portal_id, ApprovalScheduledAction.release_id).where(
        ApprovalScheduledAction.id == action_id
    )
    found = (await session.execute(statement)).first()
    return None if found is None else (int(found[0]), int(found[1]))


async def held_action(
    session: AsyncSession, action_id: int, runner: str
) -> ApprovalScheduledAction | None:
    """The action if `runner` still holds it undone, locked (after the release's lock, the
    order every writer of a level's actions keeps); None when another runner took it over
    after the lease ran out, or it is done."""
    statement = (
        select(ApprovalScheduledAction)
        .where(
            ApprovalScheduledAction.id == action_id,
            ApprovalScheduledAction.claimed_by == runner,
            ApprovalScheduledAction.done_on.is_(None),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def failed(session: AsyncSession, action_id: int, error: str, retry_at: dt.datetime) -> None:
    """An action whose effect failed unexpectedly: counted, tried again at `retry_at`."""
    await session.execute(
        update(ApprovalScheduledAction)
        .where(ApprovalScheduledAction.id == action_id, ApprovalScheduledAction.done_on.is_(None))
        .values(
            attempts=ApprovalScheduledAction.attempts + 1,
            last_error=error,
            claimed_by=None,
            claimed_until=None,
            due_at=retry_at,
        )
    )


async def next_due(session: AsyncSession, now: dt.datetime) -> dt.datetime | None:
    """When an action can next be claimed: the earliest due time of those no runner holds,
    or the earliest end of a lease still held (a runner that died frees its actions then).
    Two aggregates over ix_approval_scheduled_actions_due's undone rows."""
    undone = ApprovalScheduledAction.done_on.is_(None)
    free = select(func.min(ApprovalScheduledAction.due_at)).where(
        undone,
        or_(
            ApprovalScheduledAction.claimed_until.is_(None),
            ApprovalScheduledAction.claimed_until <= now,
        ),
    )
    held = select(func.min(ApprovalScheduledAction.claimed_until)).where(
        undone, ApprovalScheduledAction.claimed_until > now
    )
    times = [(await session.execute(q)).scalar_one_or_none() for q in (free, held)]
    found = [t for t in times if t is not None]
    return min(found) if found else None


async def cancel_for_level(session: AsyncSession, level_id: int, now: dt.datetime, why: str) -> int:
    """Close the undone actions of a level that stopped waiting (decided, expired), under
    the release's lock the caller holds; how many."""
    result = await session.execute(
        update(ApprovalScheduledAction)
        .where(
            ApprovalScheduledAction.level_id == level_id, ApprovalScheduledAction.done_on.is_(None)
        )
        .values(done_on=now, outcome=why)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def actions_of_level(
    session: AsyncSession, level_id: int
) -> Sequence[ApprovalScheduledAction]:
    statement = (
        select(ApprovalScheduledAction)
        .where(ApprovalScheduledAction.level_id == level_id)
        .order_by(ApprovalScheduledAction.due_at, ApprovalScheduledAction.id)
    )
    return (await session.execute(statement)).scalars().all()


async def level(session: AsyncSession, level_id: int) -> ApprovalLevel | None:
    statement = (
        select(ApprovalLevel)
        .where(ApprovalLevel.id == level_id)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def delete_actions_of_levels(session: AsyncSession, level_ids: Collection[int]) -> None:
    if level_ids:
        await session.execute(
            delete(ApprovalScheduledAction).where(ApprovalScheduledAction.level_id.in_(level_ids))
        )
