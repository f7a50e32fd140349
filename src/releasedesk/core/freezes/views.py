"""Freeze windows as the core hands them out: typed, slotted, in neutral words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from releasedesk.core.actors import Actor
from releasedesk.core.freezes.timing import Occurrence, Timing
from releasedesk.core.values import Named


class Effect(StrEnum):
    BLOCK = "block"  # refuse what would meet the window
    WARN = "warn"  # let it pass, with a status comment saying so


@dataclass(frozen=True, slots=True)
class Scope:
    """What a window applies to: every release when all three are empty, else a release
    touching one of the services, of one of the release types, or planned for one of the
    teams."""

    services: tuple[Named, ...] = ()
    release_types: tuple[Named, ...] = ()
    teams: tuple[Named, ...] = ()

    @property
    def everything(self) -> bool:
        return not (self.services or self.release_types or self.teams)

    def covers(self, facts: ReleaseFacts) -> bool:
        if self.everything:
            return True
        return (
            any(s.id in facts.service_ids for s in self.services)
            or any(t.id == facts.release_type_id for t in self.release_types)
            or any(t.id == facts.team_id for t in self.teams)
        )


@dataclass(frozen=True, slots=True)
class FreezeWindow:
    id: int
    name: str
    reason: str
    timing: Timing
    scope: Scope
    effect: Effect
    created_on: dt.datetime
    updated_on: dt.datetime
    created_by: str | None


@dataclass(frozen=True, slots=True)
class ReleaseFacts:
    """What a freeze asks of a release: when it is scheduled and what it touches."""

    release_id: int | None
    requester_id: int | None
    scheduled_start: dt.datetime | None
    scheduled_end: dt.datetime | None
    service_ids: frozenset[int]
    release_type_id: int | None
    team_id: int | None
    created_by_id: int | None = None

    def seen_by(self, actor: Actor) -> bool:
        """Whether the actor may see the release (the release list's rule: staff see all,
        a requester what they requested or created)."""
        return actor.is_staff or actor.user_id in (self.requester_id, self.created_by_id)


@dataclass(frozen=True, slots=True)
class Meeting:
    """A window a release meets: which, the occurrence met, and the first time after which
    the release could go without meeting any blocking window."""

    window: FreezeWindow
    occurrence: Occurrence
    next_allowed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Override:
    id: int
    window_id: int
    window_name: str
    release_id: int
    reason: str
    expires_on: dt.datetime
    granted_by: str | None
    granted_on: dt.datetime


@dataclass(frozen=True, slots=True)
class Affected:
    """A live release scheduled into a window, and whether it holds an exception to it."""

    release_id: int
    title: str
    scheduled_start: dt.datetime
    scheduled_end: dt.datetime
    overridden: bool


@dataclass(frozen=True, slots=True)
class Band:
    """One occurrence of a window, as the calendar shades it."""

    window: FreezeWindow
    occurrence: Occurrence

    @property
    def blocks(self) -> bool:
        return self.window.effect is Effect.BLOCK


@dataclass(frozen=True, slots=True)
class Flag:
    """A window a release's schedule meets: which occurrence, and whether the release holds
    an unexpired exception to it (then it is shown, but it blocks nothing)."""

    window: FreezeWindow
    occurrence: Occurrence
    excepted: bool

    @property
    def blocks(self) -> bool:
        return self.window.effect is Effect.BLOCK and not self.excepted
