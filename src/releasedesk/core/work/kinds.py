"""The kinds of records that hang off a release (tasks, worklogs, notes, reminders): their
fields and rules, so one service serves them all."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

from releasedesk.db.base import Base
from releasedesk.db.models import ReleaseNote, ReleaseReminder, ReleaseTask, ReleaseWorklog

ChildRow: TypeAlias = ReleaseTask | ReleaseWorklog | ReleaseNote | ReleaseReminder


class FieldType(StrEnum):
    LINE = "line"  # one line of plain text
    HTML = "html"  # sanitized HTML
    DATETIME = "datetime"
    BOOL = "bool"
    PERCENT = "percent"  # 0..100
    STAFF = "staff"  # a technician or admin of the portal
    CHOICE = "choice"
    MINUTES = "minutes"  # a duration, stored in minutes


@dataclass(frozen=True)
class ChildField:
    name: str
    type: FieldType
    column: str = ""
    mandatory: bool = False
    choices: tuple[str, ...] = ()
    default: str | bool | None = None

    @property
    def attribute(self) -> str:
        return self.column or self.name


@dataclass(frozen=True)
class ChildKind:
    name: str  # task
    plural: str  # tasks
    label: str  # Task
    model: type[Base]
    fields: tuple[ChildField, ...]
    closed_choices: tuple[str, ...] = ()
    # Pairs (start, end) whose end may not come before the start.
    ordered_times: tuple[tuple[str, str], ...] = ()
    # A flag a record must have for requesters to see it at all (notes: show_to_requester).
    requester_flag: str | None = None

    def field(self, name: str) -> ChildField | None:
        return next((f for f in self.fields if f.name == name), None)


TASK_STATUSES = ("Open", "In Progress", "On Hold", "Resolved", "Closed")

TASK = ChildKind(
    name="task",
    plural="tasks",
    label="Task",
    model=ReleaseTask,
    fields=(
        ChildField("title", FieldType.LINE, mandatory=True),
        ChildField("description", FieldType.HTML),
        ChildField("status", FieldType.CHOICE, choices=TASK_STATUSES, default="Open"),
        ChildField("owner", FieldType.STAFF, column="owner_id"),
        ChildField("scheduled_start_time", FieldType.DATETIME),
        ChildField("scheduled_end_time", FieldType.DATETIME),
        ChildField("actual_start_time", FieldType.DATETIME),
        ChildField("actual_end_time", FieldType.DATETIME),
        ChildField("percentage_completion", FieldType.PERCENT),
    ),
    closed_choices=("Resolved", "Closed"),
    ordered_times=(
        ("scheduled_start_time", "scheduled_end_time"),
        ("actual_start_time", "actual_end_time"),
    ),
)
WORKLOG = ChildKind(
    name="worklog",
    plural="worklogs",
    label="Worklog",
    model=ReleaseWorklog,
    fields=(
        ChildField("owner", FieldType.STAFF, column="owner_id"),
        ChildField("description", FieldType.HTML),
        ChildField("start_time", FieldType.DATETIME),
        ChildField("end_time", FieldType.DATETIME),
        ChildField("time_spent", FieldType.MINUTES, column="time_spent_minutes"),
    ),
    ordered_times=(("start_time", "end_time"),),
)
NOTE = ChildKind(
    name="note",
    plural="notes",
    label="Note",
    model=ReleaseNote,
    fields=(
        ChildField("description", FieldType.HTML, mandatory=True),
        ChildField("show_to_requester", FieldType.BOOL, default=False),
        ChildField("notify_technician", FieldType.BOOL, default=False),
    ),
    requester_flag="show_to_requester",
)
REMINDER = ChildKind(
    name="reminder",
    plural="reminders",
    label="Reminder",
    model=ReleaseReminder,
    fields=(
        ChildField("summary", FieldType.LINE, mandatory=True),
        ChildField("description", FieldType.HTML),
        ChildField("time", FieldType.DATETIME, mandatory=True),
        ChildField("status", FieldType.CHOICE, choices=("Open", "Completed"), default="Open"),
    ),
)

CHILD_KINDS: dict[str, ChildKind] = {k.plural: k for k in (TASK, WORKLOG, NOTE, REMINDER)}


class AssociationKind(StrEnum):
    """What a release can be linked to that lives in another system, by its id there."""

    CHANGE = "change"
    PROJECT = "project"


ASSOCIATION_KINDS = {f"{kind}s": kind for kind in AssociationKind}  # by the plural a path uses
