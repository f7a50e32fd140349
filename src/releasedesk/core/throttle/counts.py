"""What a throttling store counts: hits per bucket within a window that starts at the
bucket's first hit and ends at `resets_at`; the next hit after that starts a new window.

A store is shared by every worker process and server (the database, or Redis), and a hit
is one atomic step that returns the count it made, so concurrent hits are each counted
once and exactly one of them sees the count reach a limit.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

ADDRESS_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Count:
    """`hits` in the window that ends at `resets_at` (epoch seconds)."""

    hits: int
    resets_at: float

    def seconds_left(self, now: float) -> int:
        """Whole seconds until the window passes (at least one): a Retry-After."""
        return max(1, math.ceil(self.resets_at - now))


class Store(Protocol):
    """Where counts live. Methods take the caller's session: the database store counts in
    it (its transaction commits the hit), Redis ignores it."""

    async def read(
        self, session: AsyncSession, buckets: Sequence[str], now: float
    ) -> list[Count | None]:
        """The live count of each bucket (None: no hit in a window still running)."""
        ...

    async def hit(self, session: AsyncSession, bucket: str, window: float, now: float) -> Count:
        """Count one hit, atomically; the count with it."""
        ...

    async def close(self) -> None: ...


def user_bucket(user_id: int) -> str:
    return f"user:{user_id}"


def login_bucket(portal_id: int, login: str) -> str:
    """A login no user has, per portal and in any case: guessing it is throttled like a
    real user's, so a 429 tells no one whether the user exists. Hashed: any length fits."""
    digest = hashlib.sha256(login.strip().lower().encode("utf-8")).hexdigest()[:40]
    return f"login:{portal_id}:{digest}"


def address_bucket(address: str) -> str:
    return f"address:{address[:ADDRESS_LENGTH]}"


def key_bucket(key_hash: str) -> str:
    """A key by (the start of) its SHA-256, as stored: no key id needs looking up."""
    return f"key:{key_hash[:32]}"
