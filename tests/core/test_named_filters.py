"""Name conditions on references compared by id (core/releases/named_filters.py).

listing.search turns `priority.name is Low` into `priority.id is <Low's ids>` from the held
reference data; the page must be the one the name join gives, row for row, with has_more
and the total, for every case the rewrite takes and every case it leaves alone (any case,
padding, non-ASCII, names no value has, several values, `is not`, OR groups, statuses
whose name repeats in every stage, requesters), while other portals hold the same names.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import func, select, update

from releasedesk.core.actors import Actor, Role
from releasedesk.core.refs import Ref
from releasedesk.core.releases import listing, named_filters
from releasedesk.core.releases.views import ReleaseFilter
from releasedesk.core.search.query import Condition, Group, Node, Op, Query, Sort
from releasedesk.db.models import Release, ReleaseStage, ReleaseStatus
from tests.helpers import Desk, make_desk

PRIORITIES = ("Low", "Medium", "High", None)
STAGES = ("Submission", "Development", "Testing")  # Development's internal name differs


def _actor(desk: Desk, role: Role = Role.ADMIN) -> Actor:
    person = {Role.ADMIN: desk.admin, Role.REQUESTER: desk.requester}[role]
    return Actor(person.id, person.name, desk.portal_id, desk.portal, role)


@pytest.fixture(scope="module")
def desk(client: Any) -> Desk:
    """24 releases over three priorities (and none) and three stages, each stage's first
    status, some requested by the requester; a second portal with the same names."""
    make_desk(client).create_release(priority={"name": "Low"})  # same names, other portal
    desk = make_desk(client)
    placed = []
    for n, (priority, stage) in enumerate(itertools.product(PRIORITIES, STAGES * 2)):
        fields: dict[str, Any] = {} if priority is None else {"priority": {"name": priority}}
        key = desk.requester.key if n % 3 == 0 else None
        placed.append((int(desk.create_release(key=key, **fields)["id"]), stage))

    async def place() -> None:
        async with desk.database.unit_of_work() as session:
            for release_id, stage in placed:
                stage_id = (
                    await session.execute(
                        select(ReleaseStage.id).where(
                            ReleaseStage.portal_id == desk.portal_id, ReleaseStage.name == stage
                        )
                    )
                ).scalar_one()
                status_id = (
                    await session.execute(
                        select(func.min(ReleaseStatus.id)).where(ReleaseStatus.stage_id == stage_id)
                    )
                ).scalar_one()
                await session.execute(
                    update(Release)
                    .where(Release.id == release_id)
                    .values(stage_id=stage_id, status_id=status_id)
                )

    desk.client.portal.call(place)
    return desk


def _is(field: str, *values: Any, op: Op = Op.IS) -> Condition:
    return Condition(field, op, values)


FILTERS: dict[str, Node] = {
    "priority name": _is("priority.name", "Low"),
    "any case": _is("priority.name", "hIGH"),
    "padded (no match either way)": _is("priority.name", " Low"),
    "non-ASCII (left alone)": _is("priority.name", "Lów"),
    "no such name (left alone)": _is("priority.name", "Nope"),
    "is not": _is("priority.name", "Low", op=Op.IS_NOT),
    "is not, several": _is("priority.name", "Low", "Medium", op=Op.IS_NOT),
    "several": _is("priority.name", "Low", "High"),
    "one unknown of two": _is("priority.name", "Low", "Nope"),
    "reference by name": _is("priority", Ref(name="medium")),
    "reference by id (left alone)": _is("priority", Ref(id=1)),
    "with null (left alone)": _is("priority.name", "Low", None),
    "contains (left alone)": _is("priority.name", "ow", op=Op.CONTAINS),
    "priority and stage": Group(False, (_is("priority.name", "Low"), _is("stage.name", "Testing"))),
    "priority or stage": Group(
        True, (_is("priority.name", "High"), _is("stage.name", "development"))
    ),
    "nested": Group(
        False,
        (
            Group(True, (_is("stage.name", "Testing"), _is("stage.name", "Submission"))),
            _is("priority.name", "Medium", op=Op.IS_NOT),
        ),
    ),
    "stage by name": _is("stage.name", "development"),
    "stage's internal name is not its name": _is("stage.name", "Implementation"),
    "status repeated in every stage": _is("status.name", "In Progress"),
    "template": _is("template.name", "General Template"),
}


def _pages(desk: Desk, actor: Actor, query: Query) -> tuple[list[int], list[int], int, int]:
    """(search's page, the name join's page, search's total, the name join's total)."""

    async def read() -> tuple[list[int], list[int], int, int]:
        async with desk.database.unit_of_work(writes=False) as session:
            joined = list(
                (
                    await session.execute(listing.page_statement(actor, ReleaseFilter.ALL, query))
                ).scalars()
            )
            counted = listing._ids_statement(actor, ReleaseFilter.ALL, query).subquery()
            joined_total = (
                await session.execute(select(func.count()).select_from(counted))
            ).scalar_one()
            page = await listing.search(session, actor, ReleaseFilter.ALL, query)
            ids = [int(r.id) for r in page.rows]
            if page.has_more:
                ids.append(-1)
            return (
                ids,
                joined[: query.limit] + ([-1] if len(joined) > query.limit else []),
                (page.total or 0),
                joined_total,
            )

    return desk.client.portal.call(read)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.REQUESTER])
@pytest.mark.parametrize("name", list(FILTERS))
def test_the_page_is_the_name_joins_page(desk: Desk, name: str, role: Role) -> None:
    actor = _actor(desk, role)
    for limit, sorts in ((5, (Sort("created_time", descending=True),)), (100, ())):
        query = Query(filter=FILTERS[name], sorts=sorts, limit=limit, with_total=True)
        found, joined, total, joined_total = _pages(desk, actor, query)
        assert found == joined
        assert total == joined_total


def test_the_cases_it_takes_are_compared_by_id_without_a_join(desk: Desk) -> None:
    actor = _actor(desk)

    async def turn(node: Node) -> Node | None:
        async with desk.database.unit_of_work(writes=False) as session:
            return await named_filters.with_ids(session, desk.portal_id, node)

    turned = desk.client.portal.call(turn, FILTERS["priority and stage"])
    assert isinstance(turned, Group)
    assert [c.field for c in turned.children] == ["priority.id", "stage.id"]  # type: ignore[union-attr]
    statement = listing.page_statement(actor, ReleaseFilter.ALL, Query(filter=turned))
    assert "JOIN" not in str(statement).upper()

    statuses = desk.client.portal.call(turn, FILTERS["status repeated in every stage"])
    assert isinstance(statuses, Condition) and len(statuses.values) > 3  # one per stage

    for left_alone in (
        "non-ASCII (left alone)",
        "no such name (left alone)",
        "reference by id (left alone)",
        "with null (left alone)",
        "contains (left alone)",
        "padded (no match either way)",
    ):
        assert desk.client.portal.call(turn, FILTERS[left_alone]) == FILTERS[left_alone]


def test_a_pages_statement_is_kept_per_query_and_types_stay_apart(desk: Desk) -> None:
    """listing keeps a page's statement per (caller, view, query) in the database's bounded
    LRU: the same list again reuses it; `is true` kept does not answer `is 1`, which is
    refused as before; title text is never kept."""
    from releasedesk.core.errors import WrongType
    from releasedesk.db.cache import caches_of

    actor = _actor(desk)

    async def read(query: Query) -> tuple[int, int]:
        async with desk.database.unit_of_work(writes=False) as session:
            await listing.search(session, actor, ReleaseFilter.ALL, query)
            held = caches_of(session).lru(listing.PAGE_STATEMENTS, listing.PAGE_STATEMENTS_SIZE)
            return held.hits, len(held)

    kept = Query(filter=_is("emergency", True), limit=5)
    _, size = desk.client.portal.call(read, kept)
    hits, again = desk.client.portal.call(read, kept)
    later_hits, _ = desk.client.portal.call(read, kept)
    assert again == size and later_hits == hits + 1
    with pytest.raises(WrongType):
        desk.client.portal.call(read, Query(filter=_is("emergency", 1), limit=5))
    searched = Query(filter=_is("title", "x", op=Op.CONTAINS), limit=5)
    _, before = desk.client.portal.call(read, searched)
    _, after = desk.client.portal.call(read, Query(filter=_is("title", "y", op=Op.CONTAINS)))
    assert after == before
