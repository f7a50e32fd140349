"""Core shapes of a release change; dialects translate their JSON into these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict

Ref = dict[str, Any]
"""A reference to a lookup, stage, status, template or user: {"id": …} or {"name": …}."""

DESCRIPTIVE_KINDS: dict[str, tuple[str, str]] = {
    # kind: (display name, internal name of the stage it belongs to)
    "roll_out_plan": ("Rollout Plan", "planning"),
    "back_out_plan": ("Backout Plan", "planning"),
    "checklist": ("CheckList", "planning"),
    "impact_details": ("Impact Details", "planning"),
    "review_details": ("Review Details", "review"),
    "close_details": ("Close Details", "close"),
}

LOOKUP_FIELDS: dict[str, str] = {
    # release attribute: lookup kind
    "priority": "priority",
    "impact": "impact",
    "urgency": "urgency",
    "risk": "risk",
    "release_type": "release_type",
    "category": "category",
    "subcategory": "subcategory",
    "item": "item",
    "site": "site",
    "group": "group",
    "closure_code": "closure_code",
}

TIME_FIELDS = ("scheduled_start_time", "scheduled_end_time", "next_review_on")


class RoleHolder(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Ref
    user: Ref


class ReleaseChanges(BaseModel):
    """The fields of a release to set; on update only the fields given (model_fields_set) change."""

    title: str | None = None
    description: str | None = None
    template: Ref | None = None
    stage: Ref | None = None
    status: Ref | None = None
    comment: str | None = None
    priority: Ref | None = None
    impact: Ref | None = None
    urgency: Ref | None = None
    risk: Ref | None = None
    release_type: Ref | None = None
    category: Ref | None = None
    subcategory: Ref | None = None
    item: Ref | None = None
    site: Ref | None = None
    group: Ref | None = None
    closure_code: Ref | None = None
    services: list[Ref] | None = None
    roles: list[RoleHolder] | None = None
    emergency: bool | None = None
    scheduled_start_time: dt.datetime | None = None
    scheduled_end_time: dt.datetime | None = None
    next_review_on: dt.datetime | None = None
    roll_out_plan: str | None = None
    back_out_plan: str | None = None
    checklist: str | None = None
    impact_details: str | None = None
    review_details: str | None = None
    close_details: str | None = None

    def given(self, name: str) -> bool:
        return name in self.model_fields_set
