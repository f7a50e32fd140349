"""Releases: add, get, update and list, with the rules, permissions and history of each."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import ChainMap
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.errors import (
    Forbidden,
    Invalid,
    Mandatory,
    NotFound,
    TimesOutOfOrder,
    WrongType,
)
from releasedesk.core.execution import gate as execution_gate
from releasedesk.core.freezes.views import Meeting
from releasedesk.core.lookups import service as lookups
from releasedesk.core.refs import Ref
from releasedesk.core.releases import (
    announce,
    auditing,
    fields,
    freeze_gate,
    history,
    history_pages,
    listing,
    read_repository,
    recording,
    references,
    writes,
)
from releasedesk.core.releases import roles as release_roles
from releasedesk.core.releases.access import changeable_view_resolving, release_row, view_release
from releasedesk.core.releases.history import HistoryEntry, Operation
from releasedesk.core.releases.parts import EVERYTHING, NOTHING, Part
from releasedesk.core.releases.schemas import ReleaseChanges
from releasedesk.core.releases.views import Named, Release, ReleaseFilter, StatusComment
from releasedesk.core.search.paging import Page
from releasedesk.core.search.query import Query
from releasedesk.core.stage_approval import gate as stage_gate
from releasedesk.core.text import comment_text, html_to_text, plain_line, sanitize_html
from releasedesk.core.workflow import service as workflow
from releasedesk.core.workflow.names import RoleName, StageName
from releasedesk.core.workflow.views import Stage, Status
from releasedesk.db.models import Release as ReleaseRow
from releasedesk.db.models import ReleaseService

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
    return await listing.search(session, actor, view, query, parts)


# A release's columns while a write builds them: what the write sets over what the release
# has (nothing, for a new one); the first map is what gets written.
Columns = ChainMap[str, object]


def _lookup_refs(changes: ReleaseChanges) -> dict[str, tuple[str, Ref]]:
    """The direct lookups the change names by id or name, to resolve in one statement (a
    reference with neither is refused where the field is applied)."""
    refs: dict[str, tuple[str, Ref]] = {}
    for field in DIRECT_LOOKUPS:
        ref: Ref | None = getattr(changes, field.name) if changes.has(field.name) else None
        if ref is not None and (ref.id is not None or ref.name is not None):
            refs[field.name] = (field.lookup or field.name, ref)
    return refs


async def add_release(session: AsyncSession, actor: Actor, changes: ReleaseChanges) -> Release:
    """Create a release; stage and status default to the template's first stage and status.

    The defaults, the requester role and the lookups named are resolved in one statement,
    the release and everything it starts with inserted in one more (on PostgreSQL), and
    the view read back: a POST ran a dozen statements before.
    """
    require_workflow_rights(actor, changes)
    if changes.title is None:
        raise Mandatory("title")
    now = dt.datetime.now(dt.UTC)
    wanted = references.Wanted(
        template=changes.template is None,
        stage=changes.stage is None,
        status=changes.stage is None and changes.status is None,
    )
    defaults, found = await references.resolve_references(
        session, actor.portal_id, _lookup_refs(changes), wanted
    )
    template_id = defaults.template_id
    if changes.template is not None:
        template_id = await workflow.resolve_template(session, actor.portal_id, changes.template)
    elif template_id is None:
        raise Invalid(workflow.NO_DEFAULT_TEMPLATE, "template")
    if changes.stage is not None:
        stage = await workflow.resolve_stage(session, actor.portal_id, changes.stage)
    elif defaults.stage is None:
        raise Invalid(workflow.NO_STAGES, "stage")
    else:
        stage = defaults.stage
    if changes.status is not None:
        status_id = (
            await workflow.resolve_status(session, actor.portal_id, stage, changes.status)
        ).id
    elif defaults.status_id is None or changes.stage is not None:
        status_id = (await workflow.default_status(session, stage, actor.portal_id)).id
    else:
        status_id = defaults.status_id
    row: Columns = ChainMap(
        {
            "portal_id": actor.portal_id,
            "template_id": template_id,
            "stage_id": stage.id,
            "status_id": status_id,
            "created_time": now,
            "created_by_id": actor.user_id,
            "title": "",
            "emergency": False,
            "notes_present": False,
            "version": 1,
        }
    )
    await _apply_fields(session, actor, row, changes, None, found)
    if stage.internal_name == StageName.CLOSE:
        row["completed_time"] = now
    service_ids = await _service_ids(session, actor, changes.services or ())
    warned = await freeze_gate.check(
        session,
        actor.portal_id,
        release_id=None,
        columns=row,
        service_ids=service_ids,
        requester_id=actor.user_id,
        schedule_asked=True,
        entering_deployment=stage.internal_name == freeze_gate.DEPLOYMENT_STAGE,
        now=now,
    )
    holders = [
        (role.id, user.id)
        for role, user in await release_roles.resolve_holders(session, actor, changes.roles or ())
    ]
    if defaults.requester_role_id is None:
        raise release_roles.no_role(RoleName.REQUESTER)
    if not any(role_id == defaults.requester_role_id for role_id, _ in holders):
        holders.append((defaults.requester_role_id, actor.user_id))  # the creator requests it
    release_id = await writes.insert_release(
        session,
        writes.NewRelease(
            release=dict(row.maps[0]),
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
            status_comment=writes.status_comment_values(
                release_id=None,
                stage_id=stage.id,
                status_id=status_id,
                comment=comment_text(changes.comment) or CREATION_COMMENT,
                commented_by_id=actor.user_id,
                commented_on=now,
            ),
            history=recording.history_row(
                None, actor, Operation.CREATED, description="Release created", time=now
            ),
        ),
    )
    await execution_gate.on_stage(session, release_id, stage.internal_name, now)
    await _record_warning(session, actor, release_id, row, warned, now)
    view = await read_repository.load_one(session, release_id)
    assert view is not None  # inserted just above, in this transaction
    await announce.created(session, actor, view, now)
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
    With `expected_version`, a release changed since that version is a Conflict.

    The lookups named are resolved in the statement that locks the release, which is read
    once; its columns are written with one UPDATE, and the answer is read back by a GET's
    own statement (writes.read_back), from which the history is recorded. The ORM row is
    loaded only for a change of its roles, services or descriptive fields.
    """
    collections = [
        part
        for part, given in (
            (Part.ROLES, changes.has("roles")),
            (Part.SERVICES, changes.has("services")),
            (Part.DESCRIPTIVE_FIELDS, any(changes.has(k) for k in fields.DESCRIPTIVE_KINDS)),
        )
        if given
    ]
    current, found = await changeable_view_resolving(
        session, actor, release_id, _lookup_refs(changes), expected_version=expected_version
    )
    entity = await release_row(session, actor, release_id, collections) if collections else None
    require_workflow_rights(actor, changes)
    if current.in_trash:
        raise Invalid("A release in the trash cannot be edited; restore it first", "id")
    if changes.has("title") and changes.title is None:
        raise Mandatory("title")
    now = dt.datetime.now(dt.UTC)
    before = history.snapshot(current)
    row: Columns = ChainMap({}, _columns_of(current))

    if changes.template is not None:
        row["template_id"] = await workflow.resolve_template(
            session, actor.portal_id, changes.template
        )
    service_ids: list[int] = []
    entering_deployment = await _move(session, actor, row, current, changes, now)
    await _apply_fields(session, actor, row, changes, current, found)
    if entity is not None:
        _update_descriptive_fields(entity, changes, actor, now)
    if entity is not None and changes.has("services"):
        service_ids = await _service_ids(session, actor, changes.services or ())
        entity.service_links = [
            link for link in entity.service_links if link.service_id in service_ids
        ]
        kept = {link.service_id for link in entity.service_links}
        entity.service_links.extend(
            ReleaseService(service_id=s) for s in service_ids if s not in kept
        )
    if entity is not None and changes.has("roles"):
        holders = await release_roles.resolve_holders(session, actor, changes.roles or ())
        await release_roles.set_holders(session, actor, entity, holders, now)
    warned = await freeze_gate.check(
        session,
        actor.portal_id,
        release_id=current.id,
        columns=row,
        service_ids=service_ids if changes.has("services") else None,
        requester_id=None,
        schedule_asked=any(changes.has(f) for f in _SCHEDULING),
        entering_deployment=entering_deployment,
        now=now,
    )
    row["last_updated_time"] = now
    row["version"] = current.version + 1
    moved = (row["stage_id"], row["status_id"]) != (current.stage.id, current.status.id)
    comment = comment_text(changes.comment)
    await writes.update_columns(session, current.id, row.maps[0])
    await _record_warning(session, actor, current.id, row, warned, now)
    after = await writes.read_back(session, current.id, entity)
    await recording.record_changes(session, actor, after, before, now, comment, moved=moved)
    if after.stage.is_closure and not current.stage.is_closure:
        await auditing.record_closed(session, actor, after, comment)
    changed = history.diff(before, history.snapshot(after))
    await announce.changed(session, actor, current, after, changed, now)
    return after


