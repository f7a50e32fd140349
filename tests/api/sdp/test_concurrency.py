"""Concurrent clients on one release, and duplicates racing each other.

The HTTP tests fire real requests from threads at a uvicorn server (tests/served.py), so each
request has its own connection and transaction as in production; on PostgreSQL they lose
writes unless a write locks the release before reading it. The core tests run several units
of work at once on one event loop, each on its own connection, and leave uniqueness to the
database.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Index, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from releasedesk.core.errors import Conflict, Invalid, NotUnique
from releasedesk.core.lookups import service as lookups
from releasedesk.core.users import service as users
from releasedesk.db.base import Base
from releasedesk.db.integrity import domain_error, unique_rules
from releasedesk.db.models import (
    Priority,
    Release,
    ReleaseAssociation,
    ReleaseRoleAssignment,
    ReleaseTask,
    User,
)
from tests.api.sdp.support import error_of, history_of
from tests.helpers import Desk
from tests.served import Served, served_fixture  # noqa: F401  (the `served` fixture)

CLIENTS = 12


def _form(value: dict[str, Any]) -> dict[str, str]:
    return {"input_data": json.dumps(value)}


def _stored_version(desk: Desk, release_id: int) -> int:
    async def read() -> int:
        async with desk.database.unit_of_work(writes=False) as session:
            statement = select(Release.version).where(Release.id == release_id)
            return int((await session.execute(statement)).scalar_one())

    return desk.client.portal.call(read)


def _core_at_once(
    desk: Desk, count: int, action: Callable[[AsyncSession, int], Awaitable[object]]
) -> list[BaseException | None]:
    """`action(session, n)` for n in range(count), each in its own unit of work (its own
    connection), all started together; what each raised, or None."""

    async def one(n: int) -> None:
        async with desk.database.unit_of_work() as session:
            await action(session, n)

    async def together() -> list[BaseException | None]:
        return await asyncio.gather(*(one(n) for n in range(count)), return_exceptions=True)

    return desk.client.portal.call(together)


def _only_one_succeeded(outcomes: list[BaseException | None], field: str) -> None:
    assert outcomes.count(None) == 1, outcomes
    refused = [o for o in outcomes if o is not None]
    assert all(isinstance(o, NotUnique) and o.field == field for o in refused), refused


# --- many clients, one release, over HTTP ---------------------------------------------------


def test_concurrent_closes_close_once(desk: Desk, served: Served) -> None:
    rid = desk.create_release()["id"]

    def close(client: httpx.Client, _n: int) -> httpx.Response:
        return client.put(f"{desk.base}/releases/{rid}/close")

    responses = served.at_once(desk.admin.key, CLIENTS, close)

    assert sorted(r.status_code for r in responses) == [200] + [400] * (CLIENTS - 1)
    for refused in (r for r in responses if r.status_code == 400):
        message = error_of(refused)
        assert message["status_code"] == 4001 and "already closed" in message["message"]
    closes = [h for h in history_of(desk, rid) if h["operation"]["name"] == "close"]
    assert len(closes) == 1
    assert _stored_version(desk, int(rid)) == 2


def test_several_ids_in_opposite_orders_queue_instead_of_deadlocking(
    desk: Desk, served: Served
) -> None:
    """Requests closing the same releases in opposite orders: the ids are worked in one
    order, so one request closes them all and the others find them closed; no deadlock
    (which PostgreSQL would end with a 409 for one id)."""
    ids = [desk.create_release()["id"] for _ in range(4)]

    def close(client: httpx.Client, n: int) -> httpx.Response:
        order = ids if n % 2 == 0 else list(reversed(ids))
        return client.put(f"{desk.base}/releases/close?ids={','.join(order)}")

    responses = served.at_once(desk.admin.key, CLIENTS, close)
    codes = [
        status.get("messages", [{}])[0].get("status_code", 2000)
        for r in responses
        for status in r.json()["response_status"]
    ]
    assert 4009 not in codes
    assert codes.count(2000) == len(ids)  # each release closed exactly once
    for n, response in enumerate(responses):
        returned = [s["id"] for s in response.json()["response_status"]]
        assert returned == (ids if n % 2 == 0 else list(reversed(ids)))  # as they were sent


def test_concurrent_updates_each_recorded_once_in_one_chain(desk: Desk, served: Served) -> None:
    original = "Contended 0"
    rid = desk.create_release(title=original)["id"]
    titles = [f"Contended {n + 1}" for n in range(CLIENTS)]

    def update(client: httpx.Client, n: int) -> httpx.Response:
        return client.put(
            f"{desk.base}/releases/{rid}", data=_form({"release": {"title": titles[n]}})
        )

    responses = served.at_once(desk.admin.key, CLIENTS, update)

    assert [r.status_code for r in responses] == [200] * CLIENTS, [r.text for r in responses]
    changes = [
        (diff["previous_value"], diff["current_value"])
        for entry in history_of(desk, rid)
        if entry["operation"]["name"] == "update"
        for diff in entry["diff"]
        if diff["field"]["name"] == "title"
    ]
    assert sorted(current for _, current in changes) == sorted(titles)  # each once
    following = dict(changes)
    assert len(following) == CLIENTS  # no two updates saw the same previous title
    chain = [original]
    while chain[-1] in following and len(chain) <= CLIENTS:
        chain.append(following[chain[-1]])
    assert sorted(chain[1:]) == sorted(titles)  # one sequence from the original, none lost
    assert desk.get(f"/releases/{rid}").json()["release"]["title"] == chain[-1]
    assert _stored_version(desk, int(rid)) == 1 + CLIENTS


def test_concurrent_task_adds_all_land(desk: Desk, served: Served) -> None:
    rid = desk.create_release()["id"]

    def add(client: httpx.Client, n: int) -> httpx.Response:
        return client.post(
            f"{desk.base}/releases/{rid}/tasks", data=_form({"task": {"title": f"Task {n}"}})
        )

    responses = served.at_once(desk.admin.key, CLIENTS, add)

    assert [r.status_code for r in responses] == [201] * CLIENTS, [r.text for r in responses]
    summary = desk.get(f"/releases/{rid}/summary").json()["summary"]
    assert summary["tasks"]["all"] == CLIENTS
    assert desk.count(ReleaseTask, release_id=int(rid)) == CLIENTS
    adds = [h for h in history_of(desk, rid) if h["operation"]["name"] == "task_add"]
    assert len(adds) == CLIENTS


def test_concurrent_associations_of_one_change_link_it_once(desk: Desk, served: Served) -> None:
    rid = desk.create_release()["id"]

    def associate(client: httpx.Client, _n: int) -> httpx.Response:
        return client.post(
            f"{desk.base}/releases/{rid}/changes",
            data=_form({"changes": [{"change": {"id": "77"}}]}),
        )

    responses = served.at_once(desk.admin.key, CLIENTS, associate)

    assert sorted(r.status_code for r in responses) == [201] + [400] * (CLIENTS - 1), [
        r.text for r in responses
    ]
    assert all(error_of(r)["status_code"] == 4008 for r in responses if r.status_code == 400)
    assert desk.count(ReleaseAssociation, release_id=int(rid)) == 1


def test_concurrent_pickups_make_one_holder(desk: Desk, served: Served) -> None:
    rid = desk.create_release()["id"]

    def pickup(client: httpx.Client, _n: int) -> httpx.Response:
        return client.put(f"{desk.base}/releases/pickup?ids={rid}")

    responses = served.at_once(desk.technician.key, CLIENTS, pickup)

    assert [r.status_code for r in responses] == [200] * CLIENTS, [r.text for r in responses]
    held = desk.count(ReleaseRoleAssignment, release_id=int(rid), user_id=desk.technician.id)
    assert held == 1
    added = [
        h for h in history_of(desk, rid) if h["operation"]["name"] == "release_to_release_role_add"
    ]
    assert len(added) == 1


def test_concurrent_adds_and_updates_all_succeed(desk: Desk) -> None:
    """Writers queue for the database instead of failing (SQLite's write lock)."""
    target = desk.create_release(title="Contended")
    app = desk.client.app

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers={"authtoken": desk.admin.key}
        ) as client:
            adds = [
                client.post(
                    f"{desk.base}/releases",
                    data=_form(
                        {"release": {"title": f"Parallel {n}", "priority": {"name": "High"}}}
                    ),
                )
                for n in range(12)
            ]
            updates = [
                client.put(
                    f"{desk.base}/releases/{target['id']}",
                    data=_form({"release": {"title": f"Contended {n}"}}),
                )
                for n in range(6)
            ]
            responses = await asyncio.gather(*adds, *updates)
        return [r.status_code for r in responses]

    statuses = desk.client.portal.call(burst)
    assert statuses == [201] * 12 + [200] * 6
    total = desk.get("/releases", input_data={"list_info": {"get_total_count": True}}).json()
    assert total["list_info"]["total_count"] == 13


