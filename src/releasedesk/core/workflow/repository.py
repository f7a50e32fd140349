"""All SQL about workflows, templates, stages and statuses."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.db.models import ReleaseStage, ReleaseStatus, ReleaseTemplate
from releasedesk.db.text_search import same_text


async def default_template(session: AsyncSession, portal_id: int) -> ReleaseTemplate | None:
    result = await session.execute(
        select(ReleaseTemplate)
        .where(ReleaseTemplate.portal_id == portal_id, ReleaseTemplate.is_default.is_(True))
        .order_by(ReleaseTemplate.id)
        .limit(1)
    )
    return result.scalar_one_or_none()


async def get_template(
    session: AsyncSession, portal_id: int, template_id: int
) -> ReleaseTemplate | None:
    result = await session.execute(
        select(ReleaseTemplate).where(
            ReleaseTemplate.portal_id == portal_id, ReleaseTemplate.id == template_id
        )
    )
    return result.scalar_one_or_none()


async def find_templates(
    session: AsyncSession, portal_id: int, name: str
) -> Sequence[ReleaseTemplate]:
    result = await session.execute(
        select(ReleaseTemplate)
        .where(
            ReleaseTemplate.portal_id == portal_id,
            same_text(ReleaseTemplate.name, name),
        )
        .limit(2)
    )
    return result.scalars().all()


async def stages(session: AsyncSession, portal_id: int) -> Sequence[ReleaseStage]:
    result = await session.execute(
        select(ReleaseStage)
        .where(ReleaseStage.portal_id == portal_id)
        .order_by(ReleaseStage.stage_index)
    )
    return result.scalars().all()


async def get_stage(session: AsyncSession, portal_id: int, stage_id: int) -> ReleaseStage | None:
    result = await session.execute(
        select(ReleaseStage).where(ReleaseStage.portal_id == portal_id, ReleaseStage.id == stage_id)
    )
    return result.scalar_one_or_none()


async def find_stage(session: AsyncSession, portal_id: int, name: str) -> ReleaseStage | None:
    result = await session.execute(
        select(ReleaseStage)
        .where(
            ReleaseStage.portal_id == portal_id,
            or_(same_text(ReleaseStage.name, name), same_text(ReleaseStage.internal_name, name)),
        )
        .order_by(ReleaseStage.stage_index)
        .limit(1)
    )
    return result.scalar_one_or_none()


async def statuses_of(session: AsyncSession, stage_id: int) -> Sequence[ReleaseStatus]:
    result = await session.execute(
        select(ReleaseStatus).where(ReleaseStatus.stage_id == stage_id).order_by(ReleaseStatus.id)
    )
    return result.scalars().all()


async def get_status(session: AsyncSession, portal_id: int, status_id: int) -> ReleaseStatus | None:
    result = await session.execute(
        select(ReleaseStatus).where(
            ReleaseStatus.portal_id == portal_id, ReleaseStatus.id == status_id
        )
    )
    return result.scalar_one_or_none()


async def find_status(session: AsyncSession, stage_id: int, name: str) -> ReleaseStatus | None:
    result = await session.execute(
        select(ReleaseStatus)
        .where(
            ReleaseStatus.stage_id == stage_id,
            or_(same_text(ReleaseStatus.name, name), same_text(ReleaseStatus.internal_name, name)),
        )
        .order_by(ReleaseStatus.id)
        .limit(1)
    )
    return result.scalar_one_or_none()
