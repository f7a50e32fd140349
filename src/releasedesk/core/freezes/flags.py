"""What the pages show of freezes beside releases: the bands of a calendar range (every
occurrence of every window that meets it) and, for a set of releases, the windows each one's
schedule meets in its scope, with whether it holds an exception. The write path does not use
this (`service.check_schedule` refuses in the write's transaction); these are read-only
answers for the calendar, the board and the release page, so a release scheduled before a
window was made is flagged wherever it is shown.

Each answer costs one indexed read of the windows that can meet the span (none at all reads
nothing more), then the facts and exceptions of only the releases that can be met.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.freezes import repository, service
from releasedesk.core.freezes.timing import Occurrence
from releasedesk.core.freezes.views import Band, Effect, Flag, FreezeWindow

# What an instant (a release with a start and no end) occupies when asked what it meets.
AN_INSTANT = dt.timedelta(minutes=1)


async def bands(
    session: AsyncSession, portal_id: int, start: dt.datetime, end: dt.datetime
) -> list[Band]:
    """Every occurrence meeting [start, end) of every window of the portal, by start."""
    found = [
        Band(window, occurrence)
        for window in await service.list_windows_meeting(session, portal_id, start, end)
        for occurrence in window.timing.occurrences(start, end)
    ]
    return sorted(found, key=lambda band: (band.occurrence.start, band.window.name))


async def flags_of(
    session: AsyncSession,
    portal_id: int,
    schedules: Sequence[tuple[int, dt.datetime | None, dt.datetime | None]],
    now: dt.datetime,
) -> dict[int, tuple[Flag, ...]]:
    """For each (release id, scheduled start, end) given, the windows in its scope that its
    schedule meets (only releases meeting one are keyed). The schedules come from what the
    caller already shows, so a board or calendar without any window in reach reads nothing
    but the one `any_meeting` probe."""
    spans = {
        rid: (start, end if end is not None and end > start else start + AN_INSTANT)
        for rid, start, end in schedules
        if start is not None
    }
    if not spans:
        return {}
    first = min(s for s, _ in spans.values())
    last = max(e for _, e in spans.values())
    if not await service.any_window_meeting(session, portal_id, first, last):
        return {}
    windows = await service.list_windows_meeting(session, portal_id, first, last)
    candidates = {
        rid: [(w, o) for w in windows for o in w.timing.occurrences(s, e, limit=1)]
        for rid, (s, e) in spans.items()
    }
    candidates = {rid: met for rid, met in candidates.items() if met}
    if not candidates:
        return {}
    return await _in_scope(session, candidates, now)


async def _in_scope(
    session: AsyncSession,
    candidates: dict[int, list[tuple[FreezeWindow, Occurrence]]],
    now: dt.datetime,
) -> dict[int, tuple[Flag, ...]]:
    facts = await service.facts_of(session, list(candidates))
    excepted = {
        (o.release_id, o.window_id)
        for o in await repository.overrides_of(session, list(candidates), now)
    }
    found: dict[int, tuple[Flag, ...]] = {}
    for rid, met in candidates.items():
        known = facts.get(rid)
        if known is None:
            continue
        flags = tuple(
            Flag(window, occurrence, (rid, window.id) in excepted)
            for window, occurrence in met
            if window.scope.covers(known)
        )
        if flags:
            found[rid] = flags
    return found


async def flags_of_releases(
    session: AsyncSession, portal_id: int, release_ids: Collection[int], now: dt.datetime
) -> dict[int, tuple[Flag, ...]]:
    """`flags_of` for releases the caller knows only by id (their schedules are read)."""
    facts = await service.facts_of(session, list(release_ids))
    return await flags_of(
        session,
        portal_id,
        [(rid, f.scheduled_start, f.scheduled_end) for rid, f in facts.items()],
        now,
    )


async def blocking_occurrences(
    session: AsyncSession,
    portal_id: int,
    searches: Sequence[tuple[int, dt.datetime, dt.datetime]],
    now: dt.datetime,
) -> dict[int, list[Occurrence]]:
    """For each (release id, from, until) a free-slot search will look through, the
    occurrences in that span of the blocking windows in the release's scope that it holds no
    exception to: a suggested start inside one would only be refused."""
    if not searches:
        return {}
    first = min(s for _, s, _ in searches)
    last = max(e for _, _, e in searches)
    windows = [
        w
        for w in await service.list_windows_meeting(session, portal_id, first, last)
        if w.effect is Effect.BLOCK
    ]
    if not windows:
        return {}
    ids = [rid for rid, _, _ in searches]
    facts = await service.facts_of(session, ids)
    excepted = {
        (o.release_id, o.window_id) for o in await repository.overrides_of(session, ids, now)
    }
    found: dict[int, list[Occurrence]] = {}
    for rid, start, end in searches:
        known = facts.get(rid)
        if known is None:
            continue
        found[rid] = sorted(
            (
                occurrence
                for window in windows
                if (rid, window.id) not in excepted and window.scope.covers(known)
                for occurrence in window.timing.occurrences(start, end)
            ),
            key=lambda occurrence: occurrence.start,
        )
    return found
