"""The write side's statements built once per shape, in one place: two bounded LRUs of the
database's caches (db/cache.py), so a client varying its shapes (one per count of services
sent, say) evicts the oldest instead of growing the process or silently stopping caching.

Building a reference or write statement cost more than running it, so each is built once
per shape and kept; a shape is a few names and counts (which lookups, by id or name; which
columns; how many child rows), never a value.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from releasedesk.db.cache import Lru, caches_of

# How many shapes of each kind are kept: the usual few, and room for the odd ones.
SHAPES_KEPT = 256

StatementCache = Lru[Hashable, Select[Any]]


def references(where: AsyncSession | AsyncConnection) -> StatementCache:
    """references.py: the statements resolving a change's lookups (and locking the release)."""
    return caches_of(where).lru("releases.references", SHAPES_KEPT)


def writes(where: AsyncSession | AsyncConnection) -> StatementCache:
    """writes.py: PostgreSQL's one statement writing a release and the rows hanging off it."""
    return caches_of(where).lru("releases.writes", SHAPES_KEPT)
