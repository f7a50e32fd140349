"""The release page: title, ID and status; the stage progress; approvals waiting for the
signed-in user; every field; roles; the descriptive texts; tasks, worklogs, notes and
status comments; approval levels; the deployment or plan when it has one; the history.

Everything is read through the core with the signed-in actor, so a requester sees exactly
what the APIs show them; the controls shown are the ones the core would accept (each write
is checked again by the core: edit in release_edit.py, actions in release_actions.py,
approvals in release_approvals.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.actors import Actor, can_edit_release
from releasedesk.core.approvals import policy_status
from releasedesk.core.approvals.summary import StageSummary, approval_summary
from releasedesk.core.approvals.views import Approval, ApprovalLevel
from releasedesk.core.deployment import service as deployments
from releasedesk.core.deployment.views import Deployment
from releasedesk.core.errors import ErrorKind, NotFound, ReleaseDeskError
from releasedesk.core.freezes import flags as freeze_flags
from releasedesk.core.freezes import service as freezes
from releasedesk.core.plans import service as plans
from releasedesk.core.plans.views import Plan
from releasedesk.core.releases import service as releases
from releasedesk.core.releases.views import Release
from releasedesk.core.search.query import Query
from releasedesk.core.users import service as users
from releasedesk.core.work import service as work
from releasedesk.core.work.kinds import NOTE, TASK, WORKLOG
from releasedesk.core.workflow import service as workflow
from releasedesk.core.workflow.names import RoleName, StageName
from releasedesk.core.workflow.views import Stage, Status
from releasedesk.web import release_words
from releasedesk.web.choices import Choice
from releasedesk.web.context import PageContext, Rerender, page
from releasedesk.web.forms import FormErrors

HISTORY_SIZE = 30
CHILDREN = 100  # tasks, worklogs and notes shown on the page
COMMENTS = 20


@dataclass(frozen=True, slots=True)
class Step:
    """One stage of the progress bar: its state in words and its approval."""

    stage: Stage
    state: str  # current, done, not started
    approval: str
    levels: tuple[ApprovalLevel, ...]


@dataclass(frozen=True, slots=True)
class Pending:
    """An approval waiting for the signed-in user's decision."""

    level: ApprovalLevel
    approval: Approval


@dataclass(frozen=True, slots=True)
class Can:
    """The controls the page shows: what the core would accept from this user now."""

    edit: bool
    close: bool
    trash: bool
    restore: bool
    pickup: bool
    assign: bool
    add_note: bool
    manage_approvals: bool

    @classmethod
    def of(cls, me: Actor, release: Release) -> Can:
        live = not release.in_trash
        staff = me.is_staff
        engineer = release.holder(RoleName.ENGINEER)
        return cls(
            edit=live and can_edit_release(me, release.access()),
            close=staff and live and not release.stage.is_closure,
            trash=staff and live,
            restore=staff and release.in_trash,
            pickup=staff and live and (engineer is None or engineer.id != me.user_id),
            assign=staff and live,
            add_note=live and can_edit_release(me, release.access()),
            manage_approvals=staff and live and not release.stage.is_closure,
        )


def steps_of(release: Release, summary: list[StageSummary]) -> list[Step]:
    current = release.stage
    steps = []
    for stage_summary in summary:
        stage = stage_summary.stage
        if stage.id == current.id:
            state = "current"
        elif stage.stage_index < current.stage_index:
            state = "done"
        else:
            state = "not started"
        levels = tuple(sorted(stage_summary.levels, key=lambda level: level.level))
        steps.append(Step(stage, state, release_words.stage_approval_words(levels), levels))
    return steps


def pending_for(me: Actor, steps: list[Step]) -> list[Pending]:
    return [
        Pending(level, approval)
        for step in steps
        for level in step.levels
        for approval in level.approvals
        if release_words.can_decide(approval, level, me.user_id)
    ]


async def closure_statuses(ctx: PageContext) -> list[Status]:
    stages = await workflow.list_stages(ctx.session, ctx.me.portal_id)
    closure = next((s for s in stages if s.internal_name == StageName.CLOSE), None)
    if closure is None:
        return []
    statuses = await workflow.list_statuses(ctx.session, ctx.me.portal_id)
    return [status for status in statuses if status.stage_id == closure.id]


async def people(ctx: PageContext, *, staff_only: bool) -> list[Choice]:
    """Active users of the portal (staff only: those who may hold the engineer role)."""
    found = await users.active_people(ctx.session, ctx.me.portal_id, staff_only=staff_only)
    return [Choice(user_id, name) for user_id, name in found]


def shown_deployment(deployment: Deployment) -> Deployment | None:
    """The deployment (FlexDeploy's release), when the release has one."""
    if deployment.pipeline_id is None and not deployment.projects and not deployment.properties:
        return None
    return deployment


def shown_plan(plan: Plan) -> Plan | None:
    """The plan (UrbanCode Release's phases and milestones), when the release has one."""
    if plan.lifecycle_model is None and not plan.phases and not plan.milestones:
        return None
    return plan


