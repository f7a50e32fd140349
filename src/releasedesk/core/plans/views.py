"""A release's plan as the core hands it to dialects: its lifecycle model, team, phases and
milestones beside the release itself."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from releasedesk.core.lifecycle.views import LifecycleModel, PhaseModel
from releasedesk.core.releases.schemas import ReleaseChanges
from releasedesk.core.releases.views import Release
from releasedesk.core.teams.views import Team


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of a release, made from its lifecycle model's phase model."""

    uuid: uuid.UUID
    version: int
    created_time: dt.datetime
    model: PhaseModel


@dataclass(frozen=True, slots=True)
class Milestone:
    uuid: uuid.UUID
    name: str
    date: dt.datetime
    created_time: dt.datetime


@dataclass(frozen=True, slots=True)
class Plan:
    """What a release is planned with; a release made without a lifecycle model (through
    a dialect that has none) has no model, no team, no phases, and maybe milestones."""

    lifecycle_model: LifecycleModel | None = None
    team: Team | None = None
    phases: tuple[Phase, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    total_changes: int = 0  # changes associated with the release


NO_PLAN = Plan()


@dataclass(frozen=True, slots=True)
class PlannedRelease:
    release: Release
    plan: Plan
    can_edit: bool


@dataclass(frozen=True, slots=True)
class MilestoneIn:
    """A milestone as a change names it: `uuid` of one the release has, or None for a new one."""

    name: str
    date: dt.datetime
    uuid: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class PlanChanges:
    """A release's own fields and its plan. `given` says which plan parts the client set
    (`lifecycle_model`, `team`, `milestones`); a given team of None clears it."""

    release: ReleaseChanges
    lifecycle_model: uuid.UUID | None = None
    team: uuid.UUID | None = None
    milestones: tuple[MilestoneIn, ...] = ()
    given: frozenset[str] = field(default=frozenset())

    def has(self, name: str) -> bool:
        return name in self.given
