"""throttling counters; the audit trail's subject may be no account

Revision ID: 0016
Revises: 0015

`throttle_counters` holds the failed sign-ins per user and per client address, and the
requests per key when a key rate limit is set (core/throttle), when no Redis is configured:
one row per bucket, reset in place when its window has passed, and rows long past deleted
now and then. A failed sign-in with a login no user has is audited about no account, so
`audit_events.subject_user_id` may be NULL (the login tried is its subject's name).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "throttle_counters",
        sa.Column("bucket", sa.String(length=160), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("resets_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_throttle_counters")),
    )
    op.create_index("ix_throttle_counters_resets_at", "throttle_counters", ["resets_at"])
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.alter_column("subject_user_id", existing_type=ID, nullable=True)


def downgrade() -> None:
    # subject_user_id stays nullable: the trail is never rewritten, and rows about no
    # account may be in it now.
    op.drop_index("ix_throttle_counters_resets_at", table_name="throttle_counters")
    op.drop_table("throttle_counters")