# --- duplicates racing through the core -----------------------------------------------------


def test_concurrent_users_of_one_name_any_case_make_one(desk: Desk) -> None:
    names = ["Sam Same", "sam same", "SAM SAME"]

    async def add(session: AsyncSession, n: int) -> None:
        await users.add_user(
            session, portal_id=desk.portal_id, name=names[n % 3], role="technician"
        )

    _only_one_succeeded(_core_at_once(desk, 8, add), "name")
    assert desk.count(User, portal_id=desk.portal_id, role="technician") == 2  # + Heather


def test_concurrent_users_of_one_email_make_one(desk: Desk) -> None:
    async def add(session: AsyncSession, n: int) -> None:
        email = "Pat@Example.com" if n % 2 else "pat@example.com"
        await users.add_user(
            session, portal_id=desk.portal_id, name=f"Pat {n}", role="requester", email_id=email
        )

    _only_one_succeeded(_core_at_once(desk, 8, add), "email_id")


def test_concurrent_lookups_of_one_name_make_one(desk: Desk) -> None:
    async def add(session: AsyncSession, n: int) -> None:
        name = "Critical" if n % 2 else "critical"
        await lookups.add_lookup(session, portal_id=desk.portal_id, kind="priority", name=name)

    _only_one_succeeded(_core_at_once(desk, 8, add), "name")
    assert desk.count(Priority, portal_id=desk.portal_id) == 5  # the four defaults + one