def history_page_of(ctx: PageContext) -> int:
    raw = ctx.query("history")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 and int(raw) else 1


async def release_values(ctx: PageContext, release_id: int) -> dict[str, Any]:
    """Everything the release page shows, read through the core as the signed-in user."""
    me, session = ctx.me, ctx.session
    release = await releases.get_release(session, me, release_id)
    steps = steps_of(release, await approval_summary(session, me, release_id))
    history_page = history_page_of(ctx)
    _, history = await releases.release_history(
        session,
        me,
        release_id,
        Query(offset=(history_page - 1) * HISTORY_SIZE, limit=HISTORY_SIZE),
    )
    _, comments = await releases.release_status_comments(
        session, me, release_id, Query(limit=COMMENTS)
    )
    children = {
        kind.plural: (
            await work.list_children(session, me, kind, release_id, Query(limit=CHILDREN))
        )
        for kind in (TASK, WORKLOG, NOTE)
    }
    can = Can.of(me, release)
    planned = await plans.get_release(session, me, release.uuid)
    now = dt.datetime.now(dt.UTC)
    frozen = await freeze_flags.flags_of(
        session,
        me.portal_id,
        [(release.id, release.scheduled_start_time, release.scheduled_end_time)],
        now,
    )
    return {
        "release": release,
        "steps": steps,
        "pending": pending_for(me, steps),
        "timeline": release_words.timeline(history.rows),
        "history_page": history_page,
        "history_more": history.has_more,
        "comments": comments.rows,
        "tasks": children["tasks"].rows,
        "worklogs": children["worklogs"].rows,
        "notes": children["notes"].rows,
        "plan": shown_plan(planned.plan),
        "deployment": shown_deployment(await deployments.get_deployment(session, me, release_id)),
        "closure_statuses": await closure_statuses(ctx) if can.close else [],
        "staff": await people(ctx, staff_only=True) if can.assign else [],
        "approvers": await people(ctx, staff_only=False) if can.manage_approvals else [],
        "freezes": frozen.get(release.id, ()),
        "level_policies": {
            found.level_id: found
            for found in await policy_status.level_policies(session, me, release_id)
        },
        "exceptions": await freezes.overrides_of_release(session, me, release.id),
        "now": now,
        "all_stages": [step.stage for step in steps],
        "can": can,
        "w": release_words,
        "descriptive": release_words.DESCRIPTIVE_LABELS,
        "engineer_role": RoleName.ENGINEER,
    }


async def render_release(
    ctx: PageContext, release_id: int, errors: FormErrors | None = None, status: int = 200
) -> Response:
    values = await release_values(ctx, release_id)
    return ctx.render(
        "release/page.html",
        status=422 if errors and status == 200 else status,
        errors=errors or FormErrors(),
        **values,
    )


# --- one release's pages: the id, a release not found, a refused write -----------------------

ReleaseHandler = Callable[[PageContext, int], Awaitable[Response]]


async def not_found(ctx: PageContext, shown_id: str) -> Response:
    """'Release 123 not found' (404), with the way back to the releases."""
    return ctx.render("release/not_found.html", status=404, release_id=shown_id)


async def _missing(ctx: PageContext, release_id: int, error: ReleaseDeskError) -> Response:
    """After a NotFound (the write rolled back): the release's 404 page when the release
    itself is unknown; else what was not found in it (a level, an approval)."""
    try:
        await releases.get_release(ctx.session, ctx.me, release_id)
    except NotFound:
        return await not_found(ctx, str(release_id))
    return ctx.render(
        "release/message.html",
        status=404,
        heading="Not found",
        message=release_words.humane(error.message),
        release_id=release_id,
    )


def release_page(handler: ReleaseHandler) -> Any:
    """A page of one release, `/releases/{release_id}/…`: an id that is not a number, or a
    release the core does not find, is the release's 404 page."""

    async def run(ctx: PageContext) -> Response:
        raw = str(ctx.request.path_params["release_id"])
        if not (raw.isascii() and raw.isdigit() and len(raw) < 18):
            return await not_found(ctx, raw[:40])
        release_id = int(raw)
        try:
            return await handler(ctx, release_id)
        except NotFound as error:  # roll back whatever the write did, then say so
            raise Rerender(lambda fresh, e: _missing(fresh, release_id, e), error) from error

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return page(run)


def refused(
    error: ReleaseDeskError, render: Callable[[PageContext, ReleaseDeskError], Awaitable[Response]]
) -> Rerender | ReleaseDeskError:
    """What a page raises when the core refused its write: a refusal of the caller (403) or
    an unknown id stays what it is; any other is shown in the form it came from, after the
    rollback."""
    if error.kind in (ErrorKind.FORBIDDEN, ErrorKind.NOT_FOUND, ErrorKind.UNAUTHENTICATED):
        return error
    return Rerender(render, error)


@release_page
async def show_release(ctx: PageContext, release_id: int) -> Response:
    """The release page."""
    return await render_release(ctx, release_id)


def routes() -> list[BaseRoute]:
    return [Route("/releases/{release_id}", show_release, methods=["GET"])]
