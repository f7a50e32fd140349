"""The values a page offers in its choices (stages, statuses, priorities, release types,
staff), read through the core services, each as (id, name): all but the staff from the
reference data the process holds per portal version (core/reference), after one read of
the version."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from releasedesk.core import zones
from releasedesk.core.lookups import service as lookups
from releasedesk.core.teams import service as teams
from releasedesk.core.users import service as users
from releasedesk.core.workflow import service as workflow
from releasedesk.core.workflow.views import Stage, Status
from releasedesk.web.context import PageContext


@dataclass(frozen=True, slots=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True)
class Choices:
    stages: list[Stage]
    statuses: list[Status]
    priorities: list[Choice]
    release_types: list[Choice]
    staff: list[Choice]

    def statuses_of(self, stage_id: int) -> list[Status]:
        return [status for status in self.statuses if status.stage_id == stage_id]


async def lookup_choices(ctx: PageContext, kind: str) -> list[Choice]:
    return [
        Choice(row.id, row.name)
        for row in await lookups.list_lookups(ctx.session, ctx.me.portal_id, kind)
    ]


async def team_choices(ctx: PageContext) -> list[Choice]:
    """The portal's teams (UrbanCode Release's), by name."""
    found = await teams.list_teams(ctx.session, ctx.me)
    return sorted((Choice(team.id, team.name) for team in found), key=lambda c: c.name.lower())


async def release_choices(ctx: PageContext) -> Choices:
    portal_id = ctx.me.portal_id
    staff = [
        Choice(user_id, name)
        for user_id, name in await users.active_people(ctx.session, portal_id, staff_only=True)
    ]
    return Choices(
        stages=await workflow.list_stages(ctx.session, portal_id),
        statuses=await workflow.list_statuses(ctx.session, portal_id),
        priorities=await lookup_choices(ctx, "priority"),
        release_types=await lookup_choices(ctx, "release_type"),
        staff=staff,
    )


@cache
def zone_names() -> tuple[str, ...]:
    """The IANA zones this server knows, sorted, for a time zone field's suggestions."""
    return tuple(sorted(zones.zone_names()))
