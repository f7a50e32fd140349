"""Sending approvals: the notification's text, resolving who gets it (an organisational
role, a delegate when the approver is away), the mail in the outbox, Pending Approval."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_staff
from releasedesk.core.approval_policies import scheduling
from releasedesk.core.approvals import links, repository, rules
from releasedesk.core.approvals.org_roles import OrgRole, display_name
from releasedesk.core.approvals.schemas import NotificationInput
from releasedesk.core.approvals.service import ACTION, approval_of
from releasedesk.core.approvals.snapshots import APPROVAL, approval_value
from releasedesk.core.approvals.views import Approval as ApprovalView
from releasedesk.core.approvals.views import ApprovalStatus, Notification
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import SYSTEM, AuditKind, Subject, actor_of, release_detail
from releasedesk.core.errors import Invalid, NotFound, ReleaseDeskError
from releasedesk.core.notifications import outbox
from releasedesk.core.notifications.templates import fill
from releasedesk.core.releases import announce, history, recording
from releasedesk.core.releases.access import view_release, writable_release
from releasedesk.core.releases.history import Operation
from releasedesk.core.releases.parts import NOTHING
from releasedesk.core.releases.views import Release
from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.core.text import plain_line
from releasedesk.core.webhooks.names import EventType
from releasedesk.core.workflow.names import RoleName
from releasedesk.db.models import Approval, User
from releasedesk.db.models import ApprovalLevel as ApprovalLevelRow

DEFAULT = Notification(
    subject="Recommendation required for a Release",
    description="${submitter} has requested your recommendations for this Release - ${title}. "
    "Click here to view Release details ${approval_link}",
)
SUBJECT_MAX = 500
DESCRIPTION_MAX = 20_000


@dataclass(frozen=True)
class SendOutcome:
    """What one approval of a several-ids send came to."""

    approval_id: int
    approval: ApprovalView | None = None
    error: ReleaseDeskError | None = None


async def _level(session: AsyncSession, release: Release, level_id: int) -> ApprovalLevelRow:
    row = await repository.level_row(session, release.id, level_id)
    if row is None:
        raise NotFound(f"No approval level with id '{level_id}' in this release", "id")
    return row


async def notification_content(
    session: AsyncSession, actor: Actor, release_id: int, level_id: int, approval_id: int
) -> Notification:
    """The subject and text the approval's mail is sent with, placeholders unfilled."""
    release = await view_release(session, actor, release_id, NOTHING)
    approval_of(await _level(session, release, level_id), approval_id)
    return DEFAULT


async def send_notification(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    level_id: int,
    approval_id: int,
    given: NotificationInput,
) -> ApprovalView:
    """Send one approval (again, when it is still pending): its mail goes to the outbox in
    this transaction and the approval becomes Pending Approval."""
    require_staff(actor, ACTION)
    release = await writable_release(session, actor, release_id)
    notification = _notification(given)
    level = await _level(session, release, level_id)
    await send(session, actor, release, level, approval_of(level, approval_id), notification)
    return await _view(session, release, level.id, approval_id)


async def send_notifications(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    level_id: int,
    approval_ids: Sequence[int],
    given: NotificationInput,
) -> list[SendOutcome]:
    """Send several approvals of a level, each in its own savepoint (one that cannot be
    sent undoes only itself)."""
    require_staff(actor, ACTION)
    release = await writable_release(session, actor, release_id)
    notification = _notification(given)
    level = await _level(session, release, level_id)
    outcomes: list[SendOutcome] = []
    for approval_id in approval_ids:
        savepoint = await session.begin_nested()
        try:
            level = await _level(session, release, level_id)
            await send(
                session, actor, release, level, approval_of(level, approval_id), notification
            )
        except ReleaseDeskError as error:
            await savepoint.rollback()
            outcomes.append(SendOutcome(approval_id, error=error))
            continue
        await savepoint.commit()
        view = await _view(session, release, level_id, approval_id)
        outcomes.append(SendOutcome(approval_id, approval=view))
    return outcomes


