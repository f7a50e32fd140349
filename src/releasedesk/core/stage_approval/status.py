"""Where a release's stage approvals stand, pure: a level's status and how a stage's levels
add up (rejected by any rejected level, approved once all are)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class LevelStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class StageApproval(StrEnum):
    """Where a stage's approval stands: NONE when the stage has no levels."""

    NONE = "none"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def stage_approval(levels: Sequence[LevelStatus]) -> StageApproval:
    """A stage's approval from its levels' statuses in level order."""
    if not levels:
        return StageApproval.NONE
    if LevelStatus.REJECTED in levels:
        return StageApproval.REJECTED
    if all(status is LevelStatus.APPROVED for status in levels):
        return StageApproval.APPROVED
    return StageApproval.PENDING
