"""Build the async engine for a RELEASEDESK_DATABASE_URL (SQLite file or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from releasedesk.db import sqlite_loop
from releasedesk.db.pool import ObservedPool
from releasedesk.settings import DatabaseSettings


def async_url(url: str) -> str:
    """Map the URL people write (sqlite:///…, postgresql://…) to its async driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


IMMEDIATE = "releasedesk_sqlite_immediate"
READ_ONLY = "releasedesk_read_only"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, say when a transaction begins (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """BEGIN IMMEDIATE for a writing unit of work, none for a read-only one, else BEGIN.

    A deferred transaction that reads and then writes fails at once with "database is
    locked" when another writer committed in between (busy_timeout cannot help it); taking
    the write lock up front makes concurrent writers queue instead.
    """
    options = connection.get_execution_options()
    if options.get(READ_ONLY, False):
        return  # reads run statement by statement, as PostgreSQL's autocommit reads do
    connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(IMMEDIATE, False) else "BEGIN")


def create_engine(url: str, pool: DatabaseSettings | None = None, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout on every connection,
    PostgreSQL the pool and timeouts of `pool` (settings.DatabaseSettings)."""
    if make_url(url).database not in (None, "", ":memory:"):
        kwargs.setdefault("poolclass", ObservedPool)  # counts who waits (metrics)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # orjson reads JSON columns on both databases, so they answer alike (values are
        # 64-bit at most: the dialects refuse larger numbers).
        if database and database != ":memory:" and not make_url(url).query:
            # Its short reads run on the loop's thread (db/sqlite_loop.py); a URL with
            # options (uri, timeout) keeps the driver's own connect, which reads them.
            kwargs.setdefault("async_creator", sqlite_loop.connect(database))
        engine = create_async_engine(async_url(url), json_deserializer=orjson.loads, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    pool = pool or DatabaseSettings()
    # A fixed pool, no overflow, by default: under load an overflow connection is opened
    # for one request and closed after it, and each new PostgreSQL backend loads its catalog
    # caches and plans every statement afresh (the release read joins twenty tables: ~13 ms
    # to plan cold). Measured under wrk -c32: 85 new backends in 8 s and 4.7 ms of database
    # CPU per GET with overflow 10, against 0.9 ms with none (docs/performance.md). Requests
    # beyond the pool wait for a connection instead.
    kwargs.setdefault("pool_size", pool.pool_size)
    kwargs.setdefault("max_overflow", pool.max_overflow)
    kwargs.setdefault("pool_pre_ping", pool.pool_pre_ping)
    connect_args: dict[str, Any] = {
        # asyncpg keeps prepared only statements under 15 KiB; the release read with its
        # roles, services and descriptive fields is larger, and re-preparing it per call
        # costs 4-5x.
        "max_cacheable_statement_size": 256 * 1024,
        "timeout": pool.connect_timeout_seconds,
    }
    if pool.statement_timeout_seconds > 0:
        milliseconds = max(1, round(pool.statement_timeout_seconds * 1000))
        connect_args["server_settings"] = {"statement_timeout": str(milliseconds)}
    connect_args.update(kwargs.pop("connect_args", {}))
    return create_async_engine(
        async_url(url), connect_args=connect_args, json_deserializer=orjson.loads, **kwargs
    )
