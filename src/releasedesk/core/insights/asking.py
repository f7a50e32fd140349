"""A DORA question from its text parameters (the API's query, the Insights page's form),
every bad parameter named: pure, so both fronts ask and refuse the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from releasedesk.core.errors import Invalid
from releasedesk.core.insights.buckets import instant, zone
from releasedesk.core.insights.views import Aggregation, DoraQuery, Interval, LeadStart, Metric

E = TypeVar("E", bound=StrEnum)
UTC = ZoneInfo("UTC")
T = TypeVar("T")

PARAMETERS = ("metric", "from", "to", "interval", "tz", "aggregation", "start")
DEFAULTS = {"interval": "week", "tz": "UTC", "aggregation": "median", "start": "created"}


class InvalidParameters(Invalid):
    """Several parameters refused at once: each with its reason (`problems`), the first
    as the error's own field and every reason in its message."""

    def __init__(self, problems: list[Invalid]) -> None:
        super().__init__(" ".join(p.message for p in problems), problems[0].field)
        self.problems = problems


def _choice(enum: type[E], params: Mapping[str, str], name: str) -> E:
    text = params.get(name, DEFAULTS.get(name, ""))
    if not text:
        raise Invalid(f"'{name}' is required: one of {', '.join(e.value for e in enum)}", name)
    try:
        return enum(text.strip())
    except ValueError:
        raise Invalid(
            f"'{name}' must be one of {', '.join(e.value for e in enum)}, not {text[:40]!r}",
            name,
        ) from None


def _read(problems: list[Invalid], read: Callable[[], T]) -> T | None:
    try:
        return read()
    except Invalid as problem:
        problems.append(problem)
        return None


def parse(params: Mapping[str, str]) -> DoraQuery:
    """The question, or InvalidParameters naming every parameter at fault."""
    problems: list[Invalid] = [
        Invalid(f"'{key[:40]}' is not a parameter here ({', '.join(PARAMETERS)})", key[:40])
        for key in params
        if key not in PARAMETERS
    ]
    metric = _read(problems, lambda: _choice(Metric, params, "metric"))
    interval = _read(problems, lambda: _choice(Interval, params, "interval"))
    how = _read(problems, lambda: _choice(Aggregation, params, "aggregation"))
    lead_start = _read(problems, lambda: _choice(LeadStart, params, "start"))
    where = _read(problems, lambda: zone(params.get("tz", DEFAULTS["tz"]).strip(), "tz"))
    moments: dict[str, dt.datetime] = {}
    for name in ("from", "to"):
        text = params.get(name, "")
        if not text.strip():
            problems.append(Invalid(f"'{name}' is required (a date such as 2026-03-01)", name))
        else:  # read in UTC when the zone was refused, so its own mistakes are named too
            reading = where or UTC
            found = _read(problems, lambda: instant(text, reading, name))  # noqa: B023
            if found is not None:
                moments[name] = found
    start, end = moments.get("from"), moments.get("to")
    if start is not None and end is not None and end <= start:
        problems.append(Invalid("'to' must come after 'from'", "to"))
    if problems:
        raise InvalidParameters(problems)
    assert metric and interval and how and lead_start and where and start and end
    return DoraQuery(metric, start, end, interval, where, how, lead_start)
