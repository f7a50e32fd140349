"""All SQL about approval levels, approvals, a user's inbox of them, their mail links,
approvers away, the portal's approval policy and the organisational roles an approval can
name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    FromClause,
    Select,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from releasedesk.core.approvals import org_roles
from releasedesk.core.approvals.views import (
    Absence,
    ApprovalLevel,
    ApprovalStatus,
    Channel,
    LevelRef,
)
from releasedesk.core.approvals.views import Approval as ApprovalView
from releasedesk.core.releases.rows import person_of, stage_of
from releasedesk.core.releases.views import Person
from releasedesk.core.search.paging import Page, fetch_page
from releasedesk.core.search.query import Query
from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.core.workflow.names import StageName
from releasedesk.core.workflow.views import Stage
from releasedesk.db.base import BigId, UtcDateTime
from releasedesk.db.models import (
    Approval,
    ApprovalLink,
    ApprovalSettings,
    ApproverAbsence,
    DepartmentHead,
    Portal,
    Release,
    ReleaseStage,
    ReportingLine,
    User,
)
from releasedesk.db.models import ApprovalLevel as ApprovalLevelRow

# --- rows → views --------------------------------------------------------------------------


def level_ref(row: ApprovalLevelRow) -> LevelRef:
    return LevelRef(
        id=row.id,
        level=row.level,
        release_id=row.release_id,
        status=LevelStatus(row.status),
        created_on=row.created_on,
        created_by_id=row.created_by_id,
    )


def approval_view(level: LevelRef, row: Approval) -> ApprovalView:
    return ApprovalView(
        id=row.id,
        level=level,
        approver=person_of(row.approver),
        original_approver=person_of(row.original_approver),
        xpath=row.xpath,
        xpath_display_name=org_roles.display_name(row.xpath),
        status=ApprovalStatus(row.status),
        comments=row.comments,
        sent_on=row.sent_on,
        action_taken_on=row.decided_on,
        decided_by=person_of(row.decided_by),
        decided_via=None if row.decided_via is None else Channel(row.decided_via),
    )


def level_view(row: ApprovalLevelRow) -> ApprovalLevel:
    ref = level_ref(row)
    return ApprovalLevel(
        id=row.id,
        release_id=row.release_id,
        stage=stage_of(row.stage),
        level=row.level,
        name=row.name,
        rule_type=row.rule_type,
        rule_value=row.rule_value,
        status=LevelStatus(row.status),
        is_current=row.is_current,
        comments=row.comments,
        created_by=person_of(row.created_by),
        created_on=row.created_on,
        action_taken_by=person_of(row.action_taken_by),
        action_taken_on=row.action_taken_on,
        approvals=tuple(approval_view(ref, a) for a in row.approvals),
    )


# --- levels --------------------------------------------------------------------------------


async def levels_of(session: AsyncSession, release_id: int) -> list[ApprovalLevel]:
    """Every level of the release, by stage and level number, with its approvals."""
    return [level_view(row) for row in await level_rows(session, release_id)]


async def level_rows(
    session: AsyncSession, release_id: int, stage_id: int | None = None
) -> list[ApprovalLevelRow]:
    """The ORM rows of the release's levels (of one stage), in order, freshly read."""
    statement = (
        select(ApprovalLevelRow)
        .where(ApprovalLevelRow.release_id == release_id)
        .options(selectinload(ApprovalLevelRow.approvals))
        .order_by(ApprovalLevelRow.stage_id, ApprovalLevelRow.level, ApprovalLevelRow.id)
        .execution_options(populate_existing=True)
    )
    if stage_id is not None:
        statement = statement.where(ApprovalLevelRow.stage_id == stage_id)
    return list((await session.execute(statement)).unique().scalars())


async def level_row(
    session: AsyncSession, release_id: int, level_id: int
) -> ApprovalLevelRow | None:
    statement = (
        select(ApprovalLevelRow)
        .where(ApprovalLevelRow.release_id == release_id, ApprovalLevelRow.id == level_id)
        .options(selectinload(ApprovalLevelRow.approvals))
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).unique().scalar_one_or_none()


