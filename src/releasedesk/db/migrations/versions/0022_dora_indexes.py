"""DORA metrics: the indexes their range reads use

Revision ID: 0022
Revises: 0021

`ix_release_status_comments_stage_time`: every stage/status move is a status comment with
its stage and time; the DORA metrics read the moves into one stage (Closure) within a range
of times, so (stage_id, commented_on) finds them without reading a portal's whole history.
`ix_release_approval_levels_decided`: approval wait reads the levels decided within a range.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_release_status_comments_stage_time",
        "release_status_comments",
        ["stage_id", "commented_on"],
    )
    op.create_index(
        "ix_release_approval_levels_decided",
        "release_approval_levels",
        ["action_taken_on"],
    )


def downgrade() -> None:
    op.drop_index("ix_release_approval_levels_decided", table_name="release_approval_levels")
    op.drop_index("ix_release_status_comments_stage_time", table_name="release_status_comments")
