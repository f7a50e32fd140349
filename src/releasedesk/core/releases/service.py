"""Releases: add, get, update and list, with the rules, permissions and history of each."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.approvals import gating
from releasedesk.core.deployment import gate as deployment_gate
from releasedesk.core.errors import (
    Forbidden,
    Invalid,
    Mandatory,
    NotFound,
    TimesOutOfOrder,
    WrongType,
)
from releasedesk.core.lookups import service as lookups
from releasedesk.core.refs import Ref
from releasedesk.core.releases import fields, history, read_repository, recording, repository
from releasedesk.core.releases import roles as release_roles
from releasedesk.core.releases.access import changeable_release, view_release
from releasedesk.core.releases.history import HistoryEntry, Operation
from releasedesk.core.releases.read_repository import EVERYTHING, NOTHING, Part
from releasedesk.core.releases.schemas import ReleaseChanges
from releasedesk.core.releases.text import comment_text, html_to_text, plain_line, sanitize_html
from releasedesk.core.releases.views import Release, ReleaseFilter, StatusComment
from releasedesk.core.search.paging import Page
from releasedesk.core.search.query import Query
from releasedesk.core.workflow import service as workflow
from releasedesk.core.workflow.names import RoleName, StageName
from releasedesk.db.models import Release as ReleaseRow
from releasedesk.db.models import ReleaseService, ReleaseStage

CREATION_COMMENT = "The above Stage/Status is set as part of 'Release' creation"
STAFF_ONLY_FIELDS = ("stage", "status", "roles")
# Lookups set directly; subcategory and item are checked against their parent.
DIRECT_LOOKUPS = tuple(
    f
    for f in fields.LOOKUPS
    if f.writable
    and f.name not in ("subcategory", "item")
    and f.lookup not in ("stage", "status", "template")
)


def require_workflow_rights(actor: Actor, changes: ReleaseChanges) -> None:
    """Moving a release through its workflow and naming who works on it are staff work: a
    requester who may edit their release in Submission still cannot move or close it (the
    close endpoint refuses them too) or hand out its roles."""
    if actor.is_requester:
        for name in STAFF_ONLY_FIELDS:
            if changes.has(name):
                raise Forbidden(f"Requesters cannot change '{name}'", name)


async def get_release(session: AsyncSession, actor: Actor, release_id: int) -> Release:
    """One release, if the caller may see it."""
    return await view_release(session, actor, release_id)


async def get_release_by_uuid(
    session: AsyncSession, actor: Actor, release_uuid: uuid.UUID
) -> Release:
    """One release named by its UUID (the same release every dialect sees by its id)."""
    release_id = await read_repository.id_of_uuid(session, actor.portal_id, release_uuid)
    if release_id is None:
        raise NotFound(f"No release with id '{release_uuid}'", "id")
    return await view_release(session, actor, release_id)


async def list_releases(
    session: AsyncSession,
    actor: Actor,
    query: Query,
    view: ReleaseFilter = ReleaseFilter.ALL,
    parts: frozenset[Part] = EVERYTHING,
) -> Page[Release]:
    """One page of the releases the caller may see, filtered and sorted in the database;
    `parts` says which related records (roles, services, descriptive fields) to load."""
    return await repository.search(session, actor, view, query, parts)


async def add_release(session: AsyncSession, actor: Actor, changes: ReleaseChanges) -> Release:
    """Create a release; stage and status default to the template's first stage and status."""
    require_workflow_rights(actor, changes)
    if changes.title is None:
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
    release = ReleaseRow(
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
    await _apply_fields(session, actor, release, changes, existing=None)
    if stage.internal_name == StageName.CLOSE:
        release.completed_time = now
    service_ids = await _service_ids(session, actor, changes.services or ())
    holders = [
        (role.id, user.id)
        for role, user in await release_roles.resolve_holders(session, actor, changes.roles or ())
    ]
    requester = await release_roles.role_by_internal_name(session, actor, RoleName.REQUESTER)
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
            for kind in fields.DESCRIPTIVE_KINDS
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
        comment=comment_text(changes.comment) or CREATION_COMMENT,
        commented_by_id=actor.user_id,
        commented_on=now,
    )
    await recording.record(
        session, release_id, actor, Operation.CREATED, description="Release created", time=now
    )
    await deployment_gate.on_stage(session, release_id, stage.internal_name, now)
    view = await read_repository.load_one(session, release_id)
    assert view is not None  # inserted just above, in this transaction
    return view


