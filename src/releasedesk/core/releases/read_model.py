"""Releases as responses show them, loaded with plain Core queries (no ORM identity map).

The ORM stays the write model. Reads build light attribute objects with the same names the
ORM entities have (release.priority.name, release.role_assignments[0].user.email_id, …), so
translators and history snapshots work on either. Four queries load any number of releases:
the rows with every lookup joined, then their roles, services and descriptive fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, bindparam, case, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from releasedesk.core.releases.schemas import DESCRIPTIVE_KINDS
from releasedesk.db.models import (
    Category,
    ClosureCode,
    Department,
    Impact,
    Item,
    Priority,
    Release,
    ReleaseDescriptiveField,
    ReleaseRole,
    ReleaseRoleAssignment,
    ReleaseService,
    ReleaseStage,
    ReleaseStatus,
    ReleaseTemplate,
    ReleaseType,
    Risk,
    Service,
    Site,
    Subcategory,
    SupportGroup,
    Urgency,
    User,
    Workflow,
)

View = SimpleNamespace

RELEASE_COLUMNS = (
    "id",
    "portal_id",
    "uuid",
    "version",
    "title",
    "description",
    "short_description",
    "template_id",
    "stage_id",
    "status_id",
    "emergency",
    "notes_present",
    "scheduled_start_time",
    "scheduled_end_time",
    "next_review_on",
    "created_time",
    "last_updated_time",
    "completed_time",
    "deleted_time",
    "created_by_id",
)
USER_COLUMNS = ("id", "name", "email_id", "phone", "mobile", "is_vipuser", "role")
SIMPLE_LOOKUPS = {
    "priority": (Priority, ("color",)),
    "impact": (Impact, ()),
    "urgency": (Urgency, ()),
    "risk": (Risk, ()),
    "release_type": (ReleaseType, ("color", "pre_approved")),
    "category": (Category, ()),
    "subcategory": (Subcategory, ("parent_id",)),
    "item": (Item, ("parent_id",)),
    "site": (Site, ()),
    "closure_code": (ClosureCode, ()),
}


class _Columns:
    """Labelled columns of one joined entity, and how to rebuild it from a row."""

    def __init__(self, prefix: str, entity: Any, names: Sequence[str]) -> None:
        self.prefix = prefix
        self.names = tuple(names)
        self.columns = [getattr(entity, n).label(f"{prefix}__{n}") for n in self.names]

    def build(self, row: Any) -> View | None:
        mapping = row._mapping
        if mapping[f"{self.prefix}__id"] is None:
            return None
        return View(**{n: mapping[f"{self.prefix}__{n}"] for n in self.names})


def _user_columns(prefix: str, user: Any, department: Any) -> tuple[_Columns, _Columns]:
    return (
        _Columns(prefix, user, USER_COLUMNS),
        _Columns(f"{prefix}_dept", department, ("id", "name")),
    )


def _user(row: Any, columns: tuple[_Columns, _Columns]) -> View | None:
    user = columns[0].build(row)
    if user is not None:
        user.department = columns[1].build(row)
    return user


class _ReleaseQuery:
    """The main statement: a release row with every lookup it points at, built once."""

    def __init__(self) -> None:
        self.lookups: dict[str, tuple[_Columns, Any]] = {}
        joins: list[tuple[Any, Any]] = []
        columns: list[Any] = [getattr(Release, n) for n in RELEASE_COLUMNS]
        for name, (model, extra) in SIMPLE_LOOKUPS.items():
            alias = aliased(model, name=f"rm_{name}")
            cols = _Columns(name, alias, ("id", "name", *extra))
            self.lookups[name] = (cols, alias)
            columns += cols.columns
            joins.append((alias, getattr(Release, f"{name}_id") == alias.id))
        group, group_site = aliased(SupportGroup, name="rm_group"), aliased(Site, name="rm_gsite")
        self.group = _Columns("group", group, ("id", "name"))
        self.group_site = _Columns("group_site", group_site, ("id", "name"))
        joins += [
            (group, Release.group_id == group.id),
            (group_site, group.site_id == group_site.id),
        ]
        template, workflow = aliased(ReleaseTemplate, name="rm_t"), aliased(Workflow, name="rm_w")
        self.template = _Columns("template", template, ("id", "name"))
        self.workflow = _Columns("workflow", workflow, ("id", "name", "type", "validated"))
        joins += [
            (template, Release.template_id == template.id),
            (workflow, template.workflow_id == workflow.id),
        ]
        stage, status = (
            aliased(ReleaseStage, name="rm_stage"),
            aliased(ReleaseStatus, name="rm_status"),
        )
        self.stage = _Columns(
            "stage", stage, ("id", "name", "internal_name", "stage_index", "description")
        )
        self.status = _Columns(
            "status", status, ("id", "name", "internal_name", "status_type", "stage_id")
        )
        joins += [(stage, Release.stage_id == stage.id), (status, Release.status_id == status.id)]
        creator, creator_dept = aliased(User, name="rm_creator"), aliased(Department, name="rm_cd")
        self.creator = _user_columns("creator", creator, creator_dept)
        joins += [
            (creator, Release.created_by_id == creator.id),
            (creator_dept, creator.department_id == creator_dept.id),
        ]
        for part in (
            self.group,
            self.group_site,
            self.template,
            self.workflow,
            self.stage,
            self.status,
            *self.creator,
        ):
            columns += part.columns
        statement = select(*columns).select_from(Release)
        for target, onclause in joins:
            statement = statement.outerjoin(target, onclause)
        self.statement = statement

    def build(self, row: Any) -> View:
        mapping = row._mapping
        release = View(**{n: mapping[n] for n in RELEASE_COLUMNS})
        for name, (cols, _) in self.lookups.items():
            setattr(release, name, cols.build(row))
        release.group = self.group.build(row)
        if release.group is not None:
            release.group.site = self.group_site.build(row)
        release.template = self.template.build(row)
        release.template.workflow = self.workflow.build(row)
        release.stage = self.stage.build(row)
        release.status = self.status.build(row)
        release.status.stage = (
            release.stage
            if release.status.stage_id == release.stage.id
            else View(id=release.status.stage_id)
        )
        release.created_by = _user(row, self.creator)
        release.role_assignments, release.service_links, release.descriptive_fields = [], [], []
        return release


_RELEASES = _ReleaseQuery()
_ROLE = _Columns("role", ReleaseRole, ("id", "name", "internal_name", "user_type", "prominent"))
_HOLDER = _user_columns("holder", User, Department)
_FIELD_STAGE = _Columns(
    "fstage", ReleaseStage, ("id", "name", "internal_name", "stage_index", "description")
)
_STAGE_OF_KIND = case(
    {kind: stage for kind, (_, stage) in DESCRIPTIVE_KINDS.items()},
    value=ReleaseDescriptiveField.kind,
)


_IDS: Any = bindparam("ids", expanding=True)
_EDITOR_USER, _EDITOR_DEPT = aliased(User, name="rm_editor"), aliased(Department, name="rm_ed")
_EDITOR = _user_columns("editor", _EDITOR_USER, _EDITOR_DEPT)

# Built once: executing a prebuilt statement skips constructing it and most of its cache key.
_RELEASES_STMT = _RELEASES.statement.where(Release.id.in_(_IDS))
_ROLES_STMT = (
    select(
        ReleaseRoleAssignment.id,
        ReleaseRoleAssignment.release_id,
        ReleaseRoleAssignment.role_id,
        ReleaseRoleAssignment.user_id,
        *_ROLE.columns,
        *_HOLDER[0].columns,
        *_HOLDER[1].columns,
    )
    .join(ReleaseRole, ReleaseRole.id == ReleaseRoleAssignment.role_id)
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
        *_EDITOR[0].columns,
        *_EDITOR[1].columns,
        *_FIELD_STAGE.columns,
    )
    .join(Release, Release.id == ReleaseDescriptiveField.release_id)
    .outerjoin(
        ReleaseStage,
        and_(
            ReleaseStage.portal_id == Release.portal_id,
            ReleaseStage.internal_name == _STAGE_OF_KIND,
        ),
    )
    .outerjoin(_EDITOR_USER, _EDITOR_USER.id == ReleaseDescriptiveField.updated_by_id)
    .outerjoin(_EDITOR_DEPT, _EDITOR_DEPT.id == _EDITOR_USER.department_id)
    .where(ReleaseDescriptiveField.release_id.in_(_IDS))
    .order_by(ReleaseDescriptiveField.id)
)


ROLES, SERVICES, FIELDS = "roles", "services", "descriptive_fields"
EVERYTHING = frozenset({ROLES, SERVICES, FIELDS})


async def load(
    session: AsyncSession, release_ids: Sequence[int], parts: frozenset[str] = EVERYTHING
) -> dict[int, View]:
    """Releases by id (missing ids are left out), with the related `parts` asked for
    (roles, services, descriptive fields); a list that shows none of them skips 3 queries."""
    if not release_ids:
        return {}
    params = {"ids": list(release_ids)}
    rows = await session.execute(_RELEASES_STMT, params)
    releases = {row.id: _RELEASES.build(row) for row in rows}
    if not releases:
        return releases
    params = {"ids": list(releases)}
    for row in await session.execute(_ROLES_STMT, params) if ROLES in parts else ():
        releases[row.release_id].role_assignments.append(
            View(
                id=row.id,
                role_id=row.role_id,
                user_id=row.user_id,
                role=_ROLE.build(row),
                user=_user(row, _HOLDER),
            )
        )
    for row in await session.execute(_SERVICES_STMT, params) if SERVICES in parts else ():
        releases[row.release_id].service_links.append(
            View(service_id=row.id, service=View(id=row.id, name=row.name))
        )
    for row in await session.execute(_FIELDS_STMT, params) if FIELDS in parts else ():
        releases[row.release_id].descriptive_fields.append(
            View(
                id=row.id,
                kind=row.kind,
                description=row.description,
                updated_on=row.updated_on,
                updated_by=_user(row, _EDITOR),
                stage=_FIELD_STAGE.build(row),
            )
        )
    return releases


async def load_one(session: AsyncSession, release_id: int) -> View | None:
    return (await load(session, [release_id])).get(release_id)
