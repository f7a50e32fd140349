"""The rules of a release's deployment (FlexDeploy's notes), as pure functions over the
catalog's views. Each refusal is an Invalid (or Mandatory) that says which rule, naming the
project or property at fault."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from releasedesk.core.catalog.views import Pipeline, Project
from releasedesk.core.deployment.schemas import ProjectRequest, PropertyRequest
from releasedesk.core.errors import Invalid, Mandatory
from releasedesk.core.execution.status import DeploymentStatus


@dataclass(frozen=True, slots=True)
class PlannedProject:
    """A project as the release will deploy it (what is stored)."""

    project_id: int
    stream_id: int
    package_name: str | None
    request_all_files: bool
    build_environment_id: int | None
    priority: int

    @property
    def key(self) -> tuple[int, str]:
        """What tells two projects of a release apart: the project and its package."""
        return self.project_id, self.package_name or ""


def _where(index: int) -> str:
    return f"projects[{index}]"


def _describe(project: Project) -> str:
    return f"project '{project.name}' ({project.id})"


def plan_project(
    request: ProjectRequest, index: int, catalog: Mapping[int, Project], priority: int
) -> PlannedProject:
    """One requested project checked against the catalog: it needs a project id and a stream
    of that project; a build environment of its build instance (filled in when it has exactly
    one); full-deployment projects take no package, partial ones a package exactly when not
    all files are requested."""
    where = _where(index)
    if request.project_id is None:
        raise Mandatory(f"{where}.projectId", f"Adding a project requires a projectId ({where})")
    project = catalog.get(request.project_id)
    if project is None:
        raise Invalid(f"No project with projectId {request.project_id}", f"{where}.projectId")
    if request.stream_id is None:
        raise Mandatory(
            f"{where}.projectStreamId",
            f"Adding {_describe(project)} requires a projectStreamId",
        )
    if not project.has_stream(request.stream_id):
        raise Invalid(
            f"Stream {request.stream_id} is not a stream of {_describe(project)}",
            f"{where}.projectStreamId",
        )
    build = request.build_environment_id
    if build is None:
        if len(project.build_environment_ids) == 1:
            build = project.build_environment_ids[0]
    elif build not in project.build_environment_ids:
        raise Invalid(
            f"buildEnvironmentId {build} is not a build environment of the build instance "
            f"of {_describe(project)}",
            f"{where}.buildEnvironmentId",
        )
    package = request.package_name
    if package is not None and not package.strip():
        package = None
    if not project.partial_deployment:
        if package is not None:
            raise Invalid(
                f"{_describe(project)} is a full-deployment project: it takes no packageName",
                f"{where}.packageName",
            )
        if request.request_all_files:
            raise Invalid(
                f"{_describe(project)} is a full-deployment project: it takes no requestAllFiles",
                f"{where}.requestAllFiles",
            )
        all_files = False
    else:
        all_files = bool(request.request_all_files)
        if all_files and package is not None:
            raise Invalid(
                f"{_describe(project)} requests all files: it cannot also take a packageName",
                f"{where}.packageName",
            )
        if not all_files and package is None:
            raise Mandatory(
                f"{where}.packageName",
                f"{_describe(project)} is a partial-deployment project that does not request "
                "all files: it needs a packageName",
            )
    return PlannedProject(
        project.id,
        request.stream_id,
        package.strip() if package is not None else None,
        all_files,
        build,
        request.priority if request.priority is not None else priority,
    )


def _filled_in(
    request: ProjectRequest, existing: Mapping[tuple[int, str], PlannedProject]
) -> ProjectRequest:
    """An update of a project already on the release (a merge): what the request leaves out
    (stream, build environment, requestAllFiles) is taken from the stored project."""
    if request.project_id is None:
        return request
    stored = existing.get((request.project_id, (request.package_name or "").strip()))
    if stored is None:
        return request
    return replace(
        request,
        stream_id=request.stream_id if request.stream_id is not None else stored.stream_id,
        build_environment_id=(
            request.build_environment_id
            if request.build_environment_id is not None
            else stored.build_environment_id
        ),
        request_all_files=(
            request.request_all_files
            if request.request_all_files is not None
            else stored.request_all_files
        ),
    )


def plan_projects(
    requests: Sequence[ProjectRequest],
    catalog: Mapping[int, Project],
    existing: Sequence[PlannedProject] = (),
) -> tuple[PlannedProject, ...]:
    """`existing` with the requested projects added or, for the same project and package,
    updated (a replace passes no existing); an update keeps what it does not give. Priority
    follows the order when not given: a new project comes after those already there; an
    updated one keeps its own."""
    planned = {p.key: p for p in existing}
    next_priority = max((p.priority for p in existing), default=0) + 1
    seen: set[tuple[int, str]] = set()
    for index, asked in enumerate(requests):
        request = _filled_in(asked, planned)
        project = plan_project(request, index, catalog, next_priority)
        if project.key in seen:
            raise Invalid(
                f"Project {project.project_id} with package '{project.package_name or ''}' "
                "is given twice",
                f"{_where(index)}.projectId",
            )
        seen.add(project.key)
        before = planned.get(project.key)
        if before is not None and request.priority is None:
            project = replace(project, priority=before.priority)
        elif before is None and request.priority is None:
            next_priority += 1
        planned[project.key] = project
    return tuple(planned.values())


def check_properties(pipeline: Pipeline | None, properties: Mapping[str, str | None]) -> None:
    """Properties belong to the release's pipeline: none without one, none it does not define."""
    if not properties:
        return
    if pipeline is None:
        name = next(iter(properties))
        raise Invalid(
            f"Property '{name}' cannot be set: pipelineId or pipelineName must be provided "
            "to set pipeline properties",
            "properties",
        )
    for name in properties:
        if pipeline.property(name) is None:
            raise Invalid(f"'{name}' is not a property of pipeline '{pipeline.name}'", "properties")


