"""A portal's stages and statuses as views: the workflow every release stands in (a release
view holds one of each; releases/views.py builds on these)."""

from __future__ import annotations

from dataclasses import dataclass

from releasedesk.core.workflow.names import StageName


@dataclass(frozen=True, slots=True)
class Stage:
    id: int
    name: str
    internal_name: str
    stage_index: int
    description: str | None

    @property
    def is_closure(self) -> bool:
        return self.internal_name == StageName.CLOSE


@dataclass(frozen=True, slots=True)
class Status:
    id: int
    name: str
    internal_name: str
    status_type: str
    stage_id: int