# The fields whose change reschedules a release or changes what a freeze's scope sees of it.
_SCHEDULING = ("scheduled_start_time", "scheduled_end_time", "services", "release_type")


async def _record_warning(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    row: Columns,
    warned: list[Meeting],
    now: dt.datetime,
) -> None:
    """A status comment naming the warning freeze windows a write went through."""
    text = freeze_gate.warning_comment(warned)
    if text is None:
        return
    comment = writes.status_comment_values(
        release_id=release_id,
        stage_id=int(str(row["stage_id"])),
        status_id=int(str(row["status_id"])),
        comment=text,
        commented_by_id=actor.user_id,
        commented_on=now,
    )
    comment["release_id"] = release_id
    await writes.insert_rows(session, [], comment)


def _columns_of(current: Release) -> dict[str, object]:
    """The columns of `current` a write reads while it applies a change."""
    return {
        "template_id": current.template.id,
        "stage_id": current.stage.id,
        "status_id": current.status.id,
        "category_id": None if current.category is None else current.category.id,
        "subcategory_id": None if current.subcategory is None else current.subcategory.id,
        "item_id": None if current.item is None else current.item.id,
        "scheduled_start_time": current.scheduled_start_time,
        "scheduled_end_time": current.scheduled_end_time,
        "completed_time": current.completed_time,
    }