async def update_release(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    changes: ReleaseChanges,
    *,
    expected_version: int | None = None,
) -> Release:
    """Change only the fields given; each change is a history diff, a move a status comment.
    With `expected_version`, a release changed since that version is a Conflict."""
    collections = [
        part
        for part, given in (
            (Part.ROLES, changes.has("roles")),
            (Part.SERVICES, changes.has("services")),
            (Part.DESCRIPTIVE_FIELDS, any(changes.has(k) for k in fields.DESCRIPTIVE_KINDS)),
        )
        if given
    ]
    release, current = await changeable_release(
        session, actor, release_id, collections, expected_version=expected_version
    )
    require_workflow_rights(actor, changes)
    if current.in_trash:
        raise Invalid("A release in the trash cannot be edited; restore it first", "id")
    if changes.has("title") and changes.title is None:
        raise Mandatory("title")
    now = dt.datetime.now(dt.UTC)
    before = history.snapshot(current)
    old_stage, old_status = release.stage_id, release.status_id

    if changes.template is not None:
        release.template_id = (
            await workflow.resolve_template(session, actor.portal_id, changes.template)
        ).id
    await _move(session, actor, release, current, changes, now)
    await _apply_fields(session, actor, release, changes, existing=current)
    _update_descriptive_fields(release, changes, actor, now)
    if changes.has("services"):
        service_ids = await _service_ids(session, actor, changes.services or ())
        release.service_links = [
            link for link in release.service_links if link.service_id in service_ids
        ]
        kept = {link.service_id for link in release.service_links}
        release.service_links.extend(
            ReleaseService(service_id=s) for s in service_ids if s not in kept
        )
    if changes.has("roles"):
        holders = await release_roles.resolve_holders(session, actor, changes.roles or ())
        await release_roles.set_holders(session, actor, release, holders, now)
    release.last_updated_time = now
    release.version += 1
    moved = (release.stage_id, release.status_id) != (old_stage, old_status)
    after = await repository.refresh(session, release)
    await recording.record_changes(
        session, actor, after, before, now, comment_text(changes.comment), moved=moved
    )
    return after


def _descriptive_text(changes: ReleaseChanges, kind: str) -> str | None:
    text = getattr(changes, kind)
    return sanitize_html(text) if text else None


async def _move(
    session: AsyncSession,
    actor: Actor,
    release: ReleaseRow,
    current: Release,
    changes: ReleaseChanges,
    now: dt.datetime,
) -> None:
    """Stage and status: a status must belong to the stage it is set with."""
    if changes.has("stage") and changes.stage is None:
        raise Invalid("'stage' cannot be empty", "stage")
    if changes.has("status") and changes.status is None:
        raise Invalid("'status' cannot be empty", "status")
    if changes.stage is None and changes.status is None:
        return
    stage: ReleaseStage | None = (
        await workflow.resolve_stage(session, actor.portal_id, changes.stage)
        if changes.stage is not None
        else None
    )
    stage_id = current.stage.id if stage is None else stage.id
    if stage is not None:  # forward only once the stage's approval is approved
        await gating.require_approved_to_leave(session, current.id, current.stage, stage)
    if changes.status is not None:
        status_id = (
            await workflow.resolve_status(
                session, actor.portal_id, stage or current.stage, changes.status
            )
        ).id
    elif stage is not None and stage.id != release.stage_id:
        status_id = (await workflow.default_status(session, stage)).id
    else:
        status_id = current.status.id
    target = (current.stage if stage is None else stage).internal_name
    closing = target == StageName.CLOSE
    if closing and not current.stage.is_closure:  # no end while pipeline executions run
        await deployment_gate.require_can_end(session, current.id)
    release.stage_id, release.status_id = stage_id, status_id
    await deployment_gate.on_stage(session, current.id, target, now)
    release.completed_time = (release.completed_time or now) if closing else None


