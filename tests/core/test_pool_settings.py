"""The database settings reach the engine: pool size, overflow and pre-ping; a connect
timeout that gives up on a server that never answers; a statement timeout that stops a
runaway statement with an error saying so (PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from releasedesk.db.session import Database
from releasedesk.settings import DatabaseSettings


def test_the_pool_is_sized_as_set(database_url: str) -> None:
    if make_url(database_url).get_backend_name() == "sqlite":
        pytest.skip("SQLite has no pool settings")
    database = Database(database_url, DatabaseSettings(pool_size=3, max_overflow=2))
    try:
        assert database.engine.pool.size() == 3  # type: ignore[attr-defined]
        assert "Current Overflow: -3" in database.engine.pool.status()
    finally:
        asyncio.run(database.dispose())


def test_a_statement_past_the_timeout_fails_saying_so(database_url: str) -> None:
    if make_url(database_url).get_backend_name() == "sqlite":
        pytest.skip("SQLite has no statement timeout")

    async def sleep(seconds: float) -> None:
        database = Database(database_url, DatabaseSettings(statement_timeout_seconds=1))
        try:
            async with database.unit_of_work(writes=False) as session:
                await session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
        finally:
            await database.dispose()

    asyncio.run(sleep(0.1))  # within the limit
    with pytest.raises(DBAPIError, match="statement timeout"):
        asyncio.run(sleep(3))


def test_a_server_that_never_answers_fails_the_connect_in_time() -> None:
    async def attempt() -> None:
        accepted: list[asyncio.StreamWriter] = []

        async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.append(writer)  # accepts the connection and says nothing

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        url = f"postgresql://nobody@127.0.0.1:{port}/nothing"
        database = Database(url, DatabaseSettings(connect_timeout_seconds=0.5))
        guard = asyncio.timeout(30)  # against hanging, not the measure
        try:
            async with guard, database.unit_of_work(writes=False) as session:
                await session.execute(text("SELECT 1"))
        except TimeoutError:
            assert not guard.expired(), "the connect never gave up by itself"
            raise
        finally:
            await database.dispose()
            for writer in accepted:
                writer.close()
            server.close()
            with contextlib.suppress(Exception):
                await server.wait_closed()

    with pytest.raises(TimeoutError):
        asyncio.run(attempt())
