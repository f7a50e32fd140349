"""When a failed delivery is tried again: Standard Webhooks' recommended schedule (5 seconds,
5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours, 10 hours after each failure: eight
attempts over about a day and a half), each wait stretched or shortened by up to a tenth at
random so receivers that failed together are not hit together again, and never sooner than
a `Retry-After` the receiver sent (honoured up to a day)."""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable

WAITS = (
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
)
ATTEMPTS = len(WAITS) + 1
JITTER = 0.1
LONGEST_RETRY_AFTER = dt.timedelta(days=1)


def next_attempt(
    failures: int,
    now: dt.datetime,
    retry_after: dt.timedelta | None,
    random: Callable[[], float],
) -> dt.datetime | None:
    """When to try after the `failures`-th failed attempt, or None: the schedule ran out."""
    if failures >= ATTEMPTS:
        return None
    wait = WAITS[failures - 1] * (1 - JITTER + 2 * JITTER * random())
    if retry_after is not None:
        wait = max(wait, min(retry_after, LONGEST_RETRY_AFTER))
    return now + wait


def parse_retry_after(value: str | None, now: dt.datetime) -> dt.timedelta | None:
    """A `Retry-After` header: delay-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return dt.timedelta(seconds=min(int(value), 10**7))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(when - now, dt.timedelta(0))
