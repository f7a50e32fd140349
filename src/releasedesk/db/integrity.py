"""Constraint violations a client can cause, raised as the core's errors instead of a 500.

The one place that knows what each unique index guards: the models declare it with the
index (`db.base.unique_index(…, field=, says=)`), and a violation of it becomes
`NotUnique(says, field)` at the statement that hit it, so a several-ids request's savepoint
undoes just that id and a request's transaction rolls back whole. The checks the services
make before writing stay (they give the friendlier message); the database settles races.

Foreign-key violations (what a request refers to was deleted under it) become `Invalid`;
PostgreSQL deadlocks and serialization failures, and SQLite's "database is locked" once its
busy timeout ran out behind another long write, become `Conflict` (the client may try
again). Anything else (NOT NULL, CHECK) is a bug of ours and stays a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Index, UniqueConstraint, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

from releasedesk.core.errors import Conflict, Invalid, NotUnique, ReleaseDeskError
from releasedesk.db import models as _models  # noqa: F401  (every table on Base.metadata)
from releasedesk.db.base import Base

PG_UNIQUE, PG_FOREIGN_KEY = "23505", "23503"
PG_RETRY = {"40P01", "40001"}  # deadlock detected, serialization failure
SQLITE_UNIQUE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
SQLITE_FOREIGN_KEY = "SQLITE_CONSTRAINT_FOREIGNKEY"
SQLITE_BUSY = {"SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_BUSY_TIMEOUT", "SQLITE_LOCKED"}

# SQLite names an expression index ("index 'ux_…'") or lists the columns ("t.a, t.b").
_SQLITE_INDEX = re.compile(r"UNIQUE constraint failed: index '([^']+)'")
_SQLITE_COLUMNS = re.compile(r"UNIQUE constraint failed: (.+)$")
_PG_CONSTRAINT = re.compile(r'constraint "([^"]+)"')


@dataclass(frozen=True)
class UniqueRule:
    """What a unique index or constraint guards: the field at fault and what to say."""

    field: str
    says: str


@dataclass(frozen=True)
class UniqueRules:
    by_name: dict[str, UniqueRule]
    by_columns: dict[tuple[str, tuple[str, ...]], str]  # (table, columns) → name


@cache
def unique_rules() -> UniqueRules:
    """Every unique index and constraint of the models, by name and by plain columns."""
    by_name: dict[str, UniqueRule] = {}
    by_columns: dict[tuple[str, tuple[str, ...]], str] = {}
    for table in Base.metadata.tables.values():
        uniques: list[Index | UniqueConstraint] = [i for i in table.indexes if i.unique]
        uniques += [c for c in table.constraints if isinstance(c, UniqueConstraint)]
        for unique in uniques:
            columns = tuple(column.name for column in unique.columns)
            name = str(unique.name)
            by_name[name] = _rule(unique, columns)
            by_columns[(table.name, columns)] = name
    return UniqueRules(by_name, by_columns)


def _rule(unique: Index | UniqueConstraint, columns: tuple[str, ...]) -> UniqueRule:
    if "field" in unique.info:
        return UniqueRule(unique.info["field"], unique.info["says"])
    field = columns[-1] if columns else "id"  # a plain unique column: uuid, key hash, …
    return UniqueRule(field, f"that {field} is already taken")


def domain_error(error: BaseException) -> ReleaseDeskError | None:
    """The core error a driver's exception stands for, or None to let it through."""
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate is not None:
        return _postgresql(error, str(sqlstate))
    errorname = getattr(error, "sqlite_errorname", None)
    if errorname is not None:
        return _sqlite(error, str(errorname))
    return None


def _postgresql(error: BaseException, sqlstate: str) -> ReleaseDeskError | None:
    if sqlstate == PG_UNIQUE:
        name = getattr(error.__cause__, "constraint_name", None)
        if name is None:
            found = _PG_CONSTRAINT.search(str(error))
            name = found.group(1) if found else None
        return not_unique(name)
    if sqlstate == PG_FOREIGN_KEY:
        return _gone()
    if sqlstate in PG_RETRY:
        return Conflict("Another request changed the same records at the same time; try again")
    return None


def _sqlite(error: BaseException, errorname: str) -> ReleaseDeskError | None:
    if errorname in SQLITE_UNIQUE:
        message = str(error)
        if found := _SQLITE_INDEX.search(message):
            return not_unique(found.group(1))
        if found := _SQLITE_COLUMNS.search(message):
            parts = [part.strip().split(".", 1) for part in found.group(1).split(",")]
            key = (parts[0][0], tuple(part[-1] for part in parts))
            return not_unique(unique_rules().by_columns.get(key))
        return not_unique(None)
    if errorname == SQLITE_FOREIGN_KEY:
        return _gone()
    if errorname in SQLITE_BUSY:
        return Conflict("The database is busy with another write; try again")
    return None


def not_unique(name: str | None) -> NotUnique:
    """The violation of the unique index or constraint `name` (None: one we cannot tell)."""
    rule = unique_rules().by_name.get(name or "")
    if rule is None:
        return NotUnique("A record with these values already exists")
    return NotUnique(rule.says[:1].upper() + rule.says[1:], rule.field)


def _gone() -> Invalid:
    return Invalid("Something this request refers to does not exist (or was just deleted)")


def _on_error(context: ExceptionContext) -> ReleaseDeskError | None:
    """SQLAlchemy raises what a handle_error listener returns in place of its own error."""
    return domain_error(context.original_exception)


def install(engine: AsyncEngine) -> None:
    """Translate constraint violations on every connection of `engine`."""
    event.listen(engine.sync_engine, "handle_error", _on_error)
