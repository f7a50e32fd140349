"""Releases with their plans: made from a lifecycle model (its phases made with the
release), for a team, with milestones; read, listed and changed beside the release's own
fields, in the caller's one transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, can_edit_release
from releasedesk.core.errors import Invalid, ReleaseDeskError
from releasedesk.core.lifecycle import service as lifecycle
from releasedesk.core.lifecycle.views import LifecycleModel
from releasedesk.core.plans import repository
from releasedesk.core.plans.views import (
    NO_PLAN,
    Milestone,
    MilestoneIn,
    PlanChanges,
    PlannedRelease,
)
from releasedesk.core.releases import freeze_gate
from releasedesk.core.releases import lifecycle as release_lifecycle
from releasedesk.core.releases import service as releases
from releasedesk.core.releases.parts import Part
from releasedesk.core.releases.views import Release, ReleaseFilter
from releasedesk.core.search.paging import Page
from releasedesk.core.search.query import Condition, Op, Query, Sort
from releasedesk.core.teams import service as teams
from releasedesk.core.teams.views import Team
from releasedesk.core.text import plain_line

LIFECYCLE_FIELD = "lifecycleModel"
TEAM_FIELD = "team"
MILESTONES_FIELD = "milestones"
# What a UCR list reads of each release beside its row: the roles, for `hasEdit` (services
# and descriptive fields are never shown).
LIST_PARTS = frozenset({Part.ROLES})


async def _planned(
    session: AsyncSession, actor: Actor, found: Sequence[Release], *, with_plans: bool = True
) -> list[PlannedRelease]:
    """The releases with their plans (or, not `with_plans`, NO_PLAN: for answers that show
    none of it)."""
    plans = await repository.plans_of(session, [r.id for r in found]) if with_plans else {}
    return [
        PlannedRelease(
            r, plans.get(r.id, NO_PLAN), can_edit_release(actor, r.access()) and not r.in_trash
        )
        for r in found
    ]


async def add_releases(
    session: AsyncSession, actor: Actor, items: Sequence[PlanChanges], *, numbered: bool = True
) -> list[PlannedRelease]:
    """Make every release, in order, or none: the first that fails raises its error (marked
    with its index when the request is `numbered`, an array), and the caller's transaction
    (one per request) undoes the others. Each lifecycle model and team named is looked up
    once per request, however many elements name it."""
    made: list[Release] = []
    new_plans: list[repository.NewPlan] = []
    found = _Resolved(session, actor)
    for index, item in enumerate(items):
        try:
            release, plan = await _add_one(session, actor, item, found)
        except ReleaseDeskError as error:
            raise (error.at(index) if numbered else error) from None
        made.append(release)
        new_plans.append(plan)
    # The plans of every element at once: a few statements, not a few per element.
    await repository.insert_plans(session, new_plans)
    return await _planned(session, actor, made)


class _Resolved:
    """The lifecycle models and teams the elements of one create name, each looked up once."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session, self.actor = session, actor
        self.models: dict[uuid.UUID | None, LifecycleModel] = {}
        self.teams: dict[uuid.UUID, Team] = {}

    async def model(self, wanted: uuid.UUID | None) -> LifecycleModel:
        if wanted not in self.models:
            self.models[wanted] = await lifecycle.resolve_model(
                self.session, self.actor, wanted, LIFECYCLE_FIELD
            )
        return self.models[wanted]

    async def team(self, wanted: uuid.UUID) -> Team:
        if wanted not in self.teams:
            self.teams[wanted] = await teams.resolve_team(
                self.session, self.actor, wanted, TEAM_FIELD
            )
        return self.teams[wanted]


async def _add_one(
    session: AsyncSession, actor: Actor, item: PlanChanges, found: _Resolved
) -> tuple[Release, repository.NewPlan]:
    """The release made, and its plan to insert (with the others of the request)."""
    model = await found.model(item.lifecycle_model if item.has("lifecycle_model") else None)
    team = await found.team(item.team) if item.has("team") and item.team is not None else None
    milestones = _new_milestones(item.milestones) if item.has("milestones") else []
    release = await releases.add_release(session, actor, item.release)
    return release, repository.NewPlan(
        release_id=release.id,
        lifecycle_model_id=model.id,
        team_id=None if team is None else team.id,
        phase_model_ids=[phase.id for phase in model.phases],
        milestones=milestones,
        created_time=release.created_time,
    )


def _milestone_values(index: int, milestone: MilestoneIn) -> tuple[str, dt.datetime]:
    name = plain_line(milestone.name, f"{MILESTONES_FIELD}[{index}].name", mandatory=True)
    return name, milestone.date


def _new_milestones(milestones: Sequence[MilestoneIn]) -> list[tuple[str, dt.datetime]]:
    for index, milestone in enumerate(milestones):
        if milestone.uuid is not None:
            raise Invalid(
                "A new release has no milestones to name by id yet",
                f"{MILESTONES_FIELD}[{index}].id",
            )
    return [_milestone_values(i, m) for i, m in enumerate(milestones)]


