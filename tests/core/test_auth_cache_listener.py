"""The auth cache against the suite's database: a write evicts after its commit (not
before), a change made by another connection reaches a listening cache (PostgreSQL NOTIFY,
SQLite's data_version poll), a listener that reconnects clears its cache, and a lost
notification is bounded by the TTL. Each test that listens uses a cache and a listener of
its own, so the app's listener (which shares the process) cannot blur what it shows."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import asyncpg
import pytest
from sqlalchemy import text, update

from releasedesk.core.errors import Unauthenticated
from releasedesk.core.users import keys
from releasedesk.core.users import service as users
from releasedesk.core.users.cache import AuthCache, auth_cache
from releasedesk.core.users.secrets import hash_api_key
from releasedesk.db.auth_notify import PostgresListener, SqlitePoller, listener_for
from releasedesk.db.base import utcnow
from releasedesk.db.models import ApiKey
from tests.helpers import Desk

T = TypeVar("T")
HEARD_WITHIN_SECONDS = 5.0  # a generous deadline; the loops end as soon as it happens


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + HEARD_WITHIN_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"not within {HEARD_WITHIN_SECONDS} s: {what}"
        await asyncio.sleep(0.02)


async def issue(desk: Desk, user_name: str) -> tuple[str, int]:
    async with desk.database.unit_of_work() as session:
        user = await users.find_user(session, desk.portal_id, user_name)
        issued = await keys.issue_key(session, user=user)
        return issued.key, issued.view.id


async def behind_the_core(desk: Desk, key_id: int, **values: object) -> None:
    """Change a key's row with plain SQL: nothing in this process is told."""
    async with desk.database.unit_of_work() as session:
        await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(**values))


async def authenticate(desk: Desk, key: str, cache: AuthCache) -> None:
    async with desk.database.unit_of_work(writes=False) as session:
        await keys.authenticate_key(session, key, desk.portal, cache=cache)


@asynccontextmanager
async def listening(desk: Desk, cache: AuthCache) -> AsyncIterator[PostgresListener | SqlitePoller]:
    listener = listener_for(desk.database.url, cache)
    assert listener is not None
    await listener.start()
    try:
        await eventually(lambda: listener.connects >= 1, "the listener connected")
        yield listener
    finally:
        await listener.stop()


def on_loop(desk: Desk, fn: Callable[[], Awaitable[T]]) -> T:
    return desk.client.portal.call(fn)


def test_a_revoke_evicts_after_its_commit_so_a_read_before_it_is_not_kept(desk: Desk) -> None:
    """A request that reads the key while the revoke is flushed but not committed sees it
    unrevoked, and caches that. Only an eviction after the commit removes it."""

    async def scenario() -> None:
        key, key_id = await issue(desk, desk.technician.name)
        key_hash = hash_api_key(key)
        async with desk.database.unit_of_work() as revoking:
            await keys.revoke_key(revoking, str(key_id))
            auth_cache(desk.database.caches).evict_key(key_id)  # whatever was cached before, gone
            async with desk.database.unit_of_work(writes=False) as reader:
                seen = await keys.caller_of(reader, key_hash)  # the old row, cached again
            assert seen is not None and seen.key_id == key_id
        async with desk.database.unit_of_work(writes=False) as reader:
            assert await keys.caller_of(reader, key_hash) is None

    on_loop(desk, scenario)


def test_a_role_change_evicts_every_key_of_the_user_once_committed(desk: Desk) -> None:
    async def scenario() -> None:
        first, _ = await issue(desk, desk.requester.name)
        second, _ = await issue(desk, desk.requester.name)
        for key in (first, second):
            await authenticate(desk, key, auth_cache(desk.database.caches))
        async with desk.database.unit_of_work() as session:
            await users.set_role(session, desk.portal_id, desk.requester.name, "technician")
        for key in (first, second):
            async with desk.database.unit_of_work(writes=False) as session:
                actor = await keys.authenticate_key(session, key, desk.portal)
            assert actor.role.value == "technician"

    on_loop(desk, scenario)


def test_an_expiry_passing_while_cached_is_refused_at_that_instant(desk: Desk) -> None:
    """The cache holds the key's expiry, not a verdict: each request compares it with now."""

    async def scenario() -> None:
        expires = utcnow() + dt.timedelta(days=1)
        async with desk.database.unit_of_work() as session:
            user = await users.find_user(session, desk.portal_id, desk.requester.name)
            key = (await keys.issue_key(session, user=user, expires_time=expires)).key
        cache = AuthCache()
        for at, works in ((expires - dt.timedelta(microseconds=1), True), (expires, False)):
            async with desk.database.unit_of_work(writes=False) as session:
                if works:
                    await keys.authenticate_key(session, key, desk.portal, now=at, cache=cache)
                else:
                    with pytest.raises(Unauthenticated):
                        await keys.authenticate_key(session, key, desk.portal, now=at, cache=cache)
            assert cache.get(hash_api_key(key)) is not None  # decided from the cached value

    on_loop(desk, scenario)


def test_a_change_by_another_connection_reaches_a_listening_cache(desk: Desk) -> None:
    async def scenario() -> None:
        cache = AuthCache()
        key, key_id = await issue(desk, desk.technician.name)
        async with listening(desk, cache):
            await authenticate(desk, key, cache)
            assert cache.get(hash_api_key(key)) is not None
            await behind_the_core(desk, key_id, revoked_time=utcnow())
            await eventually(lambda: cache.get(hash_api_key(key)) is None, "evicted")
            with pytest.raises(Unauthenticated):
                await authenticate(desk, key, cache)

    on_loop(desk, scenario)


