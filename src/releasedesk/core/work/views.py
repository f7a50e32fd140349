"""Tasks, worklogs, notes, reminders and associations as the core hands them to dialects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeAlias

from releasedesk.core.releases.views import Person
from releasedesk.core.work.kinds import ChildKind

ChildFieldValue: TypeAlias = str | int | bool | dt.datetime | dt.timedelta | Person | None


@dataclass(frozen=True, slots=True)
class Child:
    """One task, worklog, note or reminder; `values` holds each field of its kind."""

    id: int
    release_id: int
    kind: ChildKind
    values: dict[str, ChildFieldValue]
    created_by: Person | None
    created_time: dt.datetime


@dataclass(frozen=True, slots=True)
class Association:
    """A link to a change or a project held elsewhere, by that entity's id."""

    kind: str
    ref_id: str
    title: str | None
    created_by: Person | None
    created_time: dt.datetime


@dataclass(frozen=True, slots=True)
class ReleaseSummary:
    release_id: int
    tasks: int
    closed_tasks: int
    worklogs: int
    approvals: int
    changes: int
    projects: int
    reminders: int