def _descriptive_text(changes: ReleaseChanges, kind: str) -> str | None:
    text = getattr(changes, kind)
    return sanitize_html(text, kind) if text else None


async def _move(
    session: AsyncSession,
    actor: Actor,
    row: Columns,
    current: Release,
    changes: ReleaseChanges,
    now: dt.datetime,
) -> bool:
    """Stage and status: a status must belong to the stage it is set with. Whether the
    release enters the Deployment stage (what a change freeze stops)."""
    if changes.has("stage") and changes.stage is None:
        raise Invalid("'stage' cannot be empty", "stage")
    if changes.has("status") and changes.status is None:
        raise Invalid("'status' cannot be empty", "status")
    if changes.stage is None and changes.status is None:
        return False
    stage: Stage | None = (
        await workflow.resolve_stage(session, actor.portal_id, changes.stage)
        if changes.stage is not None
        else None
    )
    if stage is not None:  # forward only once the stage's approval is approved
        await stage_gate.require_approved_to_leave(session, current.id, current.stage, stage)
    status: Status | None = None
    if changes.status is not None:
        status = await workflow.resolve_status(
            session, actor.portal_id, stage or current.stage, changes.status
        )
    elif stage is not None and stage.id != current.stage.id:
        status = await workflow.default_status(session, stage, actor.portal_id)
    target = (current.stage if stage is None else stage).internal_name
    closing = target == StageName.CLOSE
    if closing and not current.stage.is_closure:  # no end while pipeline executions run
        await execution_gate.require_can_end(session, current.id)
    row["stage_id"] = current.stage.id if stage is None else stage.id
    row["status_id"] = current.status.id if status is None else status.id
    await execution_gate.on_stage(session, current.id, target, now)
    row["completed_time"] = (row["completed_time"] or now) if closing else None
    return (
        target == freeze_gate.DEPLOYMENT_STAGE
        and current.stage.internal_name != freeze_gate.DEPLOYMENT_STAGE
    )


async def _apply_fields(
    session: AsyncSession,
    actor: Actor,
    row: Columns,
    changes: ReleaseChanges,
    existing: Release | None,
    found: Mapping[str, Named | None],
) -> None:
    """Title, description, lookups, flags and times; validates the category tree and times.
    `found` holds the lookups resolved ahead (`_lookup_refs`)."""
    if changes.title is not None:
        row["title"] = plain_line(changes.title, "title", mandatory=True)
    if changes.has("description"):
        description = sanitize_html(changes.description) if changes.description else None
        row["description"] = description
        row["short_description"] = html_to_text(description)
    if changes.has("emergency"):
        if changes.emergency is None:
            raise WrongType("'emergency' must be true or false", "emergency")
        row["emergency"] = changes.emergency
    for field in DIRECT_LOOKUPS:
        if changes.has(field.name):
            row[field.column] = await _lookup_id(session, actor, field, changes, found)
    await _apply_category_tree(session, actor, row, changes, existing)
    for field in fields.TIMES:
        if field.writable and changes.has(field.name):
            row[field.name] = getattr(changes, field.name)
    start, end = row.get("scheduled_start_time"), row.get("scheduled_end_time")
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime) and end < start:
        raise TimesOutOfOrder(
            "'scheduled_end_time' is before 'scheduled_start_time'", "scheduled_end_time"
        )


async def _lookup_id(
    session: AsyncSession,
    actor: Actor,
    field: fields.ReleaseField,
    changes: ReleaseChanges,
    found: Mapping[str, Named | None],
) -> int | None:
    """The id a direct lookup field is set to, refused the way lookups.resolve refuses."""
    ref: Ref | None = getattr(changes, field.name)
    if ref is None:
        return None
    if field.name not in found:  # neither id nor name: resolve refuses it
        resolved = await lookups.resolve(
            session, actor.portal_id, field.lookup or field.name, ref, field=field.name
        )
        return resolved.id
    named = found[field.name]
    if named is None:
        if ref.id is not None:
            raise Invalid(f"No {field.name} with id '{ref.id}'", field.name)
        raise Invalid(f"No {field.name} named '{ref.name}'", field.name)
    return named.id


