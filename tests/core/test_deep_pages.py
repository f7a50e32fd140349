"""Deep pages read from the far end, and the per-portal live count that lets them.

A page of a portal's whole list past its middle is read in reverse order from the far end
and put back in order (listing.search); its rows, their order, has_more and the total
must be exactly those of the forward read, for every sort, at every offset. The count it
needs (release_live_counts, kept by triggers of migration 0012) must stay exact through add,
trash, restore, delete, bulk creates and concurrent writers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from releasedesk.core.actors import Actor, Role
from releasedesk.core.releases import listing
from releasedesk.core.releases.views import ReleaseFilter
from releasedesk.core.search.query import Condition, Op, Query, Sort
from releasedesk.db.models import Release, ReleaseLiveCount
from tests.helpers import Desk, make_desk
from tests.served import Served, served_fixture  # noqa: F401  (the `served` fixture)

Run = Callable[..., Any]

SORTS: tuple[tuple[Sort, ...], ...] = (
    (Sort("created_time", descending=True),),  # SDP's default
    (Sort("created_time"),),
    (),  # id only
    (Sort("title"),),
    (Sort("title", descending=True),),
    (Sort("priority.name"),),  # a lookup's name: empty for some releases
    (Sort("priority.name", descending=True), Sort("created_time")),
    (Sort("scheduled_start_time", descending=True),),  # empty for some
)
TIMES = [dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n % 4) for n in range(40)]


def _actor(desk: Desk, role: Role = Role.ADMIN) -> Actor:
    person = {Role.ADMIN: desk.admin, Role.REQUESTER: desk.requester}[role]
    return Actor(person.id, person.name, desk.portal_id, desk.portal, role)


def _created(desk: Desk, count: int, start: int = 0) -> list[int]:
    ids = []
    for n in range(start, start + count):
        fields: dict[str, Any] = {"title": f"Release {n % 5}"}  # titles tie too
        if n % 3:
            fields["priority"] = {"name": ("High", "Low", "Medium")[n % 3]}
        if n % 4:
            fields["scheduled_start_time"] = {"value": str(1_600_000_000_000 + n % 3 * 1000)}
        ids.append(int(desk.create_release(**fields)["id"]))
    return ids


def _stored_count(desk: Desk) -> tuple[int, int]:
    """(the live count the triggers kept, the live releases counted in the table)."""

    async def read() -> tuple[int, int]:
        async with desk.database.unit_of_work(writes=False) as session:
            kept = (await session.execute(select(listing.live_count(desk.portal_id)))).scalar()
            counted = (
                await session.execute(
                    select(func.count()).where(
                        Release.portal_id == desk.portal_id, Release.deleted_time.is_(None)
                    )
                )
            ).scalar_one()
            return int(kept or 0), int(counted)

    return desk.client.portal.call(read)


def _forward(desk: Desk, actor: Actor, view: ReleaseFilter, query: Query) -> tuple[list[int], bool]:
    async def read() -> tuple[list[int], bool]:
        async with desk.database.unit_of_work(writes=False) as session:
            statement = listing.page_statement(actor, view, query)
            ids = list((await session.execute(statement)).scalars())
            return ids[: query.limit], len(ids) > query.limit

    return desk.client.portal.call(read)


def _reverse(desk: Desk, actor: Actor, view: ReleaseFilter, query: Query) -> tuple[list[int], bool]:
    async def read() -> tuple[list[int], bool]:
        async with desk.database.unit_of_work(writes=False) as session:
            statement = listing.reverse_page_statement(actor, view, query)
            ids = list((await session.execute(statement)).scalars())[::-1]
            return ids[: query.limit], len(ids) > query.limit

    return desk.client.portal.call(read)


def _searched(desk: Desk, actor: Actor, view: ReleaseFilter, query: Query) -> Any:
    async def read() -> Any:
        async with desk.database.unit_of_work(writes=False) as session:
            page = await listing.search(session, actor, view, query)
            return [r.id for r in page.rows], page.has_more, page.total

    return desk.client.portal.call(read)


@pytest.fixture(scope="module")
def listed(client: Any) -> Desk:
    """23 live releases (ties on every sort, some empty values) and 3 in the trash, in a
    portal of their own; a second portal beside it with releases of its own."""
    desk = make_desk(client)
    ids = _created(desk, 26)
    for release_id in ids[5:8]:
        response = desk.request("DELETE", f"/releases/{release_id}/move_to_trash")
        assert response.status_code == 200, response.text

    async def tie_times() -> None:
        async with desk.database.unit_of_work() as session:
            for release_id, time in zip(ids, TIMES, strict=False):
                await session.execute(
                    update(Release).where(Release.id == release_id).values(created_time=time)
                )

    desk.client.portal.call(tie_times)
    _created(make_desk(client), 4)
    return desk


@pytest.mark.parametrize(
    "sorts",
    SORTS,
    ids=lambda s: ",".join(f"{x.field}{'-' if x.descending else ''}" for x in s) or "id",
)
def test_the_reverse_read_is_the_forward_read_at_every_offset(
    listed: Desk, sorts: tuple[Sort, ...]
) -> None:
    actor = _actor(listed)
    assert _stored_count(listed) == (23, 23)
    for limit in (1, 3, 10):
        for offset in range(0, 27):
            query = Query(sorts=sorts, offset=offset, limit=limit, with_total=True)
            forward = _forward(listed, actor, ReleaseFilter.ALL, query)
            assert _reverse(listed, actor, ReleaseFilter.ALL, query) == forward, (limit, offset)
            assert _searched(listed, actor, ReleaseFilter.ALL, query) == (*forward, 23)


def test_lists_that_are_not_the_whole_portal_keep_the_forward_read(listed: Desk) -> None:
    """Filters, other views and requesters: no count applies, the forward read answers."""
    admin, requester = _actor(listed), _actor(listed, Role.REQUESTER)
    title = Condition("title", Op.CONTAINS, ("Release 1",))
    for actor, view, where in (
        (admin, ReleaseFilter.TRASH, None),
        (admin, ReleaseFilter.OPEN, None),
        (admin, ReleaseFilter.ALL, title),
        (requester, ReleaseFilter.ALL, None),
    ):
        assert not listing.is_whole_portal(actor, view, Query(filter=where))
        for offset in (0, 2, 5, 20, 30):
            query = Query(filter=where, sorts=SORTS[0], offset=offset, limit=3)
            ids, has_more, total = _searched(listed, actor, view, query)
            assert (ids, has_more) == _forward(listed, actor, view, query)
            assert total is None


def test_the_count_follows_add_trash_restore_and_delete(desk: Desk) -> None:
    assert _stored_count(desk) == (0, 0)
    ids = _created(desk, 4)
    assert _stored_count(desk) == (4, 4)
    trash = desk.request("DELETE", "/releases/move_to_trash", params={"ids": f"{ids[0]},{ids[1]}"})
    assert trash.status_code == 200, trash.text
    assert _stored_count(desk) == (2, 2)
    again = desk.request("DELETE", f"/releases/{ids[0]}/move_to_trash")  # already there
    assert _stored_count(desk) == (2, 2), again.text
    restored = desk.put("/releases/restore_from_trash", params={"ids": str(ids[0])})
    assert restored.status_code == 200, restored.text
    assert _stored_count(desk) == (3, 3)
    deleted = desk.request("DELETE", f"/releases/{ids[1]}")  # from the trash: no change
    assert deleted.status_code == 200, deleted.text
    assert _stored_count(desk) == (3, 3)
    desk.request("DELETE", f"/releases/{ids[2]}/move_to_trash")
    assert desk.request("DELETE", f"/releases/{ids[2]}").status_code == 200
    assert _stored_count(desk) == (2, 2)


def test_a_bulk_create_is_counted(desk: Desk) -> None:
    """UrbanCode Release creates up to 500 releases in one request (one statement each)."""
    body = [{"name": f"Bulk {n}"} for n in range(30)]
    response = desk.client.post(
        f"/app/{desk.portal}/releases/?format=name",
        json=body,
        headers={"Authorization": f"Bearer {desk.admin.key}", "Accept": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert _stored_count(desk) == (30, 30)


def test_a_raw_delete_of_many_rows_is_counted(desk: Desk, run: Run) -> None:
    _created(desk, 5)

    async def delete_three() -> None:
        async with desk.database.unit_of_work() as session:
            first = select(Release.id).where(Release.portal_id == desk.portal_id)
            doomed = first.order_by(Release.id).limit(3).scalar_subquery()
            await session.execute(Release.__table__.delete().where(Release.id.in_(doomed)))

    run(delete_three)
    assert _stored_count(desk) == (2, 2)


def test_concurrent_writers_in_one_portal_keep_the_count_exact(
    desk: Desk, served: Served, backend_name: str
) -> None:
    """Each request on its own connection and transaction; on PostgreSQL they add to the
    slots of their connections, so more than one slot holds the portal's count."""
    ids = _created(desk, 12)

    def write(client: httpx.Client, n: int) -> httpx.Response:
        base = f"/app/{desk.portal}/api/v3/releases"
        if n < len(ids) and n % 3 == 0:
            return client.delete(f"{base}/{ids[n]}/move_to_trash")
        form = {"input_data": f'{{"release": {{"title": "Concurrent {n}"}}}}'}
        return client.post(base, data=form)

    responses = served.at_once(desk.admin.key, 24, write)
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    assert _stored_count(desk) == (12 - 4 + 20, 12 - 4 + 20)

    def slots() -> int:
        async def read() -> int:
            async with desk.database.unit_of_work(writes=False) as session:
                statement = select(func.count()).where(ReleaseLiveCount.portal_id == desk.portal_id)
                return int((await session.execute(statement)).scalar_one())

        return desk.client.portal.call(read)

    assert slots() > 1 if backend_name == "postgresql" else slots() == 1
