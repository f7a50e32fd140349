"""indexes on live releases' scheduled windows, for the calendar

Revision ID: 0013
Revises: 0012

The calendar (core/calendar) reads the releases whose window [scheduled_start_time,
scheduled_end_time) meets a range, and their neighbours: `start <= range end AND end >=
range start`. No index held either time. One on the start serves the first test by scanning
every window that starts before the range ends (the whole past, for this week's calendar);
one on the end, an instant ending where it starts (coalesce(end, start)), serves the second
by scanning every window that ends after the range begins (the future, for this week's).
Both are kept: PostgreSQL picks the shorter scan from its statistics, SQLite is told which
(core/calendar/repository._reaching). Partial on live rows, as the list indexes (0004): the
calendar never shows the trash.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    live = sa.text("deleted_time IS NULL")
    op.create_index(
        "ix_releases_live_scheduled_start",
        "releases",
        ["portal_id", "scheduled_start_time"],
        postgresql_where=live,
        sqlite_where=live,
    )
    op.create_index(
        "ix_releases_live_scheduled_end",
        "releases",
        ["portal_id", sa.text("coalesce(scheduled_end_time, scheduled_start_time)")],
        postgresql_where=live,
        sqlite_where=live,
    )


def downgrade() -> None:
    op.drop_index("ix_releases_live_scheduled_end", table_name="releases")
    op.drop_index("ix_releases_live_scheduled_start", table_name="releases")
