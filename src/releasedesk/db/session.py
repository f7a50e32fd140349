"""The database handle: one engine, sessions per request, and unit_of_work() for CLI and jobs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from releasedesk.db import integrity, sqlite_loop
from releasedesk.db.cache import CACHES, Caches
from releasedesk.db.engine import IMMEDIATE, READ_ONLY, create_engine, is_sqlite
from releasedesk.db.write_turns import WriteTurns
from releasedesk.settings import DatabaseSettings

log = logging.getLogger(__name__)

AfterWork = Callable[[AsyncSession], Awaitable[None]]
_WRITES = "releasedesk.writes"
_AFTER = "releasedesk.after"
_TURNS = "releasedesk.write_turns"
_HELD = "releasedesk.held"


def is_writing(session: AsyncSession) -> bool:
    """Whether `session` is a writing unit of work's (True for a session no unit of work
    made: the careful answer)."""
    return bool(session.info.get(_WRITES, True))


async def after_unit_of_work(session: AsyncSession, work: AfterWork) -> None:
    """Run `work` in a transaction of its own once `session`'s unit of work has ended,
    committed or rolled back: what must neither wait for the request's transaction nor be
    lost with it (a key's `last used`). At once, in `session`, for a session no unit of
    work made."""
    after = session.info.get(_AFTER)
    if isinstance(after, list):
        after.append(work)
    else:
        await work(session)


def held_by(session: AsyncSession) -> dict[str, object] | None:
    """What the process holds for `session`'s Database (core/reference's copy of the
    reference data), or None for a session no unit of work made."""
    held = session.info.get(_HELD)
    return held if isinstance(held, dict) else None


class Database:
    """Owns the engine; hands out sessions that commit once or roll back on any error.

    Constraint violations a client can cause surface as core errors (db/integrity.py).
    """

    def __init__(self, url: str, pool: DatabaseSettings | None = None) -> None:
        self.url = url
        # The caches this database's sessions share (db/cache.py), reached from a session or
        # connection through the engine's execution options (`caches_of`).
        self.caches = Caches()
        self.engine: AsyncEngine = create_engine(url, pool, execution_options={CACHES: self.caches})
        integrity.install(self.engine)
        self.is_sqlite = is_sqlite(url)
        self.write_turns = WriteTurns()  # SQLite's writers queue here (db/write_turns.py)
        # What the domain holds in the process for this database (core/reference), so two
        # Databases in one process (two apps in a test) keep apart.
        self.held: dict[str, object] = {}
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
        rather than fail (a process's writers in turn, first come first served:
        db/write_turns.py); a unit of work that only reads (writes=False) runs without one,
        each statement committed as it runs, so it commits only what the ORM still holds
        (on SQLite a COMMIT is a hop to the driver's thread, for nothing).
        """
        after: list[AfterWork] = []
        try:
            # The turn ends with the transaction, before the work after it (which writes
            # in a unit of work of its own, and would otherwise wait for itself).
            sessions = self.sessions if writes else self._read_sessions
            async with self._turn(writes), sessions() as session:
                session.info[_WRITES] = writes
                session.info[_AFTER] = after
                session.info[_HELD] = self.held
                if self.is_sqlite:
                    session.info[_TURNS] = self.write_turns
                if writes:
                    await session.connection(execution_options=self._options(writes))
                try:
                    yield session
                    if writes or session.new or session.dirty or session.deleted:
                        await commit(session)
                except BaseException:
                    await session.rollback()
                    raise
                if not writes and self.is_sqlite:
                    # Its connection goes back to the pool with a ROLLBACK (a read has no
                    # transaction to end): on the loop's thread, not a hop (db/sqlite_loop.py).
                    with sqlite_loop.on_loop():
                        await session.close()
        except Exception:
            await self._run_after(after)  # not when cancelled: nobody waits for it
            raise
        await self._run_after(after)

    def _turn(self, writes: bool) -> AbstractAsyncContextManager[None]:
        """SQLite's writers take turns before BEGIN IMMEDIATE (db/write_turns.py)."""
        return self.write_turns.turn() if writes and self.is_sqlite else nullcontext()

    async def _run_after(self, after: list[AfterWork]) -> None:
        """Each piece of `after_unit_of_work`, in its own transaction; a failure is logged
        (one line) and never fails the request it followed."""
        for work in after:
            try:
                async with self.unit_of_work() as session:
                    await work(session)
            except Exception as error:
                log.warning("work after a unit of work failed: %s", type(error).__name__)

    def _options(self, writes: bool) -> dict[str, object]:
        if writes:
            return {IMMEDIATE: True} if self.is_sqlite else {}
        # A read needs no transaction of its own: each statement sees committed data
        # (PostgreSQL's READ COMMITTED does the same inside one); this saves the BEGIN and
        # COMMIT round trips on every GET.
        return {READ_ONLY: True} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"}

    async def dispose(self) -> None:
        await self.engine.dispose()


