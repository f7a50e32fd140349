"""The approval summary of a release: each stage, whether it was visited, and its decision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.approvals import repository
from releasedesk.core.approvals.views import ApprovalLevel
from releasedesk.core.releases import history_pages
from releasedesk.core.releases.access import view_release
from releasedesk.core.releases.parts import NOTHING
from releasedesk.core.releases.views import Release, StatusComment
from releasedesk.core.stage_approval.status import StageApproval, stage_approval
from releasedesk.core.workflow import service as workflow
from releasedesk.core.workflow.names import StatusType
from releasedesk.core.workflow.views import Stage


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    IN_PROGRESS = "in_progress"
    UPCOMING = "upcoming"


DECISION_OF_STATUS_TYPE: dict[str, Decision] = {
    StatusType.SUCCESS: Decision.APPROVE,
    StatusType.FAILED: Decision.REJECT,
}
DECISION_OF_STAGE_APPROVAL = {
    StageApproval.APPROVED: Decision.APPROVE,
    StageApproval.REJECTED: Decision.REJECT,
    StageApproval.PENDING: Decision.IN_PROGRESS,
}


@dataclass(frozen=True)
class StageSummary:
    stage: Stage
    visited: bool
    latest_decision: Decision
    last_comment: StatusComment | None = None
    levels: list[ApprovalLevel] = field(default_factory=list)


async def approval_summary(
    session: AsyncSession, actor: Actor, release_id: int
) -> list[StageSummary]:
    """Every stage in order: visited or not, and the latest decision taken in it."""
    release = await view_release(session, actor, release_id, NOTHING)
    stages = await workflow.list_stages(session, actor.portal_id)
    comments = await history_pages.last_comment_per_stage(session, release.id)
    levels_by_stage: dict[int, list[ApprovalLevel]] = {}
    for level in await repository.levels_of(session, release.id):
        levels_by_stage.setdefault(level.stage_id, []).append(level)
    current = release.stage.stage_index
    summaries: list[StageSummary] = []
    for stage in stages:
        levels = levels_by_stage.get(stage.id, [])
        visited = stage.stage_index <= current or stage.id in comments
        comment = comments.get(stage.id)
        summaries.append(
            StageSummary(
                stage=stage,
                visited=visited,
                last_comment=comment if visited else None,
                levels=levels,
                latest_decision=_decision(
                    stage, current, levels, comment, release.status.status_type
                ),
            )
        )
    return summaries


def _decision(
    stage: Stage,
    current: int,
    levels: list[ApprovalLevel],
    comment: StatusComment | None,
    current_status_type: str,
) -> Decision:
    if levels:
        # Approved once every level is; a rejected level ends it; else still in progress.
        return DECISION_OF_STAGE_APPROVAL[stage_approval([lv.status for lv in levels])]
    if stage.stage_index > current and comment is None:
        return Decision.UPCOMING
    if stage.stage_index == current:
        if stage.is_closure:
            return _of_status_type(current_status_type, Decision.IN_PROGRESS)
        return Decision.IN_PROGRESS
    # A stage the release has left: its last status says how it ended; moving on means passed.
    if comment is not None:
        return _of_status_type(comment.status.status_type, Decision.APPROVE)
    return Decision.APPROVE


def _of_status_type(status_type: str, otherwise: Decision) -> Decision:
    """A status that ends its stage (Success / Failed) says how the stage went."""
    return DECISION_OF_STATUS_TYPE.get(status_type, otherwise)


@dataclass(frozen=True, slots=True)
class CurrentApproval:
    """Where the approval of the stage a release stands in is: NONE when the stage has no
    approval levels; else the stage's outcome and, over its levels, how many approvals
    there are and how many approved (what "Waiting (1 of 3)" says)."""

    state: StageApproval
    approved: int = 0
    approvals: int = 0


NO_APPROVAL = CurrentApproval(StageApproval.NONE)


async def current_approvals(
    session: AsyncSession, actor: Actor, shown: Sequence[Release]
) -> dict[int, CurrentApproval]:
    """The current stage's approval of each release of `shown` (releases the caller was
    given by a read that checked they may see them), read for all of them in one statement
    rather than one summary per release; a release missing from the answer has none."""
    levels_by_release: dict[int, list[repository.CurrentStageLevel]] = {}
    for level in await repository.current_stage_levels(
        session, actor.portal_id, [release.id for release in shown]
    ):
        levels_by_release.setdefault(level.release_id, []).append(level)
    return {
        release_id: CurrentApproval(
            stage_approval([level.status for level in levels]),
            sum(level.approved for level in levels),
            sum(level.approvals for level in levels),
        )
        for release_id, levels in levels_by_release.items()
    }
