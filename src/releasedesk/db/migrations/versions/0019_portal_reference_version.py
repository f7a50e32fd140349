"""a portal's reference_version: what a process holding its reference data checks

Revision ID: 0019
Revises: 0018

`portals.reference_version` is bumped, in the same transaction, by every service that
changes the portal's reference data (stages, statuses, templates, lookups); a process holds
that data keyed by (portal, version) and reads the version to know its copy is current
(core/reference).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both databases (SQLite adds and drops a column in place since 3.35):
# a batch copy of `portals` would have to drop the table every other table refers to.


def upgrade() -> None:
    op.add_column(
        "portals",
        sa.Column("reference_version", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("portals", "reference_version")
