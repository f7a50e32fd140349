"""What a DORA question asks and what it answers: typed, slotted, in neutral types (aware
datetimes, seconds as floats, release ids)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo


class Metric(StrEnum):
    DEPLOYMENT_FREQUENCY = "deployment_frequency"
    LEAD_TIME = "lead_time"
    CHANGE_FAILURE_RATE = "change_failure_rate"
    TIME_TO_RESTORE = "time_to_restore"
    APPROVAL_WAIT = "approval_wait"

    @property
    def is_duration(self) -> bool:
        """Its samples are durations (aggregated), not counts or a rate."""
        return self in (Metric.LEAD_TIME, Metric.TIME_TO_RESTORE, Metric.APPROVAL_WAIT)

    @property
    def is_rate(self) -> bool:
        return self is Metric.CHANGE_FAILURE_RATE


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


class Aggregation(StrEnum):
    MEDIAN = "median"
    MEAN = "mean"
    P90 = "p90"


class LeadStart(StrEnum):
    """Where lead time starts: the release's creation, its first approval sent, or the first
    time it stood in a work stage (Development onwards; FlexDeploy's startDate)."""

    CREATED = "created"
    APPROVAL_REQUESTED = "approval_requested"
    DEVELOPMENT_STARTED = "development_started"


@dataclass(frozen=True, slots=True)
class DoraQuery:
    """[start, end) cut into `interval` buckets on `zone`'s wall clock."""

    metric: Metric
    start: dt.datetime
    end: dt.datetime
    interval: Interval
    zone: ZoneInfo
    aggregation: Aggregation = Aggregation.MEDIAN
    lead_start: LeadStart = LeadStart.CREATED


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bucket: `value` is None when it holds nothing (never a made-up 0).

    Rates give numerator and denominator, durations and counts the sample `count`;
    `release_ids` are the releases behind the figure (a rate's: its denominator's, with the
    failed ones in `failed_release_ids`); `level` is approval wait's level number."""

    start: dt.datetime
    end: dt.datetime
    value: float | None
    numerator: int | None
    denominator: int | None
    count: int | None
    release_ids: tuple[int, ...]
    failed_release_ids: tuple[int, ...] | None = None
    level: int | None = None


@dataclass(frozen=True, slots=True)
class DoraAnswer:
    query: DoraQuery
    unit: str  # "seconds", "deployments" or "ratio"
    buckets: tuple[Bucket, ...]