async def get_release(
    session: AsyncSession, actor: Actor, release_uuid: uuid.UUID
) -> PlannedRelease:
    release = await releases.get_release_by_uuid(session, actor, release_uuid)
    return (await _planned(session, actor, [release]))[0]


async def list_releases(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str | None,
    ghosted: bool,
    offset: int,
    limit: int,
    with_plans: bool = True,
) -> Page[PlannedRelease]:
    """Live releases (or, `ghosted`, those in the trash) by name, `*` in `name` standing
    for any run of characters; filtered, sorted and paged in the database. Only what a
    UCR release shows is loaded: the release row with its roles (for `hasEdit`), and the
    plans unless the caller shows none (`with_plans` false)."""
    query = Query(
        filter=None if name is None else Condition("title", Op.MATCHES, (name,)),
        sorts=(Sort("title"),),
        offset=offset,
        limit=limit,
    )
    view = ReleaseFilter.TRASH if ghosted else ReleaseFilter.ALL
    page = await releases.list_releases(session, actor, query, view, LIST_PARTS)
    planned = await _planned(session, actor, page.rows, with_plans=with_plans)
    return Page(planned, page.has_more, page.total)


async def update_release(
    session: AsyncSession,
    actor: Actor,
    release_uuid: uuid.UUID,
    changes: PlanChanges,
    expected_version: int | None,
) -> PlannedRelease:
    """The release's own fields and its plan, as one change (one version more): checked
    against `expected_version` under the release's lock before anything is written."""
    found = await releases.get_release_by_uuid(session, actor, release_uuid)
    release = await releases.update_release(
        session, actor, found.id, changes.release, expected_version=expected_version
    )
    current = (await repository.plans_of(session, [release.id]))[release.id]
    if changes.has("lifecycle_model"):
        await _set_lifecycle_model(session, actor, release, current.lifecycle_model, changes)
        current = (await repository.plans_of(session, [release.id]))[release.id]
    if changes.has("team"):
        if current.lifecycle_model is None:
            raise Invalid("A release without a lifecycle model has no team", TEAM_FIELD)
        team = (
            None
            if changes.team is None
            else await teams.resolve_team(session, actor, changes.team, TEAM_FIELD)
        )
        await repository.set_team(session, release.id, None if team is None else team.id)
        # A window scoped to the new team may cover the release's schedule.
        await freeze_gate.check_as_stored(
            session, actor.portal_id, release.id, dt.datetime.now(dt.UTC)
        )
    if changes.has("milestones"):
        await _set_milestones(session, release, current.milestones, changes.milestones)
    return (await _planned(session, actor, [release]))[0]


async def _set_lifecycle_model(
    session: AsyncSession,
    actor: Actor,
    release: Release,
    current: LifecycleModel | None,
    changes: PlanChanges,
) -> None:
    """A release without a plan (made through another dialect) may be given a lifecycle
    model, which makes its phases; one that has a model keeps it (its phases hang on it)."""
    if changes.lifecycle_model is None:
        raise Invalid("'lifecycleModel' cannot be removed", LIFECYCLE_FIELD)
    model = await lifecycle.resolve_model(session, actor, changes.lifecycle_model, LIFECYCLE_FIELD)
    if current is not None:
        if current.id == model.id:
            return
        raise Invalid("The lifecycle model of a release cannot be changed", LIFECYCLE_FIELD)
    await repository.insert_plan(
        session,
        release.id,
        lifecycle_model_id=model.id,
        team_id=None,
        phase_model_ids=[phase.id for phase in model.phases],
        created_time=dt.datetime.now(dt.UTC),
    )


async def _set_milestones(
    session: AsyncSession,
    release: Release,
    current: Sequence[Milestone],
    given: Sequence[MilestoneIn],
) -> None:
    """The milestones become the list given: those named by id are kept (and changed),
    those without an id are added, the rest removed."""
    existing = {m.uuid for m in current}
    keep: list[uuid.UUID] = []
    new: list[tuple[str, dt.datetime]] = []
    for index, milestone in enumerate(given):
        name, date = _milestone_values(index, milestone)
        if milestone.uuid is None:
            new.append((name, date))
            continue
        if milestone.uuid not in existing:
            raise Invalid(
                f"The release has no milestone '{milestone.uuid}'",
                f"{MILESTONES_FIELD}[{index}].id",
            )
        keep.append(milestone.uuid)
        await repository.update_milestone(session, release.id, milestone.uuid, name, date)
    await repository.delete_milestones(session, release.id, keep)
    await repository.insert_milestones(session, release.id, new, dt.datetime.now(dt.UTC))


async def move_to_trash(session: AsyncSession, actor: Actor, release_uuid: uuid.UUID) -> None:
    """Ghost the release: it goes to the trash every dialect shares."""
    found = await releases.get_release_by_uuid(session, actor, release_uuid)
    await release_lifecycle.move_to_trash(session, actor, found.id)
