"""What a release can be searched and sorted on: the registry's searchable fields as SQL
column expressions for core.search (expressions only; the queries run in repositories)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import aliased

from releasedesk.core.refs import Ref
from releasedesk.core.releases import fields
from releasedesk.core.releases.fields import FieldKind
from releasedesk.core.search.query import TEXT_OPS, FieldType, Op, SearchField, text_match
from releasedesk.core.workflow.names import RoleName
from releasedesk.db.models import (
    LOOKUP_MODELS,
    Release,
    ReleaseRole,
    ReleaseRoleAssignment,
    ReleaseStage,
    ReleaseStatus,
    ReleaseTemplate,
    User,
)
from releasedesk.db.text_search import same_text, title_like, title_like_per_row

SEARCH_TYPE = {
    FieldKind.INT: FieldType.INT,
    FieldKind.TEXT: FieldType.TEXT,
    FieldKind.HTML: FieldType.TEXT,
    FieldKind.BOOL: FieldType.BOOL,
    FieldKind.DATETIME: FieldType.DATETIME,
    FieldKind.LOOKUP: FieldType.REF,
}
MODELS: dict[str, Any] = {
    **LOOKUP_MODELS,
    "stage": ReleaseStage,
    "status": ReleaseStatus,
    "template": ReleaseTemplate,
    "user": User,
}
# Text columns of a lookup one can search on besides its name (`stage.internal_name`, …).
EXTRA_TEXT = {
    "stage": ("internal_name",),
    "status": ("internal_name", "status_type"),
    "user": ("email_id",),
}
# A text field searched on another column: an HTML description on its plain text.
SEARCH_COLUMN = {"description": "short_description"}


def _lookup_fields(field: fields.ReleaseField) -> dict[str, SearchField]:
    name, lookup = field.name, field.lookup or field.name
    alias = aliased(MODELS[lookup], name=f"search_{name}")
    fk = getattr(Release, field.column)
    join = (alias, fk == alias.id)
    found = {
        name: SearchField(FieldType.REF, column=fk, name_column=alias.name, joins=(join,)),
        f"{name}.name": SearchField(FieldType.TEXT, column=alias.name, joins=(join,)),
        f"{name}.id": SearchField(FieldType.INT, column=fk),
    }
    for column in EXTRA_TEXT.get(lookup, ()):
        found[f"{name}.{column}"] = SearchField(
            FieldType.TEXT, column=getattr(alias, column), joins=(join,)
        )
    return found


def _user_match(op: Op, value: object) -> ColumnElement[bool]:
    if op in TEXT_OPS:
        text = value.name if isinstance(value, Ref) else value
        return text_match(User.name, op, str(text))
    if isinstance(value, Ref):
        if value.id is not None:
            return User.id == value.id
        if value.email is not None:
            return same_text(User.email_id, value.email)
        text = (value.name or "").lower()
        return or_(func.lower(User.name) == text, func.lower(User.email_id) == text)
    return User.id == value if isinstance(value, int) else same_text(User.name, str(value))


def role_holder_field(role: RoleName) -> SearchField:
    """Releases whose holder of a release role matches (by id, name or email)."""

    def predicate(op: Op, values: tuple[object, ...]) -> ColumnElement[bool]:
        match_op = Op.CONTAINS if op is Op.NOT_CONTAINS else op
        holders = (
            select(ReleaseRoleAssignment.release_id)
            .join(User, User.id == ReleaseRoleAssignment.user_id)
            .join(ReleaseRole, ReleaseRole.id == ReleaseRoleAssignment.role_id)
            .where(
                ReleaseRole.internal_name == role,
                or_(*(_user_match(match_op, v) for v in values)),
            )
        )
        if op in (Op.IS_NOT, Op.NOT_CONTAINS):
            return Release.id.not_in(holders)
        return Release.id.in_(holders)

    return SearchField(FieldType.REF, sortable=False, predicate=predicate)


def _scalar_field(field: fields.ReleaseField) -> SearchField:
    name = SEARCH_COLUMN.get(field.name, field.name)
    return SearchField(
        SEARCH_TYPE[field.kind],
        column=getattr(Release, name),
        sortable=field.sortable,
        nullable=bool(Release.__table__.c[name].nullable),
        substring=title_like if field.name == "title" else None,
    )


def build_release_fields() -> dict[str, SearchField]:
    found: dict[str, SearchField] = {}
    for field in fields.FIELDS:
        if not field.searchable:
            continue
        if field.kind is FieldKind.LOOKUP:
            found.update(_lookup_fields(field))
        else:
            found[field.name] = _scalar_field(field)
    for role in RoleName:
        for suffix in ("", ".name", ".email_id", ".id"):
            found[f"{role}{suffix}"] = role_holder_field(role)
    return found


RELEASE_FIELDS = build_release_fields()
RELEASE_FIELDS_PER_ROW = {
    **RELEASE_FIELDS,
    "title": replace(RELEASE_FIELDS["title"], substring=title_like_per_row),
}
"""The same fields with the title's substring tests made on each row (for a bounded scan)."""
SEARCHABLE: dict[str, FieldType] = {name: spec.type for name, spec in RELEASE_FIELDS.items()}
"""Every searchable name and the type its values must have (dialects convert to it)."""
SORTABLE = frozenset(name for name, spec in RELEASE_FIELDS.items() if spec.sortable)
