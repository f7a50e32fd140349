"""Releases: add, get, update and list, with the rules, permissions and history of each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, ReleaseAccess, can_view_release, require_edit_release
from releasedesk.core.errors import (
    Forbidden,
    Invalid,
    Mandatory,
    NotFound,
    TimesOutOfOrder,
    WrongType,
)
from releasedesk.core.lookups import service as lookups
from releasedesk.core.releases import history, read_model, repository, roles
from releasedesk.core.releases.read_model import View
from releasedesk.core.releases.repository import ReleaseView
from releasedesk.core.releases.schemas import (
    DESCRIPTIVE_KINDS,
    LOOKUP_FIELDS,
    TIME_FIELDS,
    Ref,
    ReleaseChanges,
)
from releasedesk.core.releases.search_fields import RELEASE_FIELDS
from releasedesk.core.releases.text import html_to_text, plain_line, sanitize_html
from releasedesk.core.search.paging import Page
from releasedesk.core.search.query import Query
from releasedesk.core.workflow import service as workflow
from releasedesk.db.models import (
    Release,
    ReleaseService,
)

CREATION_COMMENT = "The above Stage/Status is set as part of 'Release' creation"


@dataclass(frozen=True)
class ReleasePage:
    releases: list[Release]
    has_more: bool
    total: int | None


STAFF_ONLY_FIELDS = ("stage", "status", "roles")


def require_workflow_rights(actor: Actor, changes: ReleaseChanges) -> None:
    """Moving a release through its workflow and naming who works on it are staff work: a
    requester who may edit their release in Submission still cannot move or close it (the
    close endpoint refuses them too) or hand out its roles."""
    if actor.is_requester:
        for field in STAFF_ONLY_FIELDS:
            if changes.given(field):
                raise Forbidden(f"Requesters cannot change '{field}'", field)


def access_of(release: Any) -> ReleaseAccess:
    requesters = frozenset(
        a.user_id for a in release.role_assignments if a.role.internal_name == roles.REQUESTER
    )
    return ReleaseAccess(
        stage_internal_name=release.stage.internal_name,
        requester_ids=requesters,
        created_by_id=release.created_by_id,
    )


async def changeable_release(
    session: AsyncSession, actor: Actor, release_id: int, collections: Iterable[str] = ()
) -> tuple[Release, View]:
    """The release to change (ORM row, `collections` loaded) and how it stands now (view),
    after checking the caller may edit it."""
    await repository.lock_release(session, actor.portal_id, release_id)  # before any read
    view = await view_release(session, actor, release_id)
    require_edit_release(actor, access_of(view))
    entity = await repository.get_for_update(session, actor.portal_id, release_id, collections)
    if entity is None:
        raise NotFound(f"No release with id '{release_id}'", "id")
    return entity, view


async def view_release(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    parts: frozenset[str] = read_model.EVERYTHING,
) -> Any:
    """A release as responses show it (read model), if the caller may see it; reads that
    only need the permission check ask for the roles alone."""
    release = (await read_model.load(session, [release_id], parts | {read_model.ROLES})).get(
        release_id
    )
    if release is None or release.portal_id != actor.portal_id:
        raise NotFound(f"No release with id '{release_id}'", "id")
    if not can_view_release(actor, access_of(release)):
        raise Forbidden("You are not allowed to view this release")
    return release


async def list_releases(
    session: AsyncSession,
    actor: Actor,
    query: Query,
    view: ReleaseView = ReleaseView.ALL,
    parts: frozenset[str] = read_model.EVERYTHING,
) -> ReleasePage:
    """One page of the releases the caller may see, filtered and sorted in the database;
    `parts` says which related records (roles, services, descriptive fields) to load."""
    rows, has_more, total = await repository.search(session, actor, view, query, parts)
    return ReleasePage(rows, has_more, total)


async def add_release(session: AsyncSession, actor: Actor, changes: ReleaseChanges) -> View:
    """Create a release; stage and status default to the template's first stage and status."""
    require_workflow_rights(actor, changes)
    if not changes.given("title") or changes.title is None:
        raise Mandatory("title")
    now = dt.datetime.now(dt.UTC)
    template = await workflow.resolve_template(session, actor.portal_id, changes.template)
    stage = (
        await workflow.resolve_stage(session, actor.portal_id, changes.stage)
        if changes.stage is not None
        else await workflow.first_stage(session, actor.portal_id)
    )
    status = (
        await workflow.resolve_status(session, actor.portal_id, stage, changes.status)
        if changes.status is not None
        else await workflow.default_status(session, stage)
    )
    release = Release(
        portal_id=actor.portal_id,
        template_id=template.id,
        stage_id=stage.id,
        status_id=status.id,
        created_time=now,
        created_by_id=actor.user_id,
        title="",
        emergency=False,
        notes_present=False,
        version=1,
    )
    await _apply_fields(session, actor, release, changes)
    if stage.internal_name == "close":
        release.completed_time = now
    service_ids = await _service_ids(session, actor, changes.services or [])
    holders = [
        (role.id, user.id)
        for role, user in await roles.resolve_holders(session, actor, changes.roles or [])
    ]
    requester = await roles.role_by_internal_name(session, actor, roles.REQUESTER)
    if not any(role_id == requester.id for role_id, _ in holders):
        holders.append((requester.id, actor.user_id))  # the creator requests it
    # The release never enters the ORM session: one INSERT … RETURNING, then plain inserts
    # of what hangs off it (an ORM flush of ten new objects cost more than the SQL).
    release_id = await repository.insert_new(session, release)
    await repository.insert_children(
        session,
        release_id,
        descriptive=[
            {
                "kind": kind,
                "description": text,
                "updated_by_id": actor.user_id if text else None,
                "updated_on": now if text else None,
            }
            for kind in DESCRIPTIVE_KINDS
            for text in [_descriptive_text(changes, kind)]
        ],
        services=service_ids,
        holders=holders,
    )
    await repository.insert_status_comment(
        session,
        release_id=release_id,
        stage_id=stage.id,
        status_id=status.id,
        comment=_comment(changes) or CREATION_COMMENT,
        commented_by_id=actor.user_id,
        commented_on=now,
    )
    await history.record(
        session,
        release_id=release_id,
        actor=actor,
        operation="add",
        description="Release created",
        time=now,
    )
    view = await read_model.load_one(session, release_id)
    assert view is not None
    return view


