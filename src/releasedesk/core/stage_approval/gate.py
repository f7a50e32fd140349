"""Stage gating: a release leaves a stage forward only once that stage's approval (when it
has approval levels) is approved; moving back is always allowed. Below releases/, so that
its service and lifecycle ask this without importing approvals/ (which builds on releases/)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.errors import Invalid
from releasedesk.core.stage_approval import repository
from releasedesk.core.stage_approval.repository import LevelState
from releasedesk.core.stage_approval.status import LevelStatus, StageApproval, stage_approval
from releasedesk.core.workflow.views import Stage
from releasedesk.db.models import ReleaseStage


async def require_approved_to_leave(
    session: AsyncSession, release_id: int, current: Stage, target: ReleaseStage | Stage
) -> None:
    """Moving forward from `current` to `target`: the current stage, and any stage passed
    over on the way, must have no approval level that is not approved (400 naming it)."""
    if target.stage_index <= current.stage_index:
        return
    by_stage: dict[int, list[LevelState]] = {}
    for state in await repository.level_states(session, release_id):
        if current.stage_index <= state.stage_index < target.stage_index:
            by_stage.setdefault(state.stage_index, []).append(state)
    for index in sorted(by_stage):
        levels = by_stage[index]  # in level order
        outcome = stage_approval([state.status for state in levels])
        if outcome is StageApproval.APPROVED:
            continue
        stuck = next(state for state in levels if state.status is not LevelStatus.APPROVED)
        how = "was rejected" if outcome is StageApproval.REJECTED else "is not approved yet"
        raise Invalid(
            f"The release cannot move on from {current.name} to {target.name}: approval "
            f"level {stuck.level} '{stuck.name}' of {stuck.stage_name} {how}",
            "stage",
        )
