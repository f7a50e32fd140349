"""All SQL about approval levels and approvals."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.db.models import Approval, ApprovalLevel


async def levels_of(session: AsyncSession, release_id: int) -> list[ApprovalLevel]:
    result = await session.execute(
        select(ApprovalLevel)
        .where(ApprovalLevel.release_id == release_id)
        .order_by(ApprovalLevel.stage_id, ApprovalLevel.level, ApprovalLevel.id)
    )
    return list(result.unique().scalars())


async def stages_where_approver(session: AsyncSession, release_id: int, user_id: int) -> set[int]:
    """The stages of a release in which `user_id` is one of the approvers."""
    result = await session.execute(
        select(ApprovalLevel.stage_id)
        .join(Approval, Approval.level_id == ApprovalLevel.id)
        .where(ApprovalLevel.release_id == release_id, Approval.approver_id == user_id)
    )
    return set(result.scalars())
