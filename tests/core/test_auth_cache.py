"""The auth cache's own rules, with the clock in the test's hands: TTL, LRU bound, eviction
by key and by user, the generation that keeps a read begun before an eviction out, and what
a notification payload evicts."""

from __future__ import annotations

import datetime as dt

import pytest

from releasedesk.core.actors import Role
from releasedesk.core.users.cache import AuthCache
from releasedesk.core.users.views import KeyHolder
from releasedesk.db.auth_notify import apply


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def holder(key_id: int, user_id: int = 1, **changes: object) -> KeyHolder:
    values: dict[str, object] = {
        "key_id": key_id,
        "key_name": f"key {key_id}",
        "prefix": "rdk_00000000",
        "expires_time": None,
        "last_used_time": None,
        "user_id": user_id,
        "user_name": f"user {user_id}",
        "role": Role.TECHNICIAN,
        "user_active": True,
        "portal_id": 1,
        "portal_name": "itdesk",
        **changes,
    }
    return KeyHolder(**values)  # type: ignore[arg-type]


def cached(cache: AuthCache, key_hash: str, value: KeyHolder) -> None:
    assert cache.put(key_hash, value, cache.generation)


def test_an_entry_is_served_until_its_ttl_and_not_after() -> None:
    clock = Clock()
    cache = AuthCache(ttl=30, clock=clock)
    cached(cache, "h1", holder(1))
    clock.now += 29.999
    assert cache.get("h1") == holder(1)
    clock.now += 0.001
    assert cache.get("h1") is None
    assert len(cache) == 0  # an entry past its TTL is dropped, not kept


def test_the_least_recently_used_entry_goes_first_when_full() -> None:
    cache = AuthCache(max_entries=2, clock=Clock())
    cached(cache, "h1", holder(1))
    cached(cache, "h2", holder(2))
    assert cache.get("h1") is not None  # h2 is now the least recently used
    cached(cache, "h3", holder(3))
    assert [cache.get(h) is not None for h in ("h1", "h2", "h3")] == [True, False, True]
    cache.evict_key(2)  # its index entry went with it: evicting it again is harmless
    assert len(cache) == 2


def test_evicting_a_key_or_a_user_drops_theirs_only() -> None:
    cache = AuthCache(clock=Clock())
    cached(cache, "a1", holder(1, user_id=10))
    cached(cache, "a2", holder(2, user_id=10))
    cached(cache, "b3", holder(3, user_id=20))
    cache.evict_key(1)
    assert [cache.get(h) is not None for h in ("a1", "a2", "b3")] == [False, True, True]
    cache.evict_user(10)
    assert [cache.get(h) is not None for h in ("a1", "a2", "b3")] == [False, False, True]
    cache.evict_user(99)  # nobody cached: nothing happens
    assert cache.get("b3") is not None
    cache.clear()
    assert len(cache) == 0 and cache.clears == 1


def test_a_read_begun_before_an_eviction_is_not_kept() -> None:
    """The race eviction-after-commit leaves: a request read the row before the change
    committed, and stores it after the eviction. It must not be stored."""
    cache = AuthCache(clock=Clock())
    began = cache.generation
    cache.evict_key(1)  # the change commits and evicts while that read is in flight
    assert not cache.put("h1", holder(1), began)
    assert cache.get("h1") is None
    assert cache.put("h1", holder(1), cache.generation)  # a read begun after it is kept


def test_any_eviction_keeps_reads_in_flight_out() -> None:
    cache = AuthCache(clock=Clock())
    for evict in (lambda: cache.evict_user(5), cache.clear):
        began = cache.generation
        evict()
        assert not cache.put("h1", holder(1), began)


def test_a_touch_remembers_the_write_but_not_as_a_fresh_read() -> None:
    clock = Clock()
    cache = AuthCache(ttl=30, clock=clock)
    cached(cache, "h1", holder(1))
    clock.now += 20
    when = dt.datetime(2030, 5, 1, tzinfo=dt.UTC)
    cache.touched("h1", when)
    found = cache.get("h1")
    assert found is not None and found.last_used_time == when
    clock.now += 10
    assert cache.get("h1") is None  # 30 s after the read, whatever was touched
    cache.touched("h1", when)  # not cached: a touch does not bring it back
    assert len(cache) == 0


def test_a_zero_ttl_caches_nothing() -> None:
    cache = AuthCache(ttl=0, clock=Clock())
    assert not cache.put("h1", holder(1), cache.generation)
    assert cache.get("h1") is None


@pytest.mark.parametrize(
    ("payload", "left"),
    [
        ("key:1", ["a2", "b3"]),
        ("user:10", ["b3"]),
        ("user:20", ["a1", "a2"]),
        ("all", []),
        ("key:", []),  # not understood: everything goes
        ("something else", []),
    ],
)
def test_what_a_notification_evicts(payload: str, left: list[str]) -> None:
    cache = AuthCache(clock=Clock())
    cached(cache, "a1", holder(1, user_id=10))
    cached(cache, "a2", holder(2, user_id=10))
    cached(cache, "b3", holder(3, user_id=20))
    apply(payload, cache)
    assert [h for h in ("a1", "a2", "b3") if cache.get(h) is not None] == left
