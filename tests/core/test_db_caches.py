"""db/cache.py: the bounded LRU every hot-path cache uses, and each database's own set."""

from __future__ import annotations

from functools import partial

import pytest

from releasedesk.db.cache import Caches, CacheStats, Lru, caches_of
from releasedesk.db.session import Database
from tests.helpers import Desk


def test_the_least_recently_used_entry_goes_first_and_is_counted() -> None:
    dropped: list[tuple[str, int]] = []
    lru: Lru[str, int] = Lru(2, on_evict=lambda key, value: dropped.append((key, value)))
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # now "b" is the oldest
    lru.put("c", 3)
    assert dropped == [("b", 2)]
    assert lru.get("b") is None
    assert lru.peek("c") == 3 and "a" in lru and len(lru) == 2
    assert lru.stats() == CacheStats(size=2, bound=2, hits=1, misses=1, evictions=1)


def test_get_or_make_makes_once_per_key_and_stays_within_its_bound() -> None:
    lru: Lru[int, str] = Lru(10)
    made: list[int] = []

    def make(key: int) -> str:
        made.append(key)
        return str(key)

    for key in [*range(100), *range(95, 100)]:
        assert lru.get_or_make(key, partial(make, key)) == str(key)
    assert made == list(range(100))  # the last five were hits
    assert len(lru) == 10 and lru.stats().evictions == 90 and lru.stats().hits == 5


def test_a_cache_of_size_zero_keeps_nothing() -> None:
    lru: Lru[str, int] = Lru(0)
    lru.put("a", 1)
    assert lru.get("a") is None and len(lru) == 0
    with pytest.raises(ValueError, match="negative"):
        Lru(-1)


def test_named_caches_and_owned_objects_are_one_per_database() -> None:
    caches = Caches(default_size=3)
    assert caches.lru("x") is caches.lru("x") and caches.lru("x").size == 3
    assert caches.lru("y", 7).size == 7
    assert caches.own(list, lambda: [1]) is caches.own(list, lambda: [2]) == [1]
    caches.adopt([3])
    assert caches.own(list, list) == [3]
    assert set(caches.stats()) == {"x", "y"}
    first, second = Database("sqlite://"), Database("sqlite://")
    assert first.caches is not second.caches


def test_a_session_reaches_its_own_databases_caches(desk: Desk) -> None:
    database = desk.database

    async def reach() -> tuple[Caches, Caches, Caches]:
        async with database.unit_of_work() as writing:
            during_write = caches_of(writing)
            connection = caches_of(await writing.connection())
        async with database.unit_of_work(writes=False) as reading:
            during_read = caches_of(reading)
        return during_write, connection, during_read

    assert all(found is database.caches for found in desk.client.portal.call(reach))