def test_one_item_name_under_two_parents_but_once_under_each(desk: Desk) -> None:
    async def add(session: AsyncSession, n: int) -> None:
        parent = "Laptop" if n % 2 else "Printer"
        await lookups.add_lookup(
            session, portal_id=desk.portal_id, kind="item", name="Battery", parent=parent
        )

    outcomes = _core_at_once(desk, 8, add)
    assert outcomes.count(None) == 2, outcomes
    assert all(isinstance(o, NotUnique) for o in outcomes if o is not None)


# --- what a violation becomes -----------------------------------------------------------------


def _attempt(desk: Desk, *statements: Executable) -> BaseException | None:
    async def run() -> BaseException | None:
        try:
            async with desk.database.unit_of_work() as session:
                for statement in statements:
                    await session.execute(statement)
        except Exception as error:  # returned for the test to inspect
            return error
        return None

    return desk.client.portal.call(run)


def test_a_unique_violation_is_not_unique_naming_the_field_and_undoes_everything(
    desk: Desk,
) -> None:
    rid = int(desk.create_release()["id"])
    link = insert(ReleaseAssociation).values(release_id=rid, kind="change", ref_id="9")
    assert _attempt(desk, link) is None
    task = insert(ReleaseTask).values(
        release_id=rid, title="Written before the violation", status="Open"
    )

    error = _attempt(desk, task, link)

    assert isinstance(error, NotUnique) and error.field == "id", repr(error)
    assert "already associated" in error.message
    assert desk.count(ReleaseTask, release_id=rid) == 0  # the transaction rolled back whole


def test_a_foreign_key_violation_is_invalid_not_a_500(desk: Desk) -> None:
    orphan = insert(ReleaseTask).values(release_id=2**40, title="Of nothing", status="Open")
    error = _attempt(desk, orphan)
    assert type(error) is Invalid, repr(error)


def test_every_unique_index_says_which_field_it_guards() -> None:
    indexes = [
        index for table in Base.metadata.tables.values() for index in table.indexes if index.unique
    ]
    assert indexes
    assert all(isinstance(i, Index) and {"field", "says"} <= set(i.info) for i in indexes)
    assert {i.name for i in indexes} <= set(unique_rules().by_name)


class _PostgresError(Exception):
    """What asyncpg's errors carry that the translation reads."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_deadlocks_are_conflicts_and_our_own_bugs_stay_errors() -> None:
    """Several-ids requests lock releases in the order given, so two of them can deadlock
    on PostgreSQL; the victim answers a conflict to retry, not a 500."""
    assert isinstance(domain_error(_PostgresError("40P01")), Conflict)
    assert isinstance(domain_error(_PostgresError("40001")), Conflict)
    assert domain_error(_PostgresError("23502")) is None  # NOT NULL: a bug of ours
    assert domain_error(ValueError("not from a driver")) is None


def test_sqlite_busy_after_its_timeout_is_a_conflict(tmp_path: Any) -> None:
    """A write that waited out SQLite's busy timeout behind a long write (a big bulk create)
    answers a conflict to retry, not a 500: the real error of two writers on one file."""
    path = str(tmp_path / "busy.db")
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as busy:
            waiter.execute("BEGIN IMMEDIATE")
        error = domain_error(busy.value)
        assert isinstance(error, Conflict), busy.value.sqlite_errorname
        assert "busy" in error.message
    finally:
        holder.close()
        waiter.close()
