"""db/sqlite_loop.py: on SQLite, a call inside `on_loop()` runs on the event loop's thread,
any other on the connection's own thread (aiosqlite's); the hot reads use the first, a
write's BEGIN IMMEDIATE the second; and the engine's connections are LoopConnections."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from releasedesk.core.releases import read_repository
from releasedesk.db import sqlite_loop
from tests.helpers import Desk


def test_calls_run_on_the_loop_inside_on_loop_and_on_their_thread_outside(
    desk: Desk, run: Callable[[Callable[[], Awaitable[Any]]], Any]
) -> None:
    if not desk.database.is_sqlite:
        pytest.skip("aiosqlite's threads are SQLite's")
    release = desk.create_release(title="Where it runs")

    async def threads() -> dict[str, int]:
        seen = {"loop": threading.get_ident()}
        async with desk.database.unit_of_work(writes=False) as session:
            connection = await session.connection()
            raw = (await connection.get_raw_connection()).driver_connection
            assert isinstance(raw, sqlite_loop.LoopConnection)
            await raw.create_function("thread_id", 0, threading.get_ident)
            seen["outside"] = (await raw.execute_fetchall("SELECT thread_id()"))[0][0]
            with sqlite_loop.on_loop():
                seen["inside"] = (await raw.execute_fetchall("SELECT thread_id()"))[0][0]
                assert sqlite_loop.is_on_loop()
            assert not sqlite_loop.is_on_loop()
            # The hot read itself, inside and after an on_loop block: the same rows.
            loaded = await read_repository.load_one(session, int(release["id"]))
            assert loaded is not None and loaded.title == "Where it runs"
            assert (await session.execute(select(1))).scalar_one() == 1
        return seen

    seen = run(threads)
    assert seen["inside"] == seen["loop"]
    assert seen["outside"] != seen["loop"]
