"""Hot reads with the least of SQLAlchemy's execution pipeline: a prebuilt statement,
compiled once per database, run as its SQL on the session's own connection, through public
API only.

A GET of one release spent more CPU in SQLAlchemy's ORM and Core execution (result
metadata, ORM loading, statement cache lookups) than in the driver running the statement
(docs/performance.md). The statements the read repository builds once are fixed, so they
are compiled once (the database's `driver.compiled` LRU, db/cache.py, keyed by the
statement object itself) and run as plain SQL, inside the session's transaction, so a
write that reads back what it wrote sees it. Two ways, by what is left for SQLAlchemy to
do first (`_on_driver`):

- on the driver's own connection (`get_raw_connection().driver_connection`: asyncpg's
  `fetch`, aiosqlite's `execute_fetchall`, one hop to its thread) when nothing is: SQLite,
  whose BEGIN the session already sent (db/engine.py), and PostgreSQL's autocommit reads,
  which have no transaction. A driver error is translated by db/integrity.py as the
  engine's own listener does, so a constraint violation is the same core error as
  through the ORM.
- through `AsyncConnection.exec_driver_sql` otherwise: a PostgreSQL unit of work that
  writes (asyncpg's adapter sends BEGIN lazily, before the first statement it runs
  itself), or an engine with `echo`. The engine's events run as for any statement.

asyncpg keeps the SQL prepared: its own statement cache on the driver's path (raised past
15 KiB in db/engine.py), SQLAlchemy's adapter cache on the other. Both keep named prepared
statements per connection, so a PostgreSQL pooler in transaction mode (pgbouncer) is not
supported.

Values come back through the same result processors SQLAlchemy would apply, so the rows
are the ones `session.execute` gives (tests/core/test_driver_rows.py). One limit: result
processors are taken without the driver's column type code, so a statement run here must
not select Numeric or Float columns (asyncpg's processors for those need it).

Measured in-process (the best of 9 rounds of 400 GETs of a release, `time.process_time`,
the former shortcut on the adapter's private transaction state and this module
alternating in one process, three runs on a loaded machine; docs/performance.md): CPU per
GET 1.00-1.27 ms before and 1.05-1.21 ms now on SQLite, 1.03-2.23 ms before and 1.04-2.24 ms
now on PostgreSQL, each run within noise of the other; everything through
`exec_driver_sql` cost 1.35-1.52 ms (SQLite) and 2.05-2.50 ms (PostgreSQL) in the same
runs, about a quarter more, which is why only the paths that need it take it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from releasedesk.db import integrity, sqlite_loop
from releasedesk.db.cache import caches_of

Processor = Callable[[Any], Any]

COMPILED = "driver.compiled"  # the name of the LRU in the database's caches
COMPILED_SIZE = 256  # statements built once per shape: a few dozen in all


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    # (name, the statement's own value, its bind processor), in the order the SQL takes them
    parameters: tuple[tuple[str, object, Processor | None], ...]
    processors: tuple[Processor | None, ...]  # one per result column


def _compile(statement: Select[Any], dialect: Dialect) -> _Compiled:
    sql = statement.compile(dialect=dialect)
    parameters = tuple(
        (name, bind.value, bind.type.dialect_impl(dialect).bind_processor(dialect))
        for name, bind in ((name, sql.binds[name]) for name in sql.positiontup or ())
    )
    processors = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    return _Compiled(str(sql), parameters, processors)


async def fetch(
    session: AsyncSession,
    statement: Select[Any],
    parameters: Mapping[str, object],
    *,
    bounded: bool = True,
) -> list[tuple[Any, ...]]:
    """The rows of a statement built once (module level or cached), as tuples processed
    the way SQLAlchemy would; its binds must not be expanding (use `= ANY(:ids)` or a JSON
    array). `bounded`: an index bounds its work, so on SQLite it runs on the loop's thread
    (db/sqlite_loop.py); a statement whose work nothing bounds says False."""
    connection = await session.connection()
    compiled_cache = caches_of(connection).lru(COMPILED, COMPILED_SIZE)
    compiled: _Compiled | None = compiled_cache.get(statement)
    if compiled is None:
        compiled = _compile(statement, connection.dialect)
        compiled_cache.put(statement, compiled)
    values = []
    for name, own, bind in compiled.parameters:
        value = parameters.get(name, own)
        values.append(value if bind is None or value is None else bind(value))
    rows: Sequence[Sequence[Any]]
    if _on_driver(connection):
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg.Connection or aiosqlite.Connection
        try:
            if connection.dialect.name == "sqlite":
                with sqlite_loop.on_loop() if bounded else nullcontext():
                    rows = list(await driver.execute_fetchall(compiled.sql, values))
            else:
                rows = await driver.fetch(compiled.sql, *values)
        except Exception as error:
            domain = integrity.domain_error(error)
            if domain is None:
                raise
            raise domain from error
    else:
        rows = (await connection.exec_driver_sql(compiled.sql, tuple(values))).all()
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


def _on_driver(connection: AsyncConnection) -> bool:
    """Whether the statement may go to the driver's connection itself: when what SQLAlchemy
    would do first is already done. SQLite's transaction, if any, began with the session's
    (engine.py's `begin` listener sends BEGIN); PostgreSQL's autocommit reads have none to
    begin, but in a transaction asyncpg's adapter sends BEGIN only before the first statement
    it runs itself, so such a statement goes through `exec_driver_sql`. An engine that echoes
    goes through it too, to be logged."""
    if connection.engine.echo:
        return False
    if connection.dialect.name == "sqlite":
        return True
    options = (
        connection.sync_connection.get_execution_options() if connection.sync_connection else {}
    )
    return options.get("isolation_level") == "AUTOCOMMIT"
