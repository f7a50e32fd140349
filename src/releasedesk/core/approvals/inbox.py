"""A user's approvals, for a "My approvals" page: what waits on them, and what they decided.

What waits on a user is what `decisions.decide` would let them decide now as approver or as
delegate: an approval sent to them, or to someone away now who named them their delegate
(unless they approve on that level themselves: one vote each), on the level being decided
of a release neither trashed nor closed. An admin's power to decide for any approver puts
nothing in their inbox. Deciding stays `decisions.decide`; `entry` reads one approval of
the caller's again (after a refused decision: who settled it, and when).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_admin
from releasedesk.core.approvals import repository, rules
from releasedesk.core.approvals.repository import InboxEntryRow, InboxRow
from releasedesk.core.approvals.rules import Rule, RuleType
from releasedesk.core.approvals.views import (
    Approval,
    ApprovalStatus,
    InboxEntry,
    InboxItem,
    Settled,
)
from releasedesk.core.errors import Forbidden, Invalid, NotFound
from releasedesk.core.releases.views import Person
from releasedesk.core.stage_approval.status import LevelStatus

DECIDED_LIMIT = 20
MAX_DECIDED_LIMIT = 100


async def waiting_on(session: AsyncSession, actor: Actor) -> list[InboxItem]:
    """The approvals the caller can decide now: the soonest deadline first, then those
    without one, each the longest waiting first."""
    now = dt.datetime.now(dt.UTC)
    rows = await repository.waiting_on(session, actor.portal_id, actor.user_id, now)
    return [_item(actor, row) for row in rows]


async def decided_recently(
    session: AsyncSession, actor: Actor, limit: int = DECIDED_LIMIT
) -> list[InboxItem]:
    """The approvals the caller decided (as approver, delegate or admin), the latest first;
    releases in the trash left out."""
    if not 1 <= limit <= MAX_DECIDED_LIMIT:
        raise Invalid(f"'limit' must be from 1 to {MAX_DECIDED_LIMIT}", "limit")
    rows = await repository.decided_by(session, actor.portal_id, actor.user_id, limit)
    return [_item(actor, row) for row in rows]


async def waiting_count(session: AsyncSession, actor: Actor) -> int:
    """How many approvals `waiting_on` would list: one count (for a badge on every page)."""
    now = dt.datetime.now(dt.UTC)
    return await repository.count_waiting(session, actor.portal_id, actor.user_id, now)


async def waiting_by_approver(session: AsyncSession, actor: Actor) -> dict[int, int]:
    """User id → how many approvals were sent to them and await their decision on the
    portal's live releases (not counting what they may decide as a delegate), for the Users
    page beside each user: administrators only."""
    require_admin(actor, "see the approvals waiting on each user")
    return await repository.waiting_by_approver(session, actor.portal_id)


async def entry(
    session: AsyncSession, actor: Actor, release_id: int, level_id: int, approval_id: int
) -> InboxEntry:
    """One approval of the caller's as it stands now: asked of them (or given to them as a
    delegate), of someone away now who named them their delegate, decided by them, or any
    approval of the portal for an admin; with who settled it once nothing is left to decide
    on it. 404 when the release (not in the trash), level and approval do not go together;
    403 for someone else's approval, as `decisions.decide` refuses it."""
    found = await repository.inbox_entry(
        session, actor.portal_id, release_id, level_id, approval_id
    )
    if found is None:
        raise NotFound(
            f"No approval with id '{approval_id}' in approval level '{level_id}' of release "
            f"'{release_id}'",
            "id",
        )
    approval = found.row.approval
    if not await _concerns(session, actor, approval):
        raise Forbidden("This approval was asked of someone else; you cannot see or decide it")
    return InboxEntry(item=_item(actor, found.row), settled=_settled(found))


async def _concerns(session: AsyncSession, actor: Actor, approval: Approval) -> bool:
    if actor.is_admin:
        return True
    people = (approval.approver, approval.original_approver, approval.decided_by)
    if actor.user_id in {p.id for p in people if p is not None}:
        return True
    if approval.approver is None:
        return False
    now = dt.datetime.now(dt.UTC)
    return approval.approver.id in await repository.delegators_of(session, actor.user_id, now)


def _settled(found: InboxEntryRow) -> Settled | None:
    approval = found.row.approval
    if approval.status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
        return Settled(approval.status, approval.decided_by, approval.action_taken_on, False)
    if approval.status is ApprovalStatus.PENDING and approval.level.status is not (
        LevelStatus.PENDING
    ):
        return Settled(approval.level.status, found.level_decided_by, found.level_decided_on, True)
    return None


def _item(actor: Actor, row: InboxRow) -> InboxItem:
    approval = row.approval
    rule = Rule.stored(row.rule_type, row.rule_value)
    return InboxItem(
        release_id=approval.level.release_id,
        release_title=row.release_title,
        stage=row.stage,
        level_id=approval.level.id,
        level=approval.level.level,
        level_name=row.level_name,
        approval_id=approval.id,
        rule=rule_text(rule, row.approvers, row.approved),
        requested_by=row.requested_by,
        requested_on=approval.sent_on,
        on_behalf_of=_on_behalf_of(actor, approval.approver, approval.original_approver),
        status=approval.status,
        comments=approval.comments,
        decided_on=approval.action_taken_on,
        decided_by=approval.decided_by,
        deadline=row.deadline,
    )


def _on_behalf_of(actor: Actor, approver: Person | None, original: Person | None) -> Person | None:
    """Whom the caller stands in for: an approver other than the caller (away, the caller
    their delegate; or decided for by the caller as admin), else the approver the approval
    was taken from when it was sent to the caller as delegate."""
    if approver is not None and approver.id != actor.user_id:
        return approver
    return original


def rule_text(rule: Rule, approvers: int, approved: int) -> str:
    """The rule in words with where the level stands, counted as `rules.level_outcome`
    counts: over every approver of the level, sent or not."""
    if rule.type is RuleType.ANYONE:
        return "Any one"
    if rule.type is RuleType.FIRST_RESPONSE:
        return "First response"
    if rule.type is RuleType.EVERYONE:
        return f"Everyone — {approved} of {approvers} approved"
    needed = rules.approvals_needed(rule, approvers)
    return f"{rule.percent} % — {needed} of {approvers} needed, {approved} approved"
