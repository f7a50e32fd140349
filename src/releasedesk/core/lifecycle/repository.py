"""All SQL about lifecycle models and their phase models."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.lifecycle.views import LifecycleModel, PhaseModel
from releasedesk.core.repository_base import PortalRepository
from releasedesk.db.models import LifecycleModel as ModelRow
from releasedesk.db.models import PhaseModel as PhaseRow


def _phase(row: PhaseRow) -> PhaseModel:
    return PhaseModel(
        id=row.id,
        uuid=row.uuid,
        name=row.name,
        description=row.description,
        index_order=row.index_order,
        version=row.version,
        created_time=row.created_time,
    )


async def _phases_of(
    session: AsyncSession, model_ids: Iterable[int]
) -> dict[int, tuple[PhaseModel, ...]]:
    ids = list(model_ids)
    if not ids:
        return {}
    rows = (
        await session.execute(
            select(PhaseRow)
            .where(PhaseRow.lifecycle_model_id.in_(ids))
            .order_by(PhaseRow.lifecycle_model_id, PhaseRow.index_order)
        )
    ).scalars()
    found: dict[int, list[PhaseModel]] = {i: [] for i in ids}
    for row in rows:
        found[row.lifecycle_model_id].append(_phase(row))
    return {i: tuple(phases) for i, phases in found.items()}


def _model(row: ModelRow, phases: tuple[PhaseModel, ...]) -> LifecycleModel:
    return LifecycleModel(
        id=row.id,
        uuid=row.uuid,
        name=row.name,
        description=row.description,
        version=row.version,
        created_time=row.created_time,
        phases=phases,
    )


async def models_by_id(
    session: AsyncSession, model_ids: Iterable[int]
) -> dict[int, LifecycleModel]:
    """The models with these ids, each with its phase models in order."""
    ids = sorted(set(model_ids))
    if not ids:
        return {}
    rows = list((await session.execute(select(ModelRow).where(ModelRow.id.in_(ids)))).scalars())
    phases = await _phases_of(session, [r.id for r in rows])
    return {r.id: _model(r, phases[r.id]) for r in rows}


_MODELS = PortalRepository(ModelRow)


async def find_by_uuid(
    session: AsyncSession, portal_id: int, model_uuid: uuid.UUID
) -> LifecycleModel | None:
    row = await _MODELS.get_by_uuid(session, portal_id, model_uuid)
    if row is None:
        return None
    return _model(row, (await _phases_of(session, [row.id]))[row.id])


name_taken = _MODELS.name_taken


async def list_models(session: AsyncSession, portal_id: int) -> list[LifecycleModel]:
    """Every lifecycle model of the portal by name."""
    rows = await _MODELS.by_name(session, portal_id)
    phases = await _phases_of(session, [r.id for r in rows])
    return [_model(r, phases[r.id]) for r in rows]


async def insert_model(
    session: AsyncSession,
    portal_id: int,
    *,
    model_uuid: uuid.UUID,
    name: str,
    description: str | None,
    phases: Sequence[tuple[uuid.UUID, str, str | None]],
    created_time: dt.datetime,
) -> int:
    """A lifecycle model and its phase models (index_order by position); its id."""
    model_id = (
        await session.execute(
            insert(ModelRow)
            .values(
                portal_id=portal_id,
                uuid=model_uuid,
                name=name,
                description=description,
                version=0,
                created_time=created_time,
            )
            .returning(ModelRow.id)
        )
    ).scalar_one()
    if phases:
        await session.execute(
            insert(PhaseRow),
            [
                {
                    "portal_id": portal_id,
                    "lifecycle_model_id": model_id,
                    "uuid": phase_uuid,
                    "name": phase_name,
                    "description": phase_description,
                    "index_order": index,
                    "version": 0,
                    "created_time": created_time,
                }
                for index, (phase_uuid, phase_name, phase_description) in enumerate(phases)
            ],
        )
    return int(model_id)
