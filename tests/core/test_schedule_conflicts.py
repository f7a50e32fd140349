"""A release's conflicts are what the calendar of its own window says of it, read for that
release alone (schedule.conflicts no longer builds the whole calendar of the window, with
every other release's collisions and next free window, to keep one event's collisions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event

from releasedesk.core.calendar.service import calendar
from releasedesk.core.calendar.views import Collision
from releasedesk.core.schedule import service as schedule
from releasedesk.core.schedule.service import AN_INSTANT
from tests.api.v1.test_freeze_windows import create, one_off
from tests.core.test_calendar import DAY, actor, scheduled
from tests.helpers import Desk, Person


def _both(desk: Desk, release_id: int, who: Person) -> tuple[tuple[Collision, ...], ...]:
    """The release's conflicts, and its collisions on the calendar of its window."""

    async def read() -> tuple[tuple[Collision, ...], ...]:
        async with desk.database.unit_of_work(writes=False) as session:
            caller = actor(desk, who)
            found = await schedule.conflicts(session, caller, release_id)
            start, end = found.scheduled_start, found.scheduled_end
            assert start is not None
            until = end if end is not None and end > start else start + AN_INSTANT
            shown = await calendar(session, caller, start, until)
            event = next((e for e in shown.events if e.release_id == release_id), None)
            return found.releases, () if event is None else event.collisions

    result: tuple[tuple[Collision, ...], ...] = desk.client.portal.call(read)
    return result


def test_conflicts_are_the_calendars_collisions_of_the_release(desk: Desk) -> None:
    email, group = [{"name": "Email"}], {"name": "Network"}
    ids = [
        scheduled(desk, 9, 11, title="Mail upgrade", services=email),
        scheduled(desk, 10, 12, title="Mail relay", services=email, group=group),
        scheduled(desk, 11, 13, title="Back to back", services=email),  # meets 10-12 only
        scheduled(desk, 10.5, None, title="An instant", group=group),  # inside 10-12
        scheduled(desk, 10.5, None, title="The same instant", group=group),
        scheduled(desk, 9.5, 10.5, title="Nothing shared", services=[{"name": "Printing"}]),
        scheduled(desk, 8, 20, title="Long", services=email, group=group),
        scheduled(desk, 9, 12, title="Mine", key=desk.requester.key, services=email),
    ]
    closed = scheduled(desk, 10, 11, title="Closed", services=email)
    assert desk.put(f"/releases/{closed}/close").status_code == 200
    trashed = scheduled(desk, 10, 11, title="Trashed", services=email)
    assert desk.request("DELETE", f"/releases/{trashed}/move_to_trash").status_code == 200

    seen = 0
    for release_id in [*ids, closed]:
        conflicts, collisions = _both(desk, release_id, desk.admin)
        assert conflicts == collisions, release_id
        seen += len(conflicts)
    assert seen >= 20  # the mix collides: the comparison is not of empty answers
    assert _both(desk, closed, desk.admin)[0] == ()
    # A requester's conflicts name only releases they may see, as their calendar does.
    mine = ids[-1]
    conflicts, collisions = _both(desk, mine, desk.requester)
    assert conflicts == collisions == ()
    assert len(_both(desk, mine, desk.admin)[0]) >= 3


def test_the_checks_read_no_names_of_a_windows_scope(desk: Desk) -> None:
    """A freeze check compares a scope's ids and names a window by its own name: conflicts
    and next free slots read the windows, never the names of their services or types."""
    for n, scope in enumerate(({"services": ["Email"]}, {"release_types": ["Standard"]}, {})):
        body = one_off(
            name=f"Freeze {n}",
            start="2031-03-04T08:00:00Z",
            end="2031-03-04T18:00:00Z",
            effect="warn",  # the release below may be scheduled into them
        )
        assert create(desk, {**body, "scope": scope}).status_code == 201
    release_id = scheduled(
        desk,
        9,
        11,
        title="Mail upgrade",
        services=[{"name": "Email"}],
        release_type={"name": "Standard"},
    )
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        sent.append(" ".join(statement.split()))

    async def check() -> tuple[int, int]:
        async with desk.database.unit_of_work(writes=False) as session:
            caller = actor(desk, desk.admin)
            found = await schedule.conflicts(session, caller, release_id)
            slots = await schedule.next_free(
                session,
                caller,
                duration=dt.timedelta(hours=2),
                services=["Email"],
                after=DAY,
                within=dt.timedelta(days=2),
            )
            return len(found.freezes), len(slots.slots)

    engine = desk.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        met, slots = desk.client.portal.call(check)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert (met, slots) == (3, 3)
    assert sent and not [s for s in sent if "release_types.name" in s or "teams.name" in s]
    assert not [
        s
        for s in sent
        if s.startswith("SELECT services.id, services.name FROM services WHERE services.id")
    ]
