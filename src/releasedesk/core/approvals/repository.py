"""All SQL about approval levels and approvals."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.approvals.views import ApprovalLevel, LevelStatus
from releasedesk.core.releases.rows import person_of
from releasedesk.db.models import Approval
from releasedesk.db.models import ApprovalLevel as ApprovalLevelRow


def _level(row: ApprovalLevelRow) -> ApprovalLevel:
    return ApprovalLevel(
        id=row.id,
        stage_id=row.stage_id,
        level=row.level,
        name=row.name,
        rule_type=row.rule_type,
        rule_value=row.rule_value,
        status=LevelStatus(row.status),
        is_current=row.is_current,
        comments=row.comments,
        created_by=person_of(row.created_by),
        created_on=row.created_on,
        action_taken_by=person_of(row.action_taken_by),
        action_taken_on=row.action_taken_on,
    )


async def levels_of(session: AsyncSession, release_id: int) -> list[ApprovalLevel]:
    result = await session.execute(
        select(ApprovalLevelRow)
        .where(ApprovalLevelRow.release_id == release_id)
        .order_by(ApprovalLevelRow.stage_id, ApprovalLevelRow.level, ApprovalLevelRow.id)
    )
    return [_level(row) for row in result.unique().scalars()]


async def stages_where_approver(session: AsyncSession, release_id: int, user_id: int) -> set[int]:
    """The stages of a release in which `user_id` is one of the approvers."""
    result = await session.execute(
        select(ApprovalLevelRow.stage_id)
        .join(Approval, Approval.level_id == ApprovalLevelRow.id)
        .where(ApprovalLevelRow.release_id == release_id, Approval.approver_id == user_id)
    )
    return set(result.scalars())
