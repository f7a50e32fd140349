"""Keys as the core hands them out: who a key hash stands for, and a key as listed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from releasedesk.core.actors import Actor, Role


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """What an unrevoked key's hash maps to: the key's own limits and its holder, now."""

    key_id: int
    key_name: str
    prefix: str
    expires_time: dt.datetime | None
    last_used_time: dt.datetime | None
    user_id: int
    user_name: str
    role: Role
    user_active: bool
    portal_id: int
    portal_name: str

    def expired(self, now: dt.datetime) -> bool:
        return has_expired(self.expires_time, now)

    def actor(self) -> Actor:
        return Actor(
            user_id=self.user_id,
            user_name=self.user_name,
            portal_id=self.portal_id,
            portal_name=self.portal_name,
            role=self.role,
        )


@dataclass(frozen=True, slots=True)
class RevokedKey:
    """A revoked key found by its hash: what the audit of its refusal names."""

    key_id: int
    key_name: str
    prefix: str
    revoked_time: dt.datetime
    portal_id: int
    user_id: int
    user_name: str


def has_expired(expires_time: dt.datetime | None, now: dt.datetime) -> bool:
    """A key stops working at its expiry instant itself (the first instant it is refused)."""
    return expires_time is not None and expires_time <= now


class KeyState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    USER_INACTIVE = "user inactive"


@dataclass(frozen=True, slots=True)
class KeyView:
    """A key as `token list` shows it: never the key, only its first characters."""

    id: int
    name: str
    portal_id: int
    user_id: int
    user_name: str
    user_active: bool
    prefix: str
    created_time: dt.datetime
    expires_time: dt.datetime | None
    last_used_time: dt.datetime | None
    revoked_time: dt.datetime | None

    def state(self, now: dt.datetime) -> KeyState:
        if self.revoked_time is not None:
            return KeyState.REVOKED
        if has_expired(self.expires_time, now):
            return KeyState.EXPIRED
        return KeyState.ACTIVE if self.user_active else KeyState.USER_INACTIVE


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key: the key itself exists only here, shown once; the database keeps its hash."""

    key: str
    view: KeyView


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as the Users page lists them: never the password hash, only whether there is
    one."""

    id: int
    name: str
    email_id: str | None
    role: Role
    is_active: bool
    has_password: bool
    created_time: dt.datetime
