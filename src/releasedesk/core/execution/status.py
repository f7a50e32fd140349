"""A release's deployment status (FlexDeploy's NOTSTARTED, STARTED, SUSPENDED, COMPLETED) as a
reading of its one workflow position, the stage and status every dialect shares.

    Submission, Planning                                   NOTSTARTED
    Development … Review, a status of type On Hold          SUSPENDED
    Development … Review, any other status                 STARTED
    Closure                                                COMPLETED

Starting moves a release that has not started to Development (its first status, In
Progress); starting a suspended one sets its stage's In Progress status; completing closes
it (Closure, Completed). docs/dialects.md has the whole mapping.
"""

from __future__ import annotations

from enum import StrEnum

from releasedesk.core.search.query import Condition, Group, Node, Op
from releasedesk.core.workflow.names import StageName

NOT_STARTED_STAGES = (StageName.SUBMISSION.value, StageName.PLANNING.value)
START_STAGE = "implementation"  # Development, the first stage of the work
ON_HOLD = "On Hold"
RUNNING = "In Progress"


class DeploymentStatus(StrEnum):
    NOT_STARTED = "NOTSTARTED"
    STARTED = "STARTED"
    SUSPENDED = "SUSPENDED"
    COMPLETED = "COMPLETED"

    @property
    def is_under_way(self) -> bool:
        return self in (DeploymentStatus.STARTED, DeploymentStatus.SUSPENDED)


def status_of(stage_internal_name: str, status_type: str) -> DeploymentStatus:
    """The deployment status of a release standing in this stage with a status of this type."""
    if stage_internal_name == StageName.CLOSE:
        return DeploymentStatus.COMPLETED
    if stage_internal_name in NOT_STARTED_STAGES:
        return DeploymentStatus.NOT_STARTED
    if status_type == ON_HOLD:
        return DeploymentStatus.SUSPENDED
    return DeploymentStatus.STARTED


def parse_status(text: str) -> DeploymentStatus | None:
    """NOTSTARTED, NOT STARTED, STARTED, SUSPENDED, COMPLETED in any case (None if none)."""
    key = "".join(text.split()).upper().replace("_", "")
    return next((s for s in DeploymentStatus if s.value == key), None)


def _stage(op: Op, names: tuple[str, ...]) -> Condition:
    return Condition("stage.internal_name", op, names)


def filter_for(status: DeploymentStatus) -> Node:
    """The search filter of releases in `status` (runs in the database like any search)."""
    not_started = (*NOT_STARTED_STAGES, StageName.CLOSE.value)
    if status is DeploymentStatus.COMPLETED:
        return _stage(Op.IS, (StageName.CLOSE.value,))
    if status is DeploymentStatus.NOT_STARTED:
        return _stage(Op.IS, NOT_STARTED_STAGES)
    on_hold = Op.IS if status is DeploymentStatus.SUSPENDED else Op.IS_NOT
    return Group(
        any_of=False,
        children=(
            _stage(Op.IS_NOT, not_started),
            Condition("status.status_type", on_hold, (ON_HOLD,)),
        ),
    )
