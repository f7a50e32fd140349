"""Freezes beside releases on the calendar (issue 22): the bands of a range, the windows a
release already scheduled meets (so a window made later still shows on it), exceptions, and
the next free window that steps over blocking freezes as it steps over colliding releases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from releasedesk.core.freezes import flags
from releasedesk.core.freezes import service as freezes
from releasedesk.core.freezes.service import WindowSpec
from tests.core.test_calendar import actor, at, by_id, free_window, read_calendar, scheduled
from tests.core.test_freeze_service import run
from tests.helpers import Desk


def window(desk: Desk, name: str, start: float, end: float, **more: Any) -> Any:
    """A one-off window from `start` to `end` (hours of the calendar tests' DAY)."""
    spec = WindowSpec(
        name=name, reason="Change board", timezone="UTC", start=at(start), end=at(end), **more
    )
    return run(desk, lambda s: freezes.create_window(s, actor(desk), spec))


def test_a_window_made_after_a_release_flags_it_and_shades_the_calendar(desk: Desk) -> None:
    early = scheduled(desk, 9, 11, title="Mail upgrade", services=[{"name": "Email"}])
    late = scheduled(desk, 20, 21, title="Printer drivers", services=[{"name": "Printing"}])
    freeze = window(desk, "Audit freeze", 10, 14)
    shown = read_calendar(desk)
    assert [(b.window.name, b.occurrence.start, b.occurrence.end) for b in shown.freezes] == [
        ("Audit freeze", at(10), at(14))
    ]
    events = by_id(shown)
    [flag] = events[early].freezes
    assert (flag.window.id, flag.blocks, flag.excepted) == (freeze.id, True, False)
    assert events[late].freezes == ()
    # No release collides, but the freeze is in the way: the next free start is its end.
    assert events[early].collisions == ()
    assert events[early].next_free == at(14)
    assert events[late].next_free is None
    assert free_window(desk, early).next_free == at(14)


def test_an_exception_or_a_warning_flags_without_blocking(desk: Desk) -> None:
    excused = scheduled(
        desk, 9, 11, title="Tax law", key=desk.requester.key, services=[{"name": "Email"}]
    )
    freeze = window(desk, "Audit freeze", 10, 14)
    warned = scheduled(desk, 40, 41, title="Later", services=[{"name": "Email"}])
    window(desk, "Heads-up", 39, 42, effect="warn")
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    run(
        desk,
        lambda s: freezes.grant_override(s, actor(desk), freeze.id, excused, "Law", expires),
    )
    events = by_id(read_calendar(desk, end=at(48)))
    [flag] = events[excused].freezes
    assert (flag.excepted, flag.blocks) == (True, False)
    assert events[excused].next_free is None
    [warning] = events[warned].freezes
    assert (warning.window.name, warning.blocks) == ("Heads-up", False)
    assert events[warned].next_free is None


def test_a_window_scoped_to_another_service_flags_nothing(desk: Desk) -> None:
    mail = scheduled(desk, 9, 11, title="Mail", services=[{"name": "Email"}])
    window(desk, "Printing freeze", 8, 12, scope={"services": ["Printing"]})
    shown = read_calendar(desk)
    assert len(shown.freezes) == 1  # the band is shown to everyone
    assert by_id(shown)[mail].freezes == ()


def test_the_next_free_window_steps_over_collisions_and_freezes_alike(desk: Desk) -> None:
    first = scheduled(desk, 9, 11, title="Mail upgrade", services=[{"name": "Email"}])
    second = scheduled(desk, 10, 12, title="Mail relay", services=[{"name": "Email"}])
    window(desk, "Evening freeze", 12, 20)
    events = by_id(read_calendar(desk))
    # Without the freeze the first would go where the second ends (12): it is frozen then.
    assert events[first].next_free == at(20)
    assert events[second].next_free == at(20)


def test_with_no_free_start_the_reason_counts_the_freezes(desk: Desk) -> None:
    stuck = scheduled(desk, 9, 11, title="Stuck", services=[{"name": "Email"}])
    spec = WindowSpec(
        name="Every day",
        reason="Closed",
        timezone="UTC",
        rrule="FREQ=DAILY",
        dtstart=at(0).replace(tzinfo=None),
        duration="PT23H30M",
    )
    run(desk, lambda s: freezes.create_window(s, actor(desk), spec))
    event = by_id(read_calendar(desk))[stuck]
    assert event.next_free is None
    assert event.no_free_reason is not None
    assert "blocking freeze occurrences fill it" in event.no_free_reason
    assert "open release" not in event.no_free_reason


def test_flags_read_nothing_more_when_no_window_is_in_reach(desk: Desk) -> None:
    rid = scheduled(desk, 9, 11, title="Alone")
    window(desk, "Far away", 24 * 300, 24 * 301)
    found = run(
        desk,
        lambda s: flags.flags_of_releases(s, desk.portal_id, [rid], dt.datetime.now(dt.UTC)),
        writes=False,
    )
    assert found == {}
