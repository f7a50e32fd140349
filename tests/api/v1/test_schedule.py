"""Conflicts and the next free slot (issue 22, item 5): a release's overlapping releases that
share a service and the freeze windows it meets; slots of a given length meeting neither a
blocking freeze nor a release sharing one of the services; why when fewer fit."""

from __future__ import annotations

from tests.api.v1.test_calendar_feed import ms
from tests.api.v1.test_freeze_windows import assert_problem, bearer, create, one_off, v1
from tests.helpers import Desk


def scheduled(desk: Desk, title: str, start: str, end: str) -> int:
    return int(
        desk.create_release(
            title=title,
            scheduled_start_time=ms(f"2031-03-04T{start}:00+00:00"),
            scheduled_end_time=ms(f"2031-03-04T{end}:00+00:00"),
            services=[{"name": "Email"}],
        )["id"]
    )


def test_conflicts_of_a_release(desk: Desk) -> None:
    first = scheduled(desk, "Mail server patch", "09:00", "11:00")
    second = scheduled(desk, "Mail filter rules", "10:00", "12:00")
    create(
        desk,
        one_off(
            name="Board meeting",
            start="2031-03-04T11:30:00Z",
            end="2031-03-04T13:00:00Z",
            effect="warn",
        ),
    )
    answer = desk.client.get(
        f"{v1(desk)}/releases/{second}/conflicts", headers=bearer(desk.admin.key)
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["scheduled"]["start"].startswith("2031-03-04T10:00:00")
    assert [(r["id"], r["shared"]) for r in found["releases"]] == [
        (first, [{"kind": "service", "name": "Email"}])
    ]
    assert [(f["name"], f["effect"]) for f in found["freeze_windows"]] == [
        ("Board meeting", "warn")
    ]
    missing = desk.client.get(
        f"{v1(desk)}/releases/999999/conflicts", headers=bearer(desk.admin.key)
    )
    assert_problem(missing, 404)


def test_the_next_free_slots_go_around_releases_and_blocking_freezes(desk: Desk) -> None:
    scheduled(desk, "Mail server patch", "09:00", "11:00")
    scheduled(desk, "Mail filter rules", "10:00", "12:00")
    create(
        desk, one_off(name="Lunch freeze", start="2031-03-04T14:00:00Z", end="2031-03-04T15:00:00Z")
    )
    query = {
        "duration": "PT2H",
        "services": "Email",
        "after": "2031-03-04T08:00:00Z",
        "within": "P1D",
    }
    answer = desk.client.get(
        f"{v1(desk)}/schedule/next_free", params=query, headers=bearer(desk.admin.key)
    )
    assert answer.status_code == 200, answer.text
    starts = [s["start"][11:16] for s in answer.json()["slots"]]
    assert starts == ["12:00", "15:00", "17:00"]
    assert answer.json()["reason"] is None
    # Another service: the releases do not block it, the freeze (every release) still does.
    other = desk.client.get(
        f"{v1(desk)}/schedule/next_free",
        params={**query, "services": "Internet"},
        headers=bearer(desk.admin.key),
    )
    assert [s["start"][11:16] for s in other.json()["slots"]] == ["08:00", "10:00", "12:00"]
    # Too little room: fewer slots, and why.
    tight = desk.client.get(
        f"{v1(desk)}/schedule/next_free",
        params={**query, "within": "PT5H"},
        headers=bearer(desk.admin.key),
    )
    assert tight.json()["slots"] == [] and "0 of 3 slots" in tight.json()["reason"]


def test_bad_queries_name_their_field(desk: Desk) -> None:
    base = f"{v1(desk)}/schedule/next_free"
    for params, field in (
        ({}, "duration"),
        ({"duration": "4 hours"}, "duration"),
        ({"duration": "PT4H", "services": "Nope"}, "services"),
        ({"duration": "PT4H", "count": "0"}, "count"),
        ({"duration": "PT4H", "count": "x"}, "count"),
        ({"duration": "PT4H", "within": "P400D"}, "within"),
        ({"duration": "PT4H", "after": "tomorrow"}, "after"),
    ):
        assert_problem(
            desk.client.get(base, params=params, headers=bearer(desk.admin.key)), 400, field
        )