async def add(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()


async def remove(session: AsyncSession, row: object) -> None:
    await session.delete(row)
    await session.flush()


@dataclass(frozen=True, slots=True)
class CurrentStageLevel:
    """A level of the stage its release stands in, with its approvals counted."""

    release_id: int
    level: int
    status: LevelStatus
    approvals: int
    approved: int


async def current_stage_levels(
    session: AsyncSession, portal_id: int, release_ids: Sequence[int]
) -> list[CurrentStageLevel]:
    """The levels of each release's current stage (releases of `portal_id` only), in level
    order, each with how many approvals it has and how many of them approved: one statement
    for any number of releases."""
    if not release_ids:
        return []
    approved = func.coalesce(
        func.sum(case((Approval.status == ApprovalStatus.APPROVED.value, 1), else_=0)), 0
    )
    result = await session.execute(
        select(
            ApprovalLevelRow.release_id,
            ApprovalLevelRow.level,
            ApprovalLevelRow.status,
            func.count(Approval.id),
            approved,
        )
        .join(
            Release,
            (Release.id == ApprovalLevelRow.release_id)
            & (Release.stage_id == ApprovalLevelRow.stage_id),
        )
        .outerjoin(Approval, Approval.level_id == ApprovalLevelRow.id)
        .where(Release.portal_id == portal_id, ApprovalLevelRow.release_id.in_(release_ids))
        .group_by(
            ApprovalLevelRow.id,
            ApprovalLevelRow.release_id,
            ApprovalLevelRow.level,
            ApprovalLevelRow.status,
        )
        .order_by(ApprovalLevelRow.release_id, ApprovalLevelRow.level, ApprovalLevelRow.id)
    )
    return [
        CurrentStageLevel(int(release), int(level), LevelStatus(status), int(total), int(yes))
        for release, level, status, total, yes in result.all()
    ]


# --- approvals -----------------------------------------------------------------------------


async def approvals_page(
    session: AsyncSession, level: ApprovalLevelRow, query: Query
) -> Page[ApprovalView]:
    ref = level_ref(level)
    statement = select(Approval).where(Approval.level_id == level.id)
    return await fetch_page(
        session, statement, [Approval.id], query, lambda row: approval_view(ref, row)
    )


async def approvals_of_user(
    session: AsyncSession, release_id: int, user_ids: Sequence[int]
) -> list[tuple[int, str, str]]:
    """(stage id, approval status, level status) of each approval of `user_ids` on the
    release."""
    result = await session.execute(
        select(ApprovalLevelRow.stage_id, Approval.status, ApprovalLevelRow.status)
        .join(Approval, Approval.level_id == ApprovalLevelRow.id)
        .where(ApprovalLevelRow.release_id == release_id, Approval.approver_id.in_(user_ids))
    )
    return [(int(stage), str(status), str(level)) for stage, status, level in result.all()]


async def pending_stages(session: AsyncSession, release_id: int) -> set[int]:
    """The stages with an approval awaiting its decision on a level still pending."""
    result = await session.execute(
        select(ApprovalLevelRow.stage_id)
        .join(Approval, Approval.level_id == ApprovalLevelRow.id)
        .where(
            ApprovalLevelRow.release_id == release_id,
            ApprovalLevelRow.status == LevelStatus.PENDING.value,
            Approval.status == ApprovalStatus.PENDING.value,
        )
    )
    return set(result.scalars())


async def user(session: AsyncSession, portal_id: int, user_id: int) -> User | None:
    result = await session.execute(
        select(User).where(User.portal_id == portal_id, User.id == user_id)
    )
    return result.unique().scalar_one_or_none()


# --- a user's inbox ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxRow:
    """An approval with what a "My approvals" page shows of its level and release, and how
    many approvers the level has and how many of them approved (for its rule's arithmetic)."""

    approval: ApprovalView
    release_title: str
    stage: Stage
    level_name: str
    rule_type: str
    rule_value: str | None
    requested_by: Person | None
    approvers: int
    approved: int
    deadline: dt.datetime | None  # the level's, while it waits under a policy with a timeout


_counted = aliased(Approval)
_requester = aliased(User)


def _inbox_statement(
    portal_id: int, approvals: FromClause | None = None
) -> Select[*tuple[Any, ...]]:
    """Approvals of the portal's releases not in the trash, each with its level's columns,
    stage, creator and counts, in one statement (the approvers' users come joined)."""
    approvers = (
        select(func.count(_counted.id))
        .where(_counted.level_id == ApprovalLevelRow.id)
        .scalar_subquery()
    )
    approved = (
        select(func.count(_counted.id))
        .where(
            _counted.level_id == ApprovalLevelRow.id,
            _counted.status == ApprovalStatus.APPROVED.value,
        )
        .scalar_subquery()
    )
    return (
        select(
            Approval,
            ReleaseStage,
            _requester,
            Release.title,
            ApprovalLevelRow.release_id,
            ApprovalLevelRow.level,
            ApprovalLevelRow.name,
            ApprovalLevelRow.rule_type,
            ApprovalLevelRow.rule_value,
            ApprovalLevelRow.status,
            ApprovalLevelRow.created_on,
            ApprovalLevelRow.created_by_id,
            approvers,
            approved,
            ApprovalLevelRow.deadline,
        )
        .select_from(Approval if approvals is None else approvals)
        .join(ApprovalLevelRow, ApprovalLevelRow.id == Approval.level_id)
        .join(ReleaseStage, ReleaseStage.id == ApprovalLevelRow.stage_id)
        .join(Release, Release.id == ApprovalLevelRow.release_id)
        .outerjoin(_requester, _requester.id == ApprovalLevelRow.created_by_id)
        .where(Release.portal_id == portal_id, Release.deleted_time.is_(None))
        .execution_options(populate_existing=True)
    )


INBOX_COLUMNS = 15  # the columns of `_inbox_statement`, before any a caller adds


def _inbox_row(columns: Sequence[Any]) -> InboxRow:
    (
        approval,
        stage,
        requester,
        title,
        release_id,
        number,
        name,
        rule_type,
        rule_value,
        status,
        created_on,
        created_by_id,
        approvers,
        approved,
        deadline,
    ) = columns[:INBOX_COLUMNS]
    level = LevelRef(
        approval.level_id, number, release_id, LevelStatus(status), created_on, created_by_id
    )
    return InboxRow(
        approval=approval_view(level, approval),
        release_title=title,
        stage=stage_of(stage),
        level_name=name,
        rule_type=rule_type,
        rule_value=rule_value,
        requested_by=person_of(requester),
        approvers=int(approvers),
        approved=int(approved),
        deadline=deadline,
    )


async def _inbox_rows(session: AsyncSession, statement: Select[*tuple[Any, ...]]) -> list[InboxRow]:
    return [_inbox_row(row) for row in (await session.execute(statement)).all()]


@dataclass(frozen=True, slots=True)
class InboxEntryRow:
    """One approval as an inbox shows it, with the latest decision taken on its level (by
    whom and when): once the level has an outcome, the decision that gave it."""

    row: InboxRow
    level_decided_by: Person | None
    level_decided_on: dt.datetime | None


_level_decider = aliased(User)


async def inbox_entry(
    session: AsyncSession, portal_id: int, release_id: int, level_id: int, approval_id: int
) -> InboxEntryRow | None:
    """The approval `approval_id` of level `level_id` of release `release_id`, in the
    portal and not in the trash, as `waiting_on` and `decided_by` show theirs; in one
    statement."""
    statement = (
        _inbox_statement(portal_id)
        .add_columns(_level_decider, ApprovalLevelRow.action_taken_on)
        .outerjoin(_level_decider, _level_decider.id == ApprovalLevelRow.action_taken_by_id)
        .where(
            Approval.id == approval_id,
            ApprovalLevelRow.id == level_id,
            ApprovalLevelRow.release_id == release_id,
        )
    )
    found = (await session.execute(statement)).first()
    if found is None:
        return None
    decider, decided_on = found[INBOX_COLUMNS:]
    return InboxEntryRow(_inbox_row(found), person_of(decider), decided_on)


def waiting_statement(portal_id: int, user_id: int, now: dt.datetime) -> Select[Any]:
    """The approvals the user can decide now, the soonest deadline first, then those with
    none, each oldest sent first (see `waiting_on`)."""
    statement = _inbox_statement(portal_id, _pending_asked_of(user_id, now))
    return _waiting(statement, user_id).order_by(
        ApprovalLevelRow.deadline.is_(None),
        ApprovalLevelRow.deadline,
        Approval.sent_on,
        Approval.id,
    )


# A value, or the bind parameter a statement built once takes it through.
Id = int | BindParameter[int]
Moment = dt.datetime | BindParameter[dt.datetime]


def waiting_count_statement(portal_id: Id, user_id: Id, now: Moment) -> Select[Any]:
    """How many approvals the user can decide now: `waiting_statement`'s rows, counted."""
    counted = (
        select(func.count(Approval.id))
        .select_from(_pending_asked_of(user_id, now))
        .join(ApprovalLevelRow, ApprovalLevelRow.id == Approval.level_id)
        .join(Release, Release.id == ApprovalLevelRow.release_id)
        .where(Release.portal_id == portal_id, Release.deleted_time.is_(None))
    )
    return _waiting(counted, user_id)


def _pending_asked_of(user_id: Id, now: Moment) -> FromClause:
    """The approvals awaiting a decision whose approver is the user or someone away now who
    named the user their delegate: those few people first (the user, and a union the away
    periods add a row or two to), then their approvals through
    ix_release_approvals_approver_status. Written as the first join of the statement (not
    an OR, nor an IN on the approver), PostgreSQL starts from it however many joins the
    eager loads add after it; with an OR it read every pending approval, and every release
    of the portal to join them."""
    user = user_id if isinstance(user_id, BindParameter) else literal(user_id, BigId)
    asked_of = select(user.label("user_id")).union(_delegators(user_id, now)).subquery("asked_of")
    return asked_of.join(
        Approval,
        and_(
            Approval.approver_id == asked_of.c.user_id,
            Approval.status == ApprovalStatus.PENDING.value,
        ),
    )


def _waiting(statement: Select[Any], user_id: Id) -> Select[Any]:
    """`statement` (from `_pending_asked_of`, joined to the level and its release, of the
    portal and not in the trash) narrowed to what waits on the user now: on the current
    level of its stage while that level is pending, of a release not closed; the approval
    of someone away only on a level where the user has no approval of their own (one vote
    each, as `decisions.capacity_of` rules)."""
    own = aliased(Approval)
    release_stage = aliased(ReleaseStage)
    return statement.join(release_stage, release_stage.id == Release.stage_id).where(
        release_stage.internal_name != StageName.CLOSE.value,
        ApprovalLevelRow.status == LevelStatus.PENDING.value,
        ApprovalLevelRow.is_current.is_(True),
        or_(
            Approval.approver_id == user_id,
            ~select(own.id)
            .where(own.level_id == Approval.level_id, own.approver_id == user_id)
            .exists(),
        ),
    )


async def waiting_by_approver(session: AsyncSession, portal_id: int) -> dict[int, int]:
    """User id → how many approvals await their decision (sent, on a level still pending)
    on the portal's live releases; users with none are absent."""
    result = await session.execute(
        select(Approval.approver_id, func.count())
        .join(ApprovalLevelRow, ApprovalLevelRow.id == Approval.level_id)
        .join(Release, Release.id == ApprovalLevelRow.release_id)
        .where(
            Release.portal_id == portal_id,
            Release.deleted_time.is_(None),
            ApprovalLevelRow.status == LevelStatus.PENDING.value,
            Approval.status == ApprovalStatus.PENDING.value,
            Approval.approver_id.is_not(None),
        )
        .group_by(Approval.approver_id)
    )
    return {user_id: int(count) for user_id, count in result.all() if user_id is not None}


async def waiting_on(
    session: AsyncSession, portal_id: int, user_id: int, now: dt.datetime
) -> list[InboxRow]:
    """The approvals the user can decide now, soonest deadline first (then oldest sent), in
    one statement (the away periods a subquery of it)."""
    return await _inbox_rows(session, waiting_statement(portal_id, user_id, now))


# Built once: the nav counts what waits on every page, and building this statement (its
# union, its correlated EXISTS) cost 6 ms of CPU a page, measured, more than running it.
@cache
def _count_waiting() -> Select[Any]:
    return waiting_count_statement(
        bindparam("portal_id", type_=BigId),
        bindparam("user_id", type_=BigId),
        bindparam("now", type_=UtcDateTime()),
    )


async def count_waiting(
    session: AsyncSession, portal_id: int, user_id: int, now: dt.datetime
) -> int:
    result = await session.execute(
        _count_waiting(), {"portal_id": portal_id, "user_id": user_id, "now": now}
    )
    return int(result.scalar_one())


def decided_statement(portal_id: int, user_id: int, limit: int) -> Select[Any]:
    """The approvals the user recorded a decision on, the latest first (at most `limit`)."""
    return (
        _inbox_statement(portal_id)
        .where(Approval.decided_by_id == user_id)
        .order_by(Approval.decided_on.desc(), Approval.id.desc())
        .limit(limit)
    )


async def decided_by(
    session: AsyncSession, portal_id: int, user_id: int, limit: int
) -> list[InboxRow]:
    """The approvals the user recorded a decision on, the latest first (at most `limit`)."""
    return await _inbox_rows(session, decided_statement(portal_id, user_id, limit))


# --- mail links ----------------------------------------------------------------------------


async def insert_link(
    session: AsyncSession, approval_id: int, nonce: str, now: dt.datetime, expires_on: dt.datetime
) -> int:
    row = ApprovalLink(approval_id=approval_id, nonce=nonce, created_on=now, expires_on=expires_on)
    await add(session, row)
    return row.id


async def link_row(session: AsyncSession, link_id: int) -> ApprovalLink | None:
    result = await session.execute(
        select(ApprovalLink)
        .where(ApprovalLink.id == link_id)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def use_link(session: AsyncSession, link_id: int, now: dt.datetime) -> None:
    await session.execute(
        update(ApprovalLink).where(ApprovalLink.id == link_id).values(used_on=now)
    )


async def portal_name(session: AsyncSession, portal_id: int) -> str:
    result = await session.execute(select(Portal.name).where(Portal.id == portal_id))
    return str(result.scalar_one())


async def approval_by_id(session: AsyncSession, approval_id: int) -> Approval | None:
    result = await session.execute(select(Approval).where(Approval.id == approval_id))
    return result.unique().scalar_one_or_none()


async def level_by_id(session: AsyncSession, level_id: int) -> ApprovalLevelRow | None:
    result = await session.execute(
        select(ApprovalLevelRow)
        .where(ApprovalLevelRow.id == level_id)
        .options(selectinload(ApprovalLevelRow.approvals))
    )
    return result.unique().scalar_one_or_none()


# --- approvers away ------------------------------------------------------------------------


def _absence(row: ApproverAbsence) -> Absence:
    user, delegate = person_of(row.user), person_of(row.delegate)
    assert user is not None and delegate is not None  # both are required references
    return Absence(user=user, delegate=delegate, starts_on=row.starts_on, ends_on=row.ends_on)


async def absence_row(session: AsyncSession, user_id: int) -> ApproverAbsence | None:
    result = await session.execute(
        select(ApproverAbsence).where(ApproverAbsence.user_id == user_id)
    )
    return result.unique().scalar_one_or_none()


async def active_absence(session: AsyncSession, user_id: int, now: dt.datetime) -> Absence | None:
    """The user's away period if `now` is within it."""
    result = await session.execute(
        select(ApproverAbsence).where(
            ApproverAbsence.user_id == user_id,
            ApproverAbsence.starts_on <= now,
            ApproverAbsence.ends_on > now,
        )
    )
    row = result.unique().scalar_one_or_none()
    return None if row is None else _absence(row)


async def absence_view(session: AsyncSession, user_id: int) -> Absence | None:
    row = await absence_row(session, user_id)
    return None if row is None else _absence(row)


async def approves_on_level(session: AsyncSession, level_id: int, user_id: int) -> bool:
    """Whether `user_id` has an approval of their own on the level."""
    statement = (
        select(Approval.id)
        .where(Approval.level_id == level_id, Approval.approver_id == user_id)
        .limit(1)
    )
    return (await session.execute(statement)).first() is not None


def _delegators(delegate_id: Id, now: Moment) -> Select[int]:
    """The users away now who named `delegate_id` their delegate: what an away period
    means, here only, for `delegators_of` and the inbox (as a subquery)."""
    return select(ApproverAbsence.user_id).where(
        ApproverAbsence.delegate_id == delegate_id,
        ApproverAbsence.starts_on <= now,
        ApproverAbsence.ends_on > now,
    )


async def delegators_of(session: AsyncSession, delegate_id: int, now: dt.datetime) -> set[int]:
    """The users away now who named `delegate_id` their delegate."""
    result = await session.execute(_delegators(delegate_id, now))
    return set(result.scalars())


async def clear_absence(session: AsyncSession, user_id: int) -> bool:
    result = await session.execute(
        delete(ApproverAbsence).where(ApproverAbsence.user_id == user_id)
    )
    return bool(getattr(result, "rowcount", 0))


# --- the portal's policy and the organisational roles --------------------------------------


async def policy_row(session: AsyncSession, portal_id: int) -> ApprovalSettings | None:
    result = await session.execute(
        select(ApprovalSettings).where(ApprovalSettings.portal_id == portal_id)
    )
    return result.scalar_one_or_none()


async def reporting_line(session: AsyncSession, user_id: int) -> ReportingLine | None:
    result = await session.execute(select(ReportingLine).where(ReportingLine.user_id == user_id))
    return result.scalar_one_or_none()


async def department_head(session: AsyncSession, department_id: int) -> DepartmentHead | None:
    result = await session.execute(
        select(DepartmentHead).where(DepartmentHead.department_id == department_id)
    )
    return result.scalar_one_or_none()


async def count_awaiting_decision(session: AsyncSession) -> int:
    """Approvals sent and not yet decided, across portals (for metrics)."""
    statement = select(func.count()).select_from(Approval).where(Approval.status == "pending")
    return int((await session.execute(statement)).scalar_one())
