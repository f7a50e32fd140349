"""The database as the throttling store: one row per bucket (`throttle_counters`).

A hit is one `INSERT … ON CONFLICT DO UPDATE … RETURNING` (PostgreSQL and SQLite alike):
the first hit inserts the row, a later one adds to it, or, once its window has passed,
starts it again at one; concurrent hits queue on the row and each returns its own count.
Rows whose window passed long ago are deleted now and then (`purge`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.throttle.counts import Count
from releasedesk.db.models import ThrottleCounter


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


class DatabaseStore:
    """Counts in the session it is given: the hit commits with that session's transaction."""

    async def read(
        self, session: AsyncSession, buckets: Sequence[str], now: float
    ) -> list[Count | None]:
        query = select(ThrottleCounter.bucket, ThrottleCounter.hits, ThrottleCounter.resets_at)
        query = query.where(
            ThrottleCounter.bucket.in_(buckets), ThrottleCounter.resets_at > _ms(now)
        )
        found = {
            bucket: Count(hits, resets_at / 1000)
            for bucket, hits, resets_at in await session.execute(query)
        }
        return [found.get(bucket) for bucket in buckets]

    async def hit(self, session: AsyncSession, bucket: str, window: float, now: float) -> Count:
        now_ms, resets_ms = _ms(now), _ms(now + window)
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        inserted = dialect.insert(ThrottleCounter).values(
            bucket=bucket, hits=1, resets_at=resets_ms
        )
        passed = ThrottleCounter.resets_at <= now_ms  # the row as it was: its window is over
        statement = inserted.on_conflict_do_update(
            index_elements=[ThrottleCounter.bucket],
            set_={
                "hits": case((passed, 1), else_=ThrottleCounter.hits + 1),
                "resets_at": case((passed, resets_ms), else_=ThrottleCounter.resets_at),
            },
        ).returning(ThrottleCounter.hits, ThrottleCounter.resets_at)
        hits, resets_at = (await session.execute(statement)).one()
        return Count(hits, resets_at / 1000)

    async def purge(self, session: AsyncSession, before: float) -> int:
        """Delete the rows whose window ended before `before`; how many."""
        result = await session.execute(
            delete(ThrottleCounter).where(ThrottleCounter.resets_at < _ms(before))
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def close(self) -> None:
        return None
