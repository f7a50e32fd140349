"""The SQL of the stage gate: a release's approval levels as the gate weighs them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.db.models import ApprovalLevel, ReleaseStage


@dataclass(frozen=True, slots=True)
class LevelState:
    """What the stage gate needs of a level: one statement, no approvals loaded."""

    stage_index: int
    stage_name: str
    level: int
    name: str
    status: LevelStatus


async def level_states(session: AsyncSession, release_id: int) -> list[LevelState]:
    result = await session.execute(
        select(
            ReleaseStage.stage_index,
            ReleaseStage.name,
            ApprovalLevel.level,
            ApprovalLevel.name,
            ApprovalLevel.status,
        )
        .join(ReleaseStage, ReleaseStage.id == ApprovalLevel.stage_id)
        .where(ApprovalLevel.release_id == release_id)
        .order_by(ReleaseStage.stage_index, ApprovalLevel.level)
    )
    return [
        LevelState(int(index), str(stage), int(level), str(name), LevelStatus(status))
        for index, stage, level, name, status in result.all()
    ]
