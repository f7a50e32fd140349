"""The approval scheduler's runner: one in each `releasedesk serve` worker (started in the
app's lifespan beside the outbox sender), claiming the due rows of
approval_scheduled_actions and doing each once.

A round claims due actions in a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
so runners of several processes and servers take different rows without waiting; SQLite's
one writer serializes the claims), leasing them to this runner. Each action then runs in a
transaction of its own that locks its release, checks the runner still holds the action,
does the effect and marks the action done (core/approvals/timed.py): the effect and the
mark commit together, so a runner killed after its claim leaves the action to be claimed
again once the lease ends, and done once. Between rounds the runner sleeps until the next
action can be claimed, woken early when this process writes a new one (wake.py), and at
most `idle_seconds` (what another process wrote is found then). The clock is injectable:
tests run rounds at a time of their choosing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from collections.abc import Callable
from contextlib import suppress

from releasedesk.core.approval_policies import scheduling, wake
from releasedesk.core.approvals import timed
from releasedesk.db.session import Database

log = logging.getLogger("releasedesk.scheduler")

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Runner:
    def __init__(
        self,
        database: Database,
        *,
        clock: Clock = system_clock,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        batch: int = 20,
        idle_seconds: float = 30.0,
        retry_after: dt.timedelta = dt.timedelta(minutes=1),
        name: str | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.lease = lease
        self.batch = batch
        self.idle_seconds = idle_seconds
        self.retry_after = retry_after
        self.name = name or f"runner-{secrets.token_hex(8)}"
        self._stopping = asyncio.Event()
        self._woken = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- the loop ------------------------------------------------------------------------

    async def run(self) -> None:
        """Run due actions until stopped; a failure of the database is logged, not fatal."""
        self._loop = asyncio.get_running_loop()
        wake.register(self.database.held, self.wake)
        try:
            while not self._stopping.is_set():
                self._woken.clear()
                try:
                    done = await self.run_due()
                    wait = 0.0 if done >= self.batch else await self._seconds_to_next()
                except Exception:
                    log.exception("the approval scheduler failed a round; trying again")
                    wait = self.idle_seconds
                if wait > 0:
                    await self._sleep(wait)
        finally:
            wake.unregister(self.database.held, self.wake)

    def wake(self) -> None:
        """Run a round now (a new action was written in this process)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._woken.set)

    def stop(self) -> None:
        self._stopping.set()
        self._woken.set()

    async def _sleep(self, seconds: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._woken.wait(), seconds)

    async def _seconds_to_next(self) -> float:
        async with self.database.unit_of_work(writes=False) as session:
            now = self.clock()
            upcoming = await scheduling.next_due(session, now)
        if upcoming is None:
            return self.idle_seconds
        return min(max((upcoming - now).total_seconds(), 0.0), self.idle_seconds)

    # --- one round -----------------------------------------------------------------------

    async def run_due(self, now: dt.datetime | None = None) -> int:
        """Claim the actions due at `now` (the clock's time by default) and do each; how
        many were claimed."""
        now = now or self.clock()
        async with self.database.unit_of_work(writes=False) as session:
            if not await scheduling.any_due(session, now):
                return 0
        async with self.database.unit_of_work() as session:
            claimed = await scheduling.claim_due(session, now, self.name, self.lease, self.batch)
        for action_id in claimed:
            await self._run_one(action_id, now)
        return len(claimed)

    async def _run_one(self, action_id: int, now: dt.datetime) -> None:
        try:
            async with self.database.unit_of_work() as session:
                outcome = await timed.run_action(session, action_id, self.name, now)
        except Exception as error:  # one bad action must not stall the queue behind it
            log.exception("approval action %s failed; it is tried again later", action_id)
            async with self.database.unit_of_work() as session:
                message = f"{type(error).__name__}: {error}"[:2000]
                await scheduling.failed(session, action_id, message, now + self.retry_after)
            return
        if outcome is not None:
            log.info("approval action %s: %s", action_id, outcome)