async def update_release(
    session: AsyncSession, actor: Actor, release_id: int, changes: ReleaseChanges
) -> View:
    """Change only the fields given; each change is a history diff, a move a status comment."""
    collections = [
        name
        for name, given in (
            ("roles", changes.given("roles")),
            ("services", changes.given("services")),
            ("descriptive_fields", any(changes.given(k) for k in DESCRIPTIVE_KINDS)),
        )
        if given
    ]
    release, current = await changeable_release(session, actor, release_id, collections)
    require_workflow_rights(actor, changes)
    if current.deleted_time is not None:
        raise Invalid("A release in the trash cannot be edited; restore it first", "id")
    if changes.given("title") and changes.title is None:
        raise Mandatory("title")
    now = dt.datetime.now(dt.UTC)
    before = history.snapshot(current)
    old_stage, old_status = release.stage_id, release.status_id

    if changes.given("template") and changes.template is not None:
        release.template_id = (
            await workflow.resolve_template(session, actor.portal_id, changes.template)
        ).id
    await _move(session, actor, release, current, changes, now)
    await _apply_fields(session, actor, release, changes, existing=current)
    await _update_descriptive_fields(release, changes, actor, now)
    if changes.given("services"):
        service_ids = await _service_ids(session, actor, changes.services or [])
        release.service_links = [
            link for link in release.service_links if link.service_id in service_ids
        ]
        kept = {link.service_id for link in release.service_links}
        release.service_links.extend(
            ReleaseService(service_id=s) for s in service_ids if s not in kept
        )
    if changes.given("roles"):
        holders = await roles.resolve_holders(session, actor, changes.roles or [])
        await roles.set_holders(session, actor, release, holders, now)
    release.last_updated_time = now
    release.version += 1
    release = await repository.refresh(session, release)

    await record_changes(
        session,
        actor,
        release,
        before,
        now,
        _comment(changes),
        moved=(release.stage_id, release.status_id) != (old_stage, old_status),
    )
    await session.flush()
    return release


