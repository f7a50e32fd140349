"""What an approval policy does to a waiting level over time, when the scheduler runs one of
its due actions: remind the approvers still waited on, escalate to more approvers, warn
before the timeout, and time out (reject, approve or expire the request). Each runs in the
transaction that marks its action done, under the release's lock (taken first, as every
writer of a release does), so it happens once, and a decision arriving at the same moment
either comes first (the action then finds the level decided and does nothing) or after
(and is refused: the level already has its outcome)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.approval_policies import scheduling
from releasedesk.core.approval_policies.scheduling import Due
from releasedesk.core.approval_policies.views import (
    ActionKind,
    ApprovalPolicy,
    TimeoutAction,
    from_snapshot,
)
from releasedesk.core.approvals import decisions, links, policy, repository, sending
from releasedesk.core.approvals.service import renumber
from releasedesk.core.approvals.snapshots import (
    APPROVAL,
    APPROVAL_LEVEL,
    approval_value,
    level_value,
)
from releasedesk.core.approvals.views import ApprovalStatus
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import NO_SUBJECT, SYSTEM, AuditKind, release_detail
from releasedesk.core.errors import Frozen, ReleaseDeskError
from releasedesk.core.freezes import service as freezes
from releasedesk.core.notifications import outbox
from releasedesk.core.releases import announce, history, locks, read_repository, recording
from releasedesk.core.releases.history import Operation
from releasedesk.core.releases.parts import Part
from releasedesk.core.releases.views import Release
from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.core.webhooks.names import EventType
from releasedesk.db.models import Approval, ApprovalScheduledAction
from releasedesk.db.models import ApprovalLevel as ApprovalLevelRow

OUTCOMES = {
    TimeoutAction.REJECT: "rejected",
    TimeoutAction.APPROVE: "approved",
    TimeoutAction.EXPIRE: "expired",
}


async def run_action(
    session: AsyncSession, action_id: int, runner: str, now: dt.datetime
) -> str | None:
    """Do one claimed action and mark it done, in the caller's transaction; what it came to,
    or None when `runner` no longer holds it (done by another, or taken over after its
    lease ran out)."""
    where = await scheduling.release_of_action(session, action_id)
    if where is None:
        return None
    portal_id, release_id = where
    await locks.lock_release(session, portal_id, release_id)
    action = await scheduling.held_action(session, action_id, runner)
    if action is None:
        return None
    outcome = await _effect(session, action, now)
    if isinstance(outcome, Postponed):
        scheduling.postpone(action, outcome.until)
        return outcome.why
    scheduling.finish(action, now, outcome)
    return outcome


@dataclass(frozen=True, slots=True)
class Postponed:
    """The action waits until `until` (a timeout inside a freeze window), because `why`."""

    until: dt.datetime
    why: str


async def _effect(
    session: AsyncSession, action: ApprovalScheduledAction, now: dt.datetime
) -> str | Postponed:
    level = await repository.level_row(session, action.release_id, action.level_id)
    if level is None:
        return "nothing to do: the approval level is gone"
    release = await read_repository.load_one(session, action.release_id, frozenset({Part.ROLES}))
    if release is None or release.in_trash:
        return "nothing to do: the release is in the trash"
    if release.stage.is_closure:
        return "nothing to do: the release is closed"
    if level.status != LevelStatus.PENDING.value:
        return f"nothing to do: level {level.level} is already {level.status}"
    if level.waiting_since is None:
        return f"nothing to do: level {level.level} is not waiting"
    rules_of = from_snapshot(action.policy_snapshot)
    kind = ActionKind(action.kind)
    departed = await _drop_departed(session, release, level, rules_of, now)
    if level.status != LevelStatus.PENDING.value:
        return (
            f"level {level.level} counted again without {departed}, no longer active: "
            f"{level.status}"
        )
    if kind is ActionKind.TIMEOUT:
        frozen = await _frozen_until(session, release, level, rules_of, now)
        if frozen is not None:
            return frozen
    if kind is ActionKind.REMINDER:
        return await _remind(session, release, level, rules_of, action, now)
    if kind is ActionKind.TIMEOUT_WARNING:
        return await _warn(session, release, level, rules_of, now)
    await locks.bump_version(session, release.id)  # the level's approvers or outcome change
    if kind is ActionKind.ESCALATION:
        return await _escalate(session, release, level, rules_of, now)
    return await _time_out(session, release, level, rules_of, now)


async def _drop_departed(
    session: AsyncSession,
    release: Release,
    level: ApprovalLevelRow,
    rules_of: ApprovalPolicy,
    now: dt.datetime,
) -> str | None:
    """Approvers deactivated while the level waits are removed from it, undecided, and the
    level counted again without them (as removal.py does for a person), so it neither waits
    on someone who left nor reminds them; who they were, or None."""
    gone = [
        a
        for a in level.approvals
        if a.decided_on is None
        and a.approver is not None
        and not a.approver.is_active
        and a.status in (ApprovalStatus.TO_BE_SENT.value, ApprovalStatus.PENDING.value)
    ]
    if not gone:
        return None
    names = ", ".join(a.approver.name for a in gone if a.approver is not None)
    before_level = level_value(level)
    await outbox.withdraw_approval_mails(session, [a.id for a in gone])
    for approval in gone:
        value = approval_value(level, approval)
        level.approvals.remove(approval)
        await repository.remove(session, approval)
        await recording.record(
            session,
            release.id,
            None,
            Operation.REMOVED,
            subject=APPROVAL,
            description=f"Approver removed from approval level {level.level}: no longer "
            f"active (policy {rules_of.name})",
            changes=[history.FieldChange(APPROVAL, value, None)],
            time=now,
        )
    await decisions.settle(session, None, release, level, before_level, submitter_id=None)
    return names


async def _frozen_until(
    session: AsyncSession,
    release: Release,
    level: ApprovalLevelRow,
    rules_of: ApprovalPolicy,
    now: dt.datetime,
) -> Postponed | None:
    """A timeout falling inside a blocking freeze window of the release waits for the
    window's end (its first allowed time), said in the history; None when none is on."""
    facts = (await freezes.facts_of(session, [release.id])).get(release.id)
    if facts is None:
        return None
    try:
        await freezes.check_deployment(session, release.portal_id, facts, now)
    except Frozen as frozen:
        until = frozen.next_allowed_at
        if not isinstance(until, dt.datetime) or until <= now:
            return None  # frozen for longer than the horizon: the timeout goes ahead
        level.deadline = until
        why = (
            f"Timeout of approval level {level.level} of {level.stage.name} under policy "
            f"{rules_of.name} waits for the freeze window '{frozen.window}' to end: until "
            f"{until.isoformat()}"
        )
        await recording.record(
            session, release.id, None, Operation.CHANGED, subject=APPROVAL_LEVEL,
            description=why, time=now,
        )  # fmt: skip
        return Postponed(until, why)
    return None


