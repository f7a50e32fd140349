"""A DORA answer as CSV (pure): one row per bucket, the release ids joined by ";", the
times in the asked zone, what a bucket does not have left empty; the API's `Accept:
text/csv` and the Insights page's download both give these bytes."""

from __future__ import annotations

import csv
import io

from releasedesk.core.insights.views import Bucket, DoraAnswer

COLUMNS = (
    "metric",
    "level",
    "start",
    "end",
    "value",
    "unit",
    "numerator",
    "denominator",
    "count",
    "release_ids",
    "failed_release_ids",
)


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _ids(ids: tuple[int, ...] | None) -> str:
    return "" if ids is None else ";".join(str(i) for i in ids)


def row(answer: DoraAnswer, bucket: Bucket) -> list[str]:
    zone = answer.query.zone
    return [
        answer.query.metric.value,
        _number(bucket.level),
        bucket.start.astimezone(zone).isoformat(),
        bucket.end.astimezone(zone).isoformat(),
        _number(bucket.value),
        answer.unit,
        _number(bucket.numerator),
        _number(bucket.denominator),
        _number(bucket.count),
        _ids(bucket.release_ids),
        _ids(bucket.failed_release_ids),
    ]


def csv_text(answer: DoraAnswer) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for bucket in answer.buckets:
        writer.writerow(row(answer, bucket))
    return out.getvalue()
