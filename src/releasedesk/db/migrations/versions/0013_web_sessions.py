"""browser sessions of the web UI

Revision ID: 0013
Revises: 0012

A signed-in browser holds a random token in a cookie; the table keeps the token's SHA-256,
the user, the portal and the role the user had at sign-in. Sign-out deletes the row; a new password, a
deactivation or another role deletes all of the user's rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import releasedesk.db.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = releasedesk.db.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_time", TIME, nullable=False),
        sa.Column("last_seen_time", TIME, nullable=False),
        sa.Column("expires_time", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            name=op.f("fk_web_sessions_portal_id_portals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_web_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    op.create_index("ix_web_sessions_portal_id", "web_sessions", ["portal_id"])
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_user_id", table_name="web_sessions")
    op.drop_index("ix_web_sessions_portal_id", table_name="web_sessions")
    op.drop_table("web_sessions")
