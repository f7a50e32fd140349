"""Writes of a release and the rows hanging off it: a new release, a change of its columns
with its history and status comment, removal, and those rows' column values.

Core statements on the session's connection: no ORM row is loaded to write a few columns.
PostgreSQL and SQLite differ in one place, `_write`: PostgreSQL writes a release and its
rows in one statement (data-modifying CTEs), SQLite, which has no DML in CTEs, one
statement per table.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, Insert, Select, Table, Update, bindparam, insert, select, union_all
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from releasedesk.core.releases import read_repository, statement_cache
from releasedesk.core.releases.history import FieldChange, Operation, encode_changes
from releasedesk.core.releases.views import Release
from releasedesk.db.base import table_of
from releasedesk.db.models import Release as ReleaseRow
from releasedesk.db.models import (
    ReleaseDescriptiveField,
    ReleaseHistory,
    ReleaseRoleAssignment,
    ReleaseService,
    ReleaseStatusComment,
)

# The tables themselves, for Core statements run on the connection.
_RELEASES = table_of(ReleaseRow)
_DESCRIPTIVE = table_of(ReleaseDescriptiveField)
_SERVICES = table_of(ReleaseService)
_HOLDERS = table_of(ReleaseRoleAssignment)
_STATUS_COMMENTS = table_of(ReleaseStatusComment)
_HISTORY = table_of(ReleaseHistory)
_RELEASE = bindparam("release_id", type_=_RELEASES.c.id.type)

Rows = Sequence[Mapping[str, object]]
Children = Sequence[tuple[Table, Rows]]
_WriteShape = tuple[str, tuple[str, ...], tuple[tuple[str, int, tuple[str, ...]], ...]]


@dataclass(frozen=True, slots=True)
class NewRelease:
    """Every row a new release starts with, as column values (the release's `uuid` is
    drawn here when not given)."""

    release: dict[str, object]
    descriptive: list[dict[str, object]]
    services: Sequence[int]
    holders: Sequence[tuple[int, int]]
    status_comment: dict[str, object]
    history: dict[str, object]


def _rows_of(written: CTE, table: Table, count: int, keys: Sequence[str]) -> Insert:
    """INSERT … SELECT of `count` rows of `keys` (bound as `<table>_<n>_<key>`) under the id
    the `written` CTE returns (the release it inserted or updated)."""
    selects = [
        select(
            written.c.id,
            *(bindparam(f"{table.name}_{n}_{k}", type_=table.c[k].type) for k in keys),
        )
        for n in range(count)
    ]
    source = selects[0] if len(selects) == 1 else union_all(*selects)
    return insert(table).from_select(["release_id", *keys], source)


def _write_statement(
    cache: statement_cache.StatementCache,
    release: Insert | Update,
    release_keys: Sequence[str],
    children: Children,
) -> tuple[Select[Any], dict[str, object]]:
    """One PostgreSQL statement: `release` (an INSERT or an UPDATE of the release, its
    `release_keys` bound as `r_<key>`) RETURNING its id as a CTE, each child table's rows
    inserted under that id in a data-modifying CTE of its own (each runs to completion,
    read or not; foreign keys are checked at the statement's end). And its parameters.

    Built once per shape with every value bound (statement_cache.writes): building it
    cost more than sending it."""
    shape: _WriteShape = (
        "insert" if isinstance(release, Insert) else "update",
        tuple(release_keys),
        tuple(
            (table.name, len(rows), tuple(k for k in rows[0] if k != "release_id"))
            for table, rows in children
        ),
    )
    statement = cache.get(shape)
    if statement is None:
        bound = {k: bindparam(f"r_{k}", type_=_RELEASES.c[k].type) for k in release_keys}
        written = release.values(bound).returning(_RELEASES.c.id).cte("written_release")
        ctes = [
            _rows_of(written, table, count, keys).cte(f"new_{name}")
            for (name, count, keys), (table, _) in zip(shape[2], children, strict=True)
        ]
        statement = select(written.c.id).add_cte(*ctes)
        cache.put(shape, statement)
    parameters: dict[str, object] = {}
    for (name, _, keys), (_, rows) in zip(shape[2], children, strict=True):
        for n, row in enumerate(rows):
            for k in keys:
                parameters[f"{name}_{n}_{k}"] = row[k]
    return statement, parameters


async def _write(
    connection: AsyncConnection,
    values: Mapping[str, object],
    children: Children,
    release_id: int | None,
) -> int:
    """INSERT the release (`release_id` None) or UPDATE release `release_id` with
    `values`, and insert `children`'s rows under its id; the id.

    The one place the databases differ. PostgreSQL: one statement (`_write_statement`).
    SQLite: the release's statement, then one executemany per child table."""
    release: Insert | Update = (
        insert(_RELEASES)
        if release_id is None
        else sql_update(_RELEASES).where(_RELEASES.c.id == _RELEASE)
    )
    if connection.dialect.name == "postgresql" and children:
        cache = statement_cache.writes(connection)
        statement, parameters = _write_statement(cache, release, list(values), children)
        parameters.update({f"r_{k}": v for k, v in values.items()})
        parameters["release_id"] = release_id
        return int((await connection.execute(statement, parameters)).scalar_one())
    if release_id is None:
        inserted = insert(_RELEASES).values(**values).returning(_RELEASES.c.id)
        release_id = int((await connection.execute(inserted)).scalar_one())
    else:
        await connection.execute(release.values(**values), {"release_id": release_id})
    for table, rows in children:
        await connection.execute(insert(table), [{**r, "release_id": release_id} for r in rows])
    return release_id


async def insert_release(session: AsyncSession, new: NewRelease) -> int:
    """INSERT a new release and everything it starts with; its id."""
    children: list[tuple[Table, Rows]] = [
        (_DESCRIPTIVE, new.descriptive),
        (_SERVICES, [{"service_id": s} for s in new.services]),
        (_HOLDERS, [{"role_id": r, "user_id": u} for r, u in new.holders]),
        (_STATUS_COMMENTS, [new.status_comment]),
        (_HISTORY, [new.history]),
    ]
    release = {"uuid": uuid.uuid4(), **new.release}
    connection = await session.connection()
    return await _write(connection, release, [(t, rows) for t, rows in children if rows], None)


async def update_columns(
    session: AsyncSession, release_id: int, values: Mapping[str, object]
) -> None:
    """UPDATE the release's own columns (the caller holds its lock)."""
    await _write(await session.connection(), values, (), release_id)


async def update_and_record(
    session: AsyncSession,
    release_id: int,
    values: Mapping[str, object],
    history: Rows,
    status_comment: Mapping[str, object] | None,
) -> None:
    """UPDATE the release's columns (the caller holds its lock) and insert the history rows
    (in order: their ids order entries of the same time) and status comment of the change."""
    children: list[tuple[Table, Rows]] = []
    if history:
        children.append((_HISTORY, list(history)))
    if status_comment is not None:
        children.append((_STATUS_COMMENTS, [status_comment]))
    await _write(await session.connection(), values, children, release_id)


async def set_notes_present(session: AsyncSession, release_id: int, present: bool) -> None:
    """Through the ORM's execution, unlike the writes above: a release row its caller may
    have loaded in the session takes the new value too."""
    await session.execute(
        sql_update(ReleaseRow).where(ReleaseRow.id == release_id).values(notes_present=present)
    )


async def delete_by_id(session: AsyncSession, release_id: int) -> None:
    """Remove the row without loading it; every table hanging off it cascades in the
    database."""
    connection = await session.connection()
    await connection.execute(_RELEASES.delete().where(_RELEASES.c.id == release_id))


def status_comment_values(
    *,
    release_id: int | None,
    stage_id: int,
    status_id: int,
    comment: str | None,
    commented_by_id: int,
    commented_on: dt.datetime,
) -> dict[str, object]:
    """A status comment's columns (without `release_id` for a release not inserted yet)."""
    values: dict[str, object] = {
        "stage_id": stage_id,
        "status_id": status_id,
        "comment": comment,
        "commented_by_id": commented_by_id,
        "commented_on": commented_on,
    }
    return values if release_id is None else {"release_id": release_id, **values}


def history_values(
    *,
    release_id: int | None,
    actor_id: int | None,
    operation: Operation,
    subject: str | None,
    changes: Sequence[FieldChange],
    description: str | None,
    time: dt.datetime,
) -> dict[str, object]:
    """A history entry's columns (without `release_id` for a release not inserted yet)."""
    values: dict[str, object] = {
        "operation": operation.value,
        "subject": subject,
        "actor_id": actor_id,
        "time": time,
        "description": description,
        "diff": encode_changes(changes),
    }
    return values if release_id is None else {"release_id": release_id, **values}


async def insert_rows(
    session: AsyncSession, history: Rows, status_comment: Mapping[str, object] | None
) -> None:
    """History rows (in order) and a status comment, one executemany per table."""
    connection = await session.connection()
    if history:
        await connection.execute(insert(_HISTORY), list(history))
    if status_comment is not None:
        await connection.execute(insert(_STATUS_COMMENTS), [status_comment])


async def refresh(session: AsyncSession, release: ReleaseRow) -> Release:
    """After a write through the ORM row: the release as responses show it.

    The row is flushed and expired, so a later use in this session reloads it from the
    database rather than trusting relationships a write left behind; the answer is read
    back by the same statement as a GET (read_repository)."""
    await session.flush()
    release_id = release.id
    session.expire(release)
    view = await read_repository.load_one(session, release_id)
    assert view is not None  # the row was just written in this transaction
    return view


async def read_back(session: AsyncSession, release_id: int, entity: ReleaseRow | None) -> Release:
    """After a change: the release as a GET shows it, read by the GET's own statement
    (through `refresh` when the change went through the ORM row `entity`), so that a
    write's answer and the next GET's are built by one mapping and are the same bytes.
    (They were built from what was written, turning column names into view attributes,
    which saved this statement: tests/api/test_write_answer_equals_read.py.)"""
    if entity is not None:
        return await refresh(session, entity)
    view = await read_repository.load_one(session, release_id)
    assert view is not None  # the row was just written in this transaction
    return view
