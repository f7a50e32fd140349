"""The calendar page over HTTP: a month and a week of releases, collisions written out with
the next free window, the service filter, an empty month, and only what the user may see."""

from __future__ import annotations

import datetime as dt

from tests.helpers import Desk
from tests.web.web_client import signed_in

START = dt.datetime(2027, 5, 12, 9, tzinfo=dt.UTC)
HOUR = 3_600_000


def _at(hours: int) -> dict[str, str]:
    return {"value": str(int(START.timestamp() * 1000) + hours * HOUR)}


def test_a_month_lists_its_releases_and_writes_out_each_collision(desk: Desk) -> None:
    desk.create_release(
        title="Mail relay patch",
        scheduled_start_time=_at(0),
        scheduled_end_time=_at(2),
        services=[{"name": "Email"}],
    )
    desk.create_release(
        title="Mail archive move",
        scheduled_start_time=_at(1),
        scheduled_end_time=_at(3),
        services=[{"name": "Email"}],
    )
    desk.create_release(title="Unrelated", scheduled_start_time=_at(1), scheduled_end_time=_at(2))
    browser = signed_in(desk, desk.technician.name)
    page = browser.get("calendar?month=2027-05")
    assert page.status_code == 200
    assert "Calendar: May 2027" in page.text and "Times in UTC" in page.text
    assert page.text.count("Collision</strong> with") == 4  # each of two, in the grid and agenda
    assert 'service "Email"' in page.text.replace("&#34;", '"')
    assert "Next free: " in page.text
    assert "Unrelated" in page.text
    week = browser.get("calendar?view=week&week=2027-05-10")
    assert "Week of 10 May 2027" in week.text and "Mail relay patch" in week.text
    narrowed = browser.get("calendar?month=2027-05&service=Email")
    assert "Mail relay patch" in narrowed.text and "Unrelated" not in narrowed.text


def test_an_empty_month_says_so_and_an_unknown_service_is_named(desk: Desk) -> None:
    browser = signed_in(desk, desk.technician.name)
    empty = browser.get("calendar?month=2030-02")
    assert "Nothing scheduled in February 2030" in empty.text
    unknown = browser.get("calendar?month=2030-02&service=No+such+service")
    assert unknown.status_code == 200 and 'aria-invalid="true"' in unknown.text
    odd = browser.get("calendar?month=not-a-month&view=sideways")
    assert odd.status_code == 200 and "Calendar: " in odd.text


def test_a_requester_sees_only_their_own_releases_on_the_calendar(desk: Desk) -> None:
    desk.create_release(
        title="Staff window", scheduled_start_time=_at(0), scheduled_end_time=_at(1)
    )
    desk.create_release(
        key=desk.requester.key,
        title="My window",
        scheduled_start_time=_at(0),
        scheduled_end_time=_at(1),
    )
    page = signed_in(desk, desk.requester.name).get("calendar?month=2027-05")
    assert "My window" in page.text and "Staff window" not in page.text


def test_the_ends_of_time_are_pages_not_errors(desk: Desk) -> None:
    far = {"value": str(int(dt.datetime(9999, 12, 20, tzinfo=dt.UTC).timestamp() * 1000))}
    for title in ("Last release ever", "Its twin"):
        desk.create_release(title=title, scheduled_start_time=far, services=[{"name": "Email"}])
    browser = signed_in(desk, desk.technician.name)
    for query in (
        "month=0001-01",
        "month=9999-12",
        "view=week&week=0001-01-01",
        "view=week&week=9999-12-31",
        "month=9000-12",
    ):
        page = browser.get(f"calendar?{query}")
        assert page.status_code == 200, query
