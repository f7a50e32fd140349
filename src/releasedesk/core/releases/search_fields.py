"""What a release can be searched and sorted on, as SQL columns for core.search."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import aliased

from releasedesk.core.search.query import (
    TEXT_OPS,
    FieldType,
    Op,
    SearchField,
    text_match,
)
from releasedesk.db.models import (
    Category,
    ClosureCode,
    Impact,
    Item,
    Priority,
    Release,
    ReleaseRole,
    ReleaseRoleAssignment,
    ReleaseStage,
    ReleaseStatus,
    ReleaseTemplate,
    ReleaseType,
    Risk,
    Site,
    Subcategory,
    SupportGroup,
    Urgency,
    User,
)
from releasedesk.db.text_search import title_like


def _lookup_fields(
    name: str, model: Any, fk: Any, extra_text: tuple[str, ...] = ()
) -> dict[str, SearchField]:
    alias = aliased(model, name=f"search_{name}")
    join = (alias, fk == alias.id)
    fields = {
        name: SearchField(FieldType.REF, column=fk, name_column=alias.name, joins=(join,)),
        f"{name}.name": SearchField(FieldType.TEXT, column=alias.name, joins=(join,)),
        f"{name}.id": SearchField(FieldType.INT, column=fk),
    }
    for column in extra_text:
        fields[f"{name}.{column}"] = SearchField(
            FieldType.TEXT, column=getattr(alias, column), joins=(join,)
        )
    return fields


def _user_match(op: Op, value: Any) -> ColumnElement[bool]:
    if op in TEXT_OPS:
        text = value.get("name") if isinstance(value, Mapping) else value
        return text_match(User.name, op, str(text))
    if isinstance(value, Mapping):
        if value.get("id") is not None:
            return User.id == int(str(value["id"]))
        if value.get("email_id") is not None:
            return func.lower(User.email_id) == str(value["email_id"]).lower()
        value = value.get("name")
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return User.id == int(value)
    text = str(value).lower()
    return or_(func.lower(User.name) == text, func.lower(User.email_id) == text)


def role_holder_field(internal_name: str) -> SearchField:
    """Releases whose holder of a release role matches (by id, name or email)."""

    def predicate(op: Op, values: tuple[Any, ...]) -> ColumnElement[bool]:
        match_op = Op.CONTAINS if op is Op.NOT_CONTAINS else op
        holders = (
            select(ReleaseRoleAssignment.release_id)
            .join(User, User.id == ReleaseRoleAssignment.user_id)
            .join(ReleaseRole, ReleaseRole.id == ReleaseRoleAssignment.role_id)
            .where(
                ReleaseRole.internal_name == internal_name,
                or_(*(_user_match(match_op, v) for v in values)),
            )
        )
        if op in (Op.IS_NOT, Op.NOT_CONTAINS):
            return Release.id.not_in(holders)
        return Release.id.in_(holders)

    return SearchField(FieldType.REF, sortable=False, predicate=predicate)


def build_release_fields() -> dict[str, SearchField]:
    fields: dict[str, SearchField] = {
        "id": SearchField(FieldType.INT, column=Release.id, nullable=False),
        "title": SearchField(
            FieldType.TEXT, column=Release.title, nullable=False, substring=title_like
        ),
        "short_description": SearchField(FieldType.TEXT, column=Release.short_description),
        "description": SearchField(FieldType.TEXT, column=Release.short_description),
        "emergency": SearchField(FieldType.BOOL, column=Release.emergency, nullable=False),
        "notes_present": SearchField(FieldType.BOOL, column=Release.notes_present),
    }
    for name in (
        "created_time",
        "completed_time",
        "deleted_time",
        "scheduled_start_time",
        "scheduled_end_time",
        "next_review_on",
        "last_updated_time",
    ):
        fields[name] = SearchField(
            FieldType.DATETIME, column=getattr(Release, name), nullable=name != "created_time"
        )
    lookups = {
        "priority": (Priority, Release.priority_id, ()),
        "impact": (Impact, Release.impact_id, ()),
        "urgency": (Urgency, Release.urgency_id, ()),
        "risk": (Risk, Release.risk_id, ()),
        "release_type": (ReleaseType, Release.release_type_id, ()),
        "category": (Category, Release.category_id, ()),
        "subcategory": (Subcategory, Release.subcategory_id, ()),
        "item": (Item, Release.item_id, ()),
        "site": (Site, Release.site_id, ()),
        "group": (SupportGroup, Release.group_id, ()),
        "closure_code": (ClosureCode, Release.closure_code_id, ()),
        "template": (ReleaseTemplate, Release.template_id, ()),
        "stage": (ReleaseStage, Release.stage_id, ("internal_name",)),
        "status": (ReleaseStatus, Release.status_id, ("internal_name", "status_type")),
        "created_by": (User, Release.created_by_id, ("email_id",)),
    }
    for name, (model, fk, extra) in lookups.items():
        fields.update(_lookup_fields(name, model, fk, extra))
    for role in ("release_requester", "release_engineer", "release_manager"):
        fields[role] = role_holder_field(role)
        fields[f"{role}.name"] = role_holder_field(role)
        fields[f"{role}.email_id"] = role_holder_field(role)
        fields[f"{role}.id"] = role_holder_field(role)
    return fields


RELEASE_FIELDS = build_release_fields()
