"""change freezes: freeze windows, the exceptions granted to releases, calendar feed tokens

Revision ID: 0020
Revises: 0019

`freeze_windows`: one-off or recurring (RFC 5545) windows per portal, with their scope and
effect; `first_start`/`last_end` bound every occurrence so a check reads only the windows
that can matter (ix_freeze_windows_span). `freeze_overrides`: one release's exception to one
window, until it expires. `calendar_feed_tokens`: each user's secret for the calendar feed
(its SHA-256).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import releasedesk.db.base

revision: str = "0020"
down_revision: str | None = "0019"
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
        "freeze_windows",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("start_on", TIME, nullable=True),
        sa.Column("end_on", TIME, nullable=True),
        sa.Column("rrule", sa.String(length=1000), nullable=True),
        sa.Column("dtstart", sa.String(length=19), nullable=True),
        sa.Column("duration", sa.String(length=40), nullable=True),
        sa.Column("exdates", sa.JSON(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("effect", sa.String(length=10), nullable=False),
        sa.Column("first_start", TIME, nullable=False),
        sa.Column("last_end", TIME, nullable=True),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("created_on", TIME, nullable=False),
        sa.Column("updated_on", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        _fk("freeze_windows", "created_by_id", "users", "SET NULL"),
        _fk("freeze_windows", "portal_id", "portals", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freeze_windows")),
    )
    op.create_index("ix_freeze_windows_portal_id", "freeze_windows", ["portal_id"])
    op.create_index("ix_freeze_windows_span", "freeze_windows", ["portal_id", "first_start"])
    op.create_index(
        "ux_freeze_windows_name",
        "freeze_windows",
        ["portal_id", sa.text("lower(name)")],
        unique=True,
    )
    op.create_table(
        "freeze_overrides",
        sa.Column("window_id", ID, nullable=False),
        sa.Column("release_id", ID, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_on", TIME, nullable=False),
        sa.Column("granted_by_id", ID, nullable=True),
        sa.Column("granted_on", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        _fk("freeze_overrides", "window_id", "freeze_windows", "CASCADE"),
        _fk("freeze_overrides", "release_id", "releases", "CASCADE"),
        _fk("freeze_overrides", "granted_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freeze_overrides")),
    )
    op.create_index("ix_freeze_overrides_release", "freeze_overrides", ["release_id"])
    op.create_index(
        "ux_freeze_overrides_window_release",
        "freeze_overrides",
        ["window_id", "release_id"],
        unique=True,
    )

    op.create_table(
        "calendar_feed_tokens",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_on", TIME, nullable=False),
        _fk("calendar_feed_tokens", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_feed_tokens")),
    )
    op.create_index(
        "ux_calendar_feed_tokens_hash", "calendar_feed_tokens", ["token_hash"], unique=True
    )


def downgrade() -> None:
    op.drop_table("calendar_feed_tokens")
    op.drop_table("freeze_overrides")
    op.drop_table("freeze_windows")
