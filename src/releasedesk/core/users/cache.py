"""Key hash → caller, held in the process so a request with a known key costs no query.

The rules (docs/architecture.md, "Auth cache"):

- An entry lives at most `ttl` seconds: whatever this process never hears of (a lost
  notification, a change made behind the core's back) is seen within the TTL.
- A write in this process that changes what a key stands for (revoke, deactivate, activate,
  set role, set password) evicts *after its transaction commits* (`evict_after_commit`):
  evicting earlier would let a concurrent request re-cache the row as it was.
- Other processes evict when db/auth_notify tells them (PostgreSQL NOTIFY; SQLite polls).
- Every eviction bumps a generation; a load stores its result only if no eviction happened
  since it began, so a read of the old row that finishes after the eviction is not kept.
- Only keys that work are cached (no negative entries), and expiry is not decided here: the
  cached `expires_time` is compared with the time of each request.

One cache per database handle (`Database.caches`, db/cache.py): the app's is made from the
settings' TTL by create_app; a session finds its own with `auth_cache_of`. Another handle
on the same database in the same process (the CLI run by a test) hears of changes as another
process does. A lock guards it because tests run the app's event loop on one thread and
direct calls on another. Its entries are an `Lru` of db/cache.py, whose counters `stats()`
gives.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from releasedesk.core.users.views import KeyHolder
from releasedesk.db.cache import Caches, CacheStats, Lru, caches_of

DEFAULT_TTL_SECONDS = 30.0  # the server sets its own (RELEASEDESK_AUTH_CACHE_SECONDS)
DEFAULT_MAX_ENTRIES = 10_000


@dataclass(slots=True)
class _Entry:
    holder: KeyHolder
    stored: float  # the cache's clock when loaded; a touch does not renew it


class AuthCache:
    """A bounded LRU of key hash → `KeyHolder` with a TTL, evictable by key id and user id."""

    def __init__(
        self,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self.clears = 0  # how often the whole cache was dropped (a listener (re)connecting)
        self._entries: Lru[str, _Entry] = Lru(max(max_entries, 0), on_evict=self._forget)
        self._by_key: dict[int, str] = {}
        self._by_user: dict[int, set[str]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def stats(self) -> CacheStats:
        return self._entries.stats()

    @property
    def generation(self) -> int:
        """Read before loading; hand to `put`, which keeps the load only if it is unchanged."""
        return self._generation

    def get(self, key_hash: str) -> KeyHolder | None:
        with self._lock:
            entry = self._entries.get(key_hash)
            if entry is None:
                return None
            if self.clock() - entry.stored >= self.ttl:
                self._drop(key_hash)
                return None
            return entry.holder

    def put(self, key_hash: str, holder: KeyHolder, generation: int) -> bool:
        """Keep `holder` unless something was evicted since `generation` was read."""
        with self._lock:
            if generation != self._generation or self.ttl <= 0 or self.max_entries <= 0:
                return False
            self._drop(key_hash)
            self._by_key[holder.key_id] = key_hash
            self._by_user.setdefault(holder.user_id, set()).add(key_hash)
            self._entries.put(key_hash, _Entry(holder, self.clock()))  # may evict the oldest
            return True

    def touched(self, key_hash: str, when: dt.datetime) -> None:
        """This process wrote the key's `last used`: remember it, so the next write waits a
        minute. The entry's age is kept: a touch is not a fresh read of the row."""
        with self._lock:
            entry = self._entries.peek(key_hash)
            if entry is not None:
                entry.holder = replace(entry.holder, last_used_time=when)

    def evict_key(self, key_id: int) -> None:
        with self._lock:
            self._generation += 1
            key_hash = self._by_key.get(key_id)
            if key_hash is not None:
                self._drop(key_hash)

    def discard(self, key_hash: str) -> None:
        """Forget one hash (a fresh read found its key no longer valid)."""
        with self._lock:
            self._generation += 1
            self._drop(key_hash)

    def evict_user(self, user_id: int) -> None:
        with self._lock:
            self._generation += 1
            for key_hash in list(self._by_user.get(user_id, ())):
                self._drop(key_hash)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self.clears += 1
            self._entries.clear()
            self._by_key.clear()
            self._by_user.clear()

    def _drop(self, key_hash: str) -> None:
        entry = self._entries.pop(key_hash)
        if entry is not None:
            self._forget(key_hash, entry)

    def _forget(self, key_hash: str, entry: _Entry) -> None:
        """Drop the indexes' references to an entry gone from `_entries`."""
        holder = entry.holder
        if self._by_key.get(holder.key_id) == key_hash:
            del self._by_key[holder.key_id]
        hashes = self._by_user.get(holder.user_id)
        if hashes is not None:
            hashes.discard(key_hash)
            if not hashes:
                del self._by_user[holder.user_id]


def auth_cache(caches: Caches) -> AuthCache:
    """The auth cache of the database owning `caches` (made with the default TTL unless the
    app adopted one made from its settings)."""
    return caches.own(AuthCache, AuthCache)


def auth_cache_of(session: AsyncSession) -> AuthCache:
    """The auth cache of the database `session` belongs to."""
    return auth_cache(caches_of(session))


@dataclass
class _Pending:
    cache: AuthCache
    key_ids: set[int] = field(default_factory=set)
    user_ids: set[int] = field(default_factory=set)


_PENDING = "releasedesk.auth_cache.pending"
_LISTENING = "releasedesk.auth_cache.listening"


def evict_after_commit(
    session: AsyncSession,
    *,
    key_id: int | None = None,
    user_id: int | None = None,
    cache: AuthCache | None = None,
) -> None:
    """Evict the key (or all of the user's keys) once `session`'s transaction commits.

    After, not before: until the commit, a request that misses the cache still reads the
    old row and would cache it again. A rollback keeps the eviction for the session's next
    commit, if any: evicting an entry that did not change costs one lookup, nothing more.
    """
    info = session.info
    pending = info.get(_PENDING)
    if not isinstance(pending, _Pending):
        pending = info[_PENDING] = _Pending(auth_cache_of(session) if cache is None else cache)
    if not info.get(_LISTENING):
        info[_LISTENING] = True
        event.listen(session.sync_session, "after_commit", _evict_pending)
    if key_id is not None:
        pending.key_ids.add(key_id)
    if user_id is not None:
        pending.user_ids.add(user_id)


def _evict_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if isinstance(pending, _Pending):
        for key_id in pending.key_ids:
            pending.cache.evict_key(key_id)
        for user_id in pending.user_ids:
            pending.cache.evict_user(user_id)
