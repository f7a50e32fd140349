"""A level under a policy, over time: when it starts waiting, the policy that applies is
kept on it (its snapshot) and what is due for it is written in the same transaction (the
first reminder, the escalation, the timeout's warning, the timeout); when it stops waiting
(decided, expired) what is left is closed. The plan itself is pure (`plan`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.approval_policies import repository, service, wake
from releasedesk.core.approval_policies.views import (
    ActionKind,
    ApprovalPolicy,
    from_snapshot,
    snapshot,
)
from releasedesk.db.models import ApprovalLevel, ApprovalScheduledAction


@dataclass(frozen=True, slots=True)
class Due:
    kind: ActionKind
    sequence: int
    at: dt.datetime


def plan(policy: ApprovalPolicy, start: dt.datetime) -> list[Due]:
    """What a level that starts waiting at `start` has due under `policy`, by time."""
    due: list[Due] = []
    if policy.reminder is not None:
        first = policy.later(start, policy.seconds(policy.reminder.first_after))
        due.append(Due(ActionKind.REMINDER, 1, first))
    if policy.escalate_after is not None and policy.escalation_approvers:
        due.append(
            Due(
                ActionKind.ESCALATION, 1, policy.later(start, policy.seconds(policy.escalate_after))
            )
        )
    if policy.timeout is not None:
        after = policy.seconds(policy.timeout.after)
        due.append(Due(ActionKind.TIMEOUT, 1, policy.later(start, after)))
        if policy.timeout.warn_before is not None:
            warn = after - policy.seconds(policy.timeout.warn_before)
            if warn > 0:
                due.append(Due(ActionKind.TIMEOUT_WARNING, 1, policy.later(start, warn)))
    return sorted(due, key=lambda d: (d.at, d.kind.value))


def next_reminder(policy: ApprovalPolicy, previous: Due) -> Due | None:
    """The reminder after `previous` (counted from when it was due), or None: no `every`,
    or `max` reached."""
    reminder = policy.reminder
    if reminder is None or reminder.every is None:
        return None
    if reminder.max is not None and previous.sequence >= reminder.max:
        return None
    at = policy.later(previous.at, policy.seconds(reminder.every))
    return Due(ActionKind.REMINDER, previous.sequence + 1, at)


def policy_of(level: ApprovalLevel) -> ApprovalPolicy | None:
    """The policy a level is waiting under (its snapshot), or None."""
    return None if level.policy_snapshot is None else from_snapshot(level.policy_snapshot)


async def policy_for(
    session: AsyncSession, portal_id: int, release_id: int, level: ApprovalLevel
) -> ApprovalPolicy | None:
    """The policy of a level: the one it waits under, else the one that would apply now."""
    kept = policy_of(level)
    if kept is not None or level.waiting_since is not None:
        return kept
    template_id = await repository.template_of(session, release_id)
    return (await service.resolve(session, portal_id, template_id, level.stage_id)).policy


async def start_waiting(
    session: AsyncSession, portal_id: int, level: ApprovalLevel, now: dt.datetime
) -> None:
    """The level's approvals went out: keep the policy that applies on it and write what
    is due, in the caller's transaction (once per waiting period)."""
    if level.waiting_since is not None:
        return
    template_id = await repository.template_of(session, level.release_id)
    resolution = await service.resolve(session, portal_id, template_id, level.stage_id)
    level.waiting_since = now
    policy = resolution.policy
    if policy is None:
        return
    level.policy_snapshot = snapshot(policy, resolution.why)
    due = plan(policy, now)
    level.deadline = next((d.at for d in due if d.kind is ActionKind.TIMEOUT), None)
    await schedule(session, portal_id, level, due, now)


async def schedule(
    session: AsyncSession,
    portal_id: int,
    level: ApprovalLevel,
    due: Sequence[Due],
    now: dt.datetime,
) -> None:
    """Write what is due for `level` under its snapshot; the runners wake at the commit."""
    if not due or level.policy_snapshot is None:
        return
    rows = [
        ApprovalScheduledAction(
            portal_id=portal_id,
            release_id=level.release_id,
            level_id=level.id,
            kind=d.kind.value,
            sequence=d.sequence,
            due_at=d.at,
            policy_snapshot=level.policy_snapshot,
            attempts=0,
            created_on=now,
        )
        for d in due
    ]
    await repository.add_actions(session, rows)
    wake.note(session)


async def stop_waiting(
    session: AsyncSession, level: ApprovalLevel, now: dt.datetime, why: str, *, reset: bool
) -> None:
    """The level stopped waiting (`why`): what was still due for it is closed, and with
    `reset` (its request expired) it waits under a policy again only when sent again."""
    await repository.cancel_for_level(session, level.id, now, why)
    if reset:
        level.waiting_since = level.deadline = None
        level.policy_snapshot = None


async def held_action(
    session: AsyncSession, action_id: int, runner: str
) -> ApprovalScheduledAction | None:
    return await repository.held_action(session, action_id, runner)


def finish(action: ApprovalScheduledAction, now: dt.datetime, outcome: str) -> None:
    """Mark the action done, in the transaction of its effect (so it is done once)."""
    action.done_on, action.outcome = now, outcome[:2000]
    action.claimed_until = None


def postpone(action: ApprovalScheduledAction, until: dt.datetime) -> None:
    """The action waits until `until`, free for any runner to claim then."""
    action.due_at = until
    action.claimed_by = action.claimed_until = None


async def release_of_action(session: AsyncSession, action_id: int) -> tuple[int, int] | None:
    return await repository.release_of_action(session, action_id)


async def claim_due(
    session: AsyncSession, now: dt.datetime, runner: str, lease: dt.timedelta, limit: int
) -> list[int]:
    return await repository.claim_due(session, now, runner, lease, limit)


async def any_due(session: AsyncSession, now: dt.datetime) -> bool:
    return await repository.any_due(session, now)


async def next_due(session: AsyncSession, now: dt.datetime) -> dt.datetime | None:
    return await repository.next_due(session, now)


async def failed(session: AsyncSession, action_id: int, error: str, retry_at: dt.datetime) -> None:
    await repository.failed(session, action_id, error, retry_at)


async def actions_of_level(
    session: AsyncSession, level_id: int
) -> Sequence[ApprovalScheduledAction]:
    return await repository.actions_of_level(session, level_id)
