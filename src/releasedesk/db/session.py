"""The database handle: one engine, sessions per request, and unit_of_work() for CLI and jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from releasedesk.db import integrity
from releasedesk.db.engine import IMMEDIATE, READ_ONLY, create_engine, is_sqlite


class Database:
    """Owns the engine; hands out sessions that commit once or roll back on any error.

    Constraint violations a client can cause surface as core errors (db/integrity.py).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = create_engine(url)
        integrity.install(self.engine)
        self.is_sqlite = is_sqlite(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # Reads get their options from the engine they are bound to, so a read session
        # takes a pooled connection only when it runs its first statement: a GET whose
        # caller is in the auth cache and whose answer needs no query costs no checkout.
        self._read_sessions = async_sessionmaker(
            self.engine.execution_options(**self._options(writes=False)),
            expire_on_commit=False,
            autoflush=False,
        )

    @asynccontextmanager
    async def unit_of_work(self, *, writes: bool = True) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back if it raises.

        `writes` takes SQLite's write lock when the transaction begins, so writers queue
        rather than fail; a unit of work that only reads (writes=False) runs without one,
        each statement committed as it runs, so it commits only what the ORM still holds
        (on SQLite a COMMIT is a hop to the driver's thread, for nothing).
        """
        async with (self.sessions if writes else self._read_sessions)() as session:
            if writes:
                await session.connection(execution_options=self._options(writes))
            try:
                yield session
                if writes or session.new or session.dirty or session.deleted:
                    await session.commit()
            except BaseException:
                await session.rollback()
                raise

    def _options(self, writes: bool) -> dict[str, object]:
        if writes:
            return {IMMEDIATE: True} if self.is_sqlite else {}
        # A read needs no transaction of its own: each statement sees committed data
        # (PostgreSQL's READ COMMITTED does the same inside one); this saves the BEGIN and
        # COMMIT round trips on every GET.
        return {READ_ONLY: True} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"}

    async def dispose(self) -> None:
        await self.engine.dispose()