def property_values(requests: Sequence[PropertyRequest]) -> dict[str, str | None]:
    """The requested properties by name; a name given twice is refused."""
    values: dict[str, str | None] = {}
    for request in requests:
        if request.name in values:
            raise Invalid(f"Property '{request.name}' is given twice", "properties")
        values[request.name] = request.value
    return values


def check_required_properties(
    pipeline: Pipeline | None,
    properties: Mapping[str, str | None],
    projects: Sequence[PlannedProject],
    names: Mapping[int, str],
) -> None:
    """A project cannot be on the release while a required property of its pipeline has no
    value."""
    if pipeline is None or not projects:
        return
    for definition in pipeline.properties:
        value = properties.get(definition.name)
        if definition.required and (value is None or not value.strip()):
            project = projects[0]
            label = names.get(project.project_id, str(project.project_id))
            raise Invalid(
                f"Project '{label}' ({project.project_id}) cannot be added: required property "
                f"'{definition.name}' of pipeline '{pipeline.name}' has no value",
                "properties",
            )


def check_start(
    now: DeploymentStatus,
    target: DeploymentStatus,
    before: Sequence[PlannedProject],
    after: Sequence[PlannedProject],
) -> None:
    """A write that starts a release (NOTSTARTED to STARTED) needs at least one project; a
    release under way that has projects keeps at least one (a PUT cannot remove the last).
    A release already under way without projects (moved into a work stage through SDP) may
    still be changed."""
    if not after and now is DeploymentStatus.NOT_STARTED and target.is_under_way:
        raise Invalid(
            "Cannot start a release without at least one project (full deployment or partial "
            "deployment)",
            "projects",
        )
    if not after and before and target.is_under_way:
        raise Invalid(
            "A started release must keep at least one project (full deployment or partial "
            "deployment)",
            "projects",
        )
