"""Throttling counters (core/throttle) when no Redis is configured: one row per bucket (a
user's failed sign-ins, a client address's, a key's requests), counting hits until
`resets_at`, when the next hit starts the count again on the same row."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from releasedesk.db.base import Base


class ThrottleCounter(Base):
    __tablename__ = "throttle_counters"
    # Rows whose window passed are deleted now and then, oldest first (core/throttle).
    __table_args__ = (Index("ix_throttle_counters_resets_at", "resets_at"),)

    bucket: Mapped[str] = mapped_column(String(160), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    # Epoch milliseconds: compared and reset inside one upsert, alike on both databases.
    resets_at: Mapped[int] = mapped_column(BigInteger)
