"""The audit trail of security and decision events: append-only, one row per event, each
portal's rows a hash chain.

Actor and subject are plain ids with the names they had, not foreign keys: a row never
changes once written (an `ON DELETE SET NULL` would rewrite it and break the chain).
`detail` holds the canonical JSON text (sorted keys, compact) as written.

The chain (core/audit/chain.py): each row carries its place in its portal's chain
(`chain_seq`, 1, 2, 3, …), the `entry_hash` of the row before it (`previous_hash`; 64 zeros
for the first) and its own `entry_hash`, the SHA-256 of its canonical content, previous hash
included. `audit_chain_heads` holds each portal's last place and hash: appending locks that
row, so a portal's appends queue and each extends the one before, and a row removed from the
end still shows against the head.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from releasedesk.db.base import Base, BigId, IdMixin, PortalMixin, UtcDateTime

HASH_LENGTH = 64  # SHA-256 in hex

# What makes "an expired key's refusal is audited once per key" hold under concurrency: a
# second refusal of the same key conflicts here and is dropped (INSERT … ON CONFLICT DO
# NOTHING). core/audit/views.py takes the kind from here (AuditKind.KEY_EXPIRED_REFUSED).
KEY_EXPIRED_REFUSED = "key_expired_refused"
_ONCE = text(f"kind = '{KEY_EXPIRED_REFUSED}'")
_KEYED = text("subject_key_id IS NOT NULL")


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
        Index(
            "ux_audit_events_chain",
            "portal_id",
            "chain_seq",
            unique=True,
            # Never met by the application: every append takes the next place under the
            # chain head's lock. It keeps a place in a chain from being taken twice.
            info={"field": "chain_seq", "says": "that place in the audit chain is taken"},
        ),
        # Whether a key's refusal was recorded lately (refusals are recorded at most once a
        # period per key: an attacker repeating one must not make every try a write).
        Index(
            "ix_audit_events_key_time",
            "subject_key_id",
            "occurred_time",
            sqlite_where=_KEYED,
            postgresql_where=_KEYED,
        ),
    )

    occurred_time: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    # Who: a user (an admin acting over an API, later) or the CLI (`cli:<os user>`, no id).
    actor_id: Mapped[int | None] = mapped_column(BigId)
    actor_name: Mapped[str] = mapped_column(String(200))
    # The account concerned (none for a release's events, or a sign-in with an unknown
    # login), and the key when the event is about one.
    subject_user_id: Mapped[int | None] = mapped_column(BigId)
    subject_user_name: Mapped[str | None] = mapped_column(String(200))
    subject_key_id: Mapped[int | None] = mapped_column(BigId)
    subject_key_name: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text)
    chain_seq: Mapped[int] = mapped_column(BigInteger)
    previous_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    entry_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))


class AuditChainHead(Base):
    """A portal's chain: where it ends. Locked by every append to the portal's trail."""

    __tablename__ = "audit_chain_heads"

    portal_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True
    )
    chain_seq: Mapped[int] = mapped_column(BigInteger)
    entry_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
