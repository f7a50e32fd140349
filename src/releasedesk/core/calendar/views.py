"""The calendar's read model: the releases scheduled in a range, what each collides with, and
where a colliding release could move.

Slotted frozen dataclasses in neutral types (aware UTC datetimes, `Named`), built by the
service from what the repository reads; a page renders them and never sees a row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from releasedesk.core.freezes.views import Band, Flag
from releasedesk.core.releases.views import Named


class SharedKind(StrEnum):
    """What two releases may share that makes overlapping windows a collision."""

    SERVICE = "service"
    GROUP = "support group"
    CONFIGURATION_ITEM = "configuration item"  # a FlexDeploy project both deploy


@dataclass(frozen=True, slots=True)
class Shared:
    """One thing two colliding releases share: a service, the group or a project."""

    kind: SharedKind
    item: Named

    @property
    def in_words(self) -> str:
        return f'{self.kind} "{self.item.name}"'


@dataclass(frozen=True, slots=True)
class Collision:
    """Another open release whose window overlaps this one's and that shares something."""

    release_id: int
    title: str
    scheduled_start_time: dt.datetime
    scheduled_end_time: dt.datetime | None
    shared: tuple[Shared, ...]
    shared_in_words: str  # 'service "Payments", support group "Network"'


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """A release on the calendar. `collisions` is empty for a closed release (it is shown
    but occupies no window); `next_free` (or `no_free_reason`) is set only when it collides
    or meets a blocking freeze window."""

    release_id: int
    title: str
    release_type: Named | None  # its color colours the event
    stage: str
    status: str
    closed: bool
    priority: Named | None
    scheduled_start_time: dt.datetime
    scheduled_end_time: dt.datetime | None  # None: the release is the instant of its start
    services: tuple[Named, ...]
    group: Named | None
    configuration_items: tuple[Named, ...]
    collisions: tuple[Collision, ...]
    next_free: dt.datetime | None
    no_free_reason: str | None
    # The freeze windows in its scope its schedule meets (an open release only): blocking
    # ones it holds no exception to make it look for a free window as a collision does.
    freezes: tuple[Flag, ...] = ()


@dataclass(frozen=True, slots=True)
class Calendar:
    """The releases the caller may see whose window meets [start, end), by start time."""

    start: dt.datetime
    end: dt.datetime
    service: Named | None  # the service the calendar was narrowed to, if any
    events: tuple[CalendarEvent, ...]
    freezes: tuple[Band, ...] = ()  # every freeze occurrence meeting the range, by start


@dataclass(frozen=True, slots=True)
class FreeWindow:
    """Where a release could be moved to collide with nothing: `next_free` is its current
    start when it collides with nothing now; None with the reason when no start within the
    search horizon is free (or the release has no window to move)."""

    release_id: int
    scheduled_start_time: dt.datetime | None
    scheduled_end_time: dt.datetime | None
    next_free: dt.datetime | None
    next_free_end: dt.datetime | None  # where the window would end there (None: an instant)
    no_free_reason: str | None