def _comment(changes: ReleaseChanges) -> str | None:
    if not changes.comment:
        return None
    return plain_line(changes.comment, "comment", max_length=4000) or None


def _descriptive_text(changes: ReleaseChanges, kind: str) -> str | None:
    text = getattr(changes, kind)
    return sanitize_html(text) if text else None


async def _move(
    session: AsyncSession,
    actor: Actor,
    release: Release,
    current: View,
    changes: ReleaseChanges,
    now: dt.datetime,
) -> None:
    """Stage and status: a status must belong to the stage it is set with."""
    if changes.given("stage") and changes.stage is None:
        raise Invalid("'stage' cannot be empty", "stage")
    if changes.given("status") and changes.status is None:
        raise Invalid("'status' cannot be empty", "status")
    if changes.stage is None and changes.status is None:
        return
    stage = (
        await workflow.resolve_stage(session, actor.portal_id, changes.stage)
        if changes.stage is not None
        else current.stage
    )
    if changes.status is not None:
        status = await workflow.resolve_status(session, actor.portal_id, stage, changes.status)
    elif stage.id != release.stage_id:
        status = await workflow.default_status(session, stage)
    else:
        status = current.status
    release.stage_id, release.status_id = stage.id, status.id
    release.completed_time = (
        (release.completed_time or now) if stage.internal_name == "close" else None
    )


async def _apply_fields(
    session: AsyncSession,
    actor: Actor,
    release: Release,
    changes: ReleaseChanges,
    existing: View | None = None,
) -> None:
    """Title, description, lookups, flags and times; validates the category tree and times."""
    if changes.given("title") and changes.title is not None:
        release.title = plain_line(changes.title, "title", mandatory=True)
    if changes.given("description"):
        release.description = sanitize_html(changes.description) if changes.description else None
        release.short_description = html_to_text(release.description)
    if changes.given("emergency"):
        if changes.emergency is None:
            raise WrongType("'emergency' must be true or false", "emergency")
        release.emergency = changes.emergency
    for field, kind in LOOKUP_FIELDS.items():
        if not changes.given(field) or field in ("subcategory", "item"):
            continue
        ref = getattr(changes, field)
        row = (
            None
            if ref is None
            else await lookups.resolve(session, actor.portal_id, kind, ref, field=field)
        )
        setattr(release, f"{field}_id", None if row is None else row.id)
    await _apply_category_tree(session, actor, release, changes, existing)
    for field in TIME_FIELDS:
        if changes.given(field):
            setattr(release, field, getattr(changes, field))
    start, end = release.scheduled_start_time, release.scheduled_end_time
    if start is not None and end is not None and end < start:
        raise TimesOutOfOrder(
            "'scheduled_end_time' is before 'scheduled_start_time'", "scheduled_end_time"
        )


async def _apply_category_tree(
    session: AsyncSession,
    actor: Actor,
    release: Release,
    changes: ReleaseChanges,
    existing: View | None,
) -> None:
    """A subcategory belongs to the category, an item to the subcategory."""
    # A new category drops a subcategory and item that no longer fit under it.
    if (
        changes.given("category")
        and existing is not None
        and not changes.given("subcategory")
        and existing.subcategory is not None
        and existing.subcategory.parent_id != release.category_id
    ):
        release.subcategory_id = None
        release.item_id = None
    if changes.given("subcategory"):
        release.subcategory_id = await _tree_child(
            session, actor, "subcategory", changes.subcategory, release.category_id, "category"
        )
        if release.subcategory_id is None:
            release.item_id = None
    if changes.given("item"):
        release.item_id = await _tree_child(
            session, actor, "item", changes.item, release.subcategory_id, "subcategory"
        )