async def _view(
    session: AsyncSession, release: Release, level_id: int, approval_id: int
) -> ApprovalView:
    level = await _level(session, release, level_id)
    return repository.approval_view(repository.level_ref(level), approval_of(level, approval_id))


def _notification(given: NotificationInput) -> Notification:
    subject = DEFAULT.subject
    if given.subject is not None:
        subject = plain_line(given.subject, "subject", mandatory=True, max_length=SUBJECT_MAX)
    description = DEFAULT.description
    if given.description is not None:
        if not given.description.strip():
            raise Invalid("'description' cannot be empty", "description")
        if len(given.description) > DESCRIPTION_MAX:
            raise Invalid(
                f"'description' is longer than {DESCRIPTION_MAX} characters", "description"
            )
        description = given.description
    return Notification(subject, description)


async def send(
    session: AsyncSession,
    actor: Actor | None,
    release: Release,
    level: ApprovalLevelRow,
    approval: Approval,
    notification: Notification,
    *,
    submitter: str | None = None,
) -> None:
    """Send `approval` of `level` (release locked by the caller); its history entry. The
    level starts waiting under its approval policy with its first approval sent (`actor`
    None: sent by the scheduler, an escalation)."""
    siblings = await repository.level_rows(session, release.id, level.stage_id)
    index = next(i for i, row in enumerate(siblings) if row.id == level.id)
    why = rules.why_not_sendable(index, [LevelStatus(r.status) for r in siblings])
    if why is not None:
        raise Invalid(f"This approval cannot be sent: {why}", "approval_level")
    status = ApprovalStatus(approval.status)
    if status not in (ApprovalStatus.TO_BE_SENT, ApprovalStatus.PENDING):
        raise Invalid(f"This approval is already {status}; it is not sent again", "status")
    now = dt.datetime.now(dt.UTC)
    before = approval_value(level, approval)
    delegated_from: User | None = None
    if status is ApprovalStatus.TO_BE_SENT:
        if approval.approver_id is None and approval.xpath is not None:
            approval.approver_id = (await _holder_of(session, release, approval.xpath)).id
        delegated_from = await _delegate(session, release, level, approval, now)
        if delegated_from is not None:
            await _audit_delegation(session, actor, release, level, approval, delegated_from)
    approver = await repository.user(session, release.portal_id, approval.approver_id or 0)
    if approver is None:
        raise Invalid("This approval has no approver to send it to", "approver")
    if not approver.email_id:
        raise Invalid(f"'{approver.name}' has no email address to send the approval to", "approver")
    approval.status, approval.sent_on, approval.sent_by_id = (
        ApprovalStatus.PENDING.value,
        now,
        None if actor is None else actor.user_id,
    )
    await session.flush()
    await scheduling.start_waiting(session, release.portal_id, level, now)
    await session.refresh(approval, ["approver", "original_approver"])
    link_id = await links.new_link(session, approval.id, now)
    values = {
        "submitter": submitter or ("releasedesk" if actor is None else actor.user_name),
        "title": release.title,
        "approver": approver.name,
        "release_id": str(release.id),
        "level": str(level.level),
        "stage": level.stage.name,
    }
    await outbox.enqueue(
        session,
        portal_id=release.portal_id,
        recipient=approver.email_id,
        subject=fill(notification.subject, values),
        body=fill(notification.description, values),
        approval_link_id=link_id,
        now=now,
    )
    sent_to = approver.name
    if delegated_from is not None:
        sent_to += f" (delegate of {delegated_from.name}, who is away)"
    await recording.record(
        session,
        release.id,
        actor,
        Operation.CHANGED,
        subject=APPROVAL,
        description=f"Approval of level {level.level} sent to {sent_to}",
        changes=history.diff(before, approval_value(level, approval)),
    )
    await announce.approval(
        session,
        actor,
        release,
        EventType.APPROVAL_REQUESTED,
        {
            "id": approval.id,
            "level": {"id": level.id, "level": level.level, "stage": level.stage.name},
            "status": approval.status,
            "approver": {"id": approver.id, "name": approver.name, "email": approver.email_id},
            "sent_on": approval.sent_on,
        },
    )


