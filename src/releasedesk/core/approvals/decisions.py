"""Deciding an approval: who may, what may still be decided, and what follows from it under
the level's rule, all in the transaction of the decision and under the release's lock, so
two decisions arriving together on a first_response level count exactly once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.approval_policies import scheduling
from releasedesk.core.approvals import policy, repository, rules, sending
from releasedesk.core.approvals.rules import Rule
from releasedesk.core.approvals.service import approval_of, renumber
from releasedesk.core.approvals.snapshots import (
    APPROVAL,
    APPROVAL_LEVEL,
    approval_value,
    level_value,
)
from releasedesk.core.approvals.views import Approval as ApprovalView
from releasedesk.core.approvals.views import ApprovalStatus, Channel
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import NO_SUBJECT, AuditKind, Subject, actor_of, release_detail
from releasedesk.core.errors import Forbidden, Invalid, NotFound
from releasedesk.core.releases import announce, history, locks, read_repository, recording
from releasedesk.core.releases.history import Operation, person_value
from releasedesk.core.releases.parts import Part
from releasedesk.core.releases.rows import person_of
from releasedesk.core.releases.views import Release
from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.core.webhooks.names import EventType
from releasedesk.db.models import Approval
from releasedesk.db.models import ApprovalLevel as ApprovalLevelRow

VERDICTS = (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED)
VERBS = {ApprovalStatus.APPROVED: "Approved", ApprovalStatus.REJECTED: "Rejected"}


@dataclass(frozen=True)
class Capacity:
    """In what capacity the caller decides: as the approver, their delegate, or an admin
    acting for them (the approver is then named in the history)."""

    as_approver: bool
    delegate_of: int | None = None
    acting_for: int | None = None


async def decision_release(session: AsyncSession, portal_id: int, release_id: int) -> Release:
    """The release to decide on, locked first (concurrent decisions queue here and each sees
    the one before); not in the trash. An approver need not be able to edit or even list
    the release: being asked is what entitles them to decide."""
    if not await locks.lock_release(session, portal_id, release_id):
        raise NotFound(f"No release with id '{release_id}'", "id")
    release = await read_repository.load_one(session, release_id, frozenset({Part.ROLES}))
    if release is None or release.portal_id != portal_id:
        raise NotFound(f"No release with id '{release_id}'", "id")
    if release.in_trash:
        raise Invalid("A release in the trash cannot be decided on; restore it first", "id")
    if release.stage.is_closure:
        raise Invalid("The release is closed: its approvals can no longer be decided", "id")
    # A decision changes the release (its approvals): one version more, as every change of
    # what hangs off a release, so a client holding the older version learns of it.
    await locks.bump_version(session, release.id)
    release.version += 1
    return release


async def capacity_of(
    session: AsyncSession, actor: Actor, approval: Approval, now: dt.datetime
) -> Capacity:
    """The approver, the delegate of an approver away now, or an admin; else 403."""
    approver_id = approval.approver_id
    if approver_id is not None and approver_id == actor.user_id:
        return Capacity(as_approver=True)
    if approver_id is not None and approver_id in await repository.delegators_of(
        session, actor.user_id, now
    ):
        if await repository.approves_on_level(session, approval.level_id, actor.user_id):
            # One person, one vote on a level: a delegate who is an approver there already
            # cannot also decide for the one they stand in for.
            raise Forbidden(
                "You approve on this level yourself; the approval you stand in for stays "
                "with its approver"
            )
        return Capacity(as_approver=False, delegate_of=approver_id)
    if actor.is_admin:
        return Capacity(as_approver=False, acting_for=approver_id)
    raise Forbidden(
        "Only the approver, their delegate or an administrator acting for them can decide "
        "this approval"
    )


async def decide(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    level_id: int,
    approval_id: int,
    verdict: ApprovalStatus,
    comments: str | None,
    *,
    channel: Channel = Channel.API,
) -> ApprovalView:
    """Approve or reject a Pending Approval approval; a decision is final."""
    assert verdict in VERDICTS
    text = rules.decision_comments(comments)
    release = await decision_release(session, actor.portal_id, release_id)
    level = await repository.level_row(session, release.id, level_id)
    if level is None:
        raise NotFound(f"No approval level with id '{level_id}' in this release", "id")
    approval = approval_of(level, approval_id)
    now = dt.datetime.now(dt.UTC)
    capacity = await capacity_of(session, actor, approval, now)
    why = rules.why_not_decidable(ApprovalStatus(approval.status), LevelStatus(level.status))
    if why is not None:
        raise Invalid(f"This approval cannot be decided: {why}", "status")
    if verdict is ApprovalStatus.APPROVED:
        rule = await policy.self_approval_rule(session, release, level)
        if rule is not None:
            approver = approval.approver
            assert approver is not None  # a pending approval has its approver
            policy.refuse_own_release(release, approver.id, approver.name, rule)
            policy.refuse_own_release(release, actor.user_id, actor.user_name, rule)
    before = approval_value(level, approval)
    approval.status, approval.comments = verdict.value, text
    approval.decided_on, approval.decided_by_id = now, actor.user_id
    approval.decided_via = channel.value
    await session.flush()
    await session.refresh(approval, ["decided_by"])
    await _record_decision(session, actor, release, level, approval, before, capacity, channel)
    await _audit_decision(session, actor, release, level, approval, capacity, channel)
    approver = approval.approver
    await announce.approval(
        session,
        actor,
        release,
        EventType.APPROVAL_DECIDED,
        {
            "id": approval.id,
            "level": {"id": level.id, "level": level.level, "stage": level.stage.name},
            "status": approval.status,
            "approver": None
            if approver is None
            else {"id": approver.id, "name": approver.name, "email": approver.email_id},
            "decided_by": {"id": actor.user_id, "name": actor.user_name},
            "decided_via": channel.value,
            "decided_on": now,
            "comments": text,
        },
    )
    await _settle_level(session, actor, release, level, approval, now)
    fresh = await repository.level_row(session, release.id, level_id)
    assert fresh is not None  # locked and read above
    return repository.approval_view(repository.level_ref(fresh), approval_of(fresh, approval_id))


async def _record_decision(
    session: AsyncSession,
    actor: Actor,
    release: Release,
    level: ApprovalLevelRow,
    approval: Approval,
    before: dict[str, history.HistoryValue],
    capacity: Capacity,
    channel: Channel,
) -> None:
    verb = VERBS[ApprovalStatus(approval.status)]
    approver = approval.approver
    approver_name = "" if approver is None else approver.name
    description = f"{verb} by {actor.user_name}"
    if capacity.delegate_of is not None:
        description += f" as delegate of {approver_name}"
    elif capacity.acting_for is not None:
        description += f" on behalf of {approver_name}"
    if channel is Channel.MAIL_LINK:
        description += " via mail link"
    changes = history.diff(before, approval_value(level, approval))
    decided_by = person_value(person_of(approval.decided_by))
    changes.append(history.FieldChange("decided_by", None, decided_by))
    changes.append(history.FieldChange("decided_via", None, channel.value))
    if not capacity.as_approver:
        changes.append(history.FieldChange("on_behalf_of", None, person_value(person_of(approver))))
    await recording.record(
        session,
        release.id,
        actor,
        Operation.CHANGED,
        subject=APPROVAL,
        description=f"{description} (approval level {level.level}, {level.stage.name})",
        changes=changes,
    )


async def _audit_decision(
    session: AsyncSession,
    actor: Actor,
    release: Release,
    level: ApprovalLevelRow,
    approval: Approval,
    capacity: Capacity,
    channel: Channel,
) -> None:
    """The decision in the audit trail, about the approver whose approval it was: the
    comment in full (at most 250 characters), since the trail outlives the release's own
    history when the release is deleted for good and a decision's reasons are what an
    auditor asks for."""
    approver = approval.approver
    capacity_name = (
        "approver"
        if capacity.as_approver
        else "delegate"
        if capacity.delegate_of is not None
        else "administrator"
    )
    await audit.record(
        session,
        portal_id=release.portal_id,
        by=actor_of(actor),
        kind=AuditKind.APPROVAL_DECIDED,
        subject=NO_SUBJECT if approver is None else Subject(approver.id, approver.name),
        detail=release_detail(
            release.id,
            release.title,
            approval=approval.id,
            level=level.level,
            stage=level.stage.name,
            decision=approval.status,
            comment=approval.comments,
            capacity=capacity_name,
            via=channel.value,
        ),
    )


def _votes(level: ApprovalLevelRow) -> list[ApprovalStatus]:
    """Each approver's status, decisions first in the order they were taken."""
    decided = sorted(
        (a for a in level.approvals if a.decided_on is not None),
        key=lambda a: (a.decided_on or dt.datetime.min.replace(tzinfo=dt.UTC), a.id),
    )
    undecided = [a for a in level.approvals if a.decided_on is None]
    return [ApprovalStatus(a.status) for a in (*decided, *undecided)]


