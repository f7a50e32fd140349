"""Password hashing (argon2) and API keys (random, stored as SHA-256)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from weakref import WeakKeyDictionary

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
KEY_PREFIX = "rdk_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check so unknown users are not told apart.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifications run at once per process, each on a worker thread: argon2 takes 64 MiB and
# a core's worth of time per check, so a flood of guesses queues here (the event loop free)
# rather than taking every worker thread and a gigabyte or more at once.
ARGON2_AT_ONCE = max(2, os.cpu_count() or 2)
_limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = WeakKeyDictionary()


def argon2_limiter() -> anyio.CapacityLimiter:
    """The running event loop's limit on concurrent verifications (one per loop: an
    anyio limiter belongs to the loop it was made on)."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(ARGON2_AT_ONCE)
    return limiter


def new_api_key() -> str:
    """A fresh key; 256 bits of randomness, so a fast hash is enough to store it."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
