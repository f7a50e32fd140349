"""Redis as the throttling store (RELEASEDESK_REDIS_URL): one key per bucket, its count,
expiring when its window passes.

A hit is one Lua script (INCR, then PEXPIRE when the INCR made the key), so the count and
its expiry are set together: no key is left counting forever by a client that died
between two commands, and concurrent hits each get their own count. Time is Redis's
(PTTL), so servers whose clocks differ agree on when a window ends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.throttle.counts import Count

_HIT = """
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {hits, left}
"""


class RedisStore:
    def __init__(self, url: str, prefix: str) -> None:
        self.redis: Redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = f"{prefix}throttle:"
        self._hit = self.redis.register_script(_HIT)

    def key(self, bucket: str) -> str:
        return self.prefix + bucket

    async def read(
        self, _session: AsyncSession, buckets: Sequence[str], now: float
    ) -> list[Count | None]:
        pipeline = self.redis.pipeline(transaction=False)
        for bucket in buckets:
            pipeline.get(self.key(bucket))
            pipeline.pttl(self.key(bucket))
        answers: list[Any] = await pipeline.execute()
        counts: list[Count | None] = []
        for hits, left in zip(answers[::2], answers[1::2], strict=True):
            live = hits is not None and left is not None and int(left) > 0
            counts.append(Count(int(hits), now + int(left) / 1000) if live else None)
        return counts

    async def hit(self, _session: AsyncSession, bucket: str, window: float, now: float) -> Count:
        answer = await self._hit(keys=[self.key(bucket)], args=[max(1, int(window * 1000))])
        hits, left = cast(list[int], answer)
        return Count(int(hits), now + int(left) / 1000)

    async def close(self) -> None:
        await self.redis.aclose()
