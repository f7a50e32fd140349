"""Can it go out then? A release's conflicts (the open releases its window overlaps that
share a service, the support group or a configuration item, and the freeze windows it
meets), and the next free slots for a piece of work: starts at which a span of the asked
length meets no blocking freeze window in its scope and no open release sharing one of its
services.

Both read what the calendar and the freezes already keep (calendar/repository: the open
releases reaching into the release's window and the pairs among them that collide, two
statements; busy_windows, one statement for every busy window of the services; freezes: the
windows that can meet the range, expanded in the process), so they stay fast with thousands
of scheduled releases (bench/: the `conflicts` and `next_free` scenarios).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.calendar import repository as calendar_repository
from releasedesk.core.calendar.service import later
from releasedesk.core.calendar.views import Collision, SharedKind
from releasedesk.core.errors import Invalid
from releasedesk.core.freezes import repository as freeze_repository
from releasedesk.core.freezes import service as freezes
from releasedesk.core.freezes.timing import Occurrence, merged
from releasedesk.core.freezes.views import Effect, Meeting, ReleaseFacts
from releasedesk.core.releases.access import view_release
from releasedesk.core.releases.parts import NOTHING

LONGEST_SEARCH = dt.timedelta(days=366)
MOST_SLOTS = 20
AN_INSTANT = dt.timedelta(minutes=1)  # what an instant (no end) occupies when searching


@dataclass(frozen=True, slots=True)
class Conflicts:
    release_id: int
    scheduled_start: dt.datetime | None
    scheduled_end: dt.datetime | None
    releases: tuple[Collision, ...]
    freezes: tuple[Meeting, ...]


@dataclass(frozen=True, slots=True)
class Slots:
    slots: tuple[Occurrence, ...]
    reason: str | None  # why fewer slots than asked were found


async def conflicts(session: AsyncSession, actor: Actor, release_id: int) -> Conflicts:
    """What the release's scheduled window meets (nothing when it has no start)."""
    release = await view_release(session, actor, release_id, NOTHING)
    start, end = release.scheduled_start_time, release.scheduled_end_time
    if start is None:
        return Conflicts(release_id, None, None, (), ())
    until = end if end is not None and end > start else start + AN_INSTANT
    collisions: tuple[Collision, ...] = ()
    if not release.in_trash and not release.stage.is_closure:  # it occupies its window
        # What the calendar of the release's window says of this release alone: the open
        # releases the caller may see reaching into its window, then the pairs that overlap
        # and share something (not the calendar of every release in the window, with the
        # collisions and next free window of each).
        reach = later(start, max(end - start, dt.timedelta(0)) if end else dt.timedelta(0))
        near = await calendar_repository.open_reaching(session, actor, start, reach)
        found = await calendar_repository.collisions(session, actor.portal_id, [release_id], near)
        collisions = tuple(found.get(release_id, ()))
    facts = (await freezes.facts_of(session, [release_id]))[release_id]
    met = await freezes.meetings(session, actor.portal_id, facts, start, until)
    return Conflicts(release_id, start, end, collisions, tuple(met))


async def next_free(
    session: AsyncSession,
    actor: Actor,
    *,
    duration: dt.timedelta,
    services: list[str],
    after: dt.datetime,
    within: dt.timedelta,
    count: int = 3,
) -> Slots:
    """Up to `count` slots of `duration` from `after` to `after + within`, each the first
    free start after the one before ends."""
    if duration <= dt.timedelta(0):
        raise Invalid("'duration' must be longer than nothing", "duration")
    if within <= dt.timedelta(0) or within > LONGEST_SEARCH:
        raise Invalid("'within' must be longer than nothing and at most a year", "within")
    if not 1 <= count <= MOST_SLOTS:
        raise Invalid(f"'count' must be from 1 to {MOST_SLOTS}", "count")
    until = after + within
    found = await freeze_repository.ids_named(session, actor.portal_id, "services", services)
    for name in services:
        if name.lower() not in found:
            raise Invalid(f"No service named '{name}'", "services")
    service_ids = frozenset(id_ for id_, _ in found.values())
    facts = ReleaseFacts(None, None, after, until, service_ids, None, None)
    busy: list[Occurrence] = []
    keys = {(SharedKind.SERVICE, id_) for id_ in service_ids}
    windows = await calendar_repository.busy_windows(session, actor.portal_id, keys, after, until)
    for releases in windows.values():
        for held in releases:
            end = held.end if held.end > held.start else held.start + AN_INSTANT
            busy.append(Occurrence(held.start, end))
    frozen = 0
    for window in await freezes.list_windows_meeting(session, actor.portal_id, after, until):
        if window.effect is Effect.BLOCK and window.scope.covers(facts):
            occurrences = window.timing.occurrences(after, until)
            frozen += len(occurrences)
            busy.extend(occurrences)
    spans = merged(busy)
    slots: list[Occurrence] = []
    at = after
    for span in [*spans, Occurrence(until, until)]:
        while at + duration <= span.start and len(slots) < count:
            slots.append(Occurrence(at, at + duration))
            at = at + duration
        if len(slots) >= count:
            break
        at = max(at, span.end)
    reason = None
    if len(slots) < count:
        reason = (
            f"Only {len(slots)} of {count} slots of {duration} fit before {until.isoformat()}:"
            f" {len(spans)} busy stretches ({frozen} freeze occurrences and the open releases"
            " sharing these services) fill the rest"
        )
    return Slots(tuple(slots), reason)
