"""db/driver.py against SQLAlchemy's own execution: for every statement the app runs on the
driver (found by recording the calls to `driver.fetch` while requests read releases, lists
and histories), the driver's rows equal `session.execute`'s, in a read and in a write unit
of work (the driver's own connection, and `exec_driver_sql`); a constraint violation on
either path becomes the same core error as through the ORM; the compiled statements are
held in the database's bounded cache."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import Select, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.errors import ReleaseDeskError
from releasedesk.db import driver
from releasedesk.db.models import Portal
from tests.helpers import Desk

Call = tuple[Select[Any], dict[str, object]]


def record_hot_calls(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """Each distinct statement the app ran on the driver while serving a set of reads."""
    calls: list[Call] = []
    real = driver.fetch

    async def recording(
        session: AsyncSession,
        statement: Select[Any],
        parameters: Mapping[str, object],
        **options: Any,
    ) -> list[tuple[Any, ...]]:
        if all(statement is not seen for seen, _ in calls):
            calls.append((statement, dict(parameters)))
        return await real(session, statement, parameters, **options)

    monkeypatch.setattr(driver, "fetch", recording)
    releases = [desk.create_release(title=f"Driver rows {n}") for n in range(3)]
    first = releases[0]["id"]
    assert desk.put(f"/releases/{first}", input_data={"release": {"title": "Changed"}}).is_success
    for path in (f"/releases/{first}", "/releases", f"/releases/{first}/history"):
        assert desk.get(path).status_code == 200, path
    monkeypatch.setattr(driver, "fetch", real)
    return calls


def test_driver_rows_equal_session_rows_for_every_hot_statement(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = record_hot_calls(desk, monkeypatch)
    assert len(calls) >= 2, "the release read and the history page at least"

    async def compare(writes: bool) -> list[tuple[list[Any], list[Any]]]:
        pairs = []
        async with desk.database.unit_of_work(writes=writes) as session:
            for statement, parameters in calls:
                fast = await driver.fetch(session, statement, parameters)
                orm = [tuple(row) for row in await session.execute(statement, parameters)]
                pairs.append((fast, orm))
        return pairs

    for writes in (False, True):
        pairs = desk.client.portal.call(compare, writes)
        assert any(fast for fast, _ in pairs), "some statement found rows"
        for (statement, _), (fast, orm) in zip(calls, pairs, strict=True):
            assert fast == orm, statement


def test_a_constraint_violation_on_the_driver_is_the_same_core_error_as_through_the_orm(
    desk: Desk,
) -> None:
    if desk.database.is_sqlite:
        pytest.skip("a SELECT cannot write on SQLite: nothing on its driver path can violate")
    # Every column given: the driver's path sends a statement's own binds, not the Python-side
    # defaults SQLAlchemy fills in at execution (portals.reference_version's, say).
    row = {
        "name": desk.portal,
        "display_name": "Twin",
        "created_time": dt.datetime.now(dt.UTC),
        "reference_version": 0,
    }
    writing = select(insert(Portal).values(**row).returning(Portal.id).cte("twin").c.id)

    async def errors() -> list[ReleaseDeskError]:
        found: list[ReleaseDeskError] = []
        for writes, through_driver in ((True, False), (False, True), (True, True)):
            with pytest.raises(ReleaseDeskError) as raised:
                async with desk.database.unit_of_work(writes=writes) as session:
                    if through_driver:
                        await driver.fetch(session, writing, {})
                    else:
                        await session.execute(insert(Portal).values(**row))
            found.append(raised.value)
        return found

    orm, read, write = desk.client.portal.call(errors)
    for error in (read, write):
        assert (type(error), error.message, error.field) == (type(orm), orm.message, orm.field)


def test_compiled_statements_are_held_in_the_databases_bounded_cache(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_hot_calls(desk, monkeypatch)
    compiled = desk.database.caches.stats()[driver.COMPILED]
    assert 0 < compiled.size <= compiled.bound == driver.COMPILED_SIZE
    assert compiled.hits > 0