async def _apply_category_tree(
    session: AsyncSession,
    actor: Actor,
    row: Columns,
    changes: ReleaseChanges,
    existing: Release | None,
) -> None:
    """A subcategory belongs to the category, an item to the subcategory."""
    category_id = _id_or_none(row.get("category_id"))
    # A new category drops a subcategory and item that no longer fit under it.
    if (
        changes.has("category")
        and existing is not None
        and not changes.has("subcategory")
        and existing.subcategory is not None
        and existing.subcategory.parent_id != category_id
    ):
        row["subcategory_id"] = None
        row["item_id"] = None
    if changes.has("subcategory"):
        subcategory_id = await _tree_child(
            session, actor, "subcategory", changes.subcategory, category_id, "category"
        )
        row["subcategory_id"] = subcategory_id
        if subcategory_id is None:
            row["item_id"] = None
    if changes.has("item"):
        row["item_id"] = await _tree_child(
            session,
            actor,
            "item",
            changes.item,
            _id_or_none(row.get("subcategory_id")),
            "subcategory",
        )


def _id_or_none(value: object) -> int | None:
    assert value is None or isinstance(value, int)
    return value


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


# Each is looked up one by one, and a new release's rows go in as one statement (whose
# parameters asyncpg bounds at 32,767): more than any real release names, far below that.
MAX_SERVICES = 500


async def _service_ids(session: AsyncSession, actor: Actor, refs: tuple[Ref, ...]) -> list[int]:
    if len(refs) > MAX_SERVICES:
        raise Invalid(f"A release names at most {MAX_SERVICES} services", "services")
    ids: list[int] = []
    for ref in refs:
        row = await lookups.resolve(session, actor.portal_id, "service", ref, field="services")
        if row.id not in ids:
            ids.append(row.id)
    return ids


async def release_history(
    session: AsyncSession, actor: Actor, release_id: int, query: Query
) -> tuple[Release, Page[HistoryEntry]]:
    """Every change to a release, newest first, one page of it. A requester sees no text
    of a note that is not shown to them (the entry stays, without its values)."""
    release = await view_release(session, actor, release_id, NOTHING)
    page = await history_pages.history_page(session, release.id, query)
    if actor.is_requester:
        page = await _without_private_notes(session, release.id, page)
    return release, page


NOTE_SUBJECT = "note"  # the subject core/work records a note's entries under


def _note_id(entry: HistoryEntry) -> int | None:
    """The note an entry added or removed names in its snapshot (a change of a note's
    fields names none)."""
    for change in entry.changes:
        value = change.current if change.current is not None else change.previous
        if change.field == NOTE_SUBJECT and isinstance(value, dict):
            note_id = value.get("id")
            return note_id if isinstance(note_id, int) else None
    return None


async def _without_private_notes(
    session: AsyncSession, release_id: int, page: Page[HistoryEntry]
) -> Page[HistoryEntry]:
    """The page with the values of every note entry a requester may not read emptied: a
    note added that is shown to requesters now keeps them; a removed one only if it was
    shown when it went; a change of a note's fields never (it names no note)."""
    notes = [entry for entry in page.rows if entry.subject == NOTE_SUBJECT]
    if not notes:
        return page
    added = {n for e in notes if e.operation is Operation.ADDED and (n := _note_id(e)) is not None}
    shown = (
        await history_pages.notes_shown_to_requesters(session, release_id, added)
        if added
        else set()
    )

    def readable(entry: HistoryEntry) -> bool:
        if entry.operation is Operation.ADDED:
            return _note_id(entry) in shown
        if entry.operation is Operation.REMOVED:
            value = entry.changes[0].previous if entry.changes else None
            return isinstance(value, dict) and value.get("show_to_requester") is True
        return False

    rows = [
        entry
        if entry.subject != NOTE_SUBJECT or readable(entry)
        else dataclasses.replace(entry, changes=())
        for entry in page.rows
    ]
    return Page(rows, page.has_more, page.total)


async def trashed_entries(
    session: AsyncSession, actor: Actor, release_ids: Sequence[int]
) -> dict[int, HistoryEntry]:
    """Who moved each of these releases to the trash, and when: the latest "trashed" entry
    of each one's history, for the releases the caller may see (by release id)."""
    return await history_pages.latest_entries(session, actor, release_ids, Operation.TRASHED)


async def release_status_comments(
    session: AsyncSession, actor: Actor, release_id: int, query: Query
) -> tuple[Release, Page[StatusComment]]:
    """The comments given with each stage/status move, newest first."""
    release = await view_release(session, actor, release_id, NOTHING)
    return release, await history_pages.status_comments_page(session, release.id, query)
