"""All SQL of the DORA metrics. The database does the filtering: moves into Closure by
stage and time (ix_release_status_comments_stage_time), a release's moves and facts by its
id, levels by the time they were decided (ix_release_approval_levels_decided); the service
buckets and aggregates what comes back.

The moves are the status comments: every stage/status change writes one with the stage,
the status and the time in columns (a comment alone writes one too, for the position the
release stands in, so "the first" move into a position is what counts), whichever API made
the change: SDP's close and update, FlexDeploy's COMPLETED (through lifecycle.close_release),
UCR's writes. Releases in the trash are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.core.workflow.names import StageName, StatusType
from releasedesk.db.models import (
    Approval,
    ApprovalLevel,
    ClosureCode,
    Release,
    ReleaseDeployment,
    ReleaseService,
    ReleaseStage,
    ReleaseStatus,
    ReleaseStatusComment,
)

CHUNK = 500  # ids per IN list, well below any driver's bound on parameters


@dataclass(frozen=True, slots=True)
class Closing:
    """A move into Closure with a status of type Success: the release was completed."""

    release_id: int
    time: dt.datetime
    created_time: dt.datetime
    closure_code: str | None


@dataclass(frozen=True, slots=True)
class Move:
    release_id: int
    time: dt.datetime


@dataclass(frozen=True, slots=True)
class LevelWait:
    release_id: int
    level: int
    sent: dt.datetime
    decided: dt.datetime


def _chunks(ids: Collection[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for at in range(0, len(ordered), CHUNK):
        yield ordered[at : at + CHUNK]


def _success_closure(comment: type[ReleaseStatusComment], portal_id: int) -> ColumnElement[bool]:
    """The comment is a move into the portal's Closure with a Success-type status
    (Completed): the stage's id leads ix_release_status_comments_stage_time."""
    return and_(
        comment.stage_id.in_(
            select(ReleaseStage.id).where(
                ReleaseStage.portal_id == portal_id, ReleaseStage.internal_name == StageName.CLOSE
            )
        ),
        comment.status_id.in_(
            select(ReleaseStatus.id).where(
                ReleaseStatus.portal_id == portal_id,
                ReleaseStatus.status_type == StatusType.SUCCESS,
            )
        ),
    )


async def closings(
    session: AsyncSession,
    portal_id: int,
    *,
    since: dt.datetime | None,
    until: dt.datetime,
    first_only: bool,
    release_ids: Collection[int] | None = None,
    closure_code: str | None = None,
) -> list[Closing]:
    """Completions in [since, until): each release's first (`first_only`: a release counts
    once, however often it was closed, reopened or commented on in Closure) or every one
    (what may restore a service); only those with this closure code (case-folded) if given."""
    if release_ids is not None and not release_ids:
        return []
    comment = aliased(ReleaseStatusComment)
    earlier = aliased(ReleaseStatusComment)
    statement = (
        select(comment.release_id, comment.commented_on, Release.created_time, ClosureCode.name)
        .join(Release, Release.id == comment.release_id)
        .outerjoin(ClosureCode, ClosureCode.id == Release.closure_code_id)
        .where(
            Release.portal_id == portal_id,
            Release.deleted_time.is_(None),
            _success_closure(comment, portal_id),
            comment.commented_on < until,
        )
        .order_by(comment.commented_on, comment.id)
    )
    if since is not None:
        statement = statement.where(comment.commented_on >= since)
    if closure_code is not None:
        statement = statement.where(func.lower(ClosureCode.name) == closure_code)
    if first_only:
        statement = statement.where(
            ~exists().where(
                earlier.release_id == comment.release_id,
                _success_closure(earlier, portal_id),
                or_(
                    earlier.commented_on < comment.commented_on,
                    and_(earlier.commented_on == comment.commented_on, earlier.id < comment.id),
                ),
            )
        )
    if release_ids is None:
        rows = (await session.execute(statement)).all()
    else:
        rows = []
        for chunk in _chunks(release_ids):
            rows += (await session.execute(statement.where(comment.release_id.in_(chunk)))).all()
    return [Closing(r[0], r[1], r[2], r[3]) for r in rows]