def autocommits(session: AsyncSession) -> bool:
    """Whether `session` is a read unit of work, each statement committed as it runs (so a
    write needing several statements to hold together needs a transaction of its own)."""
    options = session.get_bind().get_execution_options()
    return bool(options.get(READ_ONLY)) or options.get("isolation_level") == "AUTOCOMMIT"


@asynccontextmanager
async def transaction_apart(
    session: AsyncSession, *, snapshot: bool = False
) -> AsyncIterator[AsyncSession]:
    """A transaction of its own on `session`'s database, committed when the block ends.

    For a write that must hold together when the caller has no transaction to put it in (a
    read unit of work), or must outlive the caller's (which rolls back); `snapshot`: a read
    seeing one moment of the database throughout (REPEATABLE READ on PostgreSQL, a deferred
    transaction on SQLite, whose WAL reads keep their snapshot), writing nothing.
    Not for a caller that holds SQLite's write lock: this would wait for it. A writing one
    on SQLite takes its turn with the process's other writers (db/write_turns.py) when
    `session` is a read unit of work's, which holds none.
    """
    bind = session.bind
    assert bind is not None and not isinstance(bind, AsyncConnection)
    options: dict[str, object]
    turn: AbstractAsyncContextManager[None] = nullcontext()
    if bind.dialect.name == "sqlite":
        options = {READ_ONLY: False, IMMEDIATE: not snapshot}
        turns = session.info.get(_TURNS)
        if isinstance(turns, WriteTurns) and not snapshot and not is_writing(session):
            turn = turns.turn()
    else:
        options = {"isolation_level": "REPEATABLE READ" if snapshot else "READ COMMITTED"}
    async with turn, AsyncSession(bind, expire_on_commit=False, autoflush=False) as own:
        # On the connection, as unit_of_work does: they override the read engine's options.
        await own.connection(execution_options=options)
        try:
            yield own
            await commit(own)
        except BaseException:
            await own.rollback()
            raise


# Work a transaction leaves to its end: async callables run (in the order registered, once
# per key) just before it commits, so that what they lock is the last thing it locks (the
# audit trail's chain head, core/audit/service.py).
BEFORE_COMMIT = "releasedesk_before_commit"
Hook = Callable[[AsyncSession], Awaitable[None]]


def before_commit(session: AsyncSession, key: str, hook: Hook) -> None:
    """Run `hook` when `session`'s transaction commits, before the COMMIT (once per key)."""
    session.info.setdefault(BEFORE_COMMIT, {}).setdefault(key, hook)


async def commit(session: AsyncSession) -> None:
    """Commit, running the before-commit hooks first; the one way this code commits."""
    while hooks := session.info.pop(BEFORE_COMMIT, None):
        for hook in hooks.values():
            await hook(session)
    await session.commit()


@event.listens_for(Session, "before_commit")
def _hooks_ran(session: Session) -> None:
    """A commit that skipped `commit()` would drop what the hooks had to write: refuse it."""
    if not session.in_nested_transaction() and session.info.get(BEFORE_COMMIT):
        raise RuntimeError("commit through releasedesk.db.session.commit: hooks are waiting")


@event.listens_for(Session, "after_soft_rollback")
def _forget_hooks(session: Session, previous: object) -> None:
    if not session.in_transaction():  # the whole transaction rolled back
        session.info.pop(BEFORE_COMMIT, None)
