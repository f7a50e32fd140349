"""Hot reads on the driver itself: a prebuilt statement, compiled once per dialect, run on
the session's own connection without SQLAlchemy's execution pipeline.

A GET of one release spent more CPU in SQLAlchemy's ORM and Core execution (result
metadata, ORM loading, the greenlet bridge) than in asyncpg running the statement
(docs/performance.md). The statements the read repository builds once are fixed, so they
can be compiled once and handed to the driver: asyncpg's `fetch` (its prepared-statement
cache, raised past 15 KiB in db/engine.py, keeps the plan) or aiosqlite's
`execute_fetchall` (one hop to its thread instead of one per cursor call). Values come back
through the same result processors SQLAlchemy would apply, so the rows are the ones
`session.execute` gives. The statement runs on the session's connection, inside its
transaction (begun first if the adapter has not yet): a write that reads back what it wrote
sees it.

Two limits of the shortcut: result processors are taken without the driver's column type
code, so a statement run here must not select Numeric or Float columns (asyncpg's
processors for those need it); and asyncpg keeps named prepared statements per connection,
so a PostgreSQL pooler in transaction mode (pgbouncer) is not supported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    # (name, the statement's own value, its bind processor), in the order the SQL takes them
    parameters: tuple[tuple[str, object, Processor | None], ...]
    processors: tuple[Processor | None, ...]  # one per result column


# Keyed by identity: callers pass statements they built once and keep, and each entry keeps
# its statement alive so an id is never reused for another.
_COMPILED: dict[tuple[int, str], tuple[Select[Any], _Compiled]] = {}


def _compile(statement: Select[Any], dialect: Dialect) -> _Compiled:
    key = (id(statement), dialect.name)
    entry = _COMPILED.get(key)
    if entry is None:
        sql = statement.compile(dialect=dialect)
        parameters = tuple(
            (name, bind.value, bind.type.dialect_impl(dialect).bind_processor(dialect))
            for name, bind in ((name, sql.binds[name]) for name in sql.positiontup or ())
        )
        processors = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )
        entry = (statement, _Compiled(str(sql), parameters, processors))
        _COMPILED[key] = entry
    return entry[1]


async def fetch(
    session: AsyncSession, statement: Select[Any], parameters: Mapping[str, object]
) -> list[tuple[Any, ...]]:
    """The rows of a statement built once (module level or cached), as tuples processed
    the way SQLAlchemy would; its binds must not be expanding (use `= ANY(:ids)` or a JSON
    array). Other drivers than asyncpg and aiosqlite go through `session.execute`."""
    connection = await session.connection()
    dialect = connection.dialect
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg.Connection or aiosqlite.Connection
    if dialect.driver not in ("asyncpg", "aiosqlite"):
        return [tuple(row) for row in await session.execute(statement, dict(parameters))]
    compiled = _compile(statement, dialect)
    values = []
    for name, own, bind in compiled.parameters:
        value = parameters.get(name, own)
        values.append(value if bind is None or value is None else bind(value))
    if dialect.driver == "asyncpg":
        adapter: Any = raw.dbapi_connection  # SQLAlchemy's adapter around the asyncpg one
        if adapter._transaction is None:
            # The adapter sends BEGIN lazily, before the first statement *it* runs; a write's
            # unit of work must not see this read committed on its own, outside it. (A read
            # unit of work is autocommit: this starts nothing.)
            await adapter._start_transaction()
        rows: Sequence[Sequence[Any]] = await driver.fetch(compiled.sql, *values)
    else:
        rows = list(await driver.execute_fetchall(compiled.sql, values))
    processors = compiled.processors
    if not any(processors):
        return [tuple(row) for row in rows]
    return [
        tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(processors, row, strict=True)
        )
        for row in rows
    ]
