"""SDP's display times are formatted by hand (api/sdp/translate.display_parts) for speed;
they must be what strftime writes with DISPLAY_FORMAT in the C locale, for every instant."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from releasedesk.api.sdp.translate import DISPLAY_FORMAT, display_parts, sdp_time
from releasedesk.api.sdp.translate_history import history_time

pytestmark = pytest.mark.one_database  # nothing here depends on the database


def _instants() -> list[dt.datetime]:
    rng = random.Random(20)
    start = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
    drawn = [start + dt.timedelta(seconds=rng.randrange(400 * 366 * 86400)) for _ in range(20000)]
    edges = [
        dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)
        for month in (1, 12)
        for day in (1, 9, 31)
        for hour in (0, 1, 11, 12, 13, 23)
        for minute in (0, 5, 59)
    ]
    return (
        drawn
        + edges
        + [dt.datetime(1, 1, 1, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC)]
    )


def test_display_times_are_strftimes_in_the_c_locale() -> None:
    for moment in _instants():
        expected = moment.strftime(DISPLAY_FORMAT)
        date, time = display_parts(moment)
        assert f"{date} {time}" == expected, moment
        assert sdp_time(moment)["display_value"] == expected  # type: ignore[index]
        shown = history_time(moment)
        assert (shown["date"], shown["time"]) == (date, time)
