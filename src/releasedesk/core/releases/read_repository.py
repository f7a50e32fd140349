"""The SQL of the read side: releases loaded by prebuilt Core statements into typed views.

The ORM stays the write model. Four statements load any number of releases: the rows with
every lookup joined, then (when asked for) their role holders, services and descriptive
fields. The release columns and lookups come from the field registry.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, and_, bindparam, case, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from releasedesk.core.releases import fields
from releasedesk.core.releases.views import (
    DescriptiveField,
    Group,
    Named,
    Person,
    Release,
    ReleaseRole,
    RoleHolder,
    Stage,
    Status,
    Template,
    Workflow,
)
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


class Part(StrEnum):
    """Related records a read may ask for besides the release row."""

    ROLES = "roles"
    SERVICES = "services"
    DESCRIPTIVE_FIELDS = "descriptive_fields"


EVERYTHING = frozenset(Part)
NOTHING: frozenset[Part] = frozenset()

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
    """Labelled columns of one joined entity, and how to read them back from a row."""

    def __init__(self, prefix: str, entity: Any, names: Sequence[str]) -> None:
        self.prefix = prefix
        self.names = tuple(names)
        self.labels = tuple(f"{prefix}__{n}" for n in self.names)
        self.columns = [
            getattr(entity, n).label(lbl) for n, lbl in zip(names, self.labels, strict=True)
        ]

    def values(self, row: Row[Any]) -> dict[str, Any] | None:
        mapping = row._mapping
        if mapping[self.labels[0]] is None:
            return None
        return {n: mapping[lbl] for n, lbl in zip(self.names, self.labels, strict=True)}

    def build(self, row: Row[Any], make: Callable[..., Any]) -> Any:
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

    def build(self, row: Row[Any]) -> Person | None:
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
        for part in (
            *self.lookups.values(),
            self.group,
            self.group_site,
            self.template,
            self.workflow,
            self.stage,
            self.status,
        ):
            columns += part.columns
        columns += self.creator.columns
        statement = select(*columns).select_from(ReleaseRow)
        for target, onclause in joins:
            statement = statement.outerjoin(target, onclause)
        self.statement = statement

    def build(self, row: Row[Any]) -> Release:
        mapping = row._mapping
        values: dict[str, Any] = {n: mapping[n] for n in _ROW_COLUMNS}
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
_ROLE = _Columns("role", ReleaseRoleRow, ROLE_COLUMNS)
_HOLDER = _PersonColumns("holder", User, Department)
_FIELD_STAGE = _Columns("fstage", ReleaseStage, STAGE_COLUMNS)
_STAGE_OF_KIND = case(
    {kind: str(stage) for kind, stage in fields.STAGE_OF_DESCRIPTIVE.items()},
    value=ReleaseDescriptiveField.kind,
)
_EDITOR_USER, _EDITOR_DEPT = aliased(User, name="rm_editor"), aliased(Department, name="rm_ed")
_EDITOR = _PersonColumns("editor", _EDITOR_USER, _EDITOR_DEPT)
_IDS: Any = bindparam("ids", expanding=True)

# Built once: executing a prebuilt statement skips constructing it and most of its cache key.
_RELEASES_STMT = _RELEASES.statement.where(ReleaseRow.id.in_(_IDS))
_ROLES_STMT = (
    select(
        ReleaseRoleAssignment.id,
        ReleaseRoleAssignment.release_id,
        *_ROLE.columns,
        *_HOLDER.columns,
    )
    .join(ReleaseRoleRow, ReleaseRoleRow.id == ReleaseRoleAssignment.role_id)
    .join(User, User.id == ReleaseRoleAssignment.user_id)
    .outerjoin(Department, Department.id == User.department_id)
    .where(ReleaseRoleAssignment.release_id.in_(_IDS))
    .order_by(ReleaseRoleAssignment.id)
)
_SERVICES_STMT = (
    select(ReleaseService.release_id, Service.id, Service.name)
    .join(Service, Service.id == ReleaseService.service_id)
    .where(ReleaseService.release_id.in_(_IDS))
    .order_by(ReleaseService.service_id)
)
_FIELDS_STMT = (
    select(
        ReleaseDescriptiveField.id,
        ReleaseDescriptiveField.release_id,
        ReleaseDescriptiveField.kind,
        ReleaseDescriptiveField.description,
        ReleaseDescriptiveField.updated_on,
        *_EDITOR.columns,
        *_FIELD_STAGE.columns,
    )
    .join(ReleaseRow, ReleaseRow.id == ReleaseDescriptiveField.release_id)
    .outerjoin(
        ReleaseStage,
        and_(
            ReleaseStage.portal_id == ReleaseRow.portal_id,
            ReleaseStage.internal_name == _STAGE_OF_KIND,
        ),
    )
    .outerjoin(_EDITOR_USER, _EDITOR_USER.id == ReleaseDescriptiveField.updated_by_id)
    .outerjoin(_EDITOR_DEPT, _EDITOR_DEPT.id == _EDITOR_USER.department_id)
    .where(ReleaseDescriptiveField.release_id.in_(_IDS))
    .order_by(ReleaseDescriptiveField.id)
)


async def load(
    session: AsyncSession, release_ids: Sequence[int], parts: frozenset[Part] = EVERYTHING
) -> dict[int, Release]:
    """Releases by id (missing ids are left out), with the related `parts` asked for; a
    list that shows none of them skips three statements."""
    if not release_ids:
        return {}
    rows = await session.execute(_RELEASES_STMT, {"ids": list(release_ids)})
    releases = {row.id: _RELEASES.build(row) for row in rows}
    if not releases:
        return releases
    params = {"ids": list(releases)}
    if Part.ROLES in parts:
        for row in await session.execute(_ROLES_STMT, params):
            user = _HOLDER.build(row)
            assert user is not None  # an inner join: every holder is a user
            releases[row.release_id].roles.append(
                RoleHolder(id=row.id, role=_ROLE.build(row, ReleaseRole), user=user)
            )
    if Part.SERVICES in parts:
        for row in await session.execute(_SERVICES_STMT, params):
            releases[row.release_id].services.append(Named(id=row.id, name=row.name))
    if Part.DESCRIPTIVE_FIELDS in parts:
        for row in await session.execute(_FIELDS_STMT, params):
            releases[row.release_id].descriptive_fields.append(
                DescriptiveField(
                    id=row.id,
                    kind=row.kind,
                    description=row.description,
                    updated_on=row.updated_on,
                    updated_by=_EDITOR.build(row),
                    stage=_FIELD_STAGE.build(row, Stage),
                )
            )
    return releases


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
