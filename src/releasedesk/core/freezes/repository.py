"""All SQL of change freezes: windows, their scope's names, overrides, and the facts of a
release a freeze asks about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.workflow.names import RoleName
from releasedesk.db.models import (
    FreezeOverride,
    FreezeWindow,
    Release,
    ReleaseRole,
    ReleaseRoleAssignment,
    ReleaseService,
    ReleaseStage,
    ReleaseType,
    Service,
    User,
)
from releasedesk.db.models.plans import ReleasePlan, Team

SCOPE_MODELS: dict[str, Any] = {"services": Service, "release_types": ReleaseType, "teams": Team}


async def insert(session: AsyncSession, row: FreezeWindow) -> FreezeWindow:
    session.add(row)
    await session.flush()
    return row


async def get(
    session: AsyncSession, portal_id: int, window_id: int, *, for_update: bool = False
) -> FreezeWindow | None:
    statement = select(FreezeWindow).where(
        FreezeWindow.portal_id == portal_id, FreezeWindow.id == window_id
    )
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def find_by_name(session: AsyncSession, portal_id: int, name: str) -> FreezeWindow | None:
    statement = select(FreezeWindow).where(
        FreezeWindow.portal_id == portal_id, func.lower(FreezeWindow.name) == name.lower()
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def list_windows(session: AsyncSession, portal_id: int) -> Sequence[FreezeWindow]:
    statement = (
        select(FreezeWindow)
        .where(FreezeWindow.portal_id == portal_id)
        .order_by(FreezeWindow.first_start, FreezeWindow.id)
    )
    return (await session.execute(statement)).scalars().all()


def _may_meet(portal_id: int, start: dt.datetime, end: dt.datetime) -> list[Any]:
    """The windows some occurrence of which may meet [start, end): the rest cannot
    (ix_freeze_windows_span)."""
    return [
        FreezeWindow.portal_id == portal_id,
        FreezeWindow.first_start < end,
        or_(FreezeWindow.last_end.is_(None), FreezeWindow.last_end > start),
    ]


async def windows_meeting(
    session: AsyncSession, portal_id: int, start: dt.datetime, end: dt.datetime
) -> Sequence[FreezeWindow]:
    statement = (
        select(FreezeWindow)
        .where(*_may_meet(portal_id, start, end))
        .order_by(FreezeWindow.first_start, FreezeWindow.id)
    )
    return (await session.execute(statement)).scalars().all()


async def any_meeting(
    session: AsyncSession, portal_id: int, start: dt.datetime, end: dt.datetime
) -> bool:
    statement = select(FreezeWindow.id).where(*_may_meet(portal_id, start, end)).limit(1)
    return (await session.execute(statement)).first() is not None


async def delete_window(session: AsyncSession, window_id: int) -> None:
    await session.execute(delete(FreezeWindow).where(FreezeWindow.id == window_id))


async def ids_named(
    session: AsyncSession, portal_id: int, kind: str, names: Collection[str]
) -> dict[str, tuple[int, str]]:
    """The rows of `kind` (services, release_types, teams) by lower-cased name."""
    model = SCOPE_MODELS[kind]
    lowered = [n.lower() for n in names]
    statement = select(model.id, model.name).where(
        model.portal_id == portal_id, func.lower(model.name).in_(lowered)
    )
    return {name.lower(): (id_, name) for id_, name in (await session.execute(statement)).all()}


async def names_of(session: AsyncSession, kind: str, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    model = SCOPE_MODELS[kind]
    statement = select(model.id, model.name).where(model.id.in_(ids))
    return {key: name for key, name in (await session.execute(statement)).all()}


async def user_names(session: AsyncSession, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    statement = select(User.id, User.name).where(User.id.in_(ids))
    return {key: name for key, name in (await session.execute(statement)).all()}


async def release_facts(
    session: AsyncSession, release_ids: Collection[int]
) -> dict[int, dict[str, Any]]:
    """For each release: its schedule, type, team, requester, services and stage's internal
    name (four small reads over primary keys and their indexes)."""
    if not release_ids:
        return {}
    ids = list(release_ids)
    rows = await session.execute(
        select(
            Release.id,
            Release.scheduled_start_time,
            Release.scheduled_end_time,
            Release.release_type_id,
            Release.created_time,
            Release.created_by_id,
            ReleaseStage.internal_name,
            ReleasePlan.team_id,
        )
        .join(ReleaseStage, ReleaseStage.id == Release.stage_id)
        .outerjoin(ReleasePlan, ReleasePlan.release_id == Release.id)
        .where(Release.id.in_(ids))
    )
    facts: dict[int, dict[str, Any]] = {
        rid: {
            "start": start,
            "end": end,
            "release_type_id": type_id,
            "created": created,
            "created_by_id": creator,
            "stage": stage,
            "team_id": team_id,
            "services": set(),
            "requester_id": None,
        }
        for rid, start, end, type_id, created, creator, stage, team_id in rows.all()
    }
    services = await session.execute(
        select(ReleaseService.release_id, ReleaseService.service_id).where(
            ReleaseService.release_id.in_(ids)
        )
    )
    for rid, service_id in services.all():
        facts[rid]["services"].add(service_id)
    requesters = await session.execute(
        select(ReleaseRoleAssignment.release_id, ReleaseRoleAssignment.user_id)
        .join(ReleaseRole, ReleaseRole.id == ReleaseRoleAssignment.role_id)
        .where(
            ReleaseRoleAssignment.release_id.in_(ids),
            ReleaseRole.internal_name == RoleName.REQUESTER.value,
        )
    )
    for rid, user_id in requesters.all():
        facts[rid]["requester_id"] = user_id
    return facts


async def scheduled_between(
    session: AsyncSession, portal_id: int, start: dt.datetime, end: dt.datetime | None
) -> list[int]:
    """Live releases whose scheduled window [start, end) meets the span (migration 0015's
    indexes on live windows)."""
    conditions = [
        Release.portal_id == portal_id,
        Release.deleted_time.is_(None),
        Release.scheduled_start_time.is_not(None),
        Release.scheduled_end_time > start,
    ]
    if end is not None:
        conditions.append(Release.scheduled_start_time < end)
    statement = select(Release.id).where(and_(*conditions)).order_by(Release.scheduled_start_time)
    return list((await session.execute(statement)).scalars().all())


async def insert_override(session: AsyncSession, row: FreezeOverride) -> FreezeOverride:
    session.add(row)
    await session.flush()
    return row


async def overrides_of(
    session: AsyncSession, release_ids: Collection[int], now: dt.datetime | None = None
) -> Sequence[FreezeOverride]:
    """The releases' exceptions (only those not expired by `now`, when given)."""
    if not release_ids:
        return []
    statement = select(FreezeOverride).where(FreezeOverride.release_id.in_(list(release_ids)))
    if now is not None:
        statement = statement.where(FreezeOverride.expires_on > now)
    return (await session.execute(statement.order_by(FreezeOverride.id))).scalars().all()


