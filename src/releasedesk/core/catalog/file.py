"""A catalog file (JSON) read into a `Catalog`: every key checked, every error naming its path.

Top-level keys: `pipelines` ({id, name, properties: [{name, required}], projectGroups:
[{name, projects: [ids]}]}), `environments` ({id, name}), `projects` ({id, name,
applicationPath, partialDeployment, streams: [{id, name}], buildEnvironments: [ids]}) and
`cmsInstances` ({id, name}). Every key is optional but `id` and `name`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

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
from releasedesk.core.errors import Invalid, Mandatory, WrongType
from releasedesk.core.text import unstorable

T = TypeVar("T")
MAX_ID = 2**63 - 1
TOP_LEVEL = frozenset({"pipelines", "environments", "projects", "cmsInstances"})


def _object(value: object, where: str, keys: frozenset[str]) -> dict[str, object]:
    if not isinstance(value, dict):
        raise WrongType(f"{where} must be an object", where)
    unknown = sorted(set(value) - keys)
    if unknown:
        raise Invalid(f"'{unknown[0]}' is not a key of {where}", f"{where}.{unknown[0]}")
    return value


def _list(value: object, where: str, item: Callable[[object, str], T]) -> tuple[T, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise WrongType(f"{where} must be a list", where)
    return tuple(item(entry, f"{where}[{index}]") for index, entry in enumerate(value))


def _id(value: object, where: str) -> int:
    if value is None:
        raise Mandatory(where, f"{where} is missing")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise WrongType(f"{where} must be a positive whole number", where)
    return value


def _text(value: object, where: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise WrongType(f"{where} must be a non-empty text", where)
    if unstorable(value) is not None:
        raise Invalid(f"{where} contains a NUL character or a lone surrogate", where)
    if len(value) > 250 and not optional:
        raise Invalid(f"{where} is longer than 250 characters", where)
    return value.strip()


def _name(entry: dict[str, object], where: str) -> str:
    name = _text(entry.get("name"), f"{where}.name")
    assert name is not None
    return name


def _flag(value: object, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise WrongType(f"{where} must be true or false", where)
    return value


def _property(value: object, where: str) -> PropertyDefinition:
    entry = _object(value, where, frozenset({"name", "required"}))
    return PropertyDefinition(
        _name(entry, where), _flag(entry.get("required"), f"{where}.required")
    )


def _group(value: object, where: str) -> ProjectGroup:
    entry = _object(value, where, frozenset({"name", "projects"}))
    members = _list(entry.get("projects"), f"{where}.projects", _id)
    _unique(list(members), f"{where}.projects", "project")
    return ProjectGroup(_name(entry, where), members)


def _pipeline(value: object, where: str) -> Pipeline:
    entry = _object(value, where, frozenset({"id", "name", "properties", "projectGroups"}))
    properties = _list(entry.get("properties"), f"{where}.properties", _property)
    _unique([p.name for p in properties], f"{where}.properties", "property")
    return Pipeline(
        _id(entry.get("id"), f"{where}.id"),
        _name(entry, where),
        properties,
        _list(entry.get("projectGroups"), f"{where}.projectGroups", _group),
    )


def _environment(value: object, where: str) -> Environment:
    entry = _object(value, where, frozenset({"id", "name"}))
    return Environment(_id(entry.get("id"), f"{where}.id"), _name(entry, where))


def _cms(value: object, where: str) -> CmsInstance:
    entry = _object(value, where, frozenset({"id", "name"}))
    return CmsInstance(_id(entry.get("id"), f"{where}.id"), _name(entry, where))


def _stream(value: object, where: str) -> Stream:
    entry = _object(value, where, frozenset({"id", "name"}))
    return Stream(_id(entry.get("id"), f"{where}.id"), _name(entry, where))


PROJECT_KEYS = frozenset(
    {"id", "name", "applicationPath", "partialDeployment", "streams", "buildEnvironments"}
)


def _project(value: object, where: str) -> Project:
    entry = _object(value, where, PROJECT_KEYS)
    return Project(
        _id(entry.get("id"), f"{where}.id"),
        _name(entry, where),
        _text(entry.get("applicationPath"), f"{where}.applicationPath", optional=True),
        _flag(entry.get("partialDeployment"), f"{where}.partialDeployment"),
        _list(entry.get("streams"), f"{where}.streams", _stream),
        _list(entry.get("buildEnvironments"), f"{where}.buildEnvironments", _id),
    )


def _unique(values: list[T], where: str, what: str) -> None:
    seen: set[T] = set()
    for value in values:
        if value in seen:
            raise Invalid(f"{where} names {what} '{value}' twice", where)
        seen.add(value)


def read_catalog(document: object) -> Catalog:
    """The catalog a parsed JSON document describes; environments a project builds in, and
    projects a group names, must be in the same document or already loaded (checked when
    loading)."""
    top = _object(document, "the catalog", TOP_LEVEL)
    catalog = Catalog(
        pipelines=_list(top.get("pipelines"), "pipelines", _pipeline),
        environments=_list(top.get("environments"), "environments", _environment),
        projects=_list(top.get("projects"), "projects", _project),
        cms_instances=_list(top.get("cmsInstances"), "cmsInstances", _cms),
    )
    _unique([p.id for p in catalog.pipelines], "pipelines", "id")
    _unique([e.id for e in catalog.environments], "environments", "id")
    _unique([p.id for p in catalog.projects], "projects", "id")
    _unique([c.id for c in catalog.cms_instances], "cmsInstances", "id")
    _unique_streams(catalog.projects)
    _unique_names(catalog.pipelines)
    return catalog


def _unique_streams(projects: tuple[Project, ...]) -> None:
    """A stream id once in the file, the second one named at its place."""
    seen: dict[int, int] = {}
    for index, project in enumerate(projects):
        for position, stream in enumerate(project.streams):
            where = f"projects[{index}].streams[{position}].id"
            if stream.id in seen:
                raise Invalid(
                    f"{where}: stream id '{stream.id}' is already a stream of project "
                    f"{seen[stream.id]}",
                    where,
                )
            seen[stream.id] = project.id


def _unique_names(pipelines: tuple[Pipeline, ...]) -> None:
    """A release names its pipeline by name too: two pipelines of a portal cannot share one,
    in any case."""
    seen: dict[str, int] = {}
    for index, pipeline in enumerate(pipelines):
        key = pipeline.name.casefold()
        if key in seen:
            where = f"pipelines[{index}].name"
            raise Invalid(
                f"{where}: pipeline {seen[key]} is already named '{pipeline.name}' (names are "
                "unique in a portal, in any case)",
                where,
            )
        seen[key] = pipeline.id
