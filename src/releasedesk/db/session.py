"""The database handle: one engine, sessions per request, and unit_of_work() for CLI and jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from releasedesk.db.engine import IMMEDIATE, create_engine, is_sqlite


class Database:
    """Owns the engine; hands out sessions that commit once or roll back on any error."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.is_sqlite = is_sqlite(url)

    @asynccontextmanager
    async def unit_of_work(self, *, writes: bool = True) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back if it raises.

        `writes` takes SQLite's write lock when the transaction begins, so writers queue
        rather than fail; readers (writes=False) never wait for it.
        """
        async with self.sessions() as session:
            if writes and self.is_sqlite:
                await session.connection(execution_options={IMMEDIATE: True})
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()
