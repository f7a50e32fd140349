"""The one mapping from stored values to each read-model view (Person above all).

Every way a view is read ends here: a prebuilt statement's labelled columns read back from
a driver row (`Columns`), a JSON object built by the database (read_repository's parts),
and an ORM row (`person_of`, …). Each view's names are listed once below as view attribute
→ model column, so a renamed column or attribute changes one line, and no reader counts
positions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Label, Select

from releasedesk.core.reference.columns import NAMED_EXTRA
from releasedesk.core.releases.views import Person, ReleaseRole
from releasedesk.core.values import Named, Stage, Status
from releasedesk.db.models import Department, ReleaseStage, ReleaseStatus, User
from releasedesk.db.models import ReleaseRole as ReleaseRoleRow

# View attribute → model column. The core's names are neutral; the users table keeps the
# columns it was created with (SDP's words), and the dialects put their wire names back.
PERSON: Mapping[str, str] = {
    "id": "id",
    "name": "name",
    "email": "email_id",
    "phone": "phone",
    "mobile": "mobile",
    "is_vip": "is_vipuser",
    "role": "role",
}
NAMED: Mapping[str, str] = {"id": "id", "name": "name"}


def same(*names: str) -> dict[str, str]:
    """Names the view and the model share."""
    return {n: n for n in names}


STAGE = same("id", "name", "internal_name", "stage_index", "description")
STATUS = same("id", "name", "internal_name", "status_type", "stage_id")
ROLE = same("id", "name", "internal_name", "user_type", "prominent")


# --- views from values keyed by view attribute ---------------------------------------
# Booleans go through bool(): SQLite's JSON hands them over as 0 and 1.


def named(values: Mapping[str, Any] | None) -> Named | None:
    if values is None:
        return None
    return Named(
        id=values["id"],
        name=values["name"],
        color=values.get("color"),
        pre_approved=values.get("pre_approved"),
        parent_id=values.get("parent_id"),
    )


def person(values: Mapping[str, Any] | None, department: Named | None) -> Person | None:
    if values is None:
        return None
    return Person(
        id=values["id"],
        name=values["name"],
        email=values["email"],
        phone=values["phone"],
        mobile=values["mobile"],
        is_vip=bool(values["is_vip"]),
        role=values["role"],
        department=department,
    )


def stage(values: Mapping[str, Any] | None) -> Stage | None:
    return None if values is None else Stage(**{n: values[n] for n in STAGE})


def status(values: Mapping[str, Any] | None) -> Status | None:
    return None if values is None else Status(**{n: values[n] for n in STATUS})


def role(values: Mapping[str, Any]) -> ReleaseRole:
    return ReleaseRole(
        id=values["id"],
        name=values["name"],
        internal_name=values["internal_name"],
        user_type=values["user_type"],
        prominent=bool(values["prominent"]),
    )


# --- views from ORM rows ----------------------------------------------------------------


def _values(row: object, names: Mapping[str, str]) -> dict[str, Any]:
    return {attribute: getattr(row, column) for attribute, column in names.items()}


def person_of(user: User | None) -> Person | None:
    """A user row as a Person (its department must be loaded: it is a joined relationship)."""
    if user is None:
        return None
    department: Department | None = user.department
    return person(
        _values(user, PERSON), None if department is None else named(_values(department, NAMED))
    )


def stage_of(row: ReleaseStage) -> Stage:
    view = stage(_values(row, STAGE))
    assert view is not None
    return view


def status_of(row: ReleaseStatus) -> Status:
    view = status(_values(row, STATUS))
    assert view is not None
    return view


def role_of(row: ReleaseRoleRow) -> ReleaseRole:
    return role(_values(row, ROLE))


# --- views from a prebuilt statement's labelled columns ----------------------------------


class Columns:
    """One joined entity's columns in a statement, labelled `<prefix>__<attribute>`, and
    their values read back from a row of it.

    Where they sit in the row is found from the labels once the statement is built
    (`locate`): a row read as a tuple costs a fraction of a lookup by label per value, and
    nobody counts positions by hand."""

    def __init__(self, prefix: str, entity: Any, names: Mapping[str, str]) -> None:
        self.names = tuple(names)
        self.labels = tuple(f"{prefix}__{n}" for n in self.names)
        self.columns: list[Label[Any]] = [
            getattr(entity, names[n]).label(label)
            for n, label in zip(self.names, self.labels, strict=True)
        ]
        self.start = -1
        self.stop = -1

    def locate(self, statement: Select[Any]) -> None:
        """Where these columns are among `statement`'s (they are selected side by side)."""
        start = locate(statement, self.labels[0])
        stop = start + len(self.labels)
        assert tuple(statement.selected_columns.keys()[start:stop]) == self.labels
        self.start, self.stop = start, stop

    def values(self, row: Sequence[Any]) -> dict[str, Any] | None:
        """The values by view attribute; None when the joined row is missing (its id NULL)."""
        if row[self.start] is None:
            return None
        return dict(zip(self.names, row[self.start : self.stop], strict=True))


def named_columns(prefix: str, entity: Any) -> Columns:
    extra = [n for n in NAMED_EXTRA if hasattr(entity, n)]  # where the lookup's kind has them
    return Columns(prefix, entity, {**NAMED, **same(*extra)})


class PersonColumns:
    """A user and their department, joined under `prefix`."""

    def __init__(self, prefix: str, user: Any, department: Any) -> None:
        self.user = Columns(prefix, user, PERSON)
        self.department = Columns(f"{prefix}_dept", department, NAMED)
        self.columns = [*self.user.columns, *self.department.columns]

    def locate(self, statement: Select[Any]) -> None:
        self.user.locate(statement)
        self.department.locate(statement)

    def build(self, row: Sequence[Any]) -> Person | None:
        return person(self.user.values(row), named(self.department.values(row)))


def locate(statement: Select[Any], label: str) -> int:
    """The position of the column labelled `label` among `statement`'s."""
    return list(statement.selected_columns.keys()).index(label)
