"""Pages of what a release has gathered: its history, its status comments, and which of
its notes requesters see."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BigInteger, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from releasedesk.core.actors import Actor
from releasedesk.core.releases.history import HistoryEntry, Operation, decode_changes
from releasedesk.core.releases.listing import visible_to
from releasedesk.core.releases.rows import (
    Columns,
    PersonColumns,
    person_of,
    same,
    stage_of,
    status_of,
)
from releasedesk.core.releases.views import StatusComment
from releasedesk.core.search.paging import Page, fetch_page, total_if_asked
from releasedesk.core.search.query import Query
from releasedesk.db import driver
from releasedesk.db.models import (
    Department,
    ReleaseHistory,
    ReleaseNote,
    ReleaseStatusComment,
    User,
)
from releasedesk.db.models import Release as ReleaseRow

_ACTOR_USER = aliased(User, name="history_actor")
_ACTOR_DEPARTMENT = aliased(Department, name="history_actor_department")
_ENTRY = Columns(
    "entry",
    ReleaseHistory,
    same("id", "operation", "subject", "time", "description", "diff"),
)
_ACTOR = PersonColumns("actor", _ACTOR_USER, _ACTOR_DEPARTMENT)
# An entry with its actor joined, as labelled columns rather than ORM entities (a history
# is read often and can be long); each statement below adds its WHERE and order.
_HISTORY = (
    select(*_ENTRY.columns, *_ACTOR.columns)
    .outerjoin(_ACTOR_USER, _ACTOR_USER.id == ReleaseHistory.actor_id)
    .outerjoin(_ACTOR_DEPARTMENT, _ACTOR_DEPARTMENT.id == _ACTOR_USER.department_id)
)
_ENTRY.locate(_HISTORY)
_ACTOR.locate(_HISTORY)


def _entry(row: Sequence[Any]) -> HistoryEntry:
    values = _ENTRY.values(row)
    assert values is not None  # the entry's own id is never NULL
    return HistoryEntry(
        id=values["id"],
        operation=Operation(values["operation"]),
        subject=values["subject"],
        actor=_ACTOR.build(row),
        time=values["time"],
        description=values["description"],
        changes=decode_changes(values["diff"]),
    )


# Built once and run on the driver (db/driver.py): the statement for a page was rebuilt and
# its cache key computed on every request, more CPU than running it. Offset and limit are
# binds (64-bit: start_index may be any such number), so one prepared statement serves
# every page.
_HISTORY_PAGE = (
    _HISTORY.where(ReleaseHistory.release_id == bindparam("release_id"))
    .order_by(ReleaseHistory.time.desc(), ReleaseHistory.id.desc())
    .offset(bindparam("offset", type_=BigInteger))
    .limit(bindparam("limit", type_=BigInteger))
)


async def history_page(session: AsyncSession, release_id: int, query: Query) -> Page[HistoryEntry]:
    """History of one release, newest first; one row past the page tells whether more
    follow."""
    rows = await driver.fetch(
        session,
        _HISTORY_PAGE,
        {"release_id": release_id, "offset": query.offset, "limit": query.limit + 1},
    )
    total = None
    if query.with_total:  # the count's statement is built only when it is asked for
        counted = _HISTORY.where(ReleaseHistory.release_id == release_id)
        total = await total_if_asked(session, counted, query)
    entries = [_entry(row) for row in rows[: query.limit]]
    return Page(entries, len(rows) > query.limit, total)


async def latest_entries(
    session: AsyncSession, actor: Actor, release_ids: Sequence[int], operation: Operation
) -> dict[int, HistoryEntry]:
    """The latest `operation` entry in the history of each of these releases, by release id:
    only releases of the actor's portal that the actor may see (a release without such an
    entry is left out).

    One statement for a page of releases: every such entry, ordered newest first within
    each release, of which the first per release is kept (a window function would number
    rows the page never reads past)."""
    if not release_ids:
        return {}
    conditions = [
        ReleaseHistory.release_id.in_(list(release_ids)),
        ReleaseHistory.operation == operation.value,
        ReleaseRow.portal_id == actor.portal_id,
    ]
    visibility = visible_to(actor)
    if visibility is not None:
        conditions.append(visibility)
    statement = (
        _HISTORY.add_columns(ReleaseHistory.release_id.label("entry_release_id"))
        .join(ReleaseRow, ReleaseRow.id == ReleaseHistory.release_id)
        .where(*conditions)
        .order_by(ReleaseHistory.release_id, ReleaseHistory.time.desc(), ReleaseHistory.id.desc())
    )
    latest: dict[int, HistoryEntry] = {}
    for row in await session.execute(statement):
        release_id = int(row._mapping["entry_release_id"])
        if release_id not in latest:  # the first row of each release is its latest
            latest[release_id] = _entry(tuple(row))
    return latest


def _status_comment(row: ReleaseStatusComment) -> StatusComment:
    return StatusComment(
        id=row.id,
        stage=stage_of(row.stage),
        status=status_of(row.status),
        comment=row.comment,
        commented_by=person_of(row.commented_by),
        commented_on=row.commented_on,
    )


async def status_comments_page(
    session: AsyncSession, release_id: int, query: Query
) -> Page[StatusComment]:
    """Status comments of one release, newest first (ORM rows: their stage, status and
    author are joined relationships, and the page is short)."""
    statement = select(ReleaseStatusComment).where(ReleaseStatusComment.release_id == release_id)
    order = [ReleaseStatusComment.commented_on.desc(), ReleaseStatusComment.id.desc()]
    return await fetch_page(session, statement, order, query, _status_comment)


async def last_comment_per_stage(
    session: AsyncSession, release_id: int
) -> dict[int, StatusComment]:
    """The latest status comment the release got in each stage it has been in: all of them
    in order, the later overwriting the earlier (a release has a few)."""
    rows = (
        (
            await session.execute(
                select(ReleaseStatusComment)
                .where(ReleaseStatusComment.release_id == release_id)
                .order_by(ReleaseStatusComment.commented_on, ReleaseStatusComment.id)
            )
        )
        .unique()
        .scalars()
    )
    return {row.stage_id: _status_comment(row) for row in rows}


async def notes_shown_to_requesters(
    session: AsyncSession, release_id: int, note_ids: Iterable[int]
) -> set[int]:
    """Which of these notes of the release exist and are shown to its requesters."""
    statement = select(ReleaseNote.id).where(
        ReleaseNote.release_id == release_id,
        ReleaseNote.id.in_(list(note_ids)),
        ReleaseNote.show_to_requester.is_(True),
    )
    return set((await session.execute(statement)).scalars())
