"""a hash chain over each portal's audit trail; events without an account

Revision ID: 0017
Revises: 0016

Each audit row gets its place in its portal's chain (`chain_seq`), the hash of the entry
before it (`previous_hash`, 64 zeros for the first) and its own (`entry_hash`: SHA-256 of
its canonical content, core/audit/views.canonical); `audit_chain_heads` holds each portal's
last place and hash, the row every append locks. The rows already there are chained here in
the order they were written (id), so an upgraded database verifies. The canonical form is
copied below rather than imported: this migration must hash as it did when it was written,
whatever the application's code becomes (tests/test_audit_migration.py holds the two equal).

The subject's user name becomes optional too (0016 made its id so): a release's events and
a portal setting's have no account at all. A key's events are looked up by key
and time (refusals are recorded at most once per key and period).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
GENESIS = "0" * 64
KEYED = sa.text("subject_key_id IS NOT NULL")


def _canonical(row: Any, previous_hash: str, chain_seq: int) -> bytes:
    occurred = row.occurred_time
    if isinstance(occurred, str):  # SQLite hands back text on a plain connection
        occurred = dt.datetime.fromisoformat(occurred)
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=dt.UTC)
    content = {
        "portal_id": row.portal_id,
        "chain_seq": chain_seq,
        "previous_hash": previous_hash,
        "occurred_time": occurred.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "kind": row.kind,
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "subject_user_id": row.subject_user_id,
        "subject_user_name": row.subject_user_name,
        "subject_key_id": row.subject_key_id,
        "subject_key_name": row.subject_key_name,
        "detail": json.loads(row.detail),
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _chain_existing_rows() -> None:
    connection = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id"),
        sa.column("portal_id"),
        sa.column("chain_seq"),
        sa.column("previous_hash"),
        sa.column("entry_hash"),
    )
    heads: dict[int, tuple[int, str]] = {}
    rows = connection.execute(
        sa.text(
            "SELECT id, portal_id, occurred_time, kind, actor_id, actor_name, subject_user_id,"
            " subject_user_name, subject_key_id, subject_key_name, detail"
            " FROM audit_events ORDER BY portal_id, id"
        )
    ).all()
    for row in rows:
        seq, previous = heads.get(row.portal_id, (0, GENESIS))
        seq += 1
        own = hashlib.sha256(_canonical(row, previous, seq)).hexdigest()
        connection.execute(
            events.update()
            .where(events.c.id == row.id)
            .values(chain_seq=seq, previous_hash=previous, entry_hash=own)
        )
        heads[row.portal_id] = (seq, own)
    if heads:
        chain_heads = sa.table(
            "audit_chain_heads",
            sa.column("portal_id"),
            sa.column("chain_seq"),
            sa.column("entry_hash"),
        )
        connection.execute(
            chain_heads.insert(),
            [{"portal_id": p, "chain_seq": s, "entry_hash": h} for p, (s, h) in heads.items()],
        )


def upgrade() -> None:
    op.create_table(
        "audit_chain_heads",
        sa.Column("portal_id", ID, nullable=False),
        sa.Column("chain_seq", sa.BigInteger(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            name=op.f("fk_audit_chain_heads_portal_id_portals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portal_id", name=op.f("pk_audit_chain_heads")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("previous_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
        batch_op.alter_column(
            "subject_user_name", existing_type=sa.String(length=200), nullable=True
        )
    _chain_existing_rows()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("chain_seq", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("previous_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("entry_hash", existing_type=sa.String(length=64), nullable=False)
    op.create_index(
        "ux_audit_events_chain", "audit_events", ["portal_id", "chain_seq"], unique=True
    )
    op.create_index(
        "ix_audit_events_key_time",
        "audit_events",
        ["subject_key_id", "occurred_time"],
        postgresql_where=KEYED,
        sqlite_where=KEYED,
    )


def downgrade() -> None:
    """Back to 0016: the chain goes; events with no subject name (a release's, a setting's)
    cannot stay (the column becomes NOT NULL again), so they are deleted: a downgrade
    loses them."""
    op.drop_index("ix_audit_events_key_time", table_name="audit_events")
    op.drop_index("ux_audit_events_chain", table_name="audit_events")
    op.execute("DELETE FROM audit_events WHERE subject_user_name IS NULL")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("entry_hash")
        batch_op.drop_column("previous_hash")
        batch_op.drop_column("chain_seq")
        batch_op.alter_column(
            "subject_user_name", existing_type=sa.String(length=200), nullable=False
        )
    op.drop_table("audit_chain_heads")
