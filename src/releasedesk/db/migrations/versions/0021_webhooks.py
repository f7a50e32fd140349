"""outgoing webhooks: subscriptions, the events outbox, deliveries

Revision ID: 0021
Revises: 0020

`webhook_subscriptions`: a portal's receiving URLs, the events each wants, its secret sealed
under the server's key (and the previous one during a rotation's grace). `webhook_events`:
each event's body as sent, written in the transaction of the change. `webhook_deliveries`:
one event to one subscription, the row a sender claims when `next_attempt_on` is due
(ix_webhook_deliveries_due), with its last attempt's answer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import releasedesk.db.base

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = releasedesk.db.base.UtcDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("previous_secret_sealed", sa.Text(), nullable=True),
        sa.Column("previous_expires_on", TIME, nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("disabled_on", TIME, nullable=True),
        sa.Column("failing_since", TIME, nullable=True),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("created_on", TIME, nullable=False),
        sa.Column("updated_on", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        _fk("webhook_subscriptions", "created_by_id", "users", "SET NULL"),
        _fk("webhook_subscriptions", "portal_id", "portals", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index("ix_webhook_subscriptions_portal_id", "webhook_subscriptions", ["portal_id"])
    op.create_table(
        "webhook_events",
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_on", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        _fk("webhook_events", "portal_id", "portals", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint("message_id", name=op.f("uq_webhook_events_message_id")),
    )
    op.create_index("ix_webhook_events_portal_id", "webhook_events", ["portal_id"])
    op.create_index("ix_webhook_events_created", "webhook_events", ["portal_id", "created_on"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("subscription_id", ID, nullable=False),
        sa.Column("event_id", ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_on", TIME, nullable=False),
        sa.Column("next_attempt_on", TIME, nullable=True),
        sa.Column("claimed_until", TIME, nullable=True),
        sa.Column("last_attempt_on", TIME, nullable=True),
        sa.Column("delivered_on", TIME, nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("request_headers", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        _fk("webhook_deliveries", "subscription_id", "webhook_subscriptions", "CASCADE"),
        _fk("webhook_deliveries", "event_id", "webhook_events", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["next_attempt_on"])
    op.create_index(
        "ix_webhook_deliveries_log", "webhook_deliveries", ["subscription_id", "created_on"]
    )
    op.create_index("ix_webhook_deliveries_event_id", "webhook_deliveries", ["event_id"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_events")
    op.drop_table("webhook_subscriptions")
