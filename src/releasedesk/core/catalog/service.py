"""The catalog: loading a file (idempotent, ids kept) and reading it for the rules and lists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.catalog import repository
from releasedesk.core.catalog.views import Catalog, CmsInstance, Environment, Pipeline, Project
from releasedesk.core.errors import Invalid, NotFound
from releasedesk.db.models import CatalogEnvironment, CatalogProject


@dataclass(frozen=True)
class Loaded:
    pipelines: int
    environments: int
    projects: int
    cms_instances: int

    def describe(self) -> str:
        return (
            f"{self.pipelines} pipelines, {self.environments} environments, "
            f"{self.projects} projects, {self.cms_instances} change-management instances"
        )


async def load_catalog(session: AsyncSession, portal_id: int, catalog: Catalog) -> Loaded:
    """Store the catalog in the portal. What an entry names (a build environment, a group's
    project) must be in the file or already loaded; a stream stays with its project unless
    the file describes that project too."""
    await _check_references(session, portal_id, catalog)
    await repository.store(session, portal_id, catalog)
    return Loaded(
        len(catalog.pipelines),
        len(catalog.environments),
        len(catalog.projects),
        len(catalog.cms_instances),
    )


async def _check_references(session: AsyncSession, portal_id: int, catalog: Catalog) -> None:
    env_ids = {e.id for e in catalog.environments}
    wanted = {e for p in catalog.projects for e in p.build_environment_ids} - env_ids
    known = await repository.existing_ids(session, CatalogEnvironment, portal_id, wanted)
    for project in catalog.projects:
        for env_id in project.build_environment_ids:
            if env_id not in env_ids and env_id not in known:
                raise Invalid(
                    f"Project {project.id} builds in environment {env_id}, which is neither "
                    "in the file nor loaded",
                    "projects.buildEnvironments",
                )
    project_ids = {p.id for p in catalog.projects}
    grouped = {m for p in catalog.pipelines for g in p.groups for m in g.project_ids}
    known = await repository.existing_ids(session, CatalogProject, portal_id, grouped - project_ids)
    for pipeline in catalog.pipelines:
        for group in pipeline.groups:
            for member in group.project_ids:
                if member not in project_ids and member not in known:
                    raise Invalid(
                        f"Group '{group.name}' of pipeline {pipeline.id} names project "
                        f"{member}, which is neither in the file nor loaded",
                        "pipelines.projectGroups",
                    )
    names = {p.name.casefold(): p.id for p in catalog.pipelines}
    in_file = {p.id for p in catalog.pipelines}
    for loaded in await repository.pipelines(session, portal_id):
        other = names.get(loaded.name.casefold())
        if loaded.id not in in_file and other is not None:
            raise Invalid(
                f"Pipeline {other} cannot be named '{loaded.name}': pipeline {loaded.id} of "
                "the portal already is (names are unique in a portal, in any case)",
                "pipelines.name",
            )
    streams = {s.id: p.id for p in catalog.projects for s in p.streams}
    for stream_id, owner in (await repository.stream_owners(session, portal_id, streams)).items():
        if owner != streams[stream_id] and owner not in project_ids:
            raise Invalid(
                f"Stream {stream_id} belongs to project {owner}; it cannot also be a stream "
                f"of project {streams[stream_id]}",
                "projects.streams",
            )


async def pipelines_and_projects(
    session: AsyncSession, portal_id: int
) -> tuple[list[Pipeline], list[Project]]:
    """A portal's pipelines and projects as the CLI's `catalog show` lists them (no caller)."""
    pipelines = await repository.pipelines(session, portal_id)
    return pipelines, await repository.projects(session, portal_id)


async def list_pipelines(session: AsyncSession, actor: Actor) -> list[Pipeline]:
    return await repository.pipelines(session, actor.portal_id)


async def list_projects(session: AsyncSession, actor: Actor) -> list[Project]:
    return await repository.projects(session, actor.portal_id)


async def list_environments(session: AsyncSession, actor: Actor) -> list[Environment]:
    return await repository.environments(session, actor.portal_id)


async def list_cms_instances(session: AsyncSession, actor: Actor) -> list[CmsInstance]:
    return await repository.cms_instances(session, actor.portal_id)


async def get_pipeline(session: AsyncSession, actor: Actor, pipeline_id: int) -> Pipeline:
    found = await repository.pipelines(session, actor.portal_id, [pipeline_id])
    if not found:
        raise NotFound(f"No pipeline with id {pipeline_id}", "pipelineId")
    return found[0]


async def get_project(session: AsyncSession, actor: Actor, project_id: int) -> Project:
    found = await repository.projects(session, actor.portal_id, [project_id])
    if not found:
        raise NotFound(f"No project with id {project_id}", "projectId")
    return found[0]


async def pipeline_named(
    session: AsyncSession, portal_id: int, pipeline_id: int | None, name: str | None
) -> Pipeline | None:
    """The pipeline a release names by id, by name, or both (which must agree)."""
    if pipeline_id is None and name is None:
        return None
    by_id: Pipeline | None = None
    if pipeline_id is not None:
        found = await repository.pipelines(session, portal_id, [pipeline_id])
        if not found:
            raise Invalid(f"No pipeline with pipelineId {pipeline_id}", "pipelineId")
        by_id = found[0]
    if name is None:
        return by_id
    ids = await repository.pipeline_ids_named(session, portal_id, name)
    if by_id is not None:
        if by_id.id not in ids:
            raise Invalid(
                f"pipelineId {by_id.id} is pipeline '{by_id.name}', but pipelineName is "
                f"'{name}': when both are given they must name the same pipeline",
                "pipelineName",
            )
        return by_id
    if not ids:
        raise Invalid(f"No pipeline named '{name}'", "pipelineName")
    if len(ids) > 1:
        raise Invalid(f"More than one pipeline is named '{name}': give pipelineId", "pipelineName")
    return (await repository.pipelines(session, portal_id, ids))[0]


async def projects_by_id(
    session: AsyncSession, portal_id: int, ids: set[int]
) -> dict[int, Project]:
    return {p.id: p for p in await repository.projects(session, portal_id, ids)} if ids else {}


async def pipelines_by_id(
    session: AsyncSession, portal_id: int, ids: set[int]
) -> dict[int, Pipeline]:
    return {p.id: p for p in await repository.pipelines(session, portal_id, ids)} if ids else {}


async def known_environments(session: AsyncSession, portal_id: int, ids: set[int]) -> set[int]:
    return {e.id for e in await repository.environments(session, portal_id, ids)} if ids else set()


async def known_cms_instance(session: AsyncSession, portal_id: int, cms_id: int) -> bool:
    return bool(await repository.cms_instances(session, portal_id, [cms_id]))
