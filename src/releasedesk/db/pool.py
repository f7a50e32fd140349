"""The connection pool, counting who waits for a connection (for metrics).

SQLAlchemy's pool tells how many connections are checked out but not how many requests wait
for one, which is the figure that says the pool is too small. `_do_get` is the hook
SQLAlchemy's pool implementations override to hand out a connection (Pool's documented
extension point); it runs synchronously on the event loop's thread and only yields while it
waits, so a count taken around it holds exactly the waiters at any moment another coroutine
can look.
"""

from __future__ import annotations

from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry


class ObservedPool(AsyncAdaptedQueuePool):
    """AsyncAdaptedQueuePool and `waiting`: requests waiting for a connection right now."""

    waiting = 0

    def _do_get(self) -> ConnectionPoolEntry:
        self.waiting += 1
        try:
            return super()._do_get()
        finally:
            self.waiting -= 1
