"""The audit trail as the core hands it out: who did what to which account, key, release or
setting, when.

`canonical` is an entry as its portal's hash chain hashes it (core/audit/chain.py): every
stored column but the row's `id` and its own hash, in sorted-key compact JSON, times in ISO
8601 UTC to the microsecond, `detail` as the JSON object it is. Its place in the chain
(`chain_seq`) and the hash of the entry before (`previous_hash`) are in it, so an entry
cannot move or be re-chained without its hash changing. The `id` is only a handle: the
database assigns it at the insert, the chain's order is `chain_seq`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

from releasedesk.core.actors import Actor
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
    KEY_REVOKED_REFUSED = "key_revoked_refused"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_IN_THROTTLED = "sign_in_throttled"
    APPROVAL_DECIDED = "approval_decided"
    APPROVAL_DELEGATED = "approval_delegated"
    AWAY_SET = "away_set"
    AWAY_CLEARED = "away_cleared"
    SELF_APPROVAL_POLICY_SET = "self_approval_policy_set"
    RELEASE_CLOSED = "release_closed"
    RELEASE_TRASHED = "release_trashed"
    RELEASE_RESTORED = "release_restored"
    RELEASE_DELETED = "release_deleted"
    FREEZE_WINDOW_CREATED = "freeze_window_created"
    FREEZE_WINDOW_UPDATED = "freeze_window_updated"
    FREEZE_WINDOW_DELETED = "freeze_window_deleted"
    FREEZE_OVERRIDE_GRANTED = "freeze_override_granted"
    FREEZE_OVERRIDE_REVOKED = "freeze_override_revoked"
    WEBHOOK_CREATED = "webhook_created"
    WEBHOOK_UPDATED = "webhook_updated"
    WEBHOOK_DELETED = "webhook_deleted"
    WEBHOOK_SECRET_ROTATED = "webhook_secret_rotated"  # noqa: S105 (an event name)
    WEBHOOK_DISABLED = "webhook_disabled"
    APPROVAL_POLICY_CREATED = "approval_policy_created"
    APPROVAL_POLICY_UPDATED = "approval_policy_updated"
    APPROVAL_POLICY_DELETED = "approval_policy_deleted"
    APPROVAL_ESCALATED = "approval_escalated"
    APPROVAL_TIMED_OUT = "approval_timed_out"


@dataclass(frozen=True, slots=True)
class AuditActor:
    """Who acted: a user by id, or a tool (`cli:<os user>`, `system`) by name alone."""

    id: int | None
    name: str


SYSTEM = AuditActor(None, "system")


def actor_of(actor: Actor) -> AuditActor:
    """A signed-in caller as the trail names them."""
    return AuditActor(actor.user_id, actor.user_name)


@dataclass(frozen=True, slots=True)
class Subject:
    """The account an event is about, and the key when it is about one. A release's events
    and a portal setting's have no account (the release is in the detail), nor has a
    sign-in refused for a login that names no one."""

    user_id: int | None
    user_name: str | None
    key_id: int | None = None
    key_name: str | None = None


NO_SUBJECT = Subject(None, None)


def release_detail(release_id: int, title: str, **more: JsonValue) -> dict[str, JsonValue]:
    """An event about a release names it by id and by the title it had: the trail outlives
    a release deleted for good."""
    return {"release": {"id": release_id, "title": title}, **more}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    portal_id: int
    portal_name: str
    occurred_time: dt.datetime
    kind: AuditKind | str  # the stored name: a row written by hand may hold any
    actor: AuditActor
    subject: Subject
    detail: Detail
    chain_seq: int
    previous_hash: str
    entry_hash: str


def canonical_json(value: JsonValue | Detail) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def iso(value: dt.datetime) -> str:
    """ISO 8601 in UTC with microseconds, the one spelling of a time in the trail."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_row(entry: AuditEntry) -> dict[str, JsonValue]:
    """What the chain hashes of an entry, as a JSON object (`audit export` writes it)."""
    return {
        "portal_id": entry.portal_id,
        "chain_seq": entry.chain_seq,
        "previous_hash": entry.previous_hash,
        "occurred_time": iso(entry.occurred_time),
        "kind": str(entry.kind),
        "actor_id": entry.actor.id,
        "actor_name": entry.actor.name,
        "subject_user_id": entry.subject.user_id,
        "subject_user_name": entry.subject.user_name,
        "subject_key_id": entry.subject.key_id,
        "subject_key_name": entry.subject.key_name,
        "detail": dict(entry.detail),
    }


def canonical(entry: AuditEntry) -> bytes:
    """The entry serialized the same way every time: what its `entry_hash` is the SHA-256 of."""
    return canonical_json(canonical_row(entry)).encode("utf-8")


def subject_words(entry: AuditEntry) -> str:
    """What the entry is about, in a few words: a key, a user, a release, or `-`."""
    subject = entry.subject
    if subject.key_id is not None:
        return f"key {subject.key_id} '{subject.key_name}' of '{subject.user_name}'"
    if subject.user_id is not None:
        return f"user {subject.user_id} '{subject.user_name}'"
    release = entry.detail.get("release")
    if isinstance(release, dict) and "id" in release:
        return f"release {release['id']} '{release.get('title', '')}'"
    if subject.user_name is not None:  # a failed sign-in: the login tried, no account
        return f"no user '{subject.user_name}'"
    return "-"


KINDS = frozenset(kind.value for kind in AuditKind)


def kind_of(stored: str) -> AuditKind | str:
    """The kind a row names, or the name itself when it is no kind of ours."""
    return AuditKind(stored) if stored in KINDS else stored
