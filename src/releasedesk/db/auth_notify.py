"""How a worker hears that another process changed a key or a user, so its auth cache
(core/users/cache.py) can drop what it holds.

PostgreSQL: triggers on `api_keys` and `users` (migration 0009) send
`pg_notify('releasedesk_auth', 'key:<id>' | 'user:<id>' | 'all')` on UPDATE, DELETE and
TRUNCATE (a key's `last used` alone notifies no one); PostgreSQL delivers them when the
change commits. Each worker holds one asyncpg connection of its own LISTENing, outside the
pool. Whenever it (re)connects it clears the cache, since what was sent while it was away
is lost; a connection that dies silently is found by a ping, and the cache's TTL bounds the
staleness meanwhile.

SQLite has no NOTIFY. The same triggers add one to `auth_version` (migration 0009), and a
connection of the poller's own reads it every `POLL_SECONDS`, clearing the cache when it
moved: nothing per request, one small read four times a second per worker, and a change
reaches every worker within a poll. (`PRAGMA data_version` would need no table, but it
moves on every commit of anything, so each worker would clear its cache after every write,
its own `last used` writes included.)

This module knows nothing of the cache but the three methods of `AuthChanges`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import aiosqlite
import asyncpg
from sqlalchemy.engine import make_url

CHANNEL = "releasedesk_auth"
APPLICATION_NAME = "releasedesk auth listener"
POLL_SECONDS = 0.1  # the half-second bound keeps its margin on a loaded machine
PING_SECONDS = 10.0
PING_TIMEOUT_SECONDS = 5.0
BACKOFF_FIRST_SECONDS = 0.1
BACKOFF_MAX_SECONDS = 5.0

log = logging.getLogger(__name__)


class AuthChanges(Protocol):
    """What the listener tells: one key changed, one user changed, or anything may have."""

    def evict_key(self, key_id: int) -> None: ...
    def evict_user(self, user_id: int) -> None: ...
    def clear(self) -> None: ...


def apply(payload: str, changes: AuthChanges) -> None:
    """Act on one notification; anything not understood clears everything."""
    kind, _, number = payload.partition(":")
    if number.isdigit() and kind == "key":
        changes.evict_key(int(number))
    elif number.isdigit() and kind == "user":
        changes.evict_user(int(number))
    else:
        changes.clear()


class Listener(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class _Background:
    """One task that runs until stopped, retrying with backoff when it fails."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self.connects = 0  # how many times it (re)connected, and so cleared the cache
        self.connected = asyncio.Event()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._forever(), name=type(self).__name__)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.connected.clear()

    async def _forever(self) -> None:
        delay = BACKOFF_FIRST_SECONDS
        while True:
            try:
                await self._session()
                delay = BACKOFF_FIRST_SECONDS  # it was connected: start the backoff over
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any failure: wait, then reconnect
                log.warning("%s: %s; again in %.1f s", type(self).__name__, error, delay)
            self.connected.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX_SECONDS)

    async def _session(self) -> None:
        """Connect, clear, listen until the connection is lost (return or raise)."""
        raise NotImplementedError


class PostgresListener(_Background):
    def __init__(self, url: str, changes: AuthChanges) -> None:
        super().__init__()
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._changes = changes
        self.backend_pid: int | None = None

    async def _session(self) -> None:
        connection = await asyncpg.connect(
            self._dsn, server_settings={"application_name": APPLICATION_NAME}
        )
        lost = asyncio.Event()
        try:
            connection.add_termination_listener(lambda _c: lost.set())
            await connection.add_listener(CHANNEL, self._notified)
            self._changes.clear()  # listening now; what came before is unknown
            self.backend_pid = connection.get_server_pid()
            self.connects += 1
            self.connected.set()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), PING_SECONDS)
                    break
                await connection.fetchval("SELECT 1", timeout=PING_TIMEOUT_SECONDS)
            log.warning("PostgresListener: the connection was closed")
        finally:
            self.backend_pid = None
            connection.terminate()

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        apply(payload, self._changes)


class SqlitePoller(_Background):
    def __init__(self, path: str, changes: AuthChanges) -> None:
        super().__init__()
        self._path = path
        self._changes = changes
        self.version: int | None = None  # the auth_version last acted on (tests wait for it)

    async def _session(self) -> None:
        async with aiosqlite.connect(self._path) as connection:
            self.version = await self._version(connection)
            self._changes.clear()
            self.connects += 1
            self.connected.set()
            while True:
                await asyncio.sleep(POLL_SECONDS)
                version = await self._version(connection)
                if version != self.version:
                    self._changes.clear()
                    self.version = version

    @staticmethod
    async def _version(connection: aiosqlite.Connection) -> int:
        async with connection.execute("SELECT version FROM auth_version") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])


def listener_for(url: str, changes: AuthChanges) -> PostgresListener | SqlitePoller | None:
    """The listener for this database; None for an in-memory SQLite (one process only)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return PostgresListener(url, changes)
    if parsed.database and parsed.database != ":memory:":
        return SqlitePoller(parsed.database, changes)
    return None