def test_a_lost_notification_is_bounded_by_the_ttl(desk: Desk) -> None:
    """The listener is disconnected when the key is revoked: the cache keeps accepting the
    key, until its entry is older than the TTL."""

    async def scenario() -> None:
        clock = Clock()
        cache = AuthCache(ttl=30, clock=clock)
        key, key_id = await issue(desk, desk.technician.name)
        async with listening(desk, cache):
            await authenticate(desk, key, cache)
        await behind_the_core(desk, key_id, revoked_time=utcnow())  # no one listening
        clock.now += 29.9
        await authenticate(desk, key, cache)  # stale, as a lost notification leaves it
        clock.now += 0.1
        with pytest.raises(Unauthenticated):
            await authenticate(desk, key, cache)

    on_loop(desk, scenario)


def test_a_last_used_write_alone_notifies_no_one(desk: Desk, backend_name: str) -> None:
    """Notifications arrive in commit order: once a later change is heard, an earlier one
    would have been. (SQLite's poll clears everything on any change, so there the trigger
    test below shows the same.)"""
    if backend_name != "postgresql":
        pytest.skip("SQLite has no per-row notifications")

    async def scenario() -> None:
        cache = AuthCache()
        touched, touched_id = await issue(desk, desk.technician.name)
        changed, changed_id = await issue(desk, desk.technician.name)
        async with listening(desk, cache):
            for key in (touched, changed):
                await authenticate(desk, key, cache)
            await behind_the_core(desk, touched_id, last_used_time=utcnow())
            await behind_the_core(desk, changed_id, expires_time=utcnow() + dt.timedelta(1))
            await eventually(lambda: cache.get(hash_api_key(changed)) is None, "heard")
            assert cache.get(hash_api_key(touched)) is not None

    on_loop(desk, scenario)


def changes(desk: Desk, key_id: int) -> list[tuple[str, str | None]]:
    """Statements, each with what it should notify (None: nothing)."""
    user_id = desk.requester.id
    return [
        (f"UPDATE api_keys SET last_used_time = '2030-01-01' WHERE id = {key_id}", None),
        (f"UPDATE api_keys SET expires_time = '2030-01-01' WHERE id = {key_id}", f"key:{key_id}"),
        (f"UPDATE api_keys SET revoked_time = '2030-01-01' WHERE id = {key_id}", f"key:{key_id}"),
        (f"UPDATE users SET name = name WHERE id = {user_id}", None),
        (f"UPDATE users SET phone = '555' WHERE id = {user_id}", None),
        (f"UPDATE users SET role = 'admin' WHERE id = {user_id}", f"user:{user_id}"),
        (f"UPDATE users SET is_active = false WHERE id = {user_id}", f"user:{user_id}"),
        (f"UPDATE users SET password_hash = 'x' WHERE id = {user_id}", f"user:{user_id}"),
        (f"DELETE FROM api_keys WHERE id = {key_id}", f"key:{key_id}"),
    ]


async def execute(desk: Desk, statement: str) -> None:
    async with desk.database.unit_of_work() as session:  # each its own transaction
        await session.execute(text(statement))


def test_every_change_a_caller_depends_on_notifies(desk: Desk, backend_name: str) -> None:
    """Straight from the triggers: what each statement sends on the channel (PostgreSQL),
    whether it moves the counter the workers poll (SQLite)."""

    async def on_postgresql(key_id: int) -> None:
        heard: asyncio.Queue[str] = asyncio.Queue()
        connection = await asyncpg.connect(desk.database.url)
        try:
            await connection.add_listener(
                "releasedesk_auth", lambda _c, _p, _ch, payload: heard.put_nowait(payload)
            )
            for statement, _ in changes(desk, key_id):
                await execute(desk, statement)
            expected = [payload for _, payload in changes(desk, key_id) if payload]
            got = [await asyncio.wait_for(heard.get(), HEARD_WITHIN_SECONDS) for _ in expected]
            assert got == expected  # in commit order, and nothing for the others
        finally:
            await connection.close()

    async def on_sqlite(key_id: int) -> None:
        async def version() -> int:
            async with desk.database.unit_of_work(writes=False) as session:
                found = await session.execute(text("SELECT version FROM auth_version"))
                return int(found.scalar_one())

        moved, expected = [], []
        for statement, payload in changes(desk, key_id):
            before = await version()
            await execute(desk, statement)
            moved.append((statement, await version() != before))
            expected.append((statement, payload is not None))
        assert moved == expected

    async def scenario() -> None:
        _, key_id = await issue(desk, desk.requester.name)
        if backend_name == "postgresql":
            await on_postgresql(key_id)
        else:
            await on_sqlite(key_id)

    on_loop(desk, scenario)


def test_a_listener_that_reconnects_clears_its_cache(desk: Desk, backend_name: str) -> None:
    """What was sent while it was away is lost, so it forgets everything when it is back."""
    if backend_name != "postgresql":
        pytest.skip("the SQLite poll has no connection to lose")

    async def scenario() -> None:
        cache = AuthCache()
        key, _ = await issue(desk, desk.technician.name)
        async with listening(desk, cache) as listener:
            assert isinstance(listener, PostgresListener)
            await authenticate(desk, key, cache)
            assert cache.get(hash_api_key(key)) is not None and cache.clears == 1
            async with desk.database.unit_of_work() as session:
                await session.execute(
                    text("SELECT pg_terminate_backend(:pid)"), {"pid": listener.backend_pid}
                )
            await eventually(lambda: listener.connects == 2, "reconnected")
            assert cache.get(hash_api_key(key)) is None and cache.clears == 2

    on_loop(desk, scenario)
