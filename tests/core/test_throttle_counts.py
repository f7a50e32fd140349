"""The throttling stores: a hit is atomic (concurrent hits each get their own count, none
lost), a window that has passed starts again on the same row or key, and the database's
rows long past are deleted; the settings come from the environment."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from releasedesk.core.throttle.counts import Count, Store, login_bucket
from releasedesk.core.throttle.redis_store import RedisStore
from releasedesk.core.throttle.repository import DatabaseStore
from releasedesk.db.models import ThrottleCounter
from releasedesk.db.session import Database
from releasedesk.settings import ThrottleSettings

REDIS_URL = "redis://127.0.0.1:6379/0"
Run = Callable[..., Any]


@pytest.fixture
def database(client: TestClient) -> Database:
    return client.app.state.database  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def redis_store(run: Run) -> Iterator[RedisStore]:
    redis = pytest.importorskip("redis")
    probe = redis.Redis.from_url(REDIS_URL)
    try:
        probe.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"releasedesk-test-{uuid.uuid4().hex[:8]}:"
    store = RedisStore(REDIS_URL, prefix)
    try:
        yield store
    finally:
        run(store.close)
        keys = list(probe.scan_iter(match=f"{prefix}*"))
        if keys:
            probe.delete(*keys)
        probe.close()


async def _hit(database: Database, store: Store, bucket: str, window: float, now: float) -> Count:
    async with database.unit_of_work() as session:
        return await store.hit(session, bucket, window, now)


async def _read(database: Database, store: Store, bucket: str, now: float) -> Count | None:
    async with database.unit_of_work(writes=False) as session:
        [count] = await store.read(session, [bucket], now)
        return count


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_concurrent_hits_each_get_their_own_count(
    run: Run, database: Database, backend: str, request: pytest.FixtureRequest
) -> None:
    store: Store = (
        DatabaseStore() if backend == "database" else request.getfixturevalue("redis_store")
    )
    bucket = f"test:{uuid.uuid4().hex}"
    now = time.time()

    async def many() -> list[Count]:
        return await asyncio.gather(*(_hit(database, store, bucket, 60, now) for _ in range(40)))

    counts: list[Count] = run(many)
    assert sorted(count.hits for count in counts) == list(range(1, 41))
    assert run(_read, database, store, bucket, now).hits == 40


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_a_window_that_has_passed_starts_again(
    run: Run, database: Database, backend: str, request: pytest.FixtureRequest
) -> None:
    bucket = f"test:{uuid.uuid4().hex}"
    if backend == "database":
        store: Store = DatabaseStore()
        now, window, later = 1_000_000.0, 60.0, 1_000_061.0
    else:  # Redis keeps its own time: a short window, waited out
        store = request.getfixturevalue("redis_store")
        now, window = time.time(), 0.3
    first = run(_hit, database, store, bucket, window, now)
    assert first.hits == 1 and first.resets_at == pytest.approx(now + window, abs=0.05)
    assert run(_hit, database, store, bucket, window, now).hits == 2
    if backend == "redis":
        time.sleep(0.4)
        later = time.time()
    assert run(_read, database, store, bucket, later) is None
    again = run(_hit, database, store, bucket, window, later)
    assert again.hits == 1 and again.resets_at == pytest.approx(later + window, abs=0.05)


def test_rows_whose_window_passed_are_purged(run: Run, database: Database) -> None:
    store = DatabaseStore()
    old, live = f"test:{uuid.uuid4().hex}", f"test:{uuid.uuid4().hex}"
    run(_hit, database, store, old, 10, 1_000.0)
    run(_hit, database, store, live, 10, time.time())

    async def purge_and_count() -> list[int]:
        async with database.unit_of_work() as session:
            await store.purge(session, before=time.time())
            left = await session.execute(
                select(ThrottleCounter.bucket, func.count())
                .where(ThrottleCounter.bucket.in_([old, live]))
                .group_by(ThrottleCounter.bucket)
            )
            return [1 if bucket == live else 0 for bucket, _ in left]

    assert run(purge_and_count) == [1]


def test_a_login_bucket_fits_any_login_and_ignores_case() -> None:
    long = "x" * 10_000
    assert len(login_bucket(7, long)) < 160
    assert login_bucket(7, " Ada ") == login_bucket(7, "ada")
    assert login_bucket(7, "ada") != login_bucket(8, "ada")


def test_the_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "RELEASEDESK_SIGN_IN_USER_LIMIT",
        "RELEASEDESK_SIGN_IN_ADDRESS_LIMIT",
        "RELEASEDESK_SIGN_IN_WINDOW_SECONDS",
        "RELEASEDESK_KEY_RATE_LIMIT",
        "RELEASEDESK_REDIS_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    assert ThrottleSettings.from_env() == ThrottleSettings(
        user_failures=10, address_failures=50, window_seconds=900, key_requests=0
    )
    monkeypatch.setenv("RELEASEDESK_SIGN_IN_USER_LIMIT", "5")
    monkeypatch.setenv("RELEASEDESK_SIGN_IN_WINDOW_SECONDS", "300")
    monkeypatch.setenv("RELEASEDESK_KEY_RATE_LIMIT", "600")
    monkeypatch.setenv("RELEASEDESK_REDIS_URL", "redis://cache:6379/2")
    read = ThrottleSettings.from_env()
    assert (read.user_failures, read.window_seconds, read.key_requests) == (5, 300, 600)
    assert read.redis_url == "redis://cache:6379/2"
    monkeypatch.setenv("RELEASEDESK_SIGN_IN_WINDOW_SECONDS", "0")
    with pytest.raises(ValueError, match="RELEASEDESK_SIGN_IN_WINDOW_SECONDS"):
        ThrottleSettings.from_env()
    monkeypatch.setenv("RELEASEDESK_SIGN_IN_WINDOW_SECONDS", "300")
    monkeypatch.setenv("RELEASEDESK_SIGN_IN_ADDRESS_LIMIT", "many")
    with pytest.raises(ValueError, match="RELEASEDESK_SIGN_IN_ADDRESS_LIMIT"):
        ThrottleSettings.from_env()
