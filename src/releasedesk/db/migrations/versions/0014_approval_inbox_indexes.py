"""indexes for a user's approvals: what waits on them and what they decided

Revision ID: 0014
Revises: 0013

The web UI's "My approvals" page (core/approvals/inbox.py) asks, on every visit, for the
approvals pending on one approver and for the latest decisions one user recorded, and every
page counts the first for the nav. Without an index leading with the user, both read every
approval of the database. The first index finds an approver's approvals in a status; the
second carries the decided list's sort with its id tiebreak (decided_on DESC, id DESC), so
the latest twenty come off its end. The third finds whom a user stands in for (the away
periods naming them delegate): a small table, but without an index SQLite, seeing it empty
when last analysed, estimates a million rows and builds a throwaway index over the approvals
on every inbox read instead of using the first.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_release_approvals_approver_status", "release_approvals", ["approver_id", "status"]
    )
    op.create_index(
        "ix_release_approvals_decided_by",
        "release_approvals",
        ["decided_by_id", "decided_on", "id"],
    )
    op.create_index("ix_approver_absences_delegate", "approver_absences", ["delegate_id"])


def downgrade() -> None:
    op.drop_index("ix_approver_absences_delegate", table_name="approver_absences")
    op.drop_index("ix_release_approvals_decided_by", table_name="release_approvals")
    op.drop_index("ix_release_approvals_approver_status", table_name="release_approvals")
