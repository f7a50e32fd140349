"""Deciding from the mail: what the link's page shows (reading it decides nothing, so mail
scanners that open links approve nothing), and the decision its form posts, taken as the
approver "via mail link", once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, Role
from releasedesk.core.approvals import decisions, links, repository
from releasedesk.core.approvals.links import LinkProblem, LinkRefused
from releasedesk.core.approvals.views import Approval as ApprovalView
from releasedesk.core.approvals.views import ApprovalStatus, Channel
from releasedesk.core.errors import Forbidden
from releasedesk.core.releases import locks, read_repository
from releasedesk.core.releases.parts import NOTHING
from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.db.models import Approval, ApprovalLink
from releasedesk.db.models import ApprovalLevel as ApprovalLevelRow


@dataclass(frozen=True, slots=True)
class LinkPage:
    """What the approver sees before deciding."""

    release_id: int
    release_title: str
    stage: str
    level: int
    level_name: str
    rule: str
    approver: str
    original_approver: str | None
    status: ApprovalStatus
    level_status: LevelStatus
    expires_on: dt.datetime

    @property
    def decidable(self) -> bool:
        return self.status is ApprovalStatus.PENDING and self.level_status is LevelStatus.PENDING


async def _parts(session: AsyncSession, link: ApprovalLink) -> tuple[Approval, ApprovalLevelRow]:
    approval = await repository.approval_by_id(session, link.approval_id)
    level = None if approval is None else await repository.level_by_id(session, approval.level_id)
    if approval is None or level is None or approval.approver is None:
        raise LinkRefused(LinkProblem.INVALID)
    return approval, level


async def link_page(
    session: AsyncSession, secret: str, token: str, now: dt.datetime | None = None
) -> LinkPage:
    """The page of a genuine, unused, unexpired link; reading it changes nothing."""
    link = await links.checked_link(session, secret, token, now or dt.datetime.now(dt.UTC))
    approval, level = await _parts(session, link)
    release = await read_repository.load_one(session, level.release_id, NOTHING)
    if release is None or approval.approver is None:
        raise LinkRefused(LinkProblem.INVALID)
    rule = level.rule_type.replace("_", " ")
    if level.rule_value is not None:
        rule += f" ({level.rule_value}%)"
    return LinkPage(
        release_id=release.id,
        release_title=release.title,
        stage=level.stage.name,
        level=level.level,
        level_name=level.name,
        rule=rule,
        approver=approval.approver.name,
        original_approver=None
        if approval.original_approver is None
        else approval.original_approver.name,
        status=ApprovalStatus(approval.status),
        level_status=LevelStatus(level.status),
        expires_on=link.expires_on,
    )


async def decide_by_link(
    session: AsyncSession,
    secret: str,
    token: str,
    verdict: ApprovalStatus,
    comments: str | None,
) -> ApprovalView:
    """The approver's decision through their link, which is then used up."""
    now = dt.datetime.now(dt.UTC)
    link = await links.checked_link(session, secret, token, now)
    approval, level = await _parts(session, link)
    approver = approval.approver
    assert approver is not None  # _parts refuses an approval without one
    # Lock the release, then look at the link again: of two posts of one link, the second
    # waits here and then finds it used.
    await locks.lock_release(session, approver.portal_id, level.release_id)
    link = await links.checked_link(session, secret, token, now)
    if not approver.is_active:
        raise Forbidden(f"'{approver.name}' is no longer an active user")
    actor = Actor(
        user_id=approver.id,
        user_name=approver.name,
        portal_id=approver.portal_id,
        portal_name=await repository.portal_name(session, approver.portal_id),
        role=Role(approver.role),
    )
    decided = await decisions.decide(
        session,
        actor,
        level.release_id,
        level.id,
        approval.id,
        verdict,
        comments,
        channel=Channel.MAIL_LINK,
    )
    await repository.use_link(session, link.id, now)
    return decided
