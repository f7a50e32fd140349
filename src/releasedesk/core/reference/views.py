"""A portal's reference data as a process holds it: the workflow (stages, statuses,
templates) and each kind of lookup, with their names folded as the database folds them, so
that resolving a reference by id or name is a search in memory.

Names are matched as `same_text` matches them (db/text_search.py: the database's lower() on
both sides): the held names are folded by the database when loaded, and a text is folded
here only when it is ASCII (A-Z to a-z, as both databases fold ASCII); other texts return
None from `fold`, and the caller asks the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from releasedesk.core.values import Named, Stage, Status


def fold(text: str) -> str | None:
    """`text` as the database would fold it for a name match, when that is known here."""
    text = text.strip()
    return text.lower() if text.isascii() else None


@dataclass(frozen=True, slots=True)
class HeldStage:
    stage: Stage
    names: tuple[str, str]  # name and internal name, folded


@dataclass(frozen=True, slots=True)
class HeldStatus:
    status: Status
    names: tuple[str, str]


@dataclass(frozen=True, slots=True)
class HeldTemplate:
    id: int
    name: str  # folded
    is_default: bool


@dataclass(frozen=True)
class Workflow:
    """Stages in workflow order (stage_index, then id), statuses stage by stage (then by
    id), templates by id: the orders the repository's statements use; and the release role
    a new release's creator takes (the first with the requester's internal name)."""

    stages: Sequence[HeldStage]
    statuses: Sequence[HeldStatus]
    templates: Sequence[HeldTemplate]
    requester_role_id: int | None

    def stage(self, stage_id: int) -> Stage | None:
        return next((s.stage for s in self.stages if s.stage.id == stage_id), None)

    def stage_named(self, folded: str) -> Stage | None:
        return next((s.stage for s in self.stages if folded in s.names), None)

    def first_stage(self) -> Stage | None:
        return self.stages[0].stage if self.stages else None

    def status(self, status_id: int) -> Status | None:
        return next((s.status for s in self.statuses if s.status.id == status_id), None)

    def statuses_of(self, stage_id: int) -> list[Status]:
        return [s.status for s in self.statuses if s.status.stage_id == stage_id]

    def status_named(self, stage_id: int, folded: str) -> Status | None:
        return next(
            (
                s.status
                for s in self.statuses
                if s.status.stage_id == stage_id and folded in s.names
            ),
            None,
        )

    def default_template(self) -> int | None:
        return next((t.id for t in self.templates if t.is_default), None)

    def template(self, template_id: int) -> int | None:
        return next((t.id for t in self.templates if t.id == template_id), None)

    def templates_named(self, folded: str) -> list[int]:
        """Two at most: enough to tell the name is ambiguous."""
        return [t.id for t in self.templates if t.name == folded][:2]


@dataclass(frozen=True, slots=True)
class HeldValue:
    value: Named
    name: str  # folded


@dataclass(frozen=True)
class Lookups:
    """The values of one kind of lookup, by id."""

    values: Sequence[HeldValue]

    def all(self) -> list[Named]:
        return [held.value for held in self.values]

    def get(self, lookup_id: int) -> Named | None:
        return next((h.value for h in self.values if h.value.id == lookup_id), None)

    def named(self, folded: str, parent_id: int | None = None) -> list[Named]:
        """Two at most, as the repository's find_by_name."""
        found = [
            h.value
            for h in self.values
            if h.name == folded and (parent_id is None or h.value.parent_id == parent_id)
        ]
        return found[:2]
