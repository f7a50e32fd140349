"""All SQL of the catalog: loading a file's rows (kept ids, children replaced) and reading
pipelines, projects, environments and change-management instances as views."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.catalog.views import (
    Catalog,
    CmsInstance,
    Environment,
    Pipeline,
    Project,
    ProjectGroup,
    PropertyDefinition,
    Stream,
)
from releasedesk.db.models import (
    CatalogBuildEnvironment,
    CatalogCmsInstance,
    CatalogEnvironment,
    CatalogPipeline,
    CatalogPipelineProperty,
    CatalogProject,
    CatalogProjectGroup,
    CatalogProjectStream,
)


async def store(session: AsyncSession, portal_id: int, catalog: Catalog) -> None:
    """Insert or update every entry of `catalog` under its own id; the lists an entry owns
    (a pipeline's properties and groups, a project's streams and build environments) become
    exactly the file's. Entries the file does not name are left alone."""
    for env in catalog.environments:
        await session.merge(CatalogEnvironment(portal_id=portal_id, id=env.id, name=env.name))
    for cms in catalog.cms_instances:
        await session.merge(CatalogCmsInstance(portal_id=portal_id, id=cms.id, name=cms.name))
    for project in catalog.projects:
        await session.merge(
            CatalogProject(
                portal_id=portal_id,
                id=project.id,
                name=project.name,
                application_path=project.application_path,
                partial_deployment=project.partial_deployment,
            )
        )
    await session.flush()
    for project in catalog.projects:
        await _replace(session, CatalogBuildEnvironment, portal_id, "project_id", project.id)
        await session.execute(
            delete(CatalogProjectStream).where(
                CatalogProjectStream.portal_id == portal_id,
                CatalogProjectStream.project_id == project.id,
            )
        )
    for project in catalog.projects:
        session.add_all(
            CatalogProjectStream(portal_id=portal_id, id=s.id, project_id=project.id, name=s.name)
            for s in project.streams
        )
        session.add_all(
            CatalogBuildEnvironment(portal_id=portal_id, project_id=project.id, environment_id=e)
            for e in dict.fromkeys(project.build_environment_ids)
        )
    for pipeline in catalog.pipelines:
        await session.merge(
            CatalogPipeline(portal_id=portal_id, id=pipeline.id, name=pipeline.name)
        )
        await session.flush()
        await _replace(session, CatalogPipelineProperty, portal_id, "pipeline_id", pipeline.id)
        await _replace(session, CatalogProjectGroup, portal_id, "pipeline_id", pipeline.id)
        session.add_all(
            CatalogPipelineProperty(
                portal_id=portal_id, pipeline_id=pipeline.id, name=p.name, required=p.required
            )
            for p in pipeline.properties
        )
        session.add_all(
            CatalogProjectGroup(
                portal_id=portal_id, pipeline_id=pipeline.id, name=g.name, project_id=project_id
            )
            for g in pipeline.groups
            for project_id in dict.fromkeys(g.project_ids)
        )
    await session.flush()


async def _replace(
    session: AsyncSession,
    model: type[CatalogBuildEnvironment | CatalogPipelineProperty | CatalogProjectGroup],
    portal_id: int,
    column: str,
    owner_id: int,
) -> None:
    await session.execute(
        delete(model).where(model.portal_id == portal_id, getattr(model, column) == owner_id)
    )


async def existing_ids(
    session: AsyncSession,
    model: type[CatalogEnvironment | CatalogProject | CatalogProjectStream],
    portal_id: int,
    ids: Collection[int],
) -> set[int]:
    """Which of `ids` the portal's catalog already has."""
    if not ids:
        return set()
    rows = await session.execute(
        select(model.id).where(model.portal_id == portal_id, model.id.in_(list(ids)))
    )
    return set(rows.scalars())


async def stream_owners(
    session: AsyncSession, portal_id: int, stream_ids: Collection[int]
) -> dict[int, int]:
    """stream id → the project it belongs to now."""
    if not stream_ids:
        return {}
    rows = await session.execute(
        select(CatalogProjectStream.id, CatalogProjectStream.project_id).where(
            CatalogProjectStream.portal_id == portal_id,
            CatalogProjectStream.id.in_(list(stream_ids)),
        )
    )
    return {stream_id: project_id for stream_id, project_id in rows.all()}


