"""webhook attempts: every attempt of a delivery, not only its last

Revision ID: 0024
Revises: 0023

`webhook_attempts`: one row per attempt of a webhook delivery (its number, when, the
answer's status, duration, headers and body, or the error; the retry it set), inserted when
the sender records the attempt. The delivery keeps its summary of the last one. Deliveries
made before this migration have no attempt rows: their log shows the last attempt alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import releasedesk.db.base

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = releasedesk.db.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "webhook_attempts",
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("attempted_on", TIME, nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("request_headers", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("next_attempt_on", TIME, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    op.create_index("ix_webhook_attempts_delivery", "webhook_attempts", ["delivery_id", "number"])


def downgrade() -> None:
    op.drop_table("webhook_attempts")
