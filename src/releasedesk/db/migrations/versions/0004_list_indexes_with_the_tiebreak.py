"""list indexes that carry the sort and its id tiebreak

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:30:00

Lists show live releases sorted on created_time with id breaking ties. The old index lacked
id, and PostgreSQL cannot use an index for ordering after an `IS NULL` condition, so both
databases sorted every live release of the portal for each page. Partial indexes on the live
rows carry the whole sort.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_releases_portal_created", table_name="releases")
    op.drop_index("ix_releases_portal_stage_priority", table_name="releases")
    live = sa.text("deleted_time IS NULL")
    op.create_index(
        "ix_releases_live_created",
        "releases",
        ["portal_id", "created_time", "id"],
        postgresql_where=live,
        sqlite_where=live,
    )
    op.create_index(
        "ix_releases_live_priority_stage_created",
        "releases",
        ["portal_id", "priority_id", "stage_id", "created_time", "id"],
        postgresql_where=live,
        sqlite_where=live,
    )


def downgrade() -> None:
    op.drop_index("ix_releases_live_priority_stage_created", table_name="releases")
    op.drop_index("ix_releases_live_created", table_name="releases")
    op.create_index(
        "ix_releases_portal_stage_priority", "releases", ["portal_id", "stage_id", "priority_id"]
    )
    op.create_index(
        "ix_releases_portal_created", "releases", ["portal_id", "deleted_time", "created_time"]
    )
