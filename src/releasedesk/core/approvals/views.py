"""Approval levels as the core hands them to dialects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from releasedesk.core.releases.views import Person


class LevelStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class ApprovalLevel:
    id: int
    stage_id: int
    level: int
    name: str
    rule_type: str
    rule_value: str | None
    status: LevelStatus
    is_current: bool
    comments: str | None
    created_by: Person | None
    created_on: dt.datetime
    action_taken_by: Person | None
    action_taken_on: dt.datetime | None
