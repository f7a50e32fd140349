"""What a release write asks of the change freezes (core/freezes), in the write's own
transaction: a schedule that meets a blocking window in the release's scope is refused, and
so is a move into the Deployment stage while one is on (FlexDeploy's STARTED asks the same
through core/deployment); a warning window lets it through with a status comment saying so.
An exception granted to the release for a window (core/freezes, overrides) lets it through
that window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.freezes import service as freezes
from releasedesk.core.freezes.views import Meeting, ReleaseFacts

DEPLOYMENT_STAGE = "deployment"
AN_INSTANT = dt.timedelta(minutes=1)  # what a start without an end occupies (the calendar's)


async def check(
    session: AsyncSession,
    portal_id: int,
    *,
    release_id: int | None,
    columns: Mapping[str, object],
    service_ids: Collection[int] | None,
    requester_id: int | None,
    schedule_asked: bool,
    entering_deployment: bool,
    now: dt.datetime,
) -> list[Meeting]:
    """Refuse (core.errors.Frozen) or give the warning windows met. `columns` are the
    release's columns as they will be; `service_ids` None: the release's own, unchanged."""
    start, end = columns.get("scheduled_start_time"), columns.get("scheduled_end_time")
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    if schedule_asked and isinstance(start, dt.datetime):
        until = end if isinstance(end, dt.datetime) and end > start else start + AN_INSTANT
        spans.append((start, until))
    if entering_deployment:
        spans.append((now, now + dt.timedelta(seconds=1)))
    # A write's usual case: no window can meet it. One indexed read says so, before the
    # release's facts (three reads) are loaded for the windows' scopes.
    if not spans or not await freezes.any_window_meeting(
        session, portal_id, min(s for s, _ in spans), max(e for _, e in spans)
    ):
        return []
    stored = (await freezes.facts_of(session, [release_id]))[release_id] if release_id else None
    # The type as it will be: the one this write sets (None when it clears it), else the
    # stored one, so a window scoped to a type holds a release whose type is not restated.
    if "release_type_id" in columns or stored is None:
        type_id = columns.get("release_type_id")
    else:
        type_id = stored.release_type_id
    facts = ReleaseFacts(
        release_id=release_id,
        requester_id=requester_id if stored is None else stored.requester_id,
        scheduled_start=start if isinstance(start, dt.datetime) else None,
        scheduled_end=end if isinstance(end, dt.datetime) else None,
        service_ids=frozenset(
            service_ids if service_ids is not None else (stored.service_ids if stored else ())
        ),
        release_type_id=type_id if isinstance(type_id, int) else None,
        team_id=None if stored is None else stored.team_id,
    )
    met: list[Meeting] = []
    if schedule_asked and facts.scheduled_start is not None:
        if facts.scheduled_end is None or facts.scheduled_end <= facts.scheduled_start:
            facts = _instant(facts)
        met += await freezes.check_schedule(session, portal_id, facts, now)
    if entering_deployment:
        met += await freezes.check_deployment(session, portal_id, facts, now)
    return met


async def check_as_stored(
    session: AsyncSession, portal_id: int, release_id: int, now: dt.datetime
) -> None:
    """Ask the release's stored schedule again after a change of what scopes it (its
    UrbanCode team): a blocking window in the new scope refuses the change (Frozen). Its
    schedule did not move, so a warning window only warns where the release is shown."""
    facts = (await freezes.facts_of(session, [release_id])).get(release_id)
    if facts is None or facts.scheduled_start is None:
        return
    if facts.scheduled_end is None or facts.scheduled_end <= facts.scheduled_start:
        facts = _instant(facts)
    start, end = facts.scheduled_start, facts.scheduled_end
    assert start is not None and end is not None
    if await freezes.any_window_meeting(session, portal_id, start, end):
        await freezes.check_schedule(session, portal_id, facts, now)


def _instant(facts: ReleaseFacts) -> ReleaseFacts:
    """A release with a start and no end occupies its start (as the calendar shows it)."""
    assert facts.scheduled_start is not None
    return ReleaseFacts(
        facts.release_id,
        facts.requester_id,
        facts.scheduled_start,
        facts.scheduled_start + AN_INSTANT,
        facts.service_ids,
        facts.release_type_id,
        facts.team_id,
        facts.created_by_id,
    )


def warning_comment(met: list[Meeting]) -> str | None:
    """The status comment a warning window leaves (None when none was met)."""
    if not met:
        return None
    named = "; ".join(
        f"freeze window '{m.window.name}' ({m.window.reason}) from"
        f" {m.occurrence.start.isoformat()} to {m.occurrence.end.isoformat()}"
        for m in met
    )
    return f"Let through with a warning: {named}"
