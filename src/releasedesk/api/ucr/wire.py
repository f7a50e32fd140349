"""The shapes UCR clients send, as Pydantic models. Unknown keys are refused; the keys a GET
answers are accepted (so a client may PUT back what it read) and change nothing, except
`version`, the optimistic lock. Inside references only `id` is read."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StrictInt, StrictStr

from releasedesk.core.limits import MAX_ITEMS_PER_REQUEST, MAX_LONG_TEXT

# Refused by length here, before any of it is translated or stored (core/limits.py).
LongText = Annotated[StrictStr, Field(max_length=MAX_LONG_TEXT)]


class IdRef(BaseModel):
    """`{"id": "<uuid>"}`, or the whole element a GET returned."""

    model_config = ConfigDict(extra="ignore")

    id: StrictStr


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: StrictStr | None = None
    name: StrictStr
    date: StrictInt | StrictStr  # epoch milliseconds

    # What a GET answers of a milestone; accepted to be ignored.
    ghosted_date: JsonValue = Field(None, alias="ghostedDate")
    date_created: JsonValue = Field(None, alias="dateCreated")


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    name: StrictStr | None = None
    description: LongText | None = None
    team: IdRef | None = None
    lifecycle_model: IdRef | None = Field(None, alias="lifecycleModel")
    milestones: Annotated[list[MilestoneIn], Field(max_length=MAX_ITEMS_PER_REQUEST)] | None = None
    version: StrictInt | None = None

    # What a GET answers; accepted to be ignored.
    id: JsonValue = None
    ghosted_date: JsonValue = Field(None, alias="ghostedDate")
    date_created: JsonValue = Field(None, alias="dateCreated")
    created_by_user_id: JsonValue = Field(None, alias="createdByUserId")
    has_edit: JsonValue = Field(None, alias="hasEdit")
    phases: JsonValue = None
    base_application: JsonValue = Field(None, alias="baseApplication")
    applications: JsonValue = None
    exemptions: JsonValue = None
    total_changes: JsonValue = Field(None, alias="totalChanges")


class PhaseModelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr
    description: LongText | None = None


class LifecycleModelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr
    description: LongText | None = None
    phases: Annotated[list[PhaseModelIn], Field(max_length=MAX_ITEMS_PER_REQUEST)] = []


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr
    description: LongText | None = None
