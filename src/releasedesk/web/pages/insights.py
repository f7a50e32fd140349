"""Insights (staff): the DORA metrics and approval wait over a range, as a bar chart and a
table each, with their CSV; the form picks the metric (or all), the range, the interval, the
zone, the aggregation and where lead time starts. The figures are core/insights's, asked
the way the API asks (core/insights/asking.parse), so page, API and CSV agree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.errors import Invalid
from releasedesk.core.insights import asking, export
from releasedesk.core.insights import service as insights
from releasedesk.core.insights.buckets import zone
from releasedesk.core.insights.views import Aggregation, Interval, LeadStart, Metric
from releasedesk.web.context import PageContext, page
from releasedesk.web.forms import FormErrors
from releasedesk.web.insights_chart import TITLES, Chart, charts

FIELDS = ("metric", "from", "to", "interval", "tz", "aggregation", "start")
DEFAULT_WEEKS = 12


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    name: str


METRICS = [Choice(m.value, TITLES[m]) for m in Metric]
INTERVALS = [
    Choice(i.value, i.value.capitalize() if i is not Interval.ALL else "Whole range")
    for i in Interval
]
AGGREGATIONS = [
    Choice(a.value, {"median": "Median", "mean": "Mean", "p90": "90th percentile"}[a.value])
    for a in Aggregation
]
STARTS = [
    Choice(LeadStart.CREATED.value, "Release created"),
    Choice(LeadStart.APPROVAL_REQUESTED.value, "First approval requested"),
    Choice(LeadStart.DEVELOPMENT_STARTED.value, "Development started"),
]


def _asked(ctx: PageContext) -> dict[str, str]:
    """The form's values, the defaults filled in: the last 12 weeks up to tomorrow in the
    zone asked (UTC unless told), by week, median, lead time from creation."""
    values = {name: ctx.query(name) for name in FIELDS}
    values["tz"] = values["tz"] or "UTC"
    try:
        today = dt.datetime.now(zone(values["tz"])).date()
    except Invalid:  # the zone is refused below, beside its field
        today = dt.datetime.now(dt.UTC).date()
    end = today + dt.timedelta(days=1)
    values["to"] = values["to"] or end.isoformat()
    values["from"] = values["from"] or (end - dt.timedelta(weeks=DEFAULT_WEEKS)).isoformat()
    for name, default in asking.DEFAULTS.items():
        values[name] = values[name] or default
    return values


def _params(values: dict[str, str], metric: str) -> dict[str, str]:
    return {**{k: v for k, v in values.items() if k != "metric"}, "metric": metric}


@page
async def insights_page(ctx: PageContext) -> Response:
    """The Insights page; a requester gets the core's refusal as a 403 page."""
    insights.check_reader(ctx.me)
    values = _asked(ctx)
    chosen = [values["metric"]] if values["metric"] else [m.value for m in Metric]
    errors = FormErrors()
    drawn: list[tuple[str, list[Chart], str]] = []
    try:
        queries = [asking.parse(_params(values, metric)) for metric in chosen]
    except asking.InvalidParameters as refused:
        for problem in refused.problems:
            errors.add(problem.field or "metric", problem.message)
        queries = []
    for query in queries:
        answer = await insights.dora(ctx.session, ctx.me, query)
        csv_url = ctx.url("insights/export.csv", **_params(values, query.metric.value))
        drawn.append((query.metric.value, charts(answer), csv_url))
    return ctx.render(
        "insights/page.html",
        status=400 if errors else 200,
        errors=errors,
        values=values,
        drawn=drawn,
        metrics=METRICS,
        intervals=INTERVALS,
        aggregations=AGGREGATIONS,
        starts=STARTS,
    )


@page
async def insights_csv(ctx: PageContext) -> Response:
    """One metric's buckets as CSV, the bytes the API gives for `Accept: text/csv`."""
    insights.check_reader(ctx.me)
    params = {name: ctx.query(name) for name in FIELDS if ctx.query(name)}
    query = asking.parse(params)
    answer = await insights.dora(ctx.session, ctx.me, query)
    name = f"dora-{query.metric.value}.csv"
    return Response(
        export.csv_text(answer),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/insights", insights_page, methods=["GET"]),
        Route("/insights/export.csv", insights_csv, methods=["GET"]),
    ]
