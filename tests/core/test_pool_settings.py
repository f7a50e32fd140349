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


def test_the_pool_is_sized_as_set_and_overflows_as_allowed(database_url: str) -> None:
    if make_url(database_url).get_backend_name() == "sqlite":
        pytest.skip("SQLite has no pool settings")

    async def two_at_once() -> None:
        database = Database(database_url, DatabaseSettings(pool_size=1, max_overflow=1))
        try:
            assert database.engine.pool.size() == 1  # type: ignore[attr-defined]
            async with asyncio.timeout(20):  # with no overflow the second would wait 30 s
                async with database.engine.connect() as first, database.engine.connect() as second:
                    pids = [
                        (await c.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                        for c in (first, second)
                    ]
            assert pids[0] != pids[1]
        finally:
            await database.dispose()

    asyncio.run(two_at_once())


@pytest.mark.parametrize("pre_ping", [True, False])
def test_pre_ping_replaces_a_connection_the_server_dropped(
    database_url: str, pre_ping: bool
) -> None:
    if make_url(database_url).get_backend_name() == "sqlite":
        pytest.skip("SQLite has no pool settings")

    async def after_a_drop() -> None:
        database = Database(database_url, DatabaseSettings(pool_size=1, pool_pre_ping=pre_ping))
        try:
            async with database.engine.connect() as connection:
                pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            admin = Database(database_url)  # the pool's one connection stays idle in it
            try:
                async with admin.engine.connect() as other:
                    await other.execute(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": pid})
            finally:
                await admin.dispose()
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        finally:
            await database.dispose()

    if pre_ping:
        asyncio.run(after_a_drop())
    else:
        with pytest.raises(DBAPIError):
            asyncio.run(after_a_drop())


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