def _waited_on(level: ApprovalLevelRow) -> list[Approval]:
    """The approvals sent and not decided, of approvers still active: whom a reminder or
    warning goes to."""
    return [
        a
        for a in level.approvals
        if a.status == ApprovalStatus.PENDING.value
        and a.approver is not None
        and a.approver.is_active
    ]


def _deadline_words(level: ApprovalLevelRow, rules_of: ApprovalPolicy) -> str:
    if level.deadline is None or rules_of.timeout is None:
        return "It has no deadline."
    zone = rules_of.business_hours.zone if rules_of.business_hours is not None else dt.UTC
    when = level.deadline.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    return f"Deadline: {when}; it will then be {OUTCOMES[rules_of.timeout.action]}."


async def _mail(
    session: AsyncSession,
    release: Release,
    approvals: list[Approval],
    subject: str,
    text: str,
    now: dt.datetime,
) -> list[str]:
    """One mail per approval, each with a fresh signed single-use link; who got one."""
    sent = []
    for approval in approvals:
        approver = approval.approver
        if approver is None or not approver.email_id:
            continue
        link_id = await links.new_link(session, approval.id, now)
        await outbox.enqueue(
            session,
            portal_id=release.portal_id,
            recipient=approver.email_id,
            subject=subject,
            body=f"{approver.name},\n\n{text}\n\nApprove or reject: ${{approval_link}}",
            approval_link_id=link_id,
            now=now,
        )
        sent.append(approver.name)
    return sent


def _asked(release: Release, level: ApprovalLevelRow) -> str:
    rule = level.rule_type.replace("_", " ")
    if level.rule_value is not None:
        rule += f" ({level.rule_value}%)"
    return (
        f'Your decision is asked on release {release.id} "{release.title}": approval level '
        f"{level.level} ({level.name}) of stage {level.stage.name}, rule {rule}."
    )


