"""The deployment catalog as the rules and the dialects read it: plain slotted dataclasses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PropertyDefinition:
    name: str
    required: bool


@dataclass(frozen=True, slots=True)
class ProjectGroup:
    name: str
    project_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Pipeline:
    id: int
    name: str
    properties: tuple[PropertyDefinition, ...] = ()
    groups: tuple[ProjectGroup, ...] = ()

    def property(self, name: str) -> PropertyDefinition | None:
        return next((p for p in self.properties if p.name == name), None)

    def groups_of(self, project_id: int) -> tuple[str, ...]:
        """The names of this pipeline's project groups the project is in."""
        return tuple(g.name for g in self.groups if project_id in g.project_ids)


@dataclass(frozen=True, slots=True)
class Environment:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class CmsInstance:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Stream:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Project:
    id: int
    name: str
    application_path: str | None
    partial_deployment: bool
    streams: tuple[Stream, ...] = ()
    build_environment_ids: tuple[int, ...] = ()

    def has_stream(self, stream_id: int) -> bool:
        return any(s.id == stream_id for s in self.streams)


@dataclass(frozen=True, slots=True)
class Catalog:
    """A whole catalog, as a file gives it (ids are the catalog's own)."""

    pipelines: tuple[Pipeline, ...] = ()
    environments: tuple[Environment, ...] = ()
    projects: tuple[Project, ...] = ()
    cms_instances: tuple[CmsInstance, ...] = ()