async def _apply_fields(
    session: AsyncSession,
    actor: Actor,
    release: ReleaseRow,
    changes: ReleaseChanges,
    existing: Release | None,
) -> None:
    """Title, description, lookups, flags and times; validates the category tree and times."""
    if changes.title is not None:
        release.title = plain_line(changes.title, "title", mandatory=True)
    if changes.has("description"):
        release.description = sanitize_html(changes.description) if changes.description else None
        release.short_description = html_to_text(release.description)
    if changes.has("emergency"):
        if changes.emergency is None:
            raise WrongType("'emergency' must be true or false", "emergency")
        release.emergency = changes.emergency
    for field in DIRECT_LOOKUPS:
        if not changes.has(field.name):
            continue
        ref: Ref | None = getattr(changes, field.name)
        row = (
            None
            if ref is None
            else await lookups.resolve(
                session, actor.portal_id, field.lookup or field.name, ref, field=field.name
            )
        )
        setattr(release, field.column, None if row is None else row.id)
    await _apply_category_tree(session, actor, release, changes, existing)
    for field in fields.TIMES:
        if field.writable and changes.has(field.name):
            setattr(release, field.name, getattr(changes, field.name))
    start, end = release.scheduled_start_time, release.scheduled_end_time
    if start is not None and end is not None and end < start:
        raise TimesOutOfOrder(
            "'scheduled_end_time' is before 'scheduled_start_time'", "scheduled_end_time"
        )


async def _apply_category_tree(
    session: AsyncSession,
    actor: Actor,
    release: ReleaseRow,
    changes: ReleaseChanges,
    existing: Release | None,
) -> None:
    """A subcategory belongs to the category, an item to the subcategory."""
    # A new category drops a subcategory and item that no longer fit under it.
    if (
        changes.has("category")
        and existing is not None
        and not changes.has("subcategory")
        and existing.subcategory is not None
        and existing.subcategory.parent_id != release.category_id
    ):
        release.subcategory_id = None
        release.item_id = None
    if changes.has("subcategory"):
        release.subcategory_id = await _tree_child(
            session, actor, "subcategory", changes.subcategory, release.category_id, "category"
        )
        if release.subcategory_id is None:
            release.item_id = None
    if changes.has("item"):
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


def _update_descriptive_fields(
    release: ReleaseRow, changes: ReleaseChanges, actor: Actor, now: dt.datetime
) -> None:
    if not any(changes.has(kind) for kind in fields.DESCRIPTIVE_KINDS):
        return  # the collection is loaded only when a change touches it
    by_kind = {f.kind: f for f in release.descriptive_fields}
    for kind in fields.DESCRIPTIVE_KINDS:
        if changes.has(kind) and kind in by_kind:
            row = by_kind[kind]
            row.description = _descriptive_text(changes, kind)
            row.updated_by_id, row.updated_on = actor.user_id, now


async def _service_ids(session: AsyncSession, actor: Actor, refs: tuple[Ref, ...]) -> list[int]:
    ids: list[int] = []
    for ref in refs:
        row = await lookups.resolve(session, actor.portal_id, "service", ref, field="services")
        if row.id not in ids:
            ids.append(row.id)
    return ids


async def release_history(
    session: AsyncSession, actor: Actor, release_id: int, query: Query
) -> tuple[Release, Page[HistoryEntry]]:
    """Every change to a release, newest first, one page of it."""
    release = await view_release(session, actor, release_id, NOTHING)
    return release, await repository.history_page(session, release.id, query)


async def release_status_comments(
    session: AsyncSession, actor: Actor, release_id: int, query: Query
) -> tuple[Release, Page[StatusComment]]:
    """The comments given with each stage/status move, newest first."""
    release = await view_release(session, actor, release_id, NOTHING)
    return release, await repository.status_comments_page(session, release.id, query)
