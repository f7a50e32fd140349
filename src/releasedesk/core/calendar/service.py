"""The release calendar: what is scheduled in a range, what collides, and where a colliding
release could go instead.

A release occupies its scheduled window [start, end), or the instant of its start when it
has no end; only open releases (live, not closed) occupy theirs. Two releases collide when
their windows overlap (each starts before the other ends, or both start at the same
instant: back-to-back windows do not overlap) and they share a service, their support
group or a configuration item (a FlexDeploy project both deploy). Closed releases are on
the calendar but collide with nothing; releases in the trash are not on it.

Who sees what follows the release list: a requester's calendar holds only their own
releases, and the collisions it lists only releases they may see. The next free window is
searched against every open release of the portal, seen or not: a suggestion that collided
with a release the caller cannot see would be no suggestion; it shows a time, no release.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from heapq import merge
from itertools import accumulate, islice

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.calendar import repository
from releasedesk.core.calendar.repository import Busy, Key, Scheduled
from releasedesk.core.calendar.views import (
    Calendar,
    CalendarEvent,
    Collision,
    FreeWindow,
    SharedKind,
)
from releasedesk.core.errors import Invalid, TimesOutOfOrder
from releasedesk.core.freezes import flags as freeze_flags
from releasedesk.core.freezes.timing import Occurrence
from releasedesk.core.freezes.views import Flag
from releasedesk.core.lookups import service as lookups
from releasedesk.core.refs import Ref
from releasedesk.core.releases.access import view_release
from releasedesk.core.releases.parts import Part
from releasedesk.core.releases.views import Named

# How far a colliding release's start may move forward to find a free window.
HORIZON = dt.timedelta(days=90)
END_OF_TIME = dt.datetime.max.replace(tzinfo=dt.UTC)


def later(moment: dt.datetime, *deltas: dt.timedelta) -> dt.datetime:
    """`moment` plus `deltas`, or the last representable instant: a release scheduled in
    year 9999 (the APIs take any date) must not make every calendar that shows it fail."""
    try:
        return moment + sum(deltas, dt.timedelta())
    except OverflowError:
        return END_OF_TIME


# The longest range one calendar covers (a year view, with a day to spare for a leap year).
MAX_RANGE = dt.timedelta(days=366)
# A window blocked by an instant moves this far past it: the finest step a calendar shows.
PAST_AN_INSTANT = dt.timedelta(minutes=1)

Window = tuple[dt.datetime, dt.datetime]


def overlaps(start: dt.datetime, end: dt.datetime, other: Window) -> bool:
    """Whether [start, end) overlaps the other window (either may be an instant)."""
    other_start, other_end = other
    return (start < other_end and other_start < end) or start == other_start


def _past(window: Window) -> dt.datetime:
    """The earliest start after `window` that it does not block."""
    start, end = window
    return end if end > start else later(start, PAST_AN_INSTANT)


class FrozenWindow(tuple[dt.datetime, dt.datetime]):
    """A blocking freeze occurrence in a sweep: a window like a release's, told apart only
    when counting what stood in the way."""

    __slots__ = ()


def _sweep(
    start: dt.datetime, duration: dt.timedelta, ordered: Iterable[Window]
) -> tuple[dt.datetime | None, int, int]:
    """`first_free` over windows already in order of start, how many windows blocked the
    way, and how many of those were freeze occurrences.

    One pass: a window that blocks the candidate moves it past that window; one that starts
    after the candidate's window ends means the candidate is free (every later one starts
    later still), so the pass stops there. Windows passed stay passed, since the candidate
    only moves forward.
    """
    latest = later(start, HORIZON)
    candidate = start
    blocked = frozen = 0
    for window in ordered:
        if overlaps(candidate, later(candidate, duration), window):
            blocked += 1
            frozen += isinstance(window, FrozenWindow)
            candidate = max(candidate, _past(window))
            if candidate > latest:
                return None, blocked, frozen
        elif window[0] >= later(candidate, duration):
            break
    return candidate, blocked, frozen


def first_free(
    start: dt.datetime, duration: dt.timedelta, busy: Iterable[Window]
) -> dt.datetime | None:
    """The first start at or after `start`, at most HORIZON later, whose window of
    `duration` overlaps none of `busy`; None when there is none."""
    return _sweep(start, duration, sorted(busy))[0]


def _duration(start: dt.datetime, end: dt.datetime | None) -> dt.timedelta:
    return max(end - start, dt.timedelta(0)) if end is not None else dt.timedelta(0)


@dataclass(frozen=True, slots=True)
class _Subject:
    """A release to find a free window for: its window and what it shares through."""

    id: int
    start: dt.datetime
    duration: dt.timedelta
    keys: frozenset[Key]

    @property
    def horizon_end(self) -> dt.datetime:
        """No window starting after this can block any start the search may suggest."""
        return later(self.start, self.duration, HORIZON)


def _keys(group: Named | None, services: Iterable[Named], items: Iterable[Named]) -> frozenset[Key]:
    keys = {(SharedKind.SERVICE, s.id) for s in services}
    keys.update((SharedKind.CONFIGURATION_ITEM, i.id) for i in items)
    if group is not None:
        keys.add((SharedKind.GROUP, group.id))
    return frozenset(keys)


class _Timeline:
    """The busy windows of one set of keys (each release once), by start, with the latest end
    among the windows up to each: a search from a time skips at once every window before
    the first whose running latest end reaches it, all of which end before it."""

    def __init__(self, windows: Iterable[Busy]) -> None:
        self.windows = sorted(windows, key=lambda busy: (busy.start, busy.release_id))
        self.reach = list(accumulate((busy.end for busy in self.windows), max))

    def first_free(
        self, subject: _Subject, frozen: Sequence[Occurrence] = ()
    ) -> tuple[dt.datetime | None, int, int]:
        """The subject's first free start among these windows and the freeze occurrences
        (by start) that also block it."""
        skip = bisect_left(self.reach, subject.start)
        others: Iterable[Window] = (
            (busy.start, busy.end)
            for busy in islice(self.windows, skip, None)
            if busy.release_id != subject.id
        )
        if frozen:
            others = merge(others, (FrozenWindow((o.start, o.end)) for o in frozen))
        return _sweep(subject.start, subject.duration, others)


def _timeline(keys: frozenset[Key], windows: dict[Key, list[Busy]]) -> _Timeline:
    by_release = {busy.release_id: busy for key in keys for busy in windows.get(key, ())}
    return _Timeline(by_release.values())


async def _next_free(
    session: AsyncSession, portal_id: int, subjects: Sequence[_Subject]
) -> dict[int, tuple[dt.datetime | None, str | None]]:
    """Each subject's first free start (or None and why), from one read of the busy
    windows of everything the subjects share; subjects sharing through the same keys (the
    same group, say) search the same timeline."""
    if not subjects:
        return {}
    frozen = await freeze_flags.blocking_occurrences(
        session,
        portal_id,
        [(s.id, s.start, s.horizon_end) for s in subjects],
        dt.datetime.now(dt.UTC),
    )
    windows = await repository.busy_windows(
        session,
        portal_id,
        frozenset().union(*(s.keys for s in subjects)),
        min(s.start for s in subjects),
        max(s.horizon_end for s in subjects),
    )
    timelines: dict[frozenset[Key], _Timeline] = {}
    found: dict[int, tuple[dt.datetime | None, str | None]] = {}
    for subject in subjects:
        timeline = timelines.get(subject.keys)
        if timeline is None:
            timeline = timelines[subject.keys] = _timeline(subject.keys, windows)
        start, blocked, by_freezes = timeline.first_free(subject, frozen.get(subject.id, ()))
        found[subject.id] = (
            start,
            _no_free_reason(subject.start, blocked - by_freezes, by_freezes)
            if start is None
            else None,
        )
    return found


def _no_free_reason(start: dt.datetime, releases: int, frozen: int) -> str:
    """Why no start within HORIZON is free: the open releases in the way and, when some
    blocking freeze occurrences were in the way too, how many."""
    latest = later(start, HORIZON)
    fill = "fills" if releases + frozen == 1 else "fill"
    what = []
    if releases or not frozen:
        what.append(
            ("1 open release" if releases == 1 else f"{releases} open releases")
            + " sharing a service, the support group or a configuration item"
        )
    if frozen:
        what.append(
            "1 blocking freeze occurrence"
            if frozen == 1
            else f"{frozen} blocking freeze occurrences"
        )
    return (
        f"No start from {start:%Y-%m-%d %H:%M} to {latest:%Y-%m-%d %H:%M} UTC "
        f"({HORIZON.days} days) is free: {' and '.join(what)} {fill} it"
    )


def _utc(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None:
        raise Invalid(f"'{name}' needs a time zone", name)
    return value.astimezone(dt.UTC)


async def _service(session: AsyncSession, actor: Actor, service: Ref | str | None) -> Named | None:
    if service is None:
        return None
    ref = Ref(name=service) if isinstance(service, str) else service
    row = await lookups.resolve(session, actor.portal_id, "service", ref, field="service")
    return Named(row.id, row.name)


async def calendar(
    session: AsyncSession,
    actor: Actor,
    start: dt.datetime,
    end: dt.datetime,
    *,
    service: Ref | str | None = None,
) -> Calendar:
    """Every release the caller may see whose window meets [start, end), by start (narrowed
    to the releases of one service when given), each with its collisions and, when it
    collides, the next free window."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        raise TimesOutOfOrder("'end' must be after 'start'", "end")
    if end - start > MAX_RANGE:
        raise Invalid(f"A calendar covers at most {MAX_RANGE.days} days", "end")
    narrowed = await _service(session, actor, service)
    service_id = None if narrowed is None else narrowed.id
    bands = tuple(await freeze_flags.bands(session, actor.portal_id, start, end))
    rows = await repository.scheduled(session, actor, start, end, service_id)
    if not rows:
        return Calendar(start, end, narrowed, (), bands)
    ids = [row.id for row in rows]
    services = await repository.services_of(session, ids)
    items = await repository.items_of(session, actor.portal_id, ids)
    # Closed releases are shown but occupy no window: only the open ones collide.
    occupying = [row for row in rows if not row.closed]
    collisions: dict[int, list[Collision]] = {}
    frozen: dict[int, tuple[Flag, ...]] = {}
    if occupying:
        near = await repository.open_reaching(
            session,
            actor,
            min(row.start for row in occupying),
            max(later(row.start, _duration(row.start, row.end)) for row in occupying),
        )
        collisions = await repository.collisions(
            session, actor.portal_id, [row.id for row in occupying], near
        )
        frozen = await freeze_flags.flags_of(
            session,
            actor.portal_id,
            [(row.id, row.start, row.end) for row in occupying],
            dt.datetime.now(dt.UTC),
        )
    subjects = [
        _Subject(
            row.id,
            row.start,
            _duration(row.start, row.end),
            _keys(row.group, services.get(row.id, ()), items.get(row.id, ())),
        )
        for row in rows
        if collisions.get(row.id) or any(flag.blocks for flag in frozen.get(row.id, ()))
    ]
    free = await _next_free(session, actor.portal_id, subjects)
    events = tuple(
        _event(row, services, items, collisions, free.get(row.id, (None, None)), frozen)
        for row in rows
    )
    return Calendar(start, end, narrowed, events, bands)


