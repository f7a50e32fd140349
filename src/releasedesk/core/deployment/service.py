"""Releases with their deployment (what FlexDeploy calls a release): read, list, create,
replace and merge, each checked against the catalog's rules and moving the one release's
workflow position when its status changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_staff
from releasedesk.core.catalog import cron
from releasedesk.core.catalog import service as catalog
from releasedesk.core.catalog.views import Pipeline
from releasedesk.core.deployment import history, repository, rules
from releasedesk.core.deployment.repository import Stored
from releasedesk.core.deployment.schemas import CmsRequest, DeploymentChanges
from releasedesk.core.deployment.views import (
    CmsDetails,
    DeployedProject,
    Deployment,
    EnvironmentOverride,
    PropertyValue,
)
from releasedesk.core.errors import Invalid, Mandatory
from releasedesk.core.execution import repository as execution
from releasedesk.core.execution.status import (
    RUNNING,
    START_STAGE,
    DeploymentStatus,
    filter_for,
    status_of,
)
from releasedesk.core.refs import Ref
from releasedesk.core.releases import freeze_gate, lifecycle
from releasedesk.core.releases import service as releases
from releasedesk.core.releases.access import view_release, writable_release
from releasedesk.core.releases.parts import NOTHING
from releasedesk.core.releases.schemas import ReleaseChanges
from releasedesk.core.releases.views import Release
from releasedesk.core.search.query import Condition, Group, Node, Op, Query, Sort

PAGE = 100
WRITE = "change releases through the deployment API"
EXECUTIONS = "record pipeline executions"


def check_may_write(actor: Actor) -> None:
    """A requester may not change releases here (403), whatever the write asks: dialects
    call this before reading the body."""
    require_staff(actor, WRITE)


def check_may_record_executions(actor: Actor) -> None:
    require_staff(actor, EXECUTIONS)


async def get_deployment(session: AsyncSession, actor: Actor, release_id: int) -> Deployment:
    """One release with its deployment, if the caller may see it."""
    release = await view_release(session, actor, release_id, NOTHING)
    return (await _views(session, actor.portal_id, [release]))[0]


async def list_deployments(
    session: AsyncSession,
    actor: Actor,
    name: str | None = None,
    status: DeploymentStatus | None = None,
) -> list[Deployment]:
    """Every release the caller may see whose name contains `name` (any case) and that
    stands in `status`, oldest first; filtered in the database, a page at a time."""
    conditions: list[Node] = []
    if name:
        conditions.append(Condition("title", Op.CONTAINS, (name,)))
    if status is not None:
        conditions.append(filter_for(status))
    where = Group(any_of=False, children=tuple(conditions)) if conditions else None
    found: list[Deployment] = []
    offset = 0
    while True:
        query = Query(filter=where, sorts=(Sort("created_time"),), offset=offset, limit=PAGE)
        page = await releases.list_releases(session, actor, query, parts=NOTHING)
        found.extend(await _views(session, actor.portal_id, page.rows))
        if not page.has_more:
            return found
        offset += PAGE


async def create_deployment(
    session: AsyncSession, actor: Actor, changes: DeploymentChanges
) -> Deployment:
    """A new release with its deployment; it starts at once when asked to (STARTED)."""
    require_staff(actor, WRITE)
    name = _name(changes)
    if changes.status is DeploymentStatus.COMPLETED:
        raise Invalid("A new release can be NOTSTARTED or STARTED", "status")
    target = changes.status or DeploymentStatus.NOT_STARTED
    stored = await _planned(session, actor, Stored(), changes, merge=False)
    rules.check_start(DeploymentStatus.NOT_STARTED, _check_status(target), (), stored.projects)
    release = await releases.add_release(
        session, actor, ReleaseChanges.of(title=name, description=changes.description)
    )
    await repository.save(session, release.id, stored)
    await history.record_change(session, actor, release.id, Stored(), stored)
    if target is DeploymentStatus.STARTED:
        comment = await _freezes_let_start(session, actor, release.id)
        await releases.update_release(
            session,
            actor,
            release.id,
            ReleaseChanges.of(stage=Ref(name=START_STAGE), comment=comment),
        )
    return await get_deployment(session, actor, release.id)


async def replace_deployment(
    session: AsyncSession, actor: Actor, release_id: int, changes: DeploymentChanges
) -> Deployment:
    """PUT: every attribute not given (or null) goes back to its default; projects not given
    are removed."""
    return await _write(session, actor, release_id, changes, merge=False)


async def merge_deployment(
    session: AsyncSession, actor: Actor, release_id: int, changes: DeploymentChanges
) -> Deployment:
    """PATCH: add or update what is given; nothing is removed."""
    return await _write(session, actor, release_id, changes, merge=True)


async def set_running_executions(
    session: AsyncSession, actor: Actor, release_id: int, count: int
) -> Deployment:
    """How many pipeline executions of the release are running (none: it may end)."""
    require_staff(actor, EXECUTIONS)
    if count < 0:
        raise Invalid("The number of running executions cannot be negative", "count")
    await writable_release(session, actor, release_id)
    await execution.set_running_executions(session, release_id, count)
    return await get_deployment(session, actor, release_id)


def _name(changes: DeploymentChanges) -> str:
    if changes.name is None or not changes.name.strip():
        raise Mandatory("name", "releaseName is required")
    return changes.name


def _check_status(status: DeploymentStatus) -> DeploymentStatus:
    if status is DeploymentStatus.SUSPENDED:
        raise Invalid(
            "A release can be asked to be NOTSTARTED, STARTED or COMPLETED, not SUSPENDED",
            "status",
        )
    return status


async def _write(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    changes: DeploymentChanges,
    *,
    merge: bool,
) -> Deployment:
    require_staff(actor, WRITE)
    name = _name(changes)
    current = await writable_release(session, actor, release_id)  # locked from here on
    now_status = status_of(current.stage.internal_name, current.status.status_type)
    if now_status is DeploymentStatus.COMPLETED:
        # FlexDeploy's writes ask NOTSTARTED or STARTED, neither reopens a release; an SDP
        # move out of Closure does
        raise Invalid(
            f"Release {release_id} is COMPLETED: a completed release cannot be changed",
            "status",
        )
    before = (await repository.load(session, [release_id])).get(release_id, Stored())
    stored = await _planned(session, actor, before, changes, merge=merge)
    asked = _check_status(changes.status) if changes.status is not None else None
    target = _target(now_status, asked)
    rules.check_start(now_status, target, before.projects, stored.projects)
    release_changes: dict[str, object] = {"title": name}
    if not merge or changes.description is not None:
        release_changes["description"] = changes.description
    if now_status is DeploymentStatus.NOT_STARTED and target is DeploymentStatus.STARTED:
        release_changes["stage"] = Ref(name=START_STAGE)
        release_changes["comment"] = await _freezes_let_start(session, actor, release_id)
    elif now_status is DeploymentStatus.SUSPENDED and target is DeploymentStatus.STARTED:
        # Resuming is a start too: a freeze that came on while it was suspended holds it.
        release_changes["status"] = Ref(name=RUNNING)
        release_changes["comment"] = await _freezes_let_start(session, actor, release_id)
    await repository.save(session, release_id, stored)
    await history.record_change(session, actor, release_id, before, stored)
    await releases.update_release(session, actor, release_id, ReleaseChanges.of(**release_changes))
    if target is DeploymentStatus.COMPLETED and now_status is not DeploymentStatus.COMPLETED:
        await lifecycle.close_release(session, actor, release_id)
    return await get_deployment(session, actor, release_id)


async def _freezes_let_start(session: AsyncSession, actor: Actor, release_id: int) -> str | None:
    """FlexDeploy's STARTED is its move into deployment: refused while a blocking change
    freeze in the release's scope is on (core.errors.Frozen); a warning window's words for
    the move's status comment."""
    warned = await freeze_gate.check(
        session,
        actor.portal_id,
        release_id=release_id,
        columns={},
        service_ids=None,
        requester_id=None,
        schedule_asked=False,
        entering_deployment=True,
        now=dt.datetime.now(dt.UTC),
    )
    return freeze_gate.warning_comment(warned)