async def _remind(
    session: AsyncSession,
    release: Release,
    level: ApprovalLevelRow,
    rules_of: ApprovalPolicy,
    action: ApprovalScheduledAction,
    now: dt.datetime,
) -> str:
    reminder = rules_of.reminder
    count = "" if reminder is None or reminder.max is None else f" of {reminder.max}"
    text = (
        f"{_asked(release, level)}\n{_deadline_words(level, rules_of)}\n"
        f"(Reminder {action.sequence}{count} under approval policy '{rules_of.name}'.)"
    )
    sent = await _mail(
        session,
        release,
        _waited_on(level),
        f"Reminder: your approval of {release.title}",
        text,
        now,
    )
    following = scheduling.next_reminder(
        rules_of, Due(ActionKind.REMINDER, action.sequence, action.due_at)
    )
    if following is not None:
        await scheduling.schedule(session, release.portal_id, level, [following], now)
    if not sent:
        return f"reminder {action.sequence}: nobody to remind"
    await recording.record(
        session,
        release.id,
        None,
        Operation.CHANGED,
        subject=APPROVAL_LEVEL,
        description=f"Reminder {action.sequence} for approval level {level.level} of "
        f"{level.stage.name} sent to {', '.join(sent)} under policy {rules_of.name}",
        time=now,
    )
    return f"reminder {action.sequence} sent to {', '.join(sent)}"


async def _warn(
    session: AsyncSession,
    release: Release,
    level: ApprovalLevelRow,
    rules_of: ApprovalPolicy,
    now: dt.datetime,
) -> str:
    text = f"{_asked(release, level)}\n{_deadline_words(level, rules_of)}"
    subject = f"Approval of {release.title} times out soon"
    sent = await _mail(session, release, _waited_on(level), subject, text, now)
    if not sent:
        return "timeout warning: nobody to warn"
    await recording.record(
        session,
        release.id,
        None,
        Operation.CHANGED,
        subject=APPROVAL_LEVEL,
        description=f"Timeout warning for approval level {level.level} of {level.stage.name} "
        f"sent to {', '.join(sent)} under policy {rules_of.name}",
        time=now,
    )
    return f"timeout warning sent to {', '.join(sent)}"


async def _escalate(
    session: AsyncSession,
    release: Release,
    level: ApprovalLevelRow,
    rules_of: ApprovalPolicy,
    now: dt.datetime,
) -> str:
    """The escalation approvers join the level and are sent its approval at once; one who
    cannot be (left, no mail, an org role naming nobody, their own release where
    self-approval is forbidden) is named in the history, and the others still go."""
    users = {a.approver_id for a in level.approvals if a.approver_id is not None}
    users |= {a.original_approver_id for a in level.approvals if a.original_approver_id}
    paths = {a.xpath for a in level.approvals if a.xpath is not None}
    forbidder = await policy.self_approval_rule(session, release, level)
    added: list[str] = []
    skipped: list[str] = []
    for escalator in rules_of.escalation_approvers:
        approval = Approval(
            level_id=level.id, status=ApprovalStatus.TO_BE_SENT.value, created_on=now
        )
        if escalator.org_role is not None:
            if escalator.org_role.value in paths:
                continue
            approval.xpath = escalator.org_role.value
            label = escalator.org_role.value
        else:
            user = await repository.user(session, release.portal_id, escalator.user_id or 0)
            label = escalator.user_name or f"user {escalator.user_id}"
            if user is None or not user.is_active:
                skipped.append(f"{label} (no longer an active user)")
                continue
            if user.id in users:
                continue
            if forbidder is not None and policy.is_own(release, user.id):
                skipped.append(f"{user.name} (their own release: {forbidder} forbids it)")
                continue
            approval.approver_id = user.id
            label = user.name
        savepoint = await session.begin_nested()
        try:
            await repository.add(session, approval)
            fresh = await repository.level_row(session, release.id, level.id)
            assert fresh is not None  # locked above
            joined = next(a for a in fresh.approvals if a.id == approval.id)
            await sending.send(
                session,
                None,
                release,
                fresh,
                joined,
                sending.DEFAULT,
                submitter=f"approval policy '{rules_of.name}'",
            )
        except ReleaseDeskError as error:
            await savepoint.rollback()
            skipped.append(f"{label} ({error.message})")
            continue
        await savepoint.commit()
        added.append(label)
    after = rules_of.escalate_after
    words = "" if after is None else f" after {rules_of.describe(after)}"
    description = (
        f"Approval level {level.level} of {level.stage.name} escalated{words} under policy "
        f"{rules_of.name}: " + (f"added {', '.join(added)}" if added else "nobody added")
    )
    if skipped:
        description += f"; not added: {'; '.join(skipped)}"
    await recording.record(
        session, release.id, None, Operation.CHANGED, subject=APPROVAL_LEVEL,
        description=description, time=now,
    )  # fmt: skip
    await audit.record(
        session,
        portal_id=release.portal_id,
        by=SYSTEM,
        kind=AuditKind.APPROVAL_ESCALATED,
        subject=NO_SUBJECT,
        detail=release_detail(
            release.id,
            release.title,
            level=level.level,
            stage=level.stage.name,
            policy=rules_of.name,
            added=list(added),
            not_added=list(skipped),
        ),
    )
    await announce.policy_action(
        session,
        release,
        EventType.APPROVAL_ESCALATED,
        _level_json(level),
        _policy_json(rules_of),
        {
            "after": None if after is None else after.text(),
            "added": added,
            "not_added": skipped,
        },
        now,
    )
    return description