async def _settle_level(
    session: AsyncSession,
    actor: Actor,
    release: Release,
    level: ApprovalLevelRow,
    approval: Approval,
    now: dt.datetime,
) -> None:
    """The level's latest decision and, under its rule, its outcome."""
    before = level_value(level)
    level.comments = approval.comments
    level.action_taken_by_id, level.action_taken_on = actor.user_id, now
    await settle(session, actor, release, level, before, submitter_id=approval.sent_by_id)


async def settle(
    session: AsyncSession,
    actor: Actor | None,
    release: Release,
    level: ApprovalLevelRow,
    before: dict[str, history.HistoryValue],
    *,
    submitter_id: int | None,
) -> None:
    """The level's outcome under its rule from the approvals it has now (after a decision,
    or after an undecided approver was removed); once it is approved the next level goes
    out, sent in the name of `submitter_id` (or the caller). The level's approval policy
    adds its N of M; once the level has its outcome, what the policy still had due for it
    is closed."""
    waiting_under = scheduling.policy_of(level)
    minimum = None if waiting_under is None else waiting_under.min_approvals
    rule = Rule.stored(level.rule_type, level.rule_value)
    outcome = rules.level_outcome(rule, _votes(level), minimum)
    level.status = outcome.value
    await session.flush()
    if outcome is LevelStatus.PENDING:
        return
    await scheduling.stop_waiting(
        session, level, dt.datetime.now(dt.UTC), f"not needed: the level was {outcome}", reset=False
    )
    ended = " (the stage's approval is rejected)" if outcome is LevelStatus.REJECTED else ""
    await recording.record(
        session,
        release.id,
        actor,
        Operation.CHANGED,
        subject=APPROVAL_LEVEL,
        description=f"Approval level {level.level} of {level.stage.name} {outcome}{ended}",
        changes=history.diff(before, level_value(level)),
    )
    await renumber(session, release.id, level.stage_id)
    if outcome is LevelStatus.APPROVED:
        sent_by = (
            None
            if submitter_id is None
            else await repository.user(session, release.portal_id, submitter_id)
        )
        await sending.send_next_level(
            session, actor, release, level.stage_id, None if sent_by is None else sent_by.name
        )
