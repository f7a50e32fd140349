"""The value types everything else names things with: a lookup value, a stage, a status.

At the bottom of the core (they import nothing of it), so the packages that hold, resolve or
show them (reference, lookups, workflow, releases) can all use them without importing one
another in a circle."""

from __future__ import annotations

from dataclasses import dataclass

CLOSURE_STAGE = "close"  # workflow.names.StageName.CLOSE: the stage a closed release is in


@dataclass(frozen=True, slots=True)
class Named:
    """A lookup value (priority, category, site, department, service, …) by id and name."""

    id: int
    name: str
    color: str | None = None
    pre_approved: bool | None = None
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class Stage:
    id: int
    name: str
    internal_name: str
    stage_index: int
    description: str | None

    @property
    def is_closure(self) -> bool:
        return self.internal_name == CLOSURE_STAGE


@dataclass(frozen=True, slots=True)
class Status:
    id: int
    name: str
    internal_name: str
    status_type: str
    stage_id: int
