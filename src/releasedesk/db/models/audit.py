"""The audit trail of account and key events: append-only, one row per event.

Actor and subject are plain ids with the names they had, not foreign keys: a row never
changes once written (an `ON DELETE SET NULL` would rewrite it), which the hash chain that
will make the trail tamper-evident needs; `id` is its order. `detail` holds the canonical
JSON text (sorted keys, compact) as written, so hashing it later hashes the same bytes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from releasedesk.db.base import Base, BigId, IdMixin, PortalMixin, UtcDateTime

# What makes "an expired key's refusal is audited once per key" hold under concurrency: a
# second refusal of the same key conflicts here and is dropped (INSERT … ON CONFLICT DO
# NOTHING). core/audit/views.py takes the kind from here (AuditKind.KEY_EXPIRED_REFUSED).
KEY_EXPIRED_REFUSED = "key_expired_refused"
_ONCE = text(f"kind = '{KEY_EXPIRED_REFUSED}'")


class AuditEvent(IdMixin, PortalMixin, Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_occurred_time", "occurred_time"),
        Index(
            "ux_audit_events_key_expired_refused_once",
            "subject_key_id",
            unique=True,
            sqlite_where=_ONCE,
            postgresql_where=_ONCE,
            # As db.base.unique_index declares it (it takes no WHERE): never raised in fact,
            # the insert that could violate it does nothing on a conflict.
            info={"field": "key", "says": "that key's expiry refusal is already recorded"},
        ),
    )

    occurred_time: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    # Who: a user (an admin acting over an API, later) or the CLI (`cli:<os user>`, no id).
    actor_id: Mapped[int | None] = mapped_column(BigId)
    actor_name: Mapped[str] = mapped_column(String(200))
    # The account concerned, and the key when the event is about one (no account: a failed
    # sign-in with an unknown login or key).
    subject_user_id: Mapped[int | None] = mapped_column(BigId)
    subject_user_name: Mapped[str] = mapped_column(String(200))
    subject_key_id: Mapped[int | None] = mapped_column(BigId)
    subject_key_name: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text)
