"""SQLite's short reads on the event loop's thread instead of a hop to aiosqlite's.

aiosqlite runs every call on a thread of its own per connection: the call is queued, the
thread wakes, runs it, and hands the result back through the loop. A GET's statements take
10-100 µs in SQLite; the hops around them cost more, in CPU (35 against 7 µs per one-row
read, measured in-process) and above all in waiting: under wrk -c32 the one worker's loop
sat idle 40 % of the time while its requests' results queued behind the threads and the
GIL, and a first list page ran at 235 req/s. With its reads called on the loop's thread, the
same server ran the first page at 361 req/s and a GET at 577 against 457 (same machine,
2026-12-06; docs/performance.md).

So a connection made here (`connect`, given to SQLAlchemy as its `async_creator` for a
file URL without options) runs a call on the loop's own thread while `on_loop()` is in
force in the calling task, and on its thread otherwise. Only reads whose work an index
bounds turn it on: the statements built once (db/driver.fetch: a release by id, a page of
them, a history page, the reference version), a list's page of ids when its filter is
equality on indexed ids in an indexed order near the head of the list
(listing._is_bounded), and the close of a read's session. Everything else keeps the thread,
where SQLite runs beside the loop: a title search and its FTS probe (LIMIT bounds rows, not
work), any other filter, reports, and every write (its BEGIN IMMEDIATE may wait out another
process's lock, which must not stop the loop).

The sqlite3 connection is opened with check_same_thread=False, as it is used from two
threads, never at once: a session awaits each call before it makes the next. aiosqlite's
`_execute` is the one method overridden; aiosqlite is pinned to the minor version this was
written for (pyproject.toml), and tests/core/test_sqlite_loop.py checks both ways of running.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import aiosqlite

_ON_LOOP: ContextVar[bool] = ContextVar("releasedesk_sqlite_on_loop", default=False)


@contextmanager
def on_loop() -> Iterator[None]:
    """Calls this task makes on SQLite connections in the block run on the loop's thread."""
    token = _ON_LOOP.set(True)
    try:
        yield
    finally:
        _ON_LOOP.reset(token)


def is_on_loop() -> bool:
    return _ON_LOOP.get()


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the loop's thread inside `on_loop()`."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if _ON_LOOP.get() and self._running and self._connection is not None:
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)


def connect(database: str) -> Callable[[], Awaitable[LoopConnection]]:
    """The `async_creator` of an engine on the SQLite file `database`."""

    def open_file() -> sqlite3.Connection:
        return sqlite3.connect(database, check_same_thread=False)

    async def creator() -> LoopConnection:
        connection = LoopConnection(open_file, iter_chunk_size=64)
        await connection  # starts its thread and opens the file there
        return connection

    return creator