async def _time_out(
    session: AsyncSession,
    release: Release,
    level: ApprovalLevelRow,
    rules_of: ApprovalPolicy,
    now: dt.datetime,
) -> str:
    timeout = rules_of.timeout
    assert timeout is not None  # a timeout action is planned only for a policy with one
    outcome = OUTCOMES[timeout.action]
    description = (
        f"Approval level {level.level} of {level.stage.name} timed out after "
        f"{rules_of.describe(timeout.after)} under policy {rules_of.name}: {outcome}"
    )
    before = level_value(level)
    waited = _level_json(level)  # the wait that ran out (stopping it clears its times)
    if timeout.action is TimeoutAction.EXPIRE:
        await _expire(session, release, level, now)
        description += "; its undecided approvals wait to be sent again"
        await scheduling.stop_waiting(session, level, now, f"not needed: {outcome}", reset=True)
    else:
        verdict = (
            LevelStatus.REJECTED if timeout.action is TimeoutAction.REJECT else LevelStatus.APPROVED
        )
        level.status = verdict.value
        level.action_taken_by_id, level.action_taken_on = None, now
        level.comments = description[:250]
        await session.flush()
        await scheduling.stop_waiting(session, level, now, f"not needed: {outcome}", reset=False)
    await recording.record(
        session,
        release.id,
        None,
        Operation.CHANGED,
        subject=APPROVAL_LEVEL,
        description=description,
        changes=history.diff(before, level_value(level)),
        time=now,
    )
    await audit.record(
        session,
        portal_id=release.portal_id,
        by=SYSTEM,
        kind=AuditKind.APPROVAL_TIMED_OUT,
        subject=NO_SUBJECT,
        detail=release_detail(
            release.id,
            release.title,
            level=level.level,
            stage=level.stage.name,
            policy=rules_of.name,
            after=timeout.after.text(),
            outcome=outcome,
        ),
    )
    await announce.policy_action(
        session,
        release,
        EventType.APPROVAL_TIMED_OUT,
        {**waited, "status": level.status},
        _policy_json(rules_of),
        {"after": timeout.after.text(), "action": timeout.action.value, "outcome": outcome},
        now,
    )
    if timeout.action is not TimeoutAction.EXPIRE:
        await renumber(session, release.id, level.stage_id)
        if timeout.action is TimeoutAction.APPROVE:
            await sending.send_next_level(session, None, release, level.stage_id, None)
    return description


def _level_json(level: ApprovalLevelRow) -> dict[str, object]:
    """The level as policy events carry it (its status after the action)."""
    return {
        "id": level.id,
        "level": level.level,
        "name": level.name,
        "stage": {"id": level.stage.id, "name": level.stage.name},
        "status": level.status,
        "waiting_since": level.waiting_since,
        "deadline": level.deadline,
    }


def _policy_json(rules_of: ApprovalPolicy) -> dict[str, object]:
    """The policy the level waited under, as copied onto it when it was sent."""
    return {"id": rules_of.id, "name": rules_of.name}


async def _expire(
    session: AsyncSession, release: Release, level: ApprovalLevelRow, now: dt.datetime
) -> None:
    """The request lapses: each approval sent and undecided is To Be Sent again (its mail
    not yet delivered withdrawn; a link already out then finds it unsent)."""
    waiting = [a for a in level.approvals if a.status == ApprovalStatus.PENDING.value]
    await outbox.withdraw_approval_mails(session, [a.id for a in waiting])
    for approval in waiting:
        before = approval_value(level, approval)
        approval.status, approval.sent_on = ApprovalStatus.TO_BE_SENT.value, None
        await session.flush()
        await recording.record(
            session,
            release.id,
            None,
            Operation.CHANGED,
            subject=APPROVAL,
            description=f"Approval of level {level.level} expired; it waits to be sent again",
            changes=history.diff(before, approval_value(level, approval)),
            time=now,
        )