async def get_override(session: AsyncSession, override_id: int) -> FreezeOverride | None:
    return await session.get(FreezeOverride, override_id)


async def delete_override(session: AsyncSession, override_id: int) -> None:
    await session.execute(delete(FreezeOverride).where(FreezeOverride.id == override_id))


async def lock_release(session: AsyncSession, portal_id: int, release_id: int) -> bool:
    """Lock a release row (an override changes what may be done to it)."""
    statement = (
        select(Release.id)
        .where(Release.id == release_id, Release.portal_id == portal_id)
        .with_for_update()
    )
    return (await session.execute(statement)).first() is not None


async def in_portal(session: AsyncSession, portal_id: int, release_id: int) -> bool:
    """Whether the release is the portal's and not deleted for good."""
    statement = select(Release.id).where(Release.id == release_id, Release.portal_id == portal_id)
    return (await session.execute(statement)).first() is not None


async def release_titles(session: AsyncSession, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    statement = select(Release.id, Release.title).where(Release.id.in_(list(ids)))
    return {key: title for key, title in (await session.execute(statement)).all()}


async def overrides_of_window(session: AsyncSession, window_id: int) -> Sequence[FreezeOverride]:
    """Every exception granted to one window, expired ones too, the latest expiry first."""
    statement = (
        select(FreezeOverride)
        .where(FreezeOverride.window_id == window_id)
        .order_by(FreezeOverride.expires_on.desc(), FreezeOverride.id.desc())
    )
    return (await session.execute(statement)).scalars().all()
