"""One kind of cache for the process's hot paths: a bounded LRU with counters, owned by a
`Database` (its `caches`), never a module global.

Each `Lru` holds at most `size` entries and drops the least recently used one past that,
so a cache keyed by anything a client can vary stays bounded however many distinct keys
arrive (docs/architecture.md, "Caches"). Its `stats()` say how it does: hits, misses,
evictions and size. An `Lru` is not locked: every user runs on the event loop's thread,
except the auth cache, which takes its own lock around it.

`Caches` is the set a database owns: the named LRUs (`lru(name, size)`, made on first
use and the same object after) and one object per class for caches with rules of their
own (`own(cls, make)`: the auth cache). A session reaches its database's set with
`caches_of(session)`, through the engine's execution options, so no caller needs the
`Database` itself.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")

CACHES = "releasedesk_caches"  # the engine's execution option that carries its `Caches`


@dataclass(frozen=True, slots=True)
class CacheStats:
    size: int
    bound: int
    hits: int
    misses: int
    evictions: int


class Lru(Generic[K, V]):
    """At most `size` entries, the least recently used dropped first; `on_evict` hears of
    each entry dropped to make room (not of `pop` or `clear`)."""

    def __init__(self, size: int, on_evict: Callable[[K, V], None] | None = None) -> None:
        if size < 0:
            raise ValueError(f"a cache's size cannot be negative, not {size}")
        self.size = size
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        self._on_evict = on_evict
        self._entries: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def get(self, key: K) -> V | None:
        """The entry, now the most recently used; None (a miss) when absent."""
        entries = self._entries
        try:
            value = entries[key]
        except KeyError:
            self.misses += 1
            return None
        entries.move_to_end(key)
        self.hits += 1
        return value

    def peek(self, key: K) -> V | None:
        """The entry without counting a hit or renewing it."""
        return self._entries.get(key)

    def put(self, key: K, value: V) -> None:
        entries = self._entries
        entries[key] = value
        entries.move_to_end(key)
        while len(entries) > self.size:
            old_key, old_value = entries.popitem(last=False)
            self.evictions += 1
            if self._on_evict is not None:
                self._on_evict(old_key, old_value)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The entry for `key`, made by `make` and kept on a miss."""
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def pop(self, key: K) -> V | None:
        return self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def stats(self) -> CacheStats:
        return CacheStats(len(self._entries), self.size, self.hits, self.misses, self.evictions)


class Caches:
    """A database's caches: named LRUs and one object per class of cache with rules of its
    own. `default_size` bounds the named LRUs that name no size (`lru(name)`)."""

    def __init__(self, default_size: int = 256) -> None:
        self.default_size = default_size
        self._lrus: dict[str, Lru[Any, Any]] = {}
        self._owned: dict[type, object] = {}

    def lru(self, name: str, size: int | None = None) -> Lru[Any, Any]:
        """The LRU called `name`, made with `size` (else the default) on first use."""
        lru = self._lrus.get(name)
        if lru is None:
            lru = self._lrus[name] = Lru(self.default_size if size is None else size)
        return lru

    def own(self, kind: type[T], make: Callable[[], T]) -> T:
        """The one `kind` of this database, made by `make` on first use."""
        owned = self._owned.get(kind)
        if owned is None:
            owned = self._owned[kind] = make()
        return cast(T, owned)

    def adopt(self, owned: object) -> None:
        """Make `owned` this database's one of its class (the app's, built from settings)."""
        self._owned[type(owned)] = owned

    def stats(self) -> dict[str, CacheStats]:
        """Every named LRU's counters, by name."""
        return {name: lru.stats() for name, lru in sorted(self._lrus.items())}


def caches_of(where: AsyncSession | AsyncConnection) -> Caches:
    """The caches of the database a session or connection belongs to."""
    bind = where.get_bind() if isinstance(where, AsyncSession) else where.sync_connection
    caches = None if bind is None else bind.get_execution_options().get(CACHES)
    if not isinstance(caches, Caches):
        raise RuntimeError("this engine was not made by releasedesk.db.session.Database")
    return caches
