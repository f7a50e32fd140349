"""The logical format: every table of the models as JSON lines, restorable into SQLite or
PostgreSQL whichever it came from.

Each table is one header line, `{"table": name, "columns": [...]}`, then one JSON array
per row in those columns' order, ordered by primary key; tables come parents first, so
rows load in the order they are read. Times are ISO 8601 with their offset, UUIDs text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from typing import IO, Any

import orjson
from sqlalchemy import Column, Integer, Table, Uuid, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from releasedesk.backup.errors import BackupRefused
from releasedesk.backup.schema import TRIGGER_KEPT, tables
from releasedesk.db.base import UtcDateTime

BATCH = 1000
Row = Sequence[Any]
Batch = tuple[Table, Sequence[Row]]  # rows in the table's column order


async def read_tables(connection: AsyncConnection) -> AsyncIterator[Batch]:
    """Every table's rows in batches, parents first, each table at least once (empty or not).
    Run it in a snapshot (REPEATABLE READ, or a SQLite read transaction) for a consistent set."""
    for table in tables():
        columns = list(table.columns)
        result = await connection.stream(select(*columns).order_by(*table.primary_key.columns))
        empty = True
        async for partition in result.partitions(BATCH):
            empty = False
            yield table, [tuple(row) for row in partition]
        if empty:
            yield table, []


async def write_lines(batches: AsyncIterator[Batch], out: IO[bytes]) -> dict[str, int]:
    """Write `batches` as the logical format to `out`; the rows per table."""
    counts: dict[str, int] = {}
    for_table: str | None = None
    async for table, rows in batches:
        if table.name != for_table:
            for_table = table.name
            counts[table.name] = 0
            header = {"table": table.name, "columns": [c.name for c in table.columns]}
            out.write(orjson.dumps(header) + b"\n")
        for row in rows:
            out.write(orjson.dumps(list(row), default=_encoded) + b"\n")
        counts[table.name] += len(rows)
    return counts


def _encoded(value: object) -> str:
    """What orjson does not write itself: asyncpg's own UUID class (a uuid.UUID, but not
    exactly one) as its text."""
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not stored in the logical format")


def read_lines(lines: Iterable[bytes]) -> Iterator[Batch]:
    """The batches a logical file holds, each row checked against the models' columns."""
    known = {table.name: table for table in tables()}
    table: Table | None = None
    order: list[int] = []
    batch: list[Row] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        value = orjson.loads(line)
        if isinstance(value, dict):
            if table is not None:
                yield table, batch
            table, order, batch = _header(value, known, number), [], []
            names = [str(name) for name in value["columns"]]
            order = [names.index(column.name) for column in table.columns]
            continue
        if table is None or not isinstance(value, list) or len(value) != len(order):
            raise BackupRefused(f"the logical export is damaged at line {number}")
        batch.append([value[index] for index in order])
        if len(batch) >= BATCH:
            yield table, batch
            batch = []
    if table is not None:
        yield table, batch


def _header(value: dict[str, Any], known: dict[str, Table], number: int) -> Table:
    table = known.get(str(value.get("table")))
    columns = value.get("columns")
    if table is None or not isinstance(columns, list):
        raise BackupRefused(f"line {number}: a table this schema does not have: {value!r}")
    if sorted(map(str, columns)) != sorted(c.name for c in table.columns):
        raise BackupRefused(f"line {number}: the columns of {table.name} differ from the schema's")
    return table


async def load(
    connection: AsyncConnection, batches: AsyncIterator[Batch] | Iterable[Batch]
) -> None:
    """Insert `batches` into the (empty) tables on `connection`, in the caller's transaction.

    The tables the database's triggers keep are written last, over what the triggers made
    of the rows inserted before them; PostgreSQL's id sequences then continue after the
    highest id restored (SQLite's rowids need nothing).
    """
    kept: list[Batch] = []
    async for table, rows in _each(batches):
        if table.name in TRIGGER_KEPT:
            kept.append((table, rows))
        elif rows:
            await _insert(connection, table, rows)
    for table in {table.name: table for table, _ in kept}.values():
        await connection.execute(table.delete())
    for table, rows in kept:
        if rows:
            await _insert(connection, table, rows)
    if connection.dialect.name == "postgresql":
        await _continue_sequences(connection)


async def clear(connection: AsyncConnection) -> None:
    """Delete every row of the models' tables, children first (restore --force)."""
    for table in reversed(tables()):
        await connection.execute(table.delete())


async def _each(batches: AsyncIterator[Batch] | Iterable[Batch]) -> AsyncIterator[Batch]:
    if isinstance(batches, AsyncIterator):
        async for batch in batches:
            yield batch
    else:
        for batch in batches:
            yield batch


async def _insert(connection: AsyncConnection, table: Table, rows: Sequence[Row]) -> None:
    decoders = [_decoder(column) for column in table.columns]
    names = [column.name for column in table.columns]
    values = [
        {name: decode(value) for name, decode, value in zip(names, decoders, row, strict=True)}
        for row in rows
    ]
    await connection.execute(table.insert(), values)


def _decoder(column: Column[Any]) -> Callable[[Any], Any]:
    """Turn a value as JSON holds it back into what the column takes (a value read from a
    database is already that, and passes through)."""
    if isinstance(column.type, UtcDateTime):
        return _time
    if isinstance(column.type, Uuid):
        return _uuid
    return _same


def _time(value: Any) -> Any:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _uuid(value: Any) -> Any:
    return uuid.UUID(value) if isinstance(value, str) else value


def _same(value: Any) -> Any:
    return value


def _integer(column: Column[Any]) -> bool:
    return isinstance(column.type, Integer)


async def _continue_sequences(connection: AsyncConnection) -> None:
    quote = connection.dialect.identifier_preparer.quote
    for table in tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].autoincrement is False or not _integer(keys[0]):
            continue
        name, key = quote(table.name), quote(keys[0].name)
        # No sequence (pg_get_serial_sequence gives NULL): setval(NULL, …) does nothing.
        await connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :key), "  # noqa: S608
                f"coalesce(max({key}), 0) + 1, false) FROM {name}"
            ),
            {"table": table.name, "key": keys[0].name},
        )