async def pipelines(
    session: AsyncSession, portal_id: int, ids: Iterable[int] | None = None
) -> list[Pipeline]:
    """Pipelines with their properties and groups, by id (all when `ids` is None)."""
    query = select(CatalogPipeline).where(CatalogPipeline.portal_id == portal_id)
    if ids is not None:
        query = query.where(CatalogPipeline.id.in_(list(ids)))
    rows = list((await session.execute(query.order_by(CatalogPipeline.id))).scalars())
    if not rows:
        return []
    found = [row.id for row in rows]
    props = (
        await session.execute(
            select(CatalogPipelineProperty)
            .where(
                CatalogPipelineProperty.portal_id == portal_id,
                CatalogPipelineProperty.pipeline_id.in_(found),
            )
            .order_by(CatalogPipelineProperty.name)
        )
    ).scalars()
    groups = (
        await session.execute(
            select(CatalogProjectGroup)
            .where(
                CatalogProjectGroup.portal_id == portal_id,
                CatalogProjectGroup.pipeline_id.in_(found),
            )
            .order_by(CatalogProjectGroup.name, CatalogProjectGroup.project_id)
        )
    ).scalars()
    props_of: dict[int, list[PropertyDefinition]] = {}
    for prop in props:
        props_of.setdefault(prop.pipeline_id, []).append(
            PropertyDefinition(prop.name, prop.required)
        )
    groups_of: dict[int, dict[str, list[int]]] = {}
    for group in groups:
        groups_of.setdefault(group.pipeline_id, {}).setdefault(group.name, []).append(
            group.project_id
        )
    return [
        Pipeline(
            row.id,
            row.name,
            tuple(props_of.get(row.id, ())),
            tuple(
                ProjectGroup(name, tuple(members))
                for name, members in groups_of.get(row.id, {}).items()
            ),
        )
        for row in rows
    ]


async def pipeline_ids_named(session: AsyncSession, portal_id: int, name: str) -> list[int]:
    """The ids of the pipelines with this name, in any case."""
    rows = await session.execute(
        select(CatalogPipeline.id).where(
            CatalogPipeline.portal_id == portal_id,
            func.lower(CatalogPipeline.name) == name.strip().lower(),
        )
    )
    return list(rows.scalars())


async def projects(
    session: AsyncSession, portal_id: int, ids: Iterable[int] | None = None
) -> list[Project]:
    """Projects with their streams and build environments, by id (all when `ids` is None)."""
    query = select(CatalogProject).where(CatalogProject.portal_id == portal_id)
    if ids is not None:
        query = query.where(CatalogProject.id.in_(list(ids)))
    rows = list((await session.execute(query.order_by(CatalogProject.id))).scalars())
    if not rows:
        return []
    found = [row.id for row in rows]
    streams = (
        await session.execute(
            select(CatalogProjectStream)
            .where(
                CatalogProjectStream.portal_id == portal_id,
                CatalogProjectStream.project_id.in_(found),
            )
            .order_by(CatalogProjectStream.id)
        )
    ).scalars()
    builds = (
        await session.execute(
            select(CatalogBuildEnvironment)
            .where(
                CatalogBuildEnvironment.portal_id == portal_id,
                CatalogBuildEnvironment.project_id.in_(found),
            )
            .order_by(CatalogBuildEnvironment.environment_id)
        )
    ).scalars()
    streams_of: dict[int, list[Stream]] = {}
    for stream in streams:
        streams_of.setdefault(stream.project_id, []).append(Stream(stream.id, stream.name))
    builds_of: dict[int, list[int]] = {}
    for build in builds:
        builds_of.setdefault(build.project_id, []).append(build.environment_id)
    return [
        Project(
            row.id,
            row.name,
            row.application_path,
            row.partial_deployment,
            tuple(streams_of.get(row.id, ())),
            tuple(builds_of.get(row.id, ())),
        )
        for row in rows
    ]


async def environments(
    session: AsyncSession, portal_id: int, ids: Iterable[int] | None = None
) -> list[Environment]:
    query = select(CatalogEnvironment).where(CatalogEnvironment.portal_id == portal_id)
    if ids is not None:
        query = query.where(CatalogEnvironment.id.in_(list(ids)))
    rows = (await session.execute(query.order_by(CatalogEnvironment.id))).scalars()
    return [Environment(row.id, row.name) for row in rows]


async def cms_instances(
    session: AsyncSession, portal_id: int, ids: Iterable[int] | None = None
) -> list[CmsInstance]:
    query = select(CatalogCmsInstance).where(CatalogCmsInstance.portal_id == portal_id)
    if ids is not None:
        query = query.where(CatalogCmsInstance.id.in_(list(ids)))
    rows = (await session.execute(query.order_by(CatalogCmsInstance.id))).scalars()
    return [CmsInstance(row.id, row.name) for row in rows]