def _target(now: DeploymentStatus, asked: DeploymentStatus | None) -> DeploymentStatus:
    """Where a write takes the release (not a completed one, refused before): a started
    release does not go back to NOTSTARTED (the PUT and PATCH samples answer STARTED when
    NOTSTARTED was sent)."""
    if asked in (DeploymentStatus.STARTED, DeploymentStatus.COMPLETED):
        return asked
    return now


async def _planned(
    session: AsyncSession,
    actor: Actor,
    before: Stored,
    changes: DeploymentChanges,
    *,
    merge: bool,
) -> Stored:
    """The deployment a write asks for, checked against every rule of the catalog."""
    portal = actor.portal_id
    names_pipeline = changes.pipeline_id is not None or changes.pipeline_name is not None
    pipeline: Pipeline | None
    if names_pipeline or not merge:
        pipeline = await catalog.pipeline_named(
            session, portal, changes.pipeline_id, changes.pipeline_name
        )
    elif before.pipeline_id is not None:
        pipeline = (await catalog.pipelines_by_id(session, portal, {before.pipeline_id})).get(
            before.pipeline_id
        )
    else:
        pipeline = None
    schedule = before.schedule if merge else None
    if changes.schedule is not None:
        schedule = cron.check_schedule(changes.schedule)
    asked_properties = rules.property_values(changes.properties or ())
    properties = {**before.properties, **asked_properties} if merge else asked_properties
    rules.check_properties(pipeline, properties)
    requests = changes.projects or ()
    wanted = {r.project_id for r in requests if r.project_id is not None}
    known = await catalog.projects_by_id(
        session, portal, wanted | ({p.project_id for p in before.projects} if merge else set())
    )
    projects = rules.plan_projects(requests, known, before.projects if merge else ())
    # the projects this write adds or updates come first in a refusal
    requested = {(r.project_id, (r.package_name or "").strip()) for r in requests}
    ordered = sorted(projects, key=lambda p: p.key not in requested)
    rules.check_required_properties(
        pipeline, properties, ordered, {p.id: p.name for p in known.values()}
    )
    stored = replace(
        before,
        pipeline_id=None if pipeline is None else pipeline.id,
        schedule=schedule,
        projects=projects,
        properties=properties,
    )
    if changes.cms is not None:
        return await _with_cms(session, portal, stored, changes.cms, merge=merge)
    if merge:
        return stored
    return replace(
        stored,
        cms_instance_id=None,
        cms_override_settings=False,
        cms_require_change_ticket=None,
        environments=(),
    )


