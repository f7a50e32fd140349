"""The approval summary of a release: each stage, whether it was visited, and its decision."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.approvals import repository
from releasedesk.core.releases import repository as releases_repository
from releasedesk.core.releases.service import view_release
from releasedesk.core.workflow import service as workflow
from releasedesk.db.models import ApprovalLevel, ReleaseStage, ReleaseStatusComment

DECISION_OF_STATUS_TYPE = {"Success": "approve", "Failed": "reject"}
DECISION_OF_LEVEL = {"approved": "approve", "rejected": "reject", "pending": "inProgress"}


@dataclass
class StageSummary:
    stage: ReleaseStage
    visited: bool
    latest_decision: str  # approve | reject | inProgress | upcoming
    last_comment: ReleaseStatusComment | None = None
    levels: list[ApprovalLevel] = field(default_factory=list)


async def approval_summary(
    session: AsyncSession, actor: Actor, release_id: int
) -> list[StageSummary]:
    """Every stage in order: visited or not, and the latest decision taken in it."""
    release = await view_release(session, actor, release_id, frozenset())
    stages = await workflow.list_stages(session, actor.portal_id)
    comments = await releases_repository.last_comment_per_stage(session, release.id)
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
    stage: ReleaseStage,
    current: int,
    levels: list[ApprovalLevel],
    comment: ReleaseStatusComment | None,
    current_status_type: str,
) -> str:
    if levels:
        return DECISION_OF_LEVEL.get(levels[-1].status, "inProgress")
    if stage.stage_index > current and comment is None:
        return "upcoming"
    if stage.stage_index == current:
        if stage.internal_name == "close":
            return DECISION_OF_STATUS_TYPE.get(current_status_type, "inProgress")
        return "inProgress"
    # A stage the release has left: its last status says how it ended; moving on means passed.
    if comment is not None:
        return DECISION_OF_STATUS_TYPE.get(comment.status.status_type, "approve")
    return "approve"
