"""The release calendar: releases whose window meets a range, their collisions (overlap and a
shared service, group or configuration item, open releases only) and the next free window."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from releasedesk.core.actors import Actor, Role
from releasedesk.core.calendar import service as calendar_service
from releasedesk.core.calendar.service import HORIZON, calendar, first_free, next_free_window
from releasedesk.core.calendar.views import Calendar, CalendarEvent, FreeWindow, SharedKind
from releasedesk.core.errors import Forbidden, Invalid, TimesOutOfOrder
from tests.api.flexdeploy.support import flex_for
from tests.helpers import Desk, Person

DAY = dt.datetime(2031, 3, 4, tzinfo=dt.UTC)  # a Tuesday, far from anything else


def at(hours: float) -> dt.datetime:
    return DAY + dt.timedelta(hours=hours)


def ms(when: dt.datetime) -> dict[str, str]:
    return {"value": str(int(when.timestamp() * 1000))}


def scheduled(
    desk: Desk,
    start: float,
    end: float | None,
    *,
    title: str,
    key: str | None = None,
    **fields: Any,
) -> int:
    """A release made through the SDP API, scheduled from `start` to `end` (hours of DAY)."""
    fields["scheduled_start_time"] = ms(at(start))
    if end is not None:
        fields["scheduled_end_time"] = ms(at(end))
    return int(desk.create_release(key=key, title=title, **fields)["id"])


def actor(desk: Desk, person: Person | None = None) -> Actor:
    person = person or desk.admin
    role = {
        desk.admin.id: Role.ADMIN,
        desk.technician.id: Role.TECHNICIAN,
    }.get(person.id, Role.REQUESTER)
    return Actor(person.id, person.name, desk.portal_id, desk.portal, role)


def read_calendar(
    desk: Desk,
    start: dt.datetime = DAY,
    end: dt.datetime = DAY + dt.timedelta(days=1),
    *,
    who: Person | None = None,
    service: Any = None,
) -> Calendar:
    async def read() -> Calendar:
        async with desk.database.unit_of_work(writes=False) as session:
            return await calendar(session, actor(desk, who), start, end, service=service)

    result: Calendar = desk.client.portal.call(read)
    return result


def free_window(desk: Desk, release_id: int, who: Person | None = None) -> FreeWindow:
    async def read() -> FreeWindow:
        async with desk.database.unit_of_work(writes=False) as session:
            return await next_free_window(session, actor(desk, who), release_id)

    result: FreeWindow = desk.client.portal.call(read)
    return result


def by_id(shown: Calendar) -> dict[int, CalendarEvent]:
    return {event.release_id: event for event in shown.events}


def collided(event: CalendarEvent) -> dict[int, str]:
    return {c.release_id: c.shared_in_words for c in event.collisions}


def test_overlapping_releases_sharing_a_service_collide(desk: Desk) -> None:
    first = scheduled(desk, 9, 11, title="Mail upgrade", services=[{"name": "Email"}])
    second = scheduled(
        desk,
        10,
        12,
        title="Mail relay",
        services=[{"name": "Email"}, {"name": "Internet"}],
        release_type={"name": "Standard"},
        priority={"name": "High"},
    )
    events = by_id(read_calendar(desk))
    assert list(events) == [first, second]  # by start
    assert collided(events[first]) == {second: 'service "Email"'}
    assert collided(events[second]) == {first: 'service "Email"'}

    [collision] = events[first].collisions
    assert (collision.title, collision.scheduled_start_time, collision.scheduled_end_time) == (
        "Mail relay",
        at(10),
        at(12),
    )
    assert [(s.kind, s.item.name) for s in collision.shared] == [(SharedKind.SERVICE, "Email")]
    shown = events[second]
    assert [s.name for s in shown.services] == ["Email", "Internet"]
    assert shown.release_type is not None and shown.release_type.name == "Standard"
    assert shown.priority is not None and shown.priority.color == "#ff0000"
    assert (shown.stage, shown.status, shown.closed) == ("Submission", "Requested", False)
    # Each is moved past the other: the first to where the second ends, the second to
    # where the first ends.
    assert (events[first].next_free, events[first].no_free_reason) == (at(12), None)
    assert events[second].next_free == at(11)


def test_overlap_without_anything_shared_is_no_collision(desk: Desk) -> None:
    first = scheduled(desk, 9, 11, title="Mail", services=[{"name": "Email"}])
    second = scheduled(
        desk, 10, 12, title="Printers", services=[{"name": "Printing"}], group={"name": "Network"}
    )
    events = by_id(read_calendar(desk))
    assert set(events) == {first, second}
    assert all(not e.collisions and e.next_free is None for e in events.values())
    assert free_window(desk, first).next_free == at(9)  # free where it is


def test_back_to_back_windows_do_not_overlap(desk: Desk) -> None:
    first = scheduled(desk, 9, 10, title="Before", services=[{"name": "Email"}])
    second = scheduled(desk, 10, 11, title="After", services=[{"name": "Email"}])
    assert all(not e.collisions for e in read_calendar(desk).events)
    assert {first, second} == set(by_id(read_calendar(desk)))


def test_the_same_support_group_collides(desk: Desk) -> None:
    first = scheduled(desk, 9, 11, title="Switches", group={"name": "Network"})
    second = scheduled(desk, 10.5, None, title="Router reboot", group={"name": "Network"})
    other = scheduled(desk, 10, 12, title="Elsewhere", group={"name": "Database"})
    events = by_id(read_calendar(desk))
    assert collided(events[first]) == {second: 'support group "Network"'}
    assert collided(events[second]) == {first: 'support group "Network"'}
    assert not events[other].collisions
    # the instant is on the calendar with no end, and moves out of the window by its end
    assert events[second].scheduled_end_time is None
    assert events[second].next_free == at(11)
    assert events[first].group is not None and events[first].group.name == "Network"
    window = free_window(desk, second)
    assert (window.next_free, window.next_free_end) == (at(11), None)  # still an instant


def test_two_instants_at_the_same_time_collide(desk: Desk) -> None:
    first = scheduled(desk, 9, None, title="Flip", group={"name": "Network"})
    second = scheduled(desk, 9, 9, title="Flop", group={"name": "Network"})
    events = by_id(read_calendar(desk))
    assert collided(events[first]) == {second: 'support group "Network"'}
    assert events[first].next_free == at(9) + dt.timedelta(minutes=1)


def test_a_shared_configuration_item_collides(desk: Desk) -> None:
    flex = flex_for(desk)
    full = {"projectId": 6789, "projectStreamId": 6790}
    partial = {"projectId": 33442, "projectStreamId": 3502, "packageName": "Package 1"}
    ids = [
        int(flex.create(releaseName=name, projects=projects)["releaseId"])
        for name, projects in (
            ("Deploys both", [full, partial]),
            ("Deploys the full one", [full]),
            ("Deploys the partial one", [partial]),
        )
    ]
    for release_id in ids:
        response = desk.put(
            f"/releases/{release_id}",
            input_data={
                "release": {"scheduled_start_time": ms(at(9)), "scheduled_end_time": ms(at(10))}
            },
        )
        assert response.status_code == 200, response.text
    events = by_id(read_calendar(desk))
    both, full_only, partial_only = (events[i] for i in ids)
    assert [c.name for c in both.configuration_items] == [
        "REST Full Project",
        "REST Partial Project",
    ]
    assert collided(both) == {
        ids[1]: 'configuration item "REST Full Project"',
        ids[2]: 'configuration item "REST Partial Project"',
    }
    assert collided(full_only) == {ids[0]: 'configuration item "REST Full Project"'}
    assert collided(partial_only) == {ids[0]: 'configuration item "REST Partial Project"'}


def test_everything_shared_is_named_once(desk: Desk) -> None:
    shared = {"services": [{"name": "Email"}, {"name": "ERP"}], "group": {"name": "Software"}}
    first = scheduled(desk, 9, 11, title="One", **shared)
    second = scheduled(desk, 9, 11, title="Two", **shared)
    assert collided(by_id(read_calendar(desk))[first]) == {
        second: 'service "Email", service "ERP", support group "Software"'
    }


def test_a_requester_sees_only_their_own_releases(desk: Desk) -> None:
    own = scheduled(desk, 9, 11, title="Mine", key=desk.requester.key, services=[{"name": "Email"}])
    others = scheduled(
        desk,
        10,
        12,
        title="Someone else's",
        key=desk.other_requester.key,
        services=[{"name": "Email"}],
    )
    staff = scheduled(desk, 10, 12, title="Staff", services=[{"name": "Email"}])

    mine = by_id(read_calendar(desk, who=desk.requester))
    assert list(mine) == [own]
    assert mine[own].collisions == ()  # nothing it collides with is theirs to see
    assert list(by_id(read_calendar(desk, who=desk.other_requester))) == [others]
    everything = by_id(read_calendar(desk, who=desk.technician))
    assert list(everything) == [own, others, staff]
    assert set(collided(everything[own])) == {others, staff}
    # The suggestion still keeps clear of what the requester cannot see.
    window = free_window(desk, own, who=desk.requester)
    assert (window.next_free, window.next_free_end) == (at(12), at(14))


def test_trashed_releases_are_neither_shown_nor_collided_with(desk: Desk) -> None:
    kept = scheduled(desk, 9, 11, title="Kept", services=[{"name": "Email"}])
    trashed = scheduled(desk, 10, 12, title="Trashed", services=[{"name": "Email"}])
    response = desk.request("DELETE", f"/releases/{trashed}/move_to_trash")
    assert response.status_code == 200, response.text
    events = by_id(read_calendar(desk))
    assert list(events) == [kept]
    assert not events[kept].collisions
    assert free_window(desk, kept).next_free == at(9)
    assert free_window(desk, trashed).no_free_reason == (
        "The release is in the trash: it occupies no window"
    )


def test_a_closed_release_is_shown_but_never_collides(desk: Desk) -> None:
    open_one = scheduled(desk, 9, 11, title="Open", services=[{"name": "Email"}])
    closed = scheduled(desk, 10, 12, title="Closed", services=[{"name": "Email"}])
    assert collided(by_id(read_calendar(desk))[open_one]) == {closed: 'service "Email"'}
    response = desk.put(f"/releases/{closed}/close")
    assert response.status_code == 200, response.text
    events = by_id(read_calendar(desk))
    assert list(events) == [open_one, closed]
    assert events[closed].closed and events[closed].stage == "Closure"
    assert not events[open_one].collisions and not events[closed].collisions
    assert events[open_one].next_free is None
    window = free_window(desk, closed)
    assert window.next_free is None
    assert window.no_free_reason == "The release is closed: it occupies no window"


def test_the_next_free_window_skips_two_back_to_back_blockers(desk: Desk) -> None:
    moving = scheduled(desk, 9, 10, title="Needs a slot", services=[{"name": "ERP"}])
    scheduled(desk, 9.5, 10.5, title="Blocker one", services=[{"name": "ERP"}])
    scheduled(
        desk, 10.5, 12, title="Blocker two", group={"name": "Database"}, services=[{"name": "ERP"}]
    )
    scheduled(desk, 12, 14, title="Unrelated", services=[{"name": "Printing"}])
    scheduled(desk, 13.5, 15, title="Later, shared", services=[{"name": "ERP"}])

    event = by_id(read_calendar(desk))[moving]
    assert [c.title for c in event.collisions] == ["Blocker one"]
    assert (event.next_free, event.no_free_reason) == (at(12), None)
    window = free_window(desk, moving)
    assert window == FreeWindow(moving, at(9), at(10), at(12), at(13), None)


def test_no_free_window_within_the_horizon_gives_the_reason(desk: Desk) -> None:
    moving = scheduled(desk, 9, 11, title="Stuck", group={"name": "Database"})
    scheduled(desk, 8, 24 * 95, title="A long freeze", group={"name": "Database"})
    event = by_id(read_calendar(desk))[moving]
    assert event.next_free is None
    latest = at(9) + HORIZON
    assert event.no_free_reason == (
        f"No start from 2031-03-04 09:00 to {latest:%Y-%m-%d %H:%M} UTC (90 days) is free: "
        "1 open release sharing a service, the support group or a configuration item fills it"
    )
    window = free_window(desk, moving)
    assert (window.next_free, window.no_free_reason) == (None, event.no_free_reason)


def test_the_range_is_half_open_and_an_instant_counts_at_its_start(desk: Desk) -> None:
    ends_at_start = scheduled(desk, -2, 0, title="Ends as the day begins")
    starts_at_start = scheduled(desk, 0, None, title="Instant at midnight")
    spans = scheduled(desk, -5, 30, title="Spans the day")
    at_end = scheduled(desk, 24, 25, title="Begins as the day ends")
    no_start = int(desk.create_release(title="No start")["id"])
    shown = list(by_id(read_calendar(desk)))
    assert shown == [spans, starts_at_start]
    assert ends_at_start not in shown and at_end not in shown and no_start not in shown
    assert free_window(desk, no_start).no_free_reason == "The release has no scheduled start"


def test_long_windows_are_found_from_either_end(desk: Desk) -> None:
    """A range near the portal's earliest windows and one near its latest: the reads are
    served from the start index in one and the end index in the other (SQLite is told
    which), and both find a window that spans them."""
    years = 24 * 365
    early = scheduled(
        desk, -20 * years, -20 * years + 1, title="Long ago", group={"name": "Network"}
    )
    late = scheduled(desk, 20 * years, 20 * years + 1, title="Far ahead", group={"name": "Network"})
    spanning = scheduled(desk, -21 * years, 21 * years, title="Forever", group={"name": "Network"})
    for when, other in ((at(-20 * years), early), (at(20 * years), late)):
        events = by_id(read_calendar(desk, when, when + dt.timedelta(days=1)))
        assert list(events) == [spanning, other]
        assert collided(events[other]) == {spanning: 'support group "Network"'}
        assert events[other].no_free_reason is not None  # "Forever" fills every start


def test_narrowed_to_one_service(desk: Desk) -> None:
    mail = scheduled(
        desk, 9, 11, title="Mail", services=[{"name": "Email"}], group={"name": "Network"}
    )
    erp = scheduled(
        desk, 10, 12, title="ERP", services=[{"name": "ERP"}], group={"name": "Network"}
    )
    shown = read_calendar(desk, service="email")
    assert shown.service is not None and shown.service.name == "Email"
    assert [e.release_id for e in shown.events] == [mail]
    assert collided(shown.events[0]) == {erp: 'support group "Network"'}  # still collides
    with pytest.raises(Invalid):
        read_calendar(desk, service="No such service")


def test_the_range_must_be_aware_ordered_and_bounded(desk: Desk) -> None:
    with pytest.raises(TimesOutOfOrder):
        read_calendar(desk, DAY, DAY)
    with pytest.raises(Invalid):
        read_calendar(desk, DAY.replace(tzinfo=None), DAY + dt.timedelta(days=1))
    with pytest.raises(Invalid):
        read_calendar(desk, DAY, DAY + calendar_service.MAX_RANGE + dt.timedelta(days=1))


def test_first_free_passes_instants_and_stops_at_the_horizon() -> None:
    start, hour = at(0), dt.timedelta(hours=1)
    assert first_free(start, hour, []) == start
    assert first_free(start, hour, [(at(0.5), at(0.5))]) == at(0.5) + dt.timedelta(minutes=1)
    assert first_free(start, dt.timedelta(0), [(at(0), at(1))]) == at(1)
    assert first_free(start, dt.timedelta(0), [(at(1), at(2))]) == start
    assert first_free(start, hour, [(at(-3), at(-1)), (at(1), at(2))]) == start
    assert first_free(start, hour, [(at(0.5), at(24 * 90))]) == at(24 * 90)
    assert first_free(start, hour, [(at(0.5), at(24 * 90 + 1))]) is None


def test_a_release_the_caller_may_not_see_has_no_free_window_for_them(desk: Desk) -> None:
    hidden = scheduled(desk, 9, 10, title="Not theirs")
    with pytest.raises(Forbidden):
        free_window(desk, hidden, who=desk.requester)
