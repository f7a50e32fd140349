"""The Insights page's charts: a DORA answer as a bar chart's geometry and words (pure).

The SVG is drawn by the template from these numbers (no script, no library): bars in one
dark colour (3:1 and more against the white ground and the light grid), an empty bucket
marked by a dashed tick on the baseline instead of a bar of 0, the axis's top and the first
and last periods as text. The figures themselves are in the table beside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from releasedesk.core.insights.views import Bucket, DoraAnswer, Interval, Metric

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 84, 12, 16, 40  # the template draws the same frame
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
BASE_Y = TOP + PLOT_H
DASH = "\u2013"  # an en dash between a period's first and last day

TITLES = {
    Metric.DEPLOYMENT_FREQUENCY: "Deployment frequency",
    Metric.LEAD_TIME: "Lead time for changes",
    Metric.CHANGE_FAILURE_RATE: "Change failure rate",
    Metric.TIME_TO_RESTORE: "Time to restore service",
    Metric.APPROVAL_WAIT: "Approval wait",
}


@dataclass(frozen=True, slots=True)
class Unit:
    """How a chart's values are told: seconds divided into minutes, hours or days; a ratio as
    a percentage; deployments as they are."""

    name: str
    divisor: float
    percent: bool = False

    def tell(self, value: float | None) -> str:
        if value is None:
            return "No data"
        if self.percent:
            return f"{value * 100:.0f} %"
        shown = value / self.divisor
        if self.name == "deployments":
            return f"{shown:.0f}"
        # halves up, as people round (2.25 days is 2.3, not Python's even 2.2)
        tenths = Decimal(repr(shown)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return f"{tenths} {self.name}"


def unit_of(answer: DoraAnswer, buckets: tuple[Bucket, ...]) -> Unit:
    if answer.unit == "ratio":
        return Unit("%", 1, percent=True)
    if answer.unit == "deployments":
        return Unit("deployments", 1)
    top = max((b.value for b in buckets if b.value is not None), default=0.0)
    if top < 2 * 3600:
        return Unit("min", 60)
    if top < 72 * 3600:
        return Unit("h", 3600)
    return Unit("days", 86400)


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    empty: bool


@dataclass(frozen=True, slots=True)
class Row:
    """One bucket as the table tells it."""

    period: str
    value: str
    numerator: int | None
    denominator: int | None
    count: int | None
    release_ids: tuple[int, ...]
    failed_release_ids: tuple[int, ...] | None


@dataclass(frozen=True, slots=True)
class Chart:
    key: str  # unique on the page: the metric and level
    title: str
    description: str
    unit: Unit
    bars: tuple[Bar, ...]
    rows: tuple[Row, ...]
    top_label: str
    first_label: str
    last_label: str
    is_rate: bool


def period(bucket: Bucket, answer: DoraAnswer) -> str:
    """The bucket's local days: one day, or the first and last day it covers."""
    zone = answer.query.zone
    first = bucket.start.astimezone(zone)
    last = (bucket.end - dt.timedelta(microseconds=1)).astimezone(zone)
    if answer.query.interval is Interval.DAY or first.date() == last.date():
        return f"{first:%a} {first.day} {first:%b %Y}"
    return f"{first.day} {first:%b %Y} {DASH} {last.day} {last:%b %Y}"


def _day(moment: dt.datetime, answer: DoraAnswer) -> str:
    local = moment.astimezone(answer.query.zone)
    return f"{local.day} {local:%b %Y}"


def charts(answer: DoraAnswer) -> list[Chart]:
    """One chart per series: the metric's, or approval wait's one per level."""
    levels = sorted({b.level for b in answer.buckets if b.level is not None})
    if not levels:
        return [_chart(answer, answer.buckets, None)]
    return [
        _chart(answer, tuple(b for b in answer.buckets if b.level == level), level)
        for level in levels
    ]


def _chart(answer: DoraAnswer, buckets: tuple[Bucket, ...], level: int | None) -> Chart:
    query = answer.query
    unit = unit_of(answer, buckets)
    title = TITLES[query.metric] + ("" if level is None else f", level {level}")
    how = f", {query.aggregation.value}" if query.metric.is_duration else ""
    lead = (
        f" from {query.lead_start.value.replace('_', ' ')}"
        if query.metric is Metric.LEAD_TIME
        else ""
    )
    interval = "the whole range" if query.interval is Interval.ALL else f"{query.interval.value}"
    described = f"{title}{lead}{how}, by {interval}, {query.zone.key}"
    top = max((b.value for b in buckets if b.value is not None), default=0.0)
    scale_top = 1.0 if unit.percent else (top or 1.0)
    slot = PLOT_W / max(len(buckets), 1)
    bars = []
    for index, bucket in enumerate(buckets):
        width = max(slot * 0.7, 1.0)
        x = LEFT + index * slot + (slot - width) / 2
        height = 0.0 if bucket.value is None else PLOT_H * bucket.value / scale_top
        if bucket.value is not None:
            height = max(height, 2.0)  # a real 0 is a sliver on the baseline, not nothing
        bars.append(
            Bar(
                round(x, 2),
                round(BASE_Y - height, 2),
                round(width, 2),
                round(height, 2),
                bucket.value is None,
            )
        )
    rows = tuple(
        Row(
            period(b, answer),
            unit.tell(b.value),
            b.numerator,
            b.denominator,
            b.count,
            b.release_ids,
            b.failed_release_ids,
        )
        for b in buckets
    )
    empty = sum(1 for b in buckets if b.value is None)
    summary = f"{len(buckets)} bars; {empty} without data" if empty else f"{len(buckets)} bars"
    return Chart(
        key=query.metric.value + ("" if level is None else f"-{level}"),
        title=title,
        description=f"{described}. {summary}; highest {unit.tell(top if top else None)}.",
        unit=unit,
        bars=tuple(bars),
        rows=rows,
        top_label=unit.tell(scale_top) if unit.percent or top else "0",
        first_label=_day(buckets[0].start, answer) if buckets else "",
        last_label=_day(buckets[-1].end - dt.timedelta(microseconds=1), answer) if buckets else "",
        is_rate=query.metric.is_rate,
    )