async def _tree_child(
    session: AsyncSession,
    actor: Actor,
    kind: str,
    ref: Ref | None,
    parent_id: int | None,
    parent_kind: str,
) -> int | None:
    """A subcategory under its category, an item under its subcategory (None clears it)."""
    if ref is None:
        return None
    if parent_id is None:
        raise Invalid(f"'{kind}' needs a {parent_kind}", kind)
    row = await lookups.resolve(
        session, actor.portal_id, kind, ref, field=kind, parent_id=parent_id
    )
    if getattr(row, "parent_id", None) != parent_id:
        raise Invalid(f"{kind.capitalize()} '{row.name}' is not under the {parent_kind}", kind)
    return row.id


async def _update_descriptive_fields(
    release: Release, changes: ReleaseChanges, actor: Actor, now: dt.datetime
) -> None:
    if not any(changes.given(kind) for kind in DESCRIPTIVE_KINDS):
        return  # the collection is loaded only when a change touches it
    by_kind = {f.kind: f for f in release.descriptive_fields}
    for kind in DESCRIPTIVE_KINDS:
        if changes.given(kind) and kind in by_kind:
            row = by_kind[kind]
            row.description = _descriptive_text(changes, kind)
            row.updated_by_id, row.updated_on = actor.user_id, now


async def _service_ids(
    session: AsyncSession, actor: Actor, refs: list[dict[str, Any]]
) -> list[int]:
    ids: list[int] = []
    for ref in refs:
        row = await lookups.resolve(session, actor.portal_id, "service", ref, field="services")
        if row.id not in ids:
            ids.append(row.id)
    return ids


SEARCHABLE_FIELDS = frozenset(RELEASE_FIELDS)
SORTABLE_FIELDS = frozenset(name for name, spec in RELEASE_FIELDS.items() if spec.sortable)
VIEWS = {view.value: view for view in ReleaseView}


async def record_changes(
    session: AsyncSession,
    actor: Actor,
    release: Release,
    before: dict[str, Any],
    now: dt.datetime,
    comment: str | None,
    *,
    moved: bool,
    operation: str = "update",
) -> None:
    """History for a change (field diffs; a stage/status move apart) and its status comment."""
    changes = history.diff(before, history.snapshot(release))
    move = [c for c in changes if c["field"] in history.MOVE_FIELDS]
    fields = [c for c in changes if c["field"] not in history.MOVE_FIELDS]
    if operation != "update":
        await history.record(
            session,
            release_id=release.id,
            actor=actor,
            operation=operation,
            changes=changes,
            description=comment,
            time=now,
        )
    else:
        if move:
            await history.record(
                session,
                release_id=release.id,
                actor=actor,
                operation="status_change",
                changes=move,
                description=comment,
                time=now,
            )
        if fields:
            await history.record(
                session,
                release_id=release.id,
                actor=actor,
                operation="update",
                changes=fields,
                time=now,
            )
    if moved or comment:
        await repository.insert_status_comment(
            session,
            release_id=release.id,
            stage_id=release.stage_id,
            status_id=release.status_id,
            comment=comment,
            commented_by_id=actor.user_id,
            commented_on=now,
        )


async def release_history(
    session: AsyncSession, actor: Actor, release_id: int, query: Query
) -> tuple[Release, Page]:
    """Every change to a release, newest first, one page of it."""
    release = await view_release(session, actor, release_id, frozenset())
    return release, await repository.history_page(session, release.id, query)


async def release_status_comments(
    session: AsyncSession, actor: Actor, release_id: int, query: Query
) -> tuple[Release, Page]:
    """The comments given with each stage/status move, newest first."""
    release = await view_release(session, actor, release_id, frozenset())
    return release, await repository.status_comments_page(session, release.id, query)


FIELD_DISPLAY_NAMES = history.FIELD_DISPLAY_NAMES