def _event(
    row: Scheduled,
    services: dict[int, list[Named]],
    items: dict[int, list[Named]],
    collisions: dict[int, list[Collision]],
    free: tuple[dt.datetime | None, str | None],
    frozen: dict[int, tuple[Flag, ...]],
) -> CalendarEvent:
    next_free, reason = free
    return CalendarEvent(
        release_id=row.id,
        title=row.title,
        release_type=row.release_type,
        stage=row.stage,
        status=row.status,
        closed=row.closed,
        priority=row.priority,
        scheduled_start_time=row.start,
        scheduled_end_time=row.end,
        services=tuple(services.get(row.id, ())),
        group=row.group,
        configuration_items=tuple(items.get(row.id, ())),
        collisions=tuple(collisions.get(row.id, ())),
        next_free=next_free,
        no_free_reason=reason,
        freezes=frozen.get(row.id, ()),
    )


async def next_free_window(session: AsyncSession, actor: Actor, release_id: int) -> FreeWindow:
    """Where the release could start to collide with nothing: its own start when it
    collides with nothing now, else the first free start within HORIZON; the reason when
    there is none or the release occupies no window (no start, closed, in the trash)."""
    release = await view_release(session, actor, release_id, frozenset({Part.SERVICES}))
    start, end = release.scheduled_start_time, release.scheduled_end_time
    reason = None
    if release.in_trash:
        reason = "The release is in the trash: it occupies no window"
    elif release.stage.is_closure:
        reason = "The release is closed: it occupies no window"
    elif start is None:
        reason = "The release has no scheduled start"
    if reason is not None or start is None:
        return FreeWindow(release.id, start, end, None, None, reason)
    items = await repository.items_of(session, actor.portal_id, [release.id])
    group = None if release.group is None else Named(release.group.id, release.group.name)
    subject = _Subject(
        release.id,
        start,
        _duration(start, end),
        _keys(group, release.services, items.get(release.id, ())),
    )
    found, reason = (await _next_free(session, actor.portal_id, [subject]))[release.id]
    if found is None:
        return FreeWindow(release.id, start, end, None, None, reason)
    moved_end = None if end is None else found + subject.duration
    return FreeWindow(release.id, start, end, found, moved_end, None)
