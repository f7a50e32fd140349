"""The events a subscription may ask for, by the names subscribers see."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    RELEASE_CREATED = "release.created"
    RELEASE_UPDATED = "release.updated"
    RELEASE_STAGE_CHANGED = "release.stage_changed"
    RELEASE_CLOSED = "release.closed"
    RELEASE_TRASHED = "release.trashed"
    RELEASE_RESTORED = "release.restored"
    RELEASE_DELETED = "release.deleted"
    APPROVAL_REQUESTED = "approval.requested"
    APPROVAL_DECIDED = "approval.decided"
    APPROVAL_ESCALATED = "approval.escalated"
    APPROVAL_TIMED_OUT = "approval.timed_out"
    FREEZE_WINDOW_CREATED = "freeze_window.created"
    FREEZE_WINDOW_UPDATED = "freeze_window.updated"
    FREEZE_WINDOW_DELETED = "freeze_window.deleted"
    FREEZE_OVERRIDE_GRANTED = "freeze_override.granted"


EVENT_NAMES = tuple(e.value for e in EventType)