async def _with_cms(
    session: AsyncSession, portal_id: int, stored: Stored, cms: CmsRequest, *, merge: bool
) -> Stored:
    if not await catalog.known_cms_instance(session, portal_id, cms.instance_id):
        raise Invalid(
            f"No change-management instance with cmsInstanceId {cms.instance_id}",
            "cmsDetails.cmsInstanceId",
        )
    given = {e.environment_id: e.require_change_ticket for e in cms.environments or ()}
    if len(given) != len(cms.environments or ()):
        raise Invalid(
            "An environment is overridden twice", "cmsDetails.overriddenEnvironmentConfigurations"
        )
    known = await catalog.known_environments(session, portal_id, set(given))
    for env_id in given:
        if env_id not in known:
            raise Invalid(
                f"No environment with environmentId {env_id}",
                "cmsDetails.overriddenEnvironmentConfigurations",
            )
    keep = merge and stored.cms_instance_id == cms.instance_id
    environments = {e.environment_id: e.require_change_ticket for e in stored.environments}
    environments = {**environments, **given} if keep else given
    return replace(
        stored,
        cms_instance_id=cms.instance_id,
        cms_override_settings=(
            cms.override_settings
            if cms.override_settings is not None
            else (stored.cms_override_settings if keep else False)
        ),
        cms_require_change_ticket=(
            cms.require_change_ticket
            if cms.require_change_ticket is not None
            else (stored.cms_require_change_ticket if keep else None)
        ),
        environments=tuple(EnvironmentOverride(k, v) for k, v in sorted(environments.items())),
    )


async def _views(
    session: AsyncSession, portal_id: int, found: Sequence[Release]
) -> list[Deployment]:
    """The releases with their deployments, catalog names resolved (a few statements for
    the whole list)."""
    stored = await repository.load(session, [r.id for r in found])
    pipeline_ids = {s.pipeline_id for s in stored.values() if s.pipeline_id is not None}
    project_ids = {p.project_id for s in stored.values() for p in s.projects}
    pipelines = await catalog.pipelines_by_id(session, portal_id, pipeline_ids)
    projects = await catalog.projects_by_id(session, portal_id, project_ids)
    views = []
    for release in found:
        s = stored.get(release.id, Stored())
        pipeline = None if s.pipeline_id is None else pipelines.get(s.pipeline_id)
        views.append(
            Deployment(
                release=release,
                status=status_of(release.stage.internal_name, release.status.status_type),
                pipeline_id=s.pipeline_id,
                pipeline_name=None if pipeline is None else pipeline.name,
                schedule=s.schedule,
                started=s.started,
                ended=release.completed_time,
                running_executions=s.running_executions,
                projects=tuple(
                    DeployedProject(
                        priority=p.priority,
                        project_id=p.project_id,
                        project_name=(
                            projects[p.project_id].name if p.project_id in projects else None
                        ),
                        application_path=(
                            projects[p.project_id].application_path
                            if p.project_id in projects
                            else None
                        ),
                        package_name=p.package_name,
                        request_all_files=p.request_all_files,
                        build_environment_id=p.build_environment_id,
                        stream_id=p.stream_id,
                        groups=() if pipeline is None else pipeline.groups_of(p.project_id),
                    )
                    for p in s.projects
                ),
                properties=tuple(PropertyValue(k, v) for k, v in s.properties.items()),
                cms=(
                    None
                    if s.cms_instance_id is None
                    else CmsDetails(
                        s.cms_instance_id,
                        s.cms_override_settings,
                        s.cms_require_change_ticket,
                        s.environments,
                    )
                ),
            )
        )
    return views
