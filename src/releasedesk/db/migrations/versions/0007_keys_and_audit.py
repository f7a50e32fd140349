"""keys that expire and record when they were last used; the audit trail of account events

Revision ID: 0007
Revises: 0006

Existing keys keep working: no expiry, never used as far as the database knows. The audit
trail starts empty; each row names its actor and subject by id and by the name they had
(no foreign keys, so nothing ever rewrites a row), and the partial unique index lets an
expired key's refusal be recorded once per key even when requests race.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import releasedesk.db.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ONCE = sa.text("kind = 'key_expired_refused'")


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_time", releasedesk.db.base.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "last_used_time", releasedesk.db.base.UtcDateTime(timezone=True), nullable=True
            )
        )

    op.create_table(
        "audit_events",
        sa.Column("occurred_time", releasedesk.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("subject_user_id", ID, nullable=False),
        sa.Column("subject_user_name", sa.String(length=200), nullable=False),
        sa.Column("subject_key_id", ID, nullable=True),
        sa.Column("subject_key_name", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            name=op.f("fk_audit_events_portal_id_portals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_portal_id", "audit_events", ["portal_id"])
    op.create_index("ix_audit_events_occurred_time", "audit_events", ["occurred_time"])
    op.create_index(
        "ux_audit_events_key_expired_refused_once",
        "audit_events",
        ["subject_key_id"],
        unique=True,
        sqlite_where=ONCE,
        postgresql_where=ONCE,
    )


def downgrade() -> None:
    op.drop_index("ux_audit_events_key_expired_refused_once", table_name="audit_events")
    op.drop_index("ix_audit_events_occurred_time", table_name="audit_events")
    op.drop_index("ix_audit_events_portal_id", table_name="audit_events")
    op.drop_table("audit_events")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("last_used_time")
        batch_op.drop_column("expires_time")
