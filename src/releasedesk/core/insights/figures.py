"""The metrics from the facts the repository read (pure): which completion failed, what
restored it, and every bucket's figure.

- A deployment is a release's first completion (Closure with a Success-type status).
- It failed when its closure code is Failed (it failed as it went out: the failure is its
  completion) or when, after its completion, it moved to a status of type Failed (reopened
  to Back Out, Failed, or a failed closure status); only its first failure counts.
- A failure is restored by the next completion (any, not only a first one) whose closure code
  is not Failed, of the release itself or of one touching one of its services.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from releasedesk.core.insights.buckets import aggregate, place
from releasedesk.core.insights.repository import Closing, LevelWait, Move
from releasedesk.core.insights.views import Aggregation, Bucket

T = TypeVar("T")
FAILED_CLOSURE_CODE = "failed"  # compared case-folded with the closure code's name

Bounds = Sequence[tuple[dt.datetime, dt.datetime]]


def is_failed_code(closure_code: str | None) -> bool:
    return closure_code is not None and closure_code.strip().casefold() == FAILED_CLOSURE_CODE


def failures(closings: Iterable[Closing], moves: Iterable[Move]) -> dict[int, dt.datetime]:
    """Each completed release that failed, with the time of its (first) failure."""
    failed_after: dict[int, list[dt.datetime]] = defaultdict(list)
    for move in moves:
        failed_after[move.release_id].append(move.time)
    found: dict[int, dt.datetime] = {}
    for closing in closings:
        if is_failed_code(closing.closure_code):
            found[closing.release_id] = closing.time
            continue
        later = [t for t in failed_after.get(closing.release_id, ()) if t >= closing.time]
        if later:
            found[closing.release_id] = min(later)
    return found


def _grouped(items: Iterable[T], when: Callable[[T], dt.datetime], bounds: Bounds) -> list[list[T]]:
    starts = [start for start, _ in bounds]
    groups: list[list[T]] = [[] for _ in bounds]
    for item in items:
        moment = when(item)
        if bounds[0][0] <= moment < bounds[-1][1]:
            groups[place(moment, starts)].append(item)
    return groups


def deployment_frequency(closings: Sequence[Closing], bounds: Bounds) -> list[Bucket]:
    """Completions per bucket; a bucket without any is null."""
    return [
        Bucket(
            start,
            end,
            float(len(group)) if group else None,
            None,
            None,
            len(group),
            tuple(c.release_id for c in group),
        )
        for (start, end), group in zip(
            bounds, _grouped(closings, lambda c: c.time, bounds), strict=True
        )
    ]


def _durations(
    bounds: Bounds,
    groups: Sequence[Sequence[tuple[int, float]]],
    how: Aggregation,
    level: int | None = None,
) -> list[Bucket]:
    return [
        Bucket(
            start,
            end,
            aggregate([seconds for _, seconds in group], how),
            None,
            None,
            len(group),
            tuple(release_id for release_id, _ in group),
            level=level,
        )
        for (start, end), group in zip(bounds, groups, strict=True)
    ]


def lead_time(
    closings: Sequence[Closing],
    starts: Mapping[int, dt.datetime] | None,
    bounds: Bounds,
    how: Aggregation,
) -> list[Bucket]:
    """From the start (`starts`, or the release's creation when None) to the completion, in
    seconds, bucketed by completion; a release without that start is left out."""
    samples: list[tuple[dt.datetime, tuple[int, float]]] = []
    for closing in closings:
        began = closing.created_time if starts is None else starts.get(closing.release_id)
        if began is None or began > closing.time:
            continue
        samples.append((closing.time, (closing.release_id, (closing.time - began).total_seconds())))
    groups = _grouped(samples, lambda s: s[0], bounds)
    return _durations(bounds, [[s for _, s in g] for g in groups], how)


def change_failure_rate(
    closings: Sequence[Closing], failed: Mapping[int, dt.datetime], bounds: Bounds
) -> list[Bucket]:
    """The completions of each bucket that failed (whenever), over its completions."""
    buckets: list[Bucket] = []
    for (start, end), group in zip(
        bounds, _grouped(closings, lambda c: c.time, bounds), strict=True
    ):
        failing = tuple(c.release_id for c in group if c.release_id in failed)
        buckets.append(
            Bucket(
                start,
                end,
                len(failing) / len(group) if group else None,
                len(failing),
                len(group),
                None,
                tuple(c.release_id for c in group),
                failed_release_ids=failing,
            )
        )
    return buckets


def time_to_restore(
    failed: Mapping[int, dt.datetime],
    candidates: Sequence[Closing],
    services: Mapping[int, frozenset[int]],
    bounds: Bounds,
    how: Aggregation,
) -> list[Bucket]:
    """From each failure to the completion that restored it, in seconds, bucketed by the
    restoring completion; a failure not yet restored is no sample."""
    ordered = sorted(candidates, key=lambda c: c.time)
    samples: list[tuple[dt.datetime, tuple[int, float]]] = []
    for release_id, failed_at in failed.items():
        touched = services.get(release_id, frozenset())
        for candidate in ordered:
            if candidate.time <= failed_at or is_failed_code(candidate.closure_code):
                continue
            if candidate.release_id == release_id or touched & services.get(
                candidate.release_id, frozenset()
            ):
                samples.append(
                    (candidate.time, (release_id, (candidate.time - failed_at).total_seconds()))
                )
                break
    samples.sort(key=lambda s: (s[0], s[1][0]))
    groups = _grouped(samples, lambda s: s[0], bounds)
    return _durations(bounds, [[s for _, s in g] for g in groups], how)


def approval_wait(levels: Sequence[LevelWait], bounds: Bounds, how: Aggregation) -> list[Bucket]:
    """Per level number (1, 2, …), from its first approval sent to its decision, bucketed by
    the decision; a series per level that has any decision in the range (none: one series
    of empty buckets, with no level)."""
    if not levels:
        return _durations(bounds, [[] for _ in bounds], how)
    buckets: list[Bucket] = []
    for number in sorted({w.level for w in levels}):
        mine = [w for w in levels if w.level == number and w.decided >= w.sent]
        groups = _grouped(mine, lambda w: w.decided, bounds)
        buckets += _durations(
            bounds,
            [[(w.release_id, (w.decided - w.sent).total_seconds()) for w in g] for g in groups],
            how,
            level=number,
        )
    return buckets
