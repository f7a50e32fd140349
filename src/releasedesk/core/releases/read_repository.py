"""The SQL of the read side: releases loaded by prebuilt Core statements into typed views.

The ORM stays the write model. Four statements load any number of releases: the rows with
every lookup joined, then (when asked for) their role holders, services and descriptive
fields. The release columns and lookups come from the field registry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
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

from releasedesk.core.releases import fields
from releasedesk.core.releases.parts import EVERYTHING, Part
from releasedesk.core.releases.views import (
    DescriptiveField,
    Group,
    Named,
    Person,
    Release,
    ReleaseRole,
    RoleHolder,
    Template,
    Workflow,
)
from releasedesk.core.workflow.views import Stage, Status
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
_NAMED_EXTRA = ("color", "pre_approved", "parent_id")
USER_COLUMNS = ("id", "name", "email_id", "phone", "mobile", "is_vipuser", "role")
STAGE_COLUMNS = ("id", "name", "internal_name", "stage_index", "description")
STATUS_COLUMNS = ("id", "name", "internal_name", "status_type", "stage_id")
ROLE_COLUMNS = ("id", "name", "internal_name", "user_type", "prominent")
# The registry's lookups that are plain named values (the others are built by hand below).
_SIMPLE_LOOKUPS = tuple(
    f.name for f in fields.LOOKUPS if f.lookup in LOOKUP_MODELS and f.name != "group"
)


class _Columns:
    """Labelled columns of one joined entity, and how to read them back from a row: by
    position (`start`, set when the statement places them), since a row read as a tuple
    costs a fraction of a lookup by label per value."""

    def __init__(self, prefix: str, entity: Any, names: Sequence[str]) -> None:
        self.prefix = prefix
        self.names = tuple(names)
        self.labels = tuple(f"{prefix}__{n}" for n in self.names)
        self.columns = [
            getattr(entity, n).label(lbl) for n, lbl in zip(names, self.labels, strict=True)
        ]
        self.start = -1
        self.stop = -1

    def place(self, start: int) -> int:
        """Where these columns begin in the statement; where the next ones begin."""
        self.start, self.stop = start, start + len(self.names)
        return self.stop

    def values(self, row: tuple[Any, ...]) -> dict[str, Any] | None:
        if row[self.start] is None:
            return None
        return dict(zip(self.names, row[self.start : self.stop], strict=True))

    def build(self, row: tuple[Any, ...], make: Callable[..., Any]) -> Any:
        values = self.values(row)
        return None if values is None else make(**values)


def _named_columns(prefix: str, entity: Any) -> _Columns:
    extra = [n for n in _NAMED_EXTRA if hasattr(entity, n)]
    return _Columns(prefix, entity, ("id", "name", *extra))


class _PersonColumns:
    def __init__(self, prefix: str, user: Any, department: Any) -> None:
        self.user = _Columns(prefix, user, USER_COLUMNS)
        self.department = _Columns(f"{prefix}_dept", department, ("id", "name"))
        self.columns = [*self.user.columns, *self.department.columns]

    def place(self, start: int) -> int:
        return self.department.place(self.user.place(start))

    def build(self, row: tuple[Any, ...]) -> Person | None:
        values = self.user.values(row)
        if values is None:
            return None
        return Person(**values, department=self.department.build(row, Named))


class _ReleaseStatement:
    """The main statement: a release row with every lookup it points at, built once."""

    def __init__(self) -> None:
        joins: list[tuple[Any, Any]] = []
        columns: list[Any] = [getattr(ReleaseRow, n) for n in _ROW_COLUMNS]
        self.lookups: dict[str, _Columns] = {}
        for name in _SIMPLE_LOOKUPS:
            alias = aliased(LOOKUP_MODELS[fields.BY_NAME[name].lookup or name], name=f"rm_{name}")
            self.lookups[name] = _named_columns(name, alias)
            joins.append((alias, getattr(ReleaseRow, f"{name}_id") == alias.id))
        group, group_site = aliased(SupportGroup, name="rm_group"), aliased(Site, name="rm_gsite")
        self.group = _Columns("group", group, ("id", "name"))
        self.group_site = _Columns("group_site", group_site, ("id", "name"))
        template, workflow = (
            aliased(ReleaseTemplate, name="rm_t"),
            aliased(WorkflowRow, name="rm_w"),
        )
        self.template = _Columns("template", template, ("id", "name"))
        self.workflow = _Columns("workflow", workflow, ("id", "name", "type", "validated"))
        stage = aliased(ReleaseStage, name="rm_stage")
        status = aliased(ReleaseStatus, name="rm_status")
        self.stage = _Columns("stage", stage, STAGE_COLUMNS)
        self.status = _Columns("status", status, STATUS_COLUMNS)
        creator, creator_dept = aliased(User, name="rm_creator"), aliased(Department, name="rm_cd")
        self.creator = _PersonColumns("creator", creator, creator_dept)
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
        parts: list[_Columns | _PersonColumns] = [
            *self.lookups.values(),
            self.group,
            self.group_site,
            self.template,
            self.workflow,
            self.stage,
            self.status,
            self.creator,
        ]
        start = len(columns)
        for part in parts:
            columns += part.columns
            start = part.place(start)
        statement = select(*columns).select_from(ReleaseRow)
        for target, onclause in joins:
            statement = statement.outerjoin(target, onclause)
        self.statement = statement

    def build(self, row: tuple[Any, ...]) -> Release:
        values: dict[str, Any] = dict(zip(_ROW_COLUMNS, row, strict=False))
        if not isinstance(values["uuid"], uuid.UUID):
            values["uuid"] = uuid.UUID(str(values["uuid"]))
        for name, cols in self.lookups.items():
            values[name] = cols.build(row, Named)
        group = self.group.values(row)
        values["group"] = (
            None if group is None else Group(**group, site=self.group_site.build(row, Named))
        )
        template = self.template.values(row)
        assert template is not None  # every release has a template (NOT NULL foreign key)
        values["template"] = Template(**template, workflow=self.workflow.build(row, Workflow))
        values["stage"] = self.stage.build(row, Stage)
        values["status"] = self.status.build(row, Status)
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
    pairs = {name: getattr(user, name) for name in USER_COLUMNS}
    return _json_or_null(dialect, user.id, {**pairs, "department": department_json})


def _stage_json(dialect: str, stage: Any) -> ColumnElement[Any]:
    return _json_or_null(dialect, stage.id, {n: getattr(stage, n) for n in STAGE_COLUMNS})


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
            "role": _json_object(dialect, {n: getattr(role, n) for n in ROLE_COLUMNS}),
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


@cache
def _statement(dialect: str, parts: frozenset[Part], one: bool) -> Select[Any]:
    """The one statement for releases by id with `parts`, built once per dialect, parts and
    whether it loads one release or several."""
    extra = [_PART_JSON[part](dialect).label(part.value) for part in Part if part in parts]
    return _RELEASES.statement.add_columns(*extra).where(_with_ids(dialect, one))


def _utc(value: object) -> dt.datetime | None:
    """A time inside the JSON: ISO text (PostgreSQL adds the offset; SQLite stores UTC)."""
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(str(value).replace(" ", "T"))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _named(raw: dict[str, Any] | None) -> Named | None:
    return None if raw is None else Named(id=raw["id"], name=raw["name"])


def _person(raw: dict[str, Any] | None) -> Person | None:
    if raw is None:
        return None
    return Person(
        id=raw["id"],
        name=raw["name"],
        email_id=raw["email_id"],
        phone=raw["phone"],
        mobile=raw["mobile"],
        is_vipuser=bool(raw["is_vipuser"]),
        role=raw["role"],
        department=_named(raw["department"]),
    )


def _loaded(value: object) -> list[dict[str, Any]]:
    """The JSON array of a part (the driver may hand it over as text)."""
    if isinstance(value, str | bytes):
        value = orjson.loads(value)
    return value if isinstance(value, list) else []


def _role_holders(value: object) -> list[RoleHolder]:
    holders: list[RoleHolder] = []
    for raw in _loaded(value):
        role, user = raw["role"], _person(raw["user"])
        assert user is not None  # an inner join: every holder is a user
        holders.append(
            RoleHolder(
                id=raw["id"],
                role=ReleaseRole(
                    id=role["id"],
                    name=role["name"],
                    internal_name=role["internal_name"],
                    user_type=role["user_type"],
                    prominent=bool(role["prominent"]),
                ),
                user=user,
            )
        )
    return holders


def _stage(raw: dict[str, Any] | None) -> Stage | None:
    return None if raw is None else Stage(**{n: raw[n] for n in STAGE_COLUMNS})


def _descriptive(value: object) -> list[DescriptiveField]:
    return [
        DescriptiveField(
            id=raw["id"],
            kind=raw["kind"],
            description=raw["description"],
            updated_on=_utc(raw["updated_on"]),
            updated_by=_person(raw["updated_by"]),
            stage=_stage(raw["stage"]),
        )
        for raw in _loaded(value)
    ]


_ID = _ROW_COLUMNS.index("id")
_PARTS_START = len(_RELEASES.statement.selected_columns)  # the parts follow, in Part order


def _build(row: tuple[Any, ...], parts: frozenset[Part]) -> Release:
    release = _RELEASES.build(row)
    at = _PARTS_START
    if Part.ROLES in parts:
        release.roles, at = _role_holders(row[at]), at + 1
    if Part.SERVICES in parts:
        release.services = [Named(id=s["id"], name=s["name"]) for s in _loaded(row[at])]
        at += 1
    if Part.DESCRIPTIVE_FIELDS in parts:
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
    statement = _statement(session.get_bind().dialect.name, frozenset(parts), one)
    ids = release_ids[0] if one else list(release_ids)
    rows = await driver.fetch(session, statement, {"ids": ids})
    return {row[_ID]: _build(row, parts) for row in rows}


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
