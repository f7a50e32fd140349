"""The shapes SDP clients send, as Pydantic models (unknown keys are refused)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr

# A lookup, stage, status, template or user reference: {"id": "4"}, {"name": "High"},
# the whole object a GET returned, or just the name as a string.
RefIn = dict[str, Any] | StrictStr | StrictInt
# A time: {"value": "1592820350370", "display_value": …} or the epoch milliseconds alone.
TimeIn = dict[str, Any] | StrictStr | StrictInt
# A descriptive field: {"description": "<p>…</p>"} or the HTML alone.
DescriptiveIn = dict[str, Any] | StrictStr


class RoleIn(BaseModel):
    # A client may send back a role object a GET returned (with its release and id).
    model_config = ConfigDict(extra="ignore")

    role: RefIn
    user: RefIn


class ReleaseIn(BaseModel):
    """A release as add and update take it; read-only keys are accepted only to be refused."""

    model_config = ConfigDict(extra="forbid")

    title: StrictStr | None = None
    description: StrictStr | None = None
    comment: StrictStr | None = None
    template: RefIn | None = None
    stage: RefIn | None = None
    status: RefIn | None = None
    priority: RefIn | None = None
    impact: RefIn | None = None
    urgency: RefIn | None = None
    risk: RefIn | None = None
    release_type: RefIn | None = None
    category: RefIn | None = None
    subcategory: RefIn | None = None
    item: RefIn | None = None
    site: RefIn | None = None
    group: RefIn | None = None
    closure_code: RefIn | None = None
    services: list[RefIn] | None = None
    assets: list[RefIn] | None = None
    configuration_items: list[RefIn] | None = None
    roles: list[RoleIn] | None = None
    emergency: StrictBool | StrictStr | None = None
    scheduled_start_time: TimeIn | None = None
    scheduled_end_time: TimeIn | None = None
    next_review_on: TimeIn | None = None
    roll_out_plan: DescriptiveIn | None = None
    back_out_plan: DescriptiveIn | None = None
    checklist: DescriptiveIn | None = None
    impact_details: DescriptiveIn | None = None
    review_details: DescriptiveIn | None = None
    close_details: DescriptiveIn | None = None

    id: Any = None
    short_description: Any = None
    release_requester: Any = None
    release_engineer: Any = None
    release_manager: Any = None
    created_time: Any = None
    completed_time: Any = None
    deleted_time: Any = None
    notes_present: Any = None
    workflow: Any = None
    created_by: Any = None
    last_updated_time: Any = None
    image_token: Any = None
    attachments: Any = None


class ReleaseEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    release: dict[str, Any]
