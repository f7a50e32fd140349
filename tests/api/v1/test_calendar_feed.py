"""The calendar feed (issue 22, item 6): a per-user secret token a calendar client subscribes
with (reset ends the old one), iCalendar made by the `icalendar` library and read back by it:
the releases the user may see and the freeze windows, a recurring one as its RRULE."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr

from tests.api.v1.test_freeze_windows import assert_problem, bearer, create, one_off, v1
from tests.helpers import Desk


def ms(when: str) -> dict[str, str]:
    return {"value": str(int(dt.datetime.fromisoformat(when).timestamp() * 1000))}


def test_a_calendar_client_subscribes_with_its_token(desk: Desk) -> None:
    rid = desk.create_release(
        title="Payroll upgrade",
        scheduled_start_time=ms("2027-01-12T09:00:00+00:00"),
        scheduled_end_time=ms("2027-01-12T11:00:00+00:00"),
        services=[{"name": "Email"}],
    )["id"]
    create(desk, one_off())
    weekly = {
        "name": "Weekends",
        "reason": "No one on call",
        "rrule": "FREQ=WEEKLY;BYDAY=SA",
        "dtstart": "2026-01-03T00:00:00",
        "duration": "PT48H",
        "exdates": ["2027-01-09T00:00:00"],
        "timezone": "Europe/Berlin",
    }
    assert create(desk, weekly).status_code == 201
    made = desk.client.post(f"{v1(desk)}/calendar_feed/token", headers=bearer(desk.technician.key))
    assert made.status_code == 201, made.text
    token, url = made.json()["token"], made.json()["url"]
    assert url.endswith(f"/app/{desk.portal}/api/v1/calendar.ics?token={token}")

    query = {"token": token, "from": "2027-01-01T00:00:00Z", "to": "2027-02-01T00:00:00Z"}
    answer = desk.client.get(f"{v1(desk)}/calendar.ics", params=query)  # no headers at all
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    release = events[f"release-{rid}@{desk.portal}.releasedesk"]
    assert str(release["summary"]) == "Payroll upgrade"
    assert release.decoded("dtstart") == dt.datetime(2027, 1, 12, 9, tzinfo=dt.UTC)
    assert "Services: Email" in str(release["description"])
    assert str(release["url"]).endswith(f"/app/{desk.portal}/ui/releases/{rid}")

    (weekend,) = [e for e in events.values() if str(e["summary"]) == "Freeze: Weekends"]
    assert weekend["rrule"].to_ical() == b"FREQ=WEEKLY;BYDAY=SA"
    assert b"DURATION:PT48H" in answer.content  # exact hours, not two nominal days
    assert weekend.decoded("duration") == dt.timedelta(hours=48)
    berlin = ZoneInfo("Europe/Berlin")
    assert weekend.decoded("dtstart") == dt.datetime(2026, 1, 3, tzinfo=berlin)
    assert weekend.decoded("exdate").dts[0].dt == dt.datetime(2027, 1, 9, tzinfo=berlin)
    assert {str(z["tzid"]) for z in calendar.walk("VTIMEZONE")} == {"Europe/Berlin"}
    year_end = [e for e in events.values() if str(e["summary"]) == "Freeze: Year-end freeze"]
    assert len(year_end) == 1

    only_freezes = desk.client.get(
        f"{v1(desk)}/calendar.ics", params={**query, "include": "freezes"}
    )
    assert b"Payroll upgrade" not in only_freezes.content

    # A reset ends the old token at once; a DELETE ends the new one.
    again = desk.client.post(f"{v1(desk)}/calendar_feed/token", headers=bearer(desk.technician.key))
    assert_problem(desk.client.get(f"{v1(desk)}/calendar.ics", params=query), 401, "token")
    new_query = {**query, "token": again.json()["token"]}
    assert desk.client.get(f"{v1(desk)}/calendar.ics", params=new_query).status_code == 200
    gone = desk.client.delete(
        f"{v1(desk)}/calendar_feed/token", headers=bearer(desk.technician.key)
    )
    assert gone.status_code == 204
    assert_problem(desk.client.get(f"{v1(desk)}/calendar.ics", params=new_query), 401)


def test_a_token_opens_only_its_own_portal_and_bad_filters_are_named(desk: Desk) -> None:
    token = desk.client.post(
        f"{v1(desk)}/calendar_feed/token", headers=bearer(desk.admin.key)
    ).json()["token"]
    assert_problem(desk.client.get("/api/v1/calendar.ics", params={"token": token}), 401)
    assert_problem(desk.client.get(f"{v1(desk)}/calendar.ics", params={"token": "rdcal_nope"}), 401)
    signed = desk.client.get(f"{v1(desk)}/calendar.ics", headers=bearer(desk.admin.key))
    assert signed.status_code == 200  # signed in as usual, without a token
    for params, field in (
        ({"include": "everything"}, "include"),
        ({"from": "soon"}, "from"),
        ({"from": "2027-01-01T00:00:00Z", "to": "2029-01-01T00:00:00Z"}, "to"),
        ({"from": "2027-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "to"),
        ({"to": "later"}, "to"),
    ):
        assert_problem(
            desk.client.get(f"{v1(desk)}/calendar.ics", params={"token": token, **params}),
            400,
            field,
        )


def test_a_wall_clock_until_goes_out_in_utc_and_expands_the_same(desk: Desk) -> None:
    # Daily 22:00 in Berlin until 22:30 there on 10 January (21:30Z): 10 January is in.
    window = {
        "name": "Nightly",
        "reason": "Batch runs",
        "timezone": "Europe/Berlin",
        "rrule": "FREQ=DAILY;UNTIL=20270110T223000",
        "dtstart": "2027-01-01T22:00:00",
        "duration": "PT1H",
    }
    made = desk.client.post(
        f"{v1(desk)}/freeze_windows", json=window, headers=bearer(desk.admin.key)
    )
    assert made.status_code == 201, made.text
    answer = desk.client.get(
        f"{v1(desk)}/calendar.ics", params={"include": "freezes"}, headers=bearer(desk.admin.key)
    )
    (event,) = icalendar.Calendar.from_ical(answer.content).walk("VEVENT")
    assert event["rrule"].to_ical() == b"FREQ=DAILY;UNTIL=20270110T213000Z"  # RFC 5545 3.3.10
    start = event.decoded("dtstart")
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    assert [o.astimezone(dt.UTC) for o in rule][-1] == dt.datetime(2027, 1, 10, 21, tzinfo=dt.UTC)
