"""unique constraints: role holders, lookup names, user names and emails

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:00:00

What the code checked in Python only, the database now enforces, so concurrent writers
cannot both pass the check: a user holds a role on a release once; a lookup's name is unique
in its portal in any case (subcategories and items under their parent: the default data has
Install under several subcategories); a user's name, and email where there is one, are
unique in the portal in any case. Unique indexes rather than constraints, since they hold
expressions (lower(name)) and need no table rebuild on SQLite. The non-unique indexes they
replace go.

Duplicate role holders are removed (the oldest row stays; they meant nothing). Duplicate
names or emails stop the upgrade with a list of them, to be renamed by hand: merging
reference data or people is not a migration's call.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Lookup tables whose names are unique in the portal; then those unique under a parent.
PORTAL_LOOKUPS = (
    "priorities",
    "impacts",
    "urgencies",
    "risks",
    "release_types",
    "categories",
    "sites",
    "support_groups",
    "services",
    "departments",
    "closure_codes",
    "release_roles",
)
PARENT_LOOKUPS = ("subcategories", "items")

# (old index, new unique index, the expression after portal_id) on users.
USER_INDEXES = (
    ("ix_users_portal_lower_name", "ux_users_portal_lower_name", "lower(name)"),
    ("ix_users_portal_lower_email", "ux_users_portal_lower_email", "lower(email_id)"),
)


def _duplicates(table: str, scope: str, expression: str) -> list[str]:
    """The (scope, expression) values more than one row of `table` shares (NULLs aside)."""
    rows = op.get_bind().execute(
        sa.text(
            f"SELECT {scope}, {expression}, count(*) FROM {table} "  # noqa: S608 (constants only)
            f"WHERE {expression} IS NOT NULL GROUP BY {scope}, {expression} HAVING count(*) > 1"
        )
    )
    return [f"{table}: {scope} {row[0]}, {expression} = {row[1]!r} ({row[2]} rows)" for row in rows]


def _refuse_duplicates() -> None:
    found = [
        *(d for t in PORTAL_LOOKUPS for d in _duplicates(t, "portal_id", "lower(name)")),
        *(d for t in PARENT_LOOKUPS for d in _duplicates(t, "parent_id", "lower(name)")),
        *(d for _, _, e in USER_INDEXES for d in _duplicates("users", "portal_id", e)),
    ]
    if found:
        raise RuntimeError(
            "cannot make names unique: rename these duplicates first (the same name in any "
            "case within a portal, or under one parent), then upgrade again:\n  "
            + "\n  ".join(found)
        )


def upgrade() -> None:
    _refuse_duplicates()
    op.execute(
        "DELETE FROM release_role_assignments WHERE id NOT IN ("
        "SELECT min(id) FROM release_role_assignments GROUP BY release_id, role_id, user_id)"
    )
    with op.batch_alter_table("release_role_assignments") as batch_op:
        # The unique index leads with release_id: it serves "holders of a release" too.
        batch_op.drop_index("ix_release_role_assignments_release_id")
        batch_op.create_index(
            "ux_release_role_assignments", ["release_id", "role_id", "user_id"], unique=True
        )
    for table in PORTAL_LOOKUPS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ix_{table}_portal_lower_name")
            batch_op.create_index(
                f"ux_{table}_portal_lower_name",
                ["portal_id", sa.text("lower(name)")],
                unique=True,
            )
    for table in PARENT_LOOKUPS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(
                f"ux_{table}_parent_lower_name", ["parent_id", sa.text("lower(name)")], unique=True
            )
    with op.batch_alter_table("users") as batch_op:
        for old, new, expression in USER_INDEXES:
            batch_op.drop_index(old)
            batch_op.create_index(new, ["portal_id", sa.text(expression)], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        for old, new, expression in USER_INDEXES:
            batch_op.drop_index(new)
            batch_op.create_index(old, ["portal_id", sa.text(expression)])
    for table in PARENT_LOOKUPS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ux_{table}_parent_lower_name")
    for table in PORTAL_LOOKUPS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ux_{table}_portal_lower_name")
            batch_op.create_index(
                f"ix_{table}_portal_lower_name", ["portal_id", sa.text("lower(name)")]
            )
    with op.batch_alter_table("release_role_assignments") as batch_op:
        batch_op.drop_index("ux_release_role_assignments")
        batch_op.create_index("ix_release_role_assignments_release_id", ["release_id"])
