"""SQLite's writers in one process take turns in the order they came (db/write_turns.py),
instead of racing for the write lock through SQLite's busy handler.

Both tests turn the busy handler off (busy_timeout=0) on the connections of a Database of
their own: a writer that met a held write lock would then fail at once with "database is
locked", so every write succeeding shows none did. No wall-clock assertions."""

from __future__ import annotations

import asyncio
import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, select
from starlette.testclient import TestClient

from releasedesk.app import create_app
from releasedesk.db.models import Priority, Release
from releasedesk.db.session import Database, after_unit_of_work
from releasedesk.settings import Settings
from tests.helpers import Desk

WRITERS = 16


@pytest.fixture
def sqlite_only(backend_name: str) -> None:
    if backend_name != "sqlite":
        pytest.skip("SQLite's write lock: PostgreSQL locks rows")


def impatient_database(url: str) -> Database:
    """A Database whose connections fail at once on a held write lock."""
    database = Database(url)

    def no_busy_handler(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    event.listen(database.engine.sync_engine, "connect", no_busy_handler)
    return database


@pytest.mark.usefixtures("sqlite_only")
def test_concurrent_posts_through_the_app_all_succeed(settings: Settings, desk: Desk) -> None:
    """16 clients POST at once; each request also writes its key's last use after its unit
    of work (db.session.after_unit_of_work), which must not wait for its own turn."""
    app = create_app(settings, impatient_database(settings.database_url))
    with TestClient(app, raise_server_exceptions=False) as client:
        own = dataclasses.replace(desk, client=client)
        titles = [f"turns {i:02}" for i in range(WRITERS)]

        def post(title: str) -> int:
            response = own.post("/releases", input_data={"release": {"title": title}})
            assert response.status_code == 201, response.text
            return int(response.json()["release"]["id"])

        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            ids = list(pool.map(post, titles))
        assert len(set(ids)) == WRITERS
        assert app.state.database.write_turns.waited > 0  # they did meet each other
        for title in titles:
            assert own.count(Release, title=title) == 1
        client.portal.call(app.state.database.dispose)


@pytest.mark.usefixtures("sqlite_only")
def test_writers_take_their_turns_in_the_order_they_came(settings: Settings, desk: Desk) -> None:
    """The first writer holds its transaction open while 15 more queue one after another;
    each then commits in the order it queued (the ids the rows got say so), and each one's
    work after its unit of work (a writing unit of work of its own) ran too."""
    names = [f"turn {i:02}" for i in range(WRITERS)]
    afterwards: list[str] = []

    async def scenario() -> list[str]:
        database = impatient_database(settings.database_url)
        first_in, let_go = asyncio.Event(), asyncio.Event()

        async def write(name: str, hold: bool) -> None:
            async with database.unit_of_work() as session:
                session.add(Priority(portal_id=desk.portal_id, name=name))
                await session.flush()

                async def after(_session: object) -> None:
                    afterwards.append(name)

                await after_unit_of_work(session, after)
                if hold:
                    first_in.set()
                    await let_go.wait()

        try:
            tasks = [asyncio.create_task(write(names[0], hold=True))]
            await first_in.wait()
            for index, name in enumerate(names[1:], start=1):
                tasks.append(asyncio.create_task(write(name, hold=False)))
                for _ in range(10_000):  # queued before the next comes
                    if database.write_turns.waited >= index:
                        break
                    await asyncio.sleep(0)
            let_go.set()
            await asyncio.gather(*tasks)
            async with database.unit_of_work(writes=False) as session:
                rows = await session.execute(
                    select(Priority.name)
                    .where(Priority.portal_id == desk.portal_id, Priority.name.in_(names))
                    .order_by(Priority.id)
                )
                return list(rows.scalars())
        finally:
            await database.dispose()

    assert asyncio.run(scenario()) == names
    assert afterwards == names


def test_a_writer_inside_its_own_turn_is_refused_not_hung(
    settings: Settings, backend_name: str
) -> None:
    """A writing unit of work opened inside another in the same task would wait for itself
    on SQLite: refused at once (PostgreSQL has no process-wide turn: both run)."""

    async def nested() -> str:
        database = Database(settings.database_url)
        try:
            async with database.unit_of_work(), database.unit_of_work():
                return "ran"
        except RuntimeError as refused:
            return str(refused)
        finally:
            await database.dispose()

    outcome = asyncio.run(nested())
    if backend_name == "sqlite":
        assert "would wait for itself" in outcome
    else:
        assert outcome == "ran"
