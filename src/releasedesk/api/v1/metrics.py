"""/api/v1/metrics/dora: the DORA metrics and approval wait, as JSON or (Accept: text/csv)
CSV, one row per bucket."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from releasedesk.api.deps import Session
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Parameter, Routes
from releasedesk.api.v1 import answers
from releasedesk.api.v1.auth import CurrentActor
from releasedesk.core.insights import asking, export
from releasedesk.core.insights import service as insights
from releasedesk.core.insights.views import Bucket, DoraAnswer

routes = Routes()

CSV = "text/csv"


def _enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


DORA_QUERY = (
    Parameter(
        "metric",
        "deployment_frequency, lead_time, change_failure_rate, time_to_restore or"
        " approval_wait; required",
        _enum(
            "deployment_frequency",
            "lead_time",
            "change_failure_rate",
            "time_to_restore",
            "approval_wait",
        ),
    ),
    Parameter(
        "from",
        "Start, included: a date (its midnight in tz) or an RFC 3339 date-time; required",
    ),
    Parameter("to", "End, excluded: a date or an RFC 3339 date-time; required"),
    Parameter(
        "interval",
        "Bucket size on tz's wall clock (week by default)",
        _enum("day", "week", "month", "all"),
    ),
    Parameter("tz", "An IANA time zone, such as Europe/Berlin (UTC by default)"),
    Parameter(
        "aggregation",
        "How durations reduce to one value (median by default)",
        _enum("median", "mean", "p90"),
    ),
    Parameter(
        "start",
        "lead_time's start: created, approval_requested (first approval sent) or"
        " development_started (first time in a work stage); created by default",
        _enum("created", "approval_requested", "development_started"),
    ),
)


def _bucket(answer: DoraAnswer, bucket: Bucket) -> dict[str, Any]:
    zone = answer.query.zone
    body: dict[str, Any] = {
        "start": bucket.start.astimezone(zone).isoformat(),
        "end": bucket.end.astimezone(zone).isoformat(),
        "value": bucket.value,
        "numerator": bucket.numerator,
        "denominator": bucket.denominator,
        "count": bucket.count,
        "release_ids": list(bucket.release_ids),
    }
    if bucket.failed_release_ids is not None:
        body["failed_release_ids"] = list(bucket.failed_release_ids)
    if bucket.level is not None:
        body["level"] = bucket.level
    return body


def answer_json(answer: DoraAnswer) -> dict[str, Any]:
    query = answer.query
    return {
        "metric": query.metric.value,
        "interval": query.interval.value,
        "aggregation": query.aggregation.value,
        "tz": query.zone.key,
        "from": query.start.astimezone(query.zone).isoformat(),
        "to": query.end.astimezone(query.zone).isoformat(),
        "start": query.lead_start.value if query.metric.value == "lead_time" else None,
        "unit": answer.unit,
        "buckets": [_bucket(answer, b) for b in answer.buckets],
    }


def wants_csv(request: Request) -> bool:
    """Accept names text/csv (with a q above 0) before application/json, if at all."""
    for part in request.headers.get("accept", "").split(","):
        media, *options = (p.strip() for p in part.split(";"))
        q = next((o[2:] for o in options if o.startswith("q=")), "1")
        if media.lower() == CSV and q not in ("0", "0.0", "0.00", "0.000"):
            return True
        if media.lower() == "application/json":
            return False
    return False


@routes.get("/metrics/dora", answers=answers.DORA, query=DORA_QUERY)
async def dora(request: Request, session: Session, actor: CurrentActor) -> Response:
    """One DORA metric (or approval wait per level) in buckets of [from, to) on tz's wall
    clock (staff only). An empty bucket's value is null. `Accept: text/csv`: CSV, one row
    per bucket, release ids joined by ';'."""
    query = asking.parse(dict(request.query_params))
    found = await insights.dora(session, actor, query)
    if wants_csv(request):
        name = f"dora-{query.metric.value}.csv"
        return Response(
            export.csv_text(found),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return JsonResponse(answer_json(found))
