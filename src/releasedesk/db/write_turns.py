"""SQLite's writers in one process take turns on the event loop, in the order they came.

SQLite has one write lock per database file. A connection whose BEGIN IMMEDIATE finds it
taken is put to sleep by SQLite's busy handler, which polls with growing sleeps (up to
100 ms each) and serves nobody in order: with 16 writers at once some request lost the race
again and again, and POST's p99 in the bench was 2.3 s (PUT's 2.7 s) against a p50 of
20 ms. So a process's writers first queue here (an asyncio.Lock: first come, first served)
and begin only once the writer before them has ended its transaction; they wait on the
event loop, holding no pooled connection, and never meet the busy handler. Writers in other
processes (a CLI, a second worker) still meet `busy_timeout`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class WriteTurns:
    """A first-come-first-served turn to write, per Database (one per event loop: a
    Database used by successive `asyncio.run`s gets a fresh lock in each)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None
        self.waited = 0  # how many turns had to wait for another writer (for tests, stats)

    def _lock_of(self, loop: asyncio.AbstractEventLoop) -> asyncio.Lock:
        if self._loop is not loop:
            self._loop, self._lock, self._holder = loop, asyncio.Lock(), None
        return self._lock

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for this task's turn, hold it for the block.

        A task asking again while it holds the turn would wait for itself forever (on
        SQLite's lock alone it failed after busy_timeout): refused at once instead.
        """
        lock = self._lock_of(asyncio.get_running_loop())
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            raise RuntimeError("a writing unit of work inside another would wait for itself")
        if lock.locked():
            self.waited += 1
        async with lock:
            self._holder = task
            try:
                yield
            finally:
                self._holder = None