async def _holder_of(session: AsyncSession, release: Release, path: str) -> User:
    """The user an organisational role names for this release, now."""
    requester = release.holder(RoleName.REQUESTER)
    role = display_name(path)
    if requester is None:
        raise Invalid(f"The release has no requester, so '{role}' names nobody", "xpath")
    holder_id: int | None = None
    if path == OrgRole.REPORTING_TO:
        line = await repository.reporting_line(session, requester.id)
        holder_id = None if line is None else line.manager_id
    elif path == OrgRole.DEPARTMENT_HEAD and requester.department is not None:
        head = await repository.department_head(session, requester.department.id)
        holder_id = None if head is None else head.head_id
    holder = (
        None if holder_id is None else await repository.user(session, release.portal_id, holder_id)
    )
    if holder is None:
        raise Invalid(f"'{role}' names nobody for requester '{requester.name}'", "xpath")
    return holder


async def _delegate(
    session: AsyncSession,
    release: Release,
    level: ApprovalLevelRow,
    approval: Approval,
    now: dt.datetime,
) -> User | None:
    """An approver away now hands the approval to their delegate (one hop; a delegate who
    already approves on this level keeps their one vote, so the approver keeps it); the
    approver it was taken from, or None."""
    if approval.approver_id is None:
        return None
    absence = await repository.active_absence(session, approval.approver_id, now)
    if absence is None:
        return None
    others = {a.approver_id for a in level.approvals if a.id != approval.id}
    if absence.delegate.id in others:
        return None
    original = await repository.user(session, release.portal_id, approval.approver_id)
    approval.original_approver_id = approval.approver_id
    approval.approver_id = absence.delegate.id
    return original


async def _audit_delegation(
    session: AsyncSession,
    actor: Actor | None,
    release: Release,
    level: ApprovalLevelRow,
    approval: Approval,
    away: User,
) -> None:
    """An approval handed to the delegate of an approver away, in the audit trail (about
    the approver away; the delegate in the detail)."""
    delegate = await repository.user(session, release.portal_id, approval.approver_id or 0)
    await audit.record(
        session,
        portal_id=release.portal_id,
        by=SYSTEM if actor is None else actor_of(actor),
        kind=AuditKind.APPROVAL_DELEGATED,
        subject=Subject(away.id, away.name),
        detail=release_detail(
            release.id,
            release.title,
            approval=approval.id,
            level=level.level,
            stage=level.stage.name,
            delegate=None if delegate is None else {"id": delegate.id, "name": delegate.name},
        ),
    )


async def send_next_level(
    session: AsyncSession,
    actor: Actor | None,
    release: Release,
    stage_id: int,
    submitter: str | None,
) -> None:
    """Once a level is approved, the next level of its stage goes out: each of its
    approvals still To Be Sent is sent, and one that cannot be (an organisational role that
    names nobody, an approver without email) stays To Be Sent with a history entry saying
    why, without undoing the decision that approved the level before."""
    levels = await repository.level_rows(session, release.id, stage_id)
    index = rules.current_level([LevelStatus(r.status) for r in levels])
    if index is None:
        return
    level = levels[index]
    waiting = [a.id for a in level.approvals if a.status == ApprovalStatus.TO_BE_SENT.value]
    number = level.level
    for approval_id in waiting:
        savepoint = await session.begin_nested()
        try:
            fresh = await _level(session, release, level.id)
            approval = approval_of(fresh, approval_id)
            await send(session, actor, release, fresh, approval, DEFAULT, submitter=submitter)
        except ReleaseDeskError as error:
            # The rollback expires what the savepoint touched: only plain values below.
            await savepoint.rollback()
            await recording.record(
                session,
                release.id,
                actor,
                Operation.CHANGED,
                subject=APPROVAL,
                description=f"Approval {approval_id} of level {number} could not be sent: "
                f"{error.message}",
            )
            continue
        await savepoint.commit()
