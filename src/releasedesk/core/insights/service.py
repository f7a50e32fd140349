"""DORA metrics for a portal's staff: the facts read in a few range statements
(repository.py), bucketed on the asked zone's wall clock and reduced (figures.py).

Staff only: the figures span every release of the portal, which a requester may not see
(they see their own releases); a requester is refused, not shown a partial figure.
Nothing is cached or stored: every answer reads the store as it is, so an event recorded
late (a completion entered after its bucket was first read, a failure found weeks later)
lands in the bucket its time belongs to on the next read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_staff
from releasedesk.core.insights import figures, repository
from releasedesk.core.insights.buckets import bounds
from releasedesk.core.insights.views import Bucket, DoraAnswer, DoraQuery, LeadStart, Metric

UNITS = {
    Metric.DEPLOYMENT_FREQUENCY: "deployments",
    Metric.LEAD_TIME: "seconds",
    Metric.CHANGE_FAILURE_RATE: "ratio",
    Metric.TIME_TO_RESTORE: "seconds",
    Metric.APPROVAL_WAIT: "seconds",
}


def check_reader(actor: Actor) -> None:
    """Staff only (a page asks before it reads its form)."""
    require_staff(actor, "read the DORA metrics")


async def dora(session: AsyncSession, actor: Actor, query: DoraQuery) -> DoraAnswer:
    """The metric's buckets over [query.start, query.end)."""
    check_reader(actor)
    edges = bounds(query.start, query.end, query.interval, query.zone)
    buckets = await _buckets(session, actor.portal_id, query, edges)
    return DoraAnswer(query, UNITS[query.metric], tuple(buckets))


async def _buckets(
    session: AsyncSession,
    portal_id: int,
    query: DoraQuery,
    edges: Sequence[tuple[dt.datetime, dt.datetime]],
) -> list[Bucket]:
    metric, how = query.metric, query.aggregation
    if metric is Metric.APPROVAL_WAIT:
        levels = await repository.levels_decided(session, portal_id, query.start, query.end)
        return figures.approval_wait(levels, edges, how)
    if metric is Metric.TIME_TO_RESTORE:
        return await _time_to_restore(session, portal_id, query, edges)
    closings = await repository.closings(
        session, portal_id, since=query.start, until=query.end, first_only=True
    )
    if metric is Metric.DEPLOYMENT_FREQUENCY:
        return figures.deployment_frequency(closings, edges)
    if metric is Metric.LEAD_TIME:
        ids = {c.release_id for c in closings}
        starts = None
        if query.lead_start is LeadStart.APPROVAL_REQUESTED:
            starts = await repository.first_approval_sent(session, ids)
        elif query.lead_start is LeadStart.DEVELOPMENT_STARTED:
            starts = await repository.development_started(session, ids)
        return figures.lead_time(closings, starts, edges, how)
    # change failure rate: a failure found after the range still counts ("later failed")
    moves = await repository.failed_moves(
        session,
        portal_id,
        until=None,
        release_ids={c.release_id for c in closings},
    )
    return figures.change_failure_rate(closings, figures.failures(closings, moves), edges)


async def _time_to_restore(
    session: AsyncSession,
    portal_id: int,
    query: DoraQuery,
    edges: Sequence[tuple[dt.datetime, dt.datetime]],
) -> list[Bucket]:
    """Failures before the range's end (whenever they began), then the completions from
    the earliest of them to the end that may have restored them."""
    moves = await repository.failed_moves(session, portal_id, until=query.end)
    failed_code = await repository.closings(
        session,
        portal_id,
        since=None,
        until=query.end,
        first_only=True,
        closure_code=figures.FAILED_CLOSURE_CODE,
    )
    moved_ids = {m.release_id for m in moves}
    completed = await repository.closings(
        session,
        portal_id,
        since=None,
        until=query.end,
        first_only=True,
        release_ids=moved_ids - {c.release_id for c in failed_code},
    )
    failed = figures.failures([*failed_code, *completed], moves)
    if not failed:
        return figures.time_to_restore({}, [], {}, edges, query.aggregation)
    candidates = await repository.closings(
        session, portal_id, since=min(failed.values()), until=query.end, first_only=False
    )
    services = await repository.services_of(session, {*failed, *(c.release_id for c in candidates)})
    return figures.time_to_restore(failed, candidates, services, edges, query.aggregation)
