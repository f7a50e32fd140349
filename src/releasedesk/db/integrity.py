"""Constraint violations a client can cause, raised as the domain's errors instead of a 500.

The one place that knows what each unique index guards: the models declare it with the
index (`db.base.unique_index(…, field=, says=)`), and a violation of it is described as a
`Duplicate(says, field)` at the statement that hit it, so a several-ids request's savepoint
undoes just that id and a request's transaction rolls back whole. The checks the services
make before writing stay (they give the friendlier message); the database settles races.

Foreign-key violations (what a request refers to was deleted under it) are a
`MissingReference`; PostgreSQL deadlocks and serialization failures, and SQLite's "database
is locked" once its busy timeout ran out behind another long write, a `Contention` (the
client may try again). Anything else (NOT NULL, CHECK) is a bug of ours and stays a 500.

Storage knows no domain: these are its own exceptions, and the domain registers how it
wants them told (`translate_violations`, done by `core/violations.py` when the core is
imported); until then they are raised as they are. A statement run outside SQLAlchemy's
execution (on the driver itself, db/driver.py) passes no listener: to give the same error
it must raise `domain_error(…)` of what the driver raised.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Index, UniqueConstraint, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

from releasedesk.db import models as _models  # noqa: F401  (every table on Base.metadata)
from releasedesk.db.base import Base


class ConstraintViolation(Exception):
    """A statement the database refused for a reason a client can cause; `message` says it
    in words a client may read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Duplicate(ConstraintViolation):
    """A unique index or constraint violated; `field` is the field it guards (None: an
    index we cannot tell)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class MissingReference(ConstraintViolation):
    """A foreign key to a row that does not exist (or was just deleted)."""


class Contention(ConstraintViolation):
    """Another transaction was in the way (a deadlock, a serialization failure, a write
    lock held past the busy timeout): trying again may succeed."""


Violation = Duplicate | MissingReference | Contention
"""Every violation there is: a translation matches on this union (exhaustively)."""
Translate = Callable[[Violation], Exception]


def _as_is(violation: Violation) -> Exception:
    return violation


_translation: list[Translate] = [_as_is]


def translate_violations(translate: Translate) -> None:
    """From now on raise `translate(violation)` in place of each violation, on every engine:
    how the domain gets its own errors without storage importing it."""
    _translation[:] = [translate]


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


def violation_of(error: BaseException) -> Violation | None:
    """The violation a driver's exception stands for, or None to let it through."""
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate is not None:
        return _postgresql(error, str(sqlstate))
    errorname = getattr(error, "sqlite_errorname", None)
    if errorname is not None:
        return _sqlite(error, str(errorname))
    return None


def domain_error(error: BaseException) -> Exception | None:
    """What to raise in place of a driver's exception: its violation as the domain tells it
    (`translate_violations`), or None to let the driver's exception through."""
    violation = violation_of(error)
    return None if violation is None else _translation[0](violation)


def _postgresql(error: BaseException, sqlstate: str) -> Violation | None:
    if sqlstate == PG_UNIQUE:
        # asyncpg's own error names it; SQLAlchemy's adapted error wraps that one.
        name = getattr(error, "constraint_name", None) or getattr(
            error.__cause__, "constraint_name", None
        )
        if name is None:
            found = _PG_CONSTRAINT.search(str(error))
            name = found.group(1) if found else None
        return duplicate(name)
    if sqlstate == PG_FOREIGN_KEY:
        return _gone()
    if sqlstate in PG_RETRY:
        return Contention("Another request changed the same records at the same time; try again")
    return None


def _sqlite(error: BaseException, errorname: str) -> Violation | None:
    if errorname in SQLITE_UNIQUE:
        message = str(error)
        if found := _SQLITE_INDEX.search(message):
            return duplicate(found.group(1))
        if found := _SQLITE_COLUMNS.search(message):
            parts = [part.strip().split(".", 1) for part in found.group(1).split(",")]
            key = (parts[0][0], tuple(part[-1] for part in parts))
            return duplicate(unique_rules().by_columns.get(key))
        return duplicate(None)
    if errorname == SQLITE_FOREIGN_KEY:
        return _gone()
    if errorname in SQLITE_BUSY:
        return Contention("The database is busy with another write; try again")
    return None


def duplicate(name: str | None) -> Duplicate:
    """The violation of the unique index or constraint `name` (None: one we cannot tell)."""
    rule = unique_rules().by_name.get(name or "")
    if rule is None:
        return Duplicate("A record with these values already exists")
    return Duplicate(rule.says[:1].upper() + rule.says[1:], rule.field)


def _gone() -> MissingReference:
    return MissingReference("Something this request refers to does not exist (or was just deleted)")


def _on_error(context: ExceptionContext) -> Exception | None:
    """SQLAlchemy raises what a handle_error listener returns in place of its own error."""
    return domain_error(context.original_exception)


def install(engine: AsyncEngine) -> None:
    """Translate constraint violations on every connection of `engine`."""
    event.listen(engine.sync_engine, "handle_error", _on_error)
