"""The freeze window form read into the core's WindowSpec, and windows in words, without a
server: times typed without an offset are read in the chosen zone, only the chosen kind's
fields go to the core, an exception given as a date takes the first start's time, and what
cannot be read is said beside its field."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from releasedesk.core.freezes.timing import Duration, Recurring
from releasedesk.core.freezes.views import Scope
from releasedesk.core.values import Named
from releasedesk.web import freeze_words
from releasedesk.web.forms import FormErrors
from releasedesk.web.freeze_form import blank, spec_of
from releasedesk.web.freeze_words import DASH

BERLIN = ZoneInfo("Europe/Berlin")


def form(**changes: Any) -> dict[str, Any]:
    values = blank("Europe/Berlin")
    values.update(name="Year end", reason="Books close", **changes)
    return values


def test_a_one_off_window_is_read_in_its_zone_and_sends_no_rule() -> None:
    errors = FormErrors()
    spec = spec_of(
        form(
            start="2031-12-22T00:00",
            end="2032-01-04T00:00",
            rrule="FREQ=DAILY",  # typed, then the kind changed: not sent
            services=["Email"],
        ),
        errors,
    )
    assert not errors and spec is not None
    assert spec.start == dt.datetime(2031, 12, 22, tzinfo=BERLIN)
    assert spec.start.utcoffset() == dt.timedelta(hours=1)
    assert spec.end == dt.datetime(2032, 1, 4, tzinfo=BERLIN)
    assert spec.rrule is None and spec.dtstart is None and spec.duration is None
    assert spec.scope == {"services": ["Email"], "release_types": [], "teams": []}
    assert spec.timezone == "Europe/Berlin" and spec.effect == "block"


def test_a_recurring_window_keeps_wall_clock_times_and_dates_take_the_start_time() -> None:
    errors = FormErrors()
    spec = spec_of(
        form(
            kind="recurring",
            rrule="FREQ=WEEKLY;BYDAY=FR",
            dtstart="2026-01-02T18:00",
            duration="PT60H",
            exdates="2026-12-25\n\n 2027-01-01T18:00 \n",
            start="2031-12-22T00:00",  # the other kind's: not sent
        ),
        errors,
    )
    assert not errors and spec is not None
    assert spec.start is None and spec.end is None
    assert spec.dtstart == dt.datetime(2026, 1, 2, 18)
    assert spec.exdates == (dt.datetime(2026, 12, 25, 18), dt.datetime(2027, 1, 1, 18))
    assert spec.rrule == "FREQ=WEEKLY;BYDAY=FR" and spec.duration == "PT60H"


def test_what_cannot_be_read_is_said_beside_its_field() -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        (form(timezone="Mars/Olympus"), "timezone", "IANA time zone"),
        (form(timezone=""), "timezone", "IANA time zone"),
        (form(start="24/12/2031 09:00"), "start", "Enter a date and time like"),
        (form(start="2031-12-22T00:00", end="0999-01-01T00:00"), "end", "between 1970"),
        (form(kind="sometimes"), "kind", "one-off or recurring"),
        (form(kind="recurring", dtstart="2026-01-02T18:00", duration="PT1H"), "rrule", "rule"),
        (form(kind="recurring", rrule="FREQ=DAILY", duration="PT1H"), "dtstart", "first start"),
        (form(kind="recurring", rrule="FREQ=DAILY", dtstart="2026-01-02T18:00"), "duration", ""),
        (
            form(
                kind="recurring",
                rrule="FREQ=DAILY",
                dtstart="2026-01-02T18:00",
                duration="PT1H",
                exdates="2026-12-25\nChristmas",
            ),
            "exdates",
            "Line 2",
        ),
    ]
    for values, field, says in cases:
        errors = FormErrors()
        assert spec_of(values, errors) is None, values
        message = errors.get(field)
        assert message is not None and says in message, (values, errors)


def test_windows_in_words() -> None:
    start = dt.datetime(2031, 12, 22, tzinfo=BERLIN)
    assert (
        freeze_words.span(start, dt.datetime(2032, 1, 4, tzinfo=BERLIN), BERLIN)
        == f"22 Dec 2031, 00:00 {DASH} 4 Jan 2032, 00:00 Europe/Berlin (UTC+01:00)"
    )
    across = freeze_words.span(
        dt.datetime(2027, 3, 27, 12, tzinfo=BERLIN), dt.datetime(2027, 3, 29, tzinfo=BERLIN), BERLIN
    )
    assert f"(UTC+01:00) {DASH} 29 Mar 2027, 00:00 Europe/Berlin (UTC+02:00)" in across
    utc = ZoneInfo("UTC")
    same_day = freeze_words.span(
        dt.datetime(2027, 1, 1, 9, tzinfo=utc), dt.datetime(2027, 1, 1, 17, tzinfo=utc), utc
    )
    assert same_day == f"1 Jan 2027, 09:00 {DASH} 17:00 UTC"

    def words(rule: str, duration: str = "PT48H") -> str | None:
        shape = Recurring(rule, dt.datetime(2026, 1, 2, 18), Duration.parse(duration))
        return freeze_words.rule_words(shape, BERLIN)

    assert words("FREQ=WEEKLY;BYDAY=FR") == "Every Friday at 18:00 Europe/Berlin, for 48 hours"
    assert words("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU", "P1D") == (
        "Every 2 weeks on Saturday and Sunday at 18:00 Europe/Berlin, for 1 day"
    )
    assert words("FREQ=MONTHLY;BYDAY=-1FR;COUNT=12", "PT3H30M") == (
        "Every month on the last Friday at 18:00 Europe/Berlin, for 3 hours 30 minutes,"
        " 12 times in all"
    )
    assert words("FREQ=YEARLY;UNTIL=20301231T000000") == (
        "Every year on 2 January at 18:00 Europe/Berlin, for 48 hours, until 31 Dec 2030"
    )
    assert words("FREQ=MONTHLY;BYMONTHDAY=1,15") is None  # shown as written
    assert freeze_words.scope_words(Scope()) == "All releases"
    assert (
        freeze_words.scope_words(
            Scope(services=(Named(1, "Payments"),), release_types=(Named(2, "Major"),))
        )
        == "Services: Payments; Release types: Major"
    )
