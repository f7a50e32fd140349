"""The audit trail as the core hands it out: who did what to which account or key, when.

`canonical` is the row as the tamper-evident chain (to come) will hash it: every stored
column in sorted-key compact JSON, times in ISO 8601 UTC to the microsecond. With the
monotonic `id` to order rows, that is all the chain needs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

from releasedesk.db.models.audit import KEY_EXPIRED_REFUSED

JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None
Detail: TypeAlias = Mapping[str, JsonValue]


class AuditKind(StrEnum):
    USER_ADDED = "user_added"
    USER_DEACTIVATED = "user_deactivated"
    USER_ACTIVATED = "user_activated"
    ROLE_CHANGED = "role_changed"
    PASSWORD_SET = "password_set"  # noqa: S105 (an event name, not a password)
    KEY_CREATED = "key_created"
    KEY_REVOKED = "key_revoked"
    KEY_EXPIRED_REFUSED = KEY_EXPIRED_REFUSED
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_IN_THROTTLED = "sign_in_throttled"


# After these, whatever a process remembers about a key or a user's credentials is stale:
# the events an authentication cache must hear of (each is written in the transaction of
# the change it records, so a notification sent from that transaction arrives on commit).
CREDENTIAL_CHANGES = frozenset(
    {
        AuditKind.USER_DEACTIVATED,
        AuditKind.USER_ACTIVATED,
        AuditKind.ROLE_CHANGED,
        AuditKind.PASSWORD_SET,
        AuditKind.KEY_REVOKED,
    }
)


@dataclass(frozen=True, slots=True)
class AuditActor:
    """Who acted: a user by id, or a tool (`cli:<os user>`, `system`) by name alone."""

    id: int | None
    name: str


SYSTEM = AuditActor(None, "system")


@dataclass(frozen=True, slots=True)
class Subject:
    """The account an event is about, and the key when it is about one; `user_id` None: no
    account (a failed sign-in with a login no user has: `user_name` is the login tried)."""

    user_id: int | None
    user_name: str
    key_id: int | None = None
    key_name: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    portal_id: int
    portal_name: str
    occurred_time: dt.datetime
    kind: AuditKind
    actor: AuditActor
    subject: Subject
    detail: Detail


def canonical_json(value: JsonValue | Detail) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def iso(value: dt.datetime) -> str:
    """ISO 8601 in UTC with microseconds, the one spelling of a time in the trail."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(entry: AuditEntry) -> bytes:
    """The stored row, serialized the same way every time (what a hash chain hashes)."""
    row: dict[str, JsonValue] = {
        "id": entry.id,
        "portal_id": entry.portal_id,
        "occurred_time": iso(entry.occurred_time),
        "kind": entry.kind.value,
        "actor_id": entry.actor.id,
        "actor_name": entry.actor.name,
        "subject_user_id": entry.subject.user_id,
        "subject_user_name": entry.subject.user_name,
        "subject_key_id": entry.subject.key_id,
        "subject_key_name": entry.subject.key_name,
        "detail": dict(entry.detail),
    }
    return canonical_json(row).encode("utf-8")
