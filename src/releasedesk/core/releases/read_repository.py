"""The SQL of the read side: releases loaded by prebuilt Core statements into typed views.

The ORM stays the write model. Four statements load any number of releases: the rows with
every lookup joined, then (when asked for) their role holders, services and descriptive
fields. The release columns and lookups come from the field registry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Select,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from releasedesk.core.releases import fields, rows
from releasedesk.core.releases.parts import EVERYTHING, Part
from releasedesk.core.releases.rows import Columns, PersonColumns, locate
from releasedesk.core.releases.views import (
    DescriptiveField,
    Group,
    Named,
    Person,
    Release,
    RoleHolder,
    Template,
    Workflow,
)
from releasedesk.db import driver
from releasedesk.db.models import (
    LOOKUP_MODELS,
    Department,
    ReleaseDescriptiveField,
    ReleaseRoleAssignment,
    ReleaseService,
    ReleaseStage,
    ReleaseStatus,
    ReleaseTemplate,
    Service,
    Site,
    SupportGroup,
    User,
)
from releasedesk.db.models import Release as ReleaseRow
from releasedesk.db.models import ReleaseRole as ReleaseRoleRow
from releasedesk.db.models import Workflow as WorkflowRow

_ROW_COLUMNS = ("portal_id", *(f.name for f in fields.SCALARS))
_WORKFLOW = ("id", "name", "type", "validated")
# The registry's lookups that are plain named values (the others are built by hand below).
_SIMPLE_LOOKUPS = tuple(
    f.name for f in fields.LOOKUPS if f.lookup in LOOKUP_MODELS and f.name != "group"
)


class _ReleaseStatement:
    """The main statement: a release row with every lookup it points at, built once."""

    def __init__(self) -> None:
        joins: list[tuple[Any, Any]] = []
        self.release = Columns("release", ReleaseRow, rows.same(*_ROW_COLUMNS))
        self.lookups: dict[str, Columns] = {}
        for name in _SIMPLE_LOOKUPS:
            alias = aliased(LOOKUP_MODELS[fields.BY_NAME[name].lookup or name], name=f"rm_{name}")
            self.lookups[name] = rows.named_columns(name, alias)
            joins.append((alias, getattr(ReleaseRow, f"{name}_id") == alias.id))
        group, group_site = aliased(SupportGroup, name="rm_group"), aliased(Site, name="rm_gsite")
        self.group = Columns("group", group, rows.NAMED)
        self.group_site = Columns("group_site", group_site, rows.NAMED)
        template, workflow = (
            aliased(ReleaseTemplate, name="rm_t"),
            aliased(WorkflowRow, name="rm_w"),
        )
        self.template = Columns("template", template, rows.NAMED)
        self.workflow = Columns("workflow", workflow, rows.same(*_WORKFLOW))
        stage = aliased(ReleaseStage, name="rm_stage")
        status = aliased(ReleaseStatus, name="rm_status")
        self.stage = Columns("stage", stage, rows.STAGE)
        self.status = Columns("status", status, rows.STATUS)
        creator, creator_dept = aliased(User, name="rm_creator"), aliased(Department, name="rm_cd")
        self.creator = PersonColumns("creator", creator, creator_dept)
        joins += [
            (group, ReleaseRow.group_id == group.id),
            (group_site, group.site_id == group_site.id),
            (template, ReleaseRow.template_id == template.id),
            (workflow, template.workflow_id == workflow.id),
            (stage, ReleaseRow.stage_id == stage.id),
            (status, ReleaseRow.status_id == status.id),
            (creator, ReleaseRow.created_by_id == creator.id),
            (creator_dept, creator.department_id == creator_dept.id),
        ]
        parts: list[Columns | PersonColumns] = [
            self.release,
            *self.lookups.values(),
            self.group,
            self.group_site,
            self.template,
            self.workflow,
            self.stage,
            self.status,
            self.creator,
        ]
        columns = [column for part in parts for column in part.columns]
        statement = select(*columns).select_from(ReleaseRow)
        for target, onclause in joins:
            statement = statement.outerjoin(target, onclause)
        for part in parts:
            part.locate(statement)
        self.statement = statement

    def build(self, row: Sequence[Any]) -> Release:
        values = self.release.values(row)
        assert values is not None  # portal_id, its first column, is NOT NULL
        if not isinstance(values["uuid"], uuid.UUID):
            values["uuid"] = uuid.UUID(str(values["uuid"]))
        for name, cols in self.lookups.items():
            values[name] = rows.named(cols.values(row))
        group = self.group.values(row)
        values["group"] = (
            None if group is None else Group(**group, site=rows.named(self.group_site.values(row)))
        )
        template, workflow = self.template.values(row), self.workflow.values(row)
        # every release has a template, every template a workflow (NOT NULL foreign keys)
        assert template is not None and workflow is not None
        values["template"] = Template(**template, workflow=Workflow(**workflow))
        values["stage"] = rows.stage(self.stage.values(row))
        values["status"] = rows.status(self.status.values(row))
        values["created_by"] = self.creator.build(row)
        return Release(**values)


_RELEASES = _ReleaseStatement()


def _with_ids(dialect: str, one: bool) -> ColumnElement[bool]:
    """`releases.id` equal to `ids` (one), or among the `ids` bound as one value (an array;
    a JSON array on SQLite): the statement's text is the same for any number of ids, so
    the driver keeps it prepared (db/driver.py).

    One id gets its own `=` form because PostgreSQL keeps planning `= ANY($1)` afresh for
    each call: it estimates a generic plan for ten elements, dearer than the custom plan for
    one, so it never switches to it, and planning this twenty-table statement costs about
    ten times running it. With `= $1`, or a page of ids, the generic plan is as cheap and
    is chosen after five calls."""
    if one:
        return ReleaseRow.id == bindparam("ids", type_=BigInteger)
    if dialect == "postgresql":
        return ReleaseRow.id == any_(bindparam("ids", type_=ARRAY(BigInteger)))
    each = func.json_each(bindparam("ids", type_=JSON)).table_valued("value")
    return ReleaseRow.id.in_(select(each.c.value))


# --- what hangs off a release, as JSON built by the database ------------------------------
#
# Roles, services and descriptive fields ride along in the release's own row as JSON arrays
# (correlated subqueries over indexed release_id columns), so any number of releases with
# any of their parts load in ONE statement. The arrays hold the core's neutral shape (the
# views' own field names, ids as numbers); _build turns them into views.


def _key(name: str) -> ColumnElement[str]:
    assert name.isidentifier()  # a fixed field name of ours, never input
    return literal_column(f"'{name}'")


def _json_object(dialect: str, pairs: dict[str, Any]) -> ColumnElement[Any]:
    args = [part for key, value in pairs.items() for part in (_key(key), value)]
    builder = func.json_build_object if dialect == "postgresql" else func.json_object
    return builder(*args)


def _json_or_null(dialect: str, id_column: Any, pairs: dict[str, Any]) -> ColumnElement[Any]:
    """An object, or JSON null when the joined row is missing (an outer join's NULL id).
    SQLite keeps a value's JSON-ness only through json functions, hence its json() around."""
    chosen = case((id_column.is_(None), None), else_=_json_object(dialect, pairs))
    return chosen if dialect == "postgresql" else func.json(chosen)


def _person_json(dialect: str, user: Any, department: Any) -> ColumnElement[Any]:
    department_json = _json_or_null(
        dialect, department.id, {"id": department.id, "name": department.name}
    )
    pairs = {name: getattr(user, column) for name, column in rows.PERSON.items()}
    return _json_or_null(dialect, user.id, {**pairs, "department": department_json})


def _stage_json(dialect: str, stage: Any) -> ColumnElement[Any]:
    return _json_or_null(dialect, stage.id, {n: getattr(stage, c) for n, c in rows.STAGE.items()})


def _array(dialect: str, element: ColumnElement[Any], source: Select[Any], order: Any) -> Any:
    """A JSON array of `element` over `source`'s rows (correlated to the release) in `order`;
    [] when there are none. SQLite before 3.44 has no ORDER BY inside an aggregate, so it
    aggregates an ordered derived table (which SQLite lets refer to the outer row)."""
    source = source.correlate(ReleaseRow)
    if dialect == "postgresql":
        aggregated = func.coalesce(
            func.json_agg(aggregate_order_by(element, order)), text("'[]'::json")
        )
        return source.with_only_columns(aggregated).scalar_subquery()
    ordered = source.add_columns(element.label("item")).order_by(order).subquery()
    return select(func.json_group_array(func.json(ordered.c.item))).scalar_subquery()


def _roles_json(dialect: str) -> Any:
    user, dept = aliased(User, name="rj_user"), aliased(Department, name="rj_dept")
    role = aliased(ReleaseRoleRow, name="rj_role")
    element = _json_object(
        dialect,
        {
            "id": ReleaseRoleAssignment.id,
            "role": _json_object(dialect, {n: getattr(role, c) for n, c in rows.ROLE.items()}),
            "user": _person_json(dialect, user, dept),
        },
    )
    source = (
        select(ReleaseRoleAssignment.id)
        .join(role, role.id == ReleaseRoleAssignment.role_id)
        .join(user, user.id == ReleaseRoleAssignment.user_id)
        .outerjoin(dept, dept.id == user.department_id)
        .where(ReleaseRoleAssignment.release_id == ReleaseRow.id)
    )
    return _array(dialect, element, source, ReleaseRoleAssignment.id)


def _services_json(dialect: str) -> Any:
    element = _json_object(dialect, {"id": Service.id, "name": Service.name})
    source = (
        select(Service.id)
        .join(ReleaseService, ReleaseService.service_id == Service.id)
        .where(ReleaseService.release_id == ReleaseRow.id)
    )
    return _array(dialect, element, source, Service.id)


def _fields_json(dialect: str) -> Any:
    editor, editor_dept = aliased(User, name="fj_user"), aliased(Department, name="fj_dept")
    stage = aliased(ReleaseStage, name="fj_stage")
    field = aliased(ReleaseDescriptiveField, name="fj_field")
    stage_of_kind = case(
        {kind: str(name) for kind, name in fields.STAGE_OF_DESCRIPTIVE.items()}, value=field.kind
    )
    element = _json_object(
        dialect,
        {
            "id": field.id,
            "kind": field.kind,
            "description": field.description,
            "updated_on": field.updated_on,
            "updated_by": _person_json(dialect, editor, editor_dept),
            "stage": _stage_json(dialect, stage),
        },
    )
    source = (
        select(field.id)
        .outerjoin(
            stage,
            and_(stage.portal_id == ReleaseRow.portal_id, stage.internal_name == stage_of_kind),
        )
        .outerjoin(editor, editor.id == field.updated_by_id)
        .outerjoin(editor_dept, editor_dept.id == editor.department_id)
        .where(field.release_id == ReleaseRow.id)
    )
    return _array(dialect, element, source, field.id)


_PART_JSON = {
    Part.ROLES: _roles_json,
    Part.SERVICES: _services_json,
    Part.DESCRIPTIVE_FIELDS: _fields_json,
}


@dataclass(frozen=True, slots=True)
class _Statement:
    statement: Select[Any]
    parts: tuple[tuple[Part, int], ...]  # each part asked for and where it is in a row


@cache
def _statement(dialect: str, parts: frozenset[Part], one: bool) -> _Statement:
    """The one statement for releases by id with `parts` (labelled by name after the
    release's columns), built once per dialect, parts and whether it loads one release or
    several."""
    extra = [_PART_JSON[part](dialect).label(part.value) for part in Part if part in parts]
    statement = _RELEASES.statement.add_columns(*extra).where(_with_ids(dialect, one))
    where = tuple((part, locate(statement, part.value)) for part in Part if part in parts)
    return _Statement(statement, where)


def _utc(value: object) -> dt.datetime | None:
    """A time inside the JSON: ISO text (PostgreSQL adds the offset; SQLite stores UTC)."""
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(str(value).replace(" ", "T"))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _person(raw: dict[str, Any] | None) -> Person | None:
    return None if raw is None else rows.person(raw, rows.named(raw["department"]))


def _loaded(value: object) -> list[dict[str, Any]]:
    """The JSON array of a part (the driver may hand it over as text)."""
    if isinstance(value, str | bytes):
        value = orjson.loads(value)
    return value if isinstance(value, list) else []


def _role_holders(value: object) -> list[RoleHolder]:
    holders: list[RoleHolder] = []
    for raw in _loaded(value):
        user = _person(raw["user"])
        assert user is not None  # an inner join: every holder is a user
        holders.append(RoleHolder(id=raw["id"], role=rows.role(raw["role"]), user=user))
    return holders


def _descriptive(value: object) -> list[DescriptiveField]:
    return [
        DescriptiveField(
            id=raw["id"],
            kind=raw["kind"],
            description=raw["description"],
            updated_on=_utc(raw["updated_on"]),
            updated_by=_person(raw["updated_by"]),
            stage=rows.stage(raw["stage"]),
        )
        for raw in _loaded(value)
    ]


def _build(row: Sequence[Any], parts: tuple[tuple[Part, int], ...]) -> Release:
    release = _RELEASES.build(row)
    for part, at in parts:
        if part is Part.ROLES:
            release.roles = _role_holders(row[at])
        elif part is Part.SERVICES:
            release.services = [Named(id=s["id"], name=s["name"]) for s in _loaded(row[at])]
        else:
            release.descriptive_fields = _descriptive(row[at])
    return release


async def load(
    session: AsyncSession, release_ids: Sequence[int], parts: frozenset[Part] = EVERYTHING
) -> dict[int, Release]:
    """Releases by id (missing ids are left out), with the related `parts` asked for, in one
    statement."""
    if not release_ids:
        return {}
    one = len(release_ids) == 1
    prepared = _statement(session.get_bind().dialect.name, frozenset(parts), one)
    ids = release_ids[0] if one else list(release_ids)
    found = await driver.fetch(session, prepared.statement, {"ids": ids})
    return {release.id: release for release in (_build(row, prepared.parts) for row in found)}


async def load_one(
    session: AsyncSession, release_id: int, parts: frozenset[Part] = EVERYTHING
) -> Release | None:
    return (await load(session, [release_id], parts)).get(release_id)


async def id_of_uuid(session: AsyncSession, portal_id: int, release_uuid: uuid.UUID) -> int | None:
    """The numeric id of the release with this UUID in the portal (dialects may name it so)."""
    result = await session.execute(
        select(ReleaseRow.id).where(
            ReleaseRow.portal_id == portal_id, ReleaseRow.uuid == release_uuid
        )
    )
    return result.scalar_one_or_none()
