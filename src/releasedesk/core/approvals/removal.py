"""Removing an approver who has not decided: the level then counts without them.

Without this a level could wait forever: an organisational role that names nobody, or an
approver who left, keeps an approval To Be Sent (or Pending) that no one can decide. A
decided approval is part of the release's record and is never removed; a level that already
has its outcome keeps its approvers as they were.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_staff
from releasedesk.core.approvals import decisions, repository
from releasedesk.core.approvals.service import ACTION, approval_of
from releasedesk.core.approvals.snapshots import APPROVAL, approval_value, level_value
from releasedesk.core.errors import Invalid, NotFound
from releasedesk.core.notifications import outbox
from releasedesk.core.releases import recording
from releasedesk.core.releases.access import writable_release
from releasedesk.core.releases.history import Operation
from releasedesk.core.stage_approval.status import LevelStatus


async def remove_approval(
    session: AsyncSession, actor: Actor, release_id: int, level_id: int, approval_id: int
) -> None:
    """Remove an undecided approval of a pending level, withdraw its unsent mail, and settle
    the level under its rule with the approvers left (which may approve or reject it, and
    then send the next level)."""
    require_staff(actor, ACTION)
    release = await writable_release(session, actor, release_id)
    level = await repository.level_row(session, release.id, level_id)
    if level is None:
        raise NotFound(f"No approval level with id '{level_id}' in this release", "id")
    approval = approval_of(level, approval_id)
    if approval.decided_on is not None:
        raise Invalid(
            f"this approval is already {approval.status}: a decision is part of the "
            "release's record and cannot be removed",
            "id",
        )
    if level.status != LevelStatus.PENDING.value:
        raise Invalid(
            f"level {level.level} is already {level.status}; its approvers stay as they were",
            "approval_level",
        )
    before_level = level_value(level)
    value = approval_value(level, approval)
    await outbox.withdraw_approval_mails(session, [approval.id])
    level.approvals.remove(approval)
    await repository.remove(session, approval)
    await recording.record_item(
        session,
        release.id,
        actor,
        Operation.REMOVED,
        subject=APPROVAL,
        previous=value,
        current=None,
        description=f"Approver removed from approval level {level.level}",
    )
    await decisions.settle(session, actor, release, level, before_level, submitter_id=None)
