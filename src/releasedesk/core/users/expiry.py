"""When a key expires and how far back `audit list --since` reaches, from what people type.

A duration is a whole number of hours, days or weeks (`12h`, `90d`, `2w`). A date
(`2027-01-31`) means that whole day in UTC: a key given it works through 23:59:59.999999 and
stops at the next midnight; `--since` starts at its midnight. A full ISO 8601 time
(`2027-01-31T12:00:00+02:00`; no offset means UTC) means that instant.
"""

from __future__ import annotations

import datetime as dt
import re

from releasedesk.core.errors import Invalid

DURATION = re.compile(r"^(\d+)\s*([hdw])$")
UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}
FORMS = "a duration (12h, 90d, 2w), a date (2027-01-31) or an ISO 8601 time"


def parse_duration(text: str) -> dt.timedelta | None:
    """`90d` as 90 days; None when `text` is not a duration."""
    match = DURATION.match(text.strip().lower())
    if not match:
        return None
    return int(match.group(1)) * UNITS[match.group(2)]  # OverflowError past timedelta's days


def _instant(text: str, field: str) -> tuple[dt.datetime, bool]:
    """The instant `text` names, and whether it was a bare date (its midnight, UTC)."""
    text = text.strip()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return dt.datetime.combine(day, dt.time(), dt.UTC), True
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"'{text}' is not {FORMS}", field) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC), False


def parse_expiry(text: str, now: dt.datetime) -> dt.datetime:
    """The first instant a key given `--expires TEXT` at `now` no longer works."""
    try:
        return _expiry(text, now)
    except OverflowError:
        raise Invalid(
            f"'{text.strip()}' is beyond the last date this server keeps", "expires"
        ) from None


def _expiry(text: str, now: dt.datetime) -> dt.datetime:
    duration = parse_duration(text)
    if duration is not None:
        if not duration:
            raise Invalid("an expiry must be in the future, not 0", "expires")
        return now + duration
    moment, is_date = _instant(text, "expires")
    if is_date:
        moment += dt.timedelta(days=1)  # valid through the whole day given
    if moment <= now:
        raise Invalid(f"'{text.strip()}' is already past", "expires")
    return moment


def parse_since(text: str, now: dt.datetime) -> dt.datetime:
    """The start of `--since TEXT` at `now`: that long ago, that day's midnight, that time."""
    try:
        duration = parse_duration(text)
        return _instant(text, "since")[0] if duration is None else now - duration
    except OverflowError:
        raise Invalid(f"'{text.strip()}' reaches back before the first date", "since") from None