async def failed_moves(
    session: AsyncSession,
    portal_id: int,
    *,
    until: dt.datetime | None,
    release_ids: Collection[int] | None = None,
) -> list[Move]:
    """Moves into a status of type Failed (Back Out, Failed, a failed closure status)
    before `until` (None: up to now), of releases that were completed at some time (the
    caller keeps the ones after the completion)."""
    if release_ids is not None and not release_ids:
        return []
    completed = aliased(ReleaseStatusComment)
    statement = (
        select(ReleaseStatusComment.release_id, ReleaseStatusComment.commented_on)
        .join(Release, Release.id == ReleaseStatusComment.release_id)
        .join(ReleaseStatus, ReleaseStatus.id == ReleaseStatusComment.status_id)
        .where(
            Release.portal_id == portal_id,
            Release.deleted_time.is_(None),
            ReleaseStatus.status_type == StatusType.FAILED,
            exists().where(
                completed.release_id == ReleaseStatusComment.release_id,
                _success_closure(completed, portal_id),
            ),
        )
        .order_by(ReleaseStatusComment.commented_on, ReleaseStatusComment.id)
    )
    if until is not None:
        statement = statement.where(ReleaseStatusComment.commented_on < until)
    if release_ids is None:
        rows = (await session.execute(statement)).all()
    else:
        rows = []
        for chunk in _chunks(release_ids):
            where = ReleaseStatusComment.release_id.in_(chunk)
            rows += (await session.execute(statement.where(where))).all()
    return [Move(r[0], r[1]) for r in rows]


async def services_of(
    session: AsyncSession, release_ids: Collection[int]
) -> dict[int, frozenset[int]]:
    """The services each release touches (none: an empty set)."""
    found: dict[int, set[int]] = {}
    for chunk in _chunks(release_ids):
        rows = await session.execute(
            select(ReleaseService.release_id, ReleaseService.service_id).where(
                ReleaseService.release_id.in_(chunk)
            )
        )
        for release_id, service_id in rows:
            found.setdefault(release_id, set()).add(service_id)
    return {r: frozenset(found.get(r, ())) for r in release_ids}


async def first_approval_sent(
    session: AsyncSession, release_ids: Collection[int]
) -> dict[int, dt.datetime]:
    """When each release's first approval was sent (releases with none are left out)."""
    found: dict[int, dt.datetime] = {}
    for chunk in _chunks(release_ids):
        rows = await session.execute(
            select(ApprovalLevel.release_id, func.min(Approval.sent_on))
            .join(Approval, Approval.level_id == ApprovalLevel.id)
            .where(ApprovalLevel.release_id.in_(chunk), Approval.sent_on.is_not(None))
            .group_by(ApprovalLevel.release_id)
        )
        found.update({r: t for r, t in rows if t is not None})
    return found


async def development_started(
    session: AsyncSession, release_ids: Collection[int]
) -> dict[int, dt.datetime]:
    """When each release first stood in a work stage (its start mark; none: left out)."""
    found: dict[int, dt.datetime] = {}
    for chunk in _chunks(release_ids):
        rows = await session.execute(
            select(ReleaseDeployment.release_id, ReleaseDeployment.started_time).where(
                ReleaseDeployment.release_id.in_(chunk),
                ReleaseDeployment.started_time.is_not(None),
            )
        )
        found.update({r: t for r, t in rows if t is not None})
    return found


async def levels_decided(
    session: AsyncSession, portal_id: int, since: dt.datetime, until: dt.datetime
) -> Sequence[LevelWait]:
    """Approval levels settled (approved or rejected) in [since, until), with when their
    first approval was sent: a level waits from that to its decision."""
    sent = (
        select(Approval.level_id, func.min(Approval.sent_on).label("sent"))
        .where(Approval.sent_on.is_not(None))
        .group_by(Approval.level_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            ApprovalLevel.release_id,
            ApprovalLevel.level,
            sent.c.sent,
            ApprovalLevel.action_taken_on,
        )
        .join(sent, sent.c.level_id == ApprovalLevel.id)
        .join(Release, Release.id == ApprovalLevel.release_id)
        .where(
            ApprovalLevel.action_taken_on >= since,
            ApprovalLevel.action_taken_on < until,
            ApprovalLevel.status.in_((LevelStatus.APPROVED, LevelStatus.REJECTED)),
            Release.portal_id == portal_id,
            Release.deleted_time.is_(None),
        )
        .order_by(ApprovalLevel.action_taken_on, ApprovalLevel.id)
    )
    return [LevelWait(r[0], r[1], r[2], r[3]) for r in rows if r[2] is not None and r[3]]
