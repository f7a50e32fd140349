"""All SQL about release plans: the plan row, phases and milestones of releases."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.lifecycle import repository as lifecycle_repository
from releasedesk.core.plans.views import NO_PLAN, Milestone, Phase, Plan
from releasedesk.core.teams import repository as team_repository
from releasedesk.core.work.kinds import AssociationKind
from releasedesk.db.models import ReleaseAssociation, ReleaseMilestone, ReleasePhase, ReleasePlan


@dataclass(frozen=True, slots=True)
class _PlanRow:
    lifecycle_model_id: int
    team_id: int | None


async def plans_of(session: AsyncSession, release_ids: Sequence[int]) -> dict[int, Plan]:
    """The plan of each release (NO_PLAN for one without anything), in a few statements
    for any number of releases: plan rows, phases, milestones, counts of associated
    changes, then the models and teams they name."""
    ids = sorted(set(release_ids))
    if not ids:
        return {}
    plan_rows = {
        row.release_id: _PlanRow(row.lifecycle_model_id, row.team_id)
        for row in (
            await session.execute(select(ReleasePlan).where(ReleasePlan.release_id.in_(ids)))
        ).scalars()
    }
    phase_rows = (
        list(
            (
                await session.execute(
                    select(ReleasePhase).where(ReleasePhase.release_id.in_(list(plan_rows)))
                )
            ).scalars()
        )
        if plan_rows
        else []
    )
    milestone_rows = list(
        (
            await session.execute(
                select(ReleaseMilestone)
                .where(ReleaseMilestone.release_id.in_(ids))
                .order_by(ReleaseMilestone.date, ReleaseMilestone.id)
            )
        ).scalars()
    )
    counted = await session.execute(
        select(ReleaseAssociation.release_id, func.count())
        .where(
            ReleaseAssociation.release_id.in_(ids),
            ReleaseAssociation.kind == AssociationKind.CHANGE,
        )
        .group_by(ReleaseAssociation.release_id)
    )
    changes: dict[int, int] = {release_id: total for release_id, total in counted}
    models = await lifecycle_repository.models_by_id(
        session, {p.lifecycle_model_id for p in plan_rows.values()}
    )
    teams = await team_repository.teams_by_id(
        session, {p.team_id for p in plan_rows.values() if p.team_id is not None}
    )
    phase_models = {pm.id: pm for model in models.values() for pm in model.phases}
    phases: dict[int, list[Phase]] = {}
    for phase_row in phase_rows:
        phases.setdefault(phase_row.release_id, []).append(
            Phase(
                phase_row.uuid,
                phase_row.version,
                phase_row.created_time,
                phase_models[phase_row.phase_model_id],
            )
        )
    milestones: dict[int, list[Milestone]] = {}
    for m in milestone_rows:
        milestones.setdefault(m.release_id, []).append(
            Milestone(m.uuid, m.name, m.date, m.created_time)
        )
    plans: dict[int, Plan] = {}
    for release_id in ids:
        plan_row = plan_rows.get(release_id)
        if plan_row is None and release_id not in milestones and release_id not in changes:
            plans[release_id] = NO_PLAN
            continue
        plans[release_id] = Plan(
            lifecycle_model=None if plan_row is None else models[plan_row.lifecycle_model_id],
            team=None if plan_row is None or plan_row.team_id is None else teams[plan_row.team_id],
            phases=tuple(
                sorted(phases.get(release_id, ()), key=lambda phase: phase.model.index_order)
            ),
            milestones=tuple(milestones.get(release_id, ())),
            total_changes=changes.get(release_id, 0),
        )
    return plans


@dataclass(frozen=True, slots=True)
class NewPlan:
    """The plan of a release just made: its model (and that model's phase models), its
    team, its milestones (name, date)."""

    release_id: int
    lifecycle_model_id: int
    team_id: int | None
    phase_model_ids: Sequence[int]
    milestones: Sequence[tuple[str, dt.datetime]]
    created_time: dt.datetime


async def insert_plans(session: AsyncSession, plans: Sequence[NewPlan]) -> None:
    """The plans of many new releases in three statements, whatever their number: the plan
    rows, the phases, the milestones."""
    if not plans:
        return
    await session.execute(
        insert(ReleasePlan),
        [
            {
                "release_id": p.release_id,
                "lifecycle_model_id": p.lifecycle_model_id,
                "team_id": p.team_id,
            }
            for p in plans
        ],
    )
    phases = [
        {
            "release_id": p.release_id,
            "phase_model_id": phase_model_id,
            "uuid": uuid.uuid4(),
            "version": 0,
            "created_time": p.created_time,
        }
        for p in plans
        for phase_model_id in p.phase_model_ids
    ]
    if phases:
        await session.execute(insert(ReleasePhase), phases)
    milestones = [
        {
            "release_id": p.release_id,
            "uuid": uuid.uuid4(),
            "name": name,
            "date": date,
            "created_time": p.created_time,
        }
        for p in plans
        for name, date in p.milestones
    ]
    if milestones:
        await session.execute(insert(ReleaseMilestone), milestones)


async def insert_plan(
    session: AsyncSession,
    release_id: int,
    *,
    lifecycle_model_id: int,
    team_id: int | None,
    phase_model_ids: Sequence[int],
    created_time: dt.datetime,
) -> None:
    """The plan row and one phase per phase model of the lifecycle model."""
    await session.execute(
        insert(ReleasePlan).values(
            release_id=release_id, lifecycle_model_id=lifecycle_model_id, team_id=team_id
        )
    )
    if phase_model_ids:
        await session.execute(
            insert(ReleasePhase),
            [
                {
                    "release_id": release_id,
                    "phase_model_id": phase_model_id,
                    "uuid": uuid.uuid4(),
                    "version": 0,
                    "created_time": created_time,
                }
                for phase_model_id in phase_model_ids
            ],
        )


async def set_team(session: AsyncSession, release_id: int, team_id: int | None) -> None:
    await session.execute(
        update(ReleasePlan).where(ReleasePlan.release_id == release_id).values(team_id=team_id)
    )


async def insert_milestones(
    session: AsyncSession,
    release_id: int,
    milestones: Sequence[tuple[str, dt.datetime]],
    created_time: dt.datetime,
) -> None:
    if milestones:
        await session.execute(
            insert(ReleaseMilestone),
            [
                {
                    "release_id": release_id,
                    "uuid": uuid.uuid4(),
                    "name": name,
                    "date": date,
                    "created_time": created_time,
                }
                for name, date in milestones
            ],
        )


async def update_milestone(
    session: AsyncSession, release_id: int, milestone_uuid: uuid.UUID, name: str, date: dt.datetime
) -> None:
    await session.execute(
        update(ReleaseMilestone)
        .where(ReleaseMilestone.release_id == release_id, ReleaseMilestone.uuid == milestone_uuid)
        .values(name=name, date=date)
    )


async def delete_milestones(
    session: AsyncSession, release_id: int, keep: Sequence[uuid.UUID]
) -> None:
    """Every milestone of the release but those kept."""
    await session.execute(
        delete(ReleaseMilestone).where(
            ReleaseMilestone.release_id == release_id, ReleaseMilestone.uuid.not_in(list(keep))
        )
    )
