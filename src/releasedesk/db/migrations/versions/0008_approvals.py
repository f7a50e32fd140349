"""approvals: levels numbered per stage, approvals with their sending and decisions, mail links,
approvers away with a delegate, the mail outbox, the self-approval policy, organisational roles

Revision ID: 0008
Revises: 0007

Until now nothing made approval levels or approvals (tests stored a few directly), so the
existing rows are only renumbered where a stage has two levels with one number, and an
approver named twice on one level stops the upgrade with a list to fix by hand. Approvals
stored before keep their status (`pending` is Pending Approval); new ones start to_be_sent.
`approver_id` becomes nullable: an organisational role (xpath) names its approver only when
it is sent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import releasedesk.db.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = releasedesk.db.base.UtcDateTime(timezone=True)

# (column, ondelete) of the user references release_approvals gains.
APPROVAL_USERS = (
    ("original_approver_id", "SET NULL"),
    ("decided_by_id", "SET NULL"),
    ("sent_by_id", "SET NULL"),
    ("created_by_id", "SET NULL"),
)


def _refuse_duplicate_approvers() -> None:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT level_id, approver_id, count(*) FROM release_approvals "
            "GROUP BY level_id, approver_id HAVING count(*) > 1"
        )
    )
    found = [f"level {r[0]}: approver {r[1]} ({r[2]} approvals)" for r in rows]
    if found:
        raise RuntimeError(
            "cannot make approvers unique per level: remove these duplicates first, then "
            "upgrade again:\n  " + "\n  ".join(found)
        )


def _renumber_levels() -> None:
    """Levels 1, 2, … per (release, stage) in the order they were made."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, release_id, stage_id FROM release_approval_levels "
            "ORDER BY release_id, stage_id, level, id"
        )
    ).all()
    numbers: dict[tuple[int, int], int] = {}
    for level_id, release_id, stage_id in rows:
        number = numbers.get((release_id, stage_id), 0) + 1
        numbers[(release_id, stage_id)] = number
        bind.execute(
            sa.text("UPDATE release_approval_levels SET level = :n WHERE id = :id"),
            {"n": number, "id": level_id},
        )


def upgrade() -> None:
    _refuse_duplicate_approvers()
    _renumber_levels()
    with op.batch_alter_table("release_approval_levels", schema=None) as batch_op:
        batch_op.create_index(
            "ux_release_approval_levels_stage_level",
            ["release_id", "stage_id", "level"],
            unique=True,
        )

    with op.batch_alter_table("release_approvals", schema=None) as batch_op:
        batch_op.alter_column("approver_id", existing_type=ID, nullable=True)
        for column, _ in APPROVAL_USERS:
            batch_op.add_column(sa.Column(column, ID, nullable=True))
        batch_op.add_column(sa.Column("xpath", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("decided_via", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("sent_on", TIME, nullable=True))
        batch_op.add_column(sa.Column("created_on", TIME, nullable=True))
        for column, ondelete in APPROVAL_USERS:
            batch_op.create_foreign_key(
                f"fk_release_approvals_{column}_users",
                "users",
                [column],
                ["id"],
                ondelete=ondelete,
            )
        batch_op.create_index(
            "ux_release_approvals_level_approver", ["level_id", "approver_id"], unique=True
        )
        batch_op.create_index(
            "ux_release_approvals_level_xpath", ["level_id", "xpath"], unique=True
        )

    op.create_table(
        "release_approval_links",
        sa.Column("approval_id", ID, nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_on", TIME, nullable=False),
        sa.Column("expires_on", TIME, nullable=False),
        sa.Column("used_on", TIME, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["approval_id"],
            ["release_approvals.id"],
            name=op.f("fk_release_approval_links_approval_id_release_approvals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_approval_links")),
    )
    op.create_index(
        "ix_release_approval_links_approval_id", "release_approval_links", ["approval_id"]
    )

    op.create_table(
        "approver_absences",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("delegate_id", ID, nullable=False),
        sa.Column("starts_on", TIME, nullable=False),
        sa.Column("ends_on", TIME, nullable=False),
        sa.Column("created_on", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["delegate_id"],
            ["users.id"],
            name=op.f("fk_approver_absences_delegate_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            name=op.f("fk_approver_absences_portal_id_portals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_approver_absences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approver_absences")),
    )
    op.create_index("ix_approver_absences_portal_id", "approver_absences", ["portal_id"])
    op.create_index("ux_approver_absences_user", "approver_absences", ["user_id"], unique=True)

    op.create_table(
        "mail_outbox",
        sa.Column("portal_id", ID, nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("approval_link_id", ID, nullable=True),
        sa.Column("created_on", TIME, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_on", TIME, nullable=False),
        sa.Column("claimed_until", TIME, nullable=True),
        sa.Column("delivered_on", TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["approval_link_id"],
            ["release_approval_links.id"],
            name=op.f("fk_mail_outbox_approval_link_id_release_approval_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            name=op.f("fk_mail_outbox_portal_id_portals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["delivered_on", "next_attempt_on"])

    _portal_table(
        "approval_policies",
        [sa.Column("forbid_self_approval", sa.Boolean(), nullable=False)],
        unique=("ux_approval_policies_portal", "portal_id"),
    )
    _portal_table(
        "user_reporting_lines",
        [sa.Column("user_id", ID, nullable=False), sa.Column("manager_id", ID, nullable=False)],
        references=(("user_id", "users"), ("manager_id", "users")),
        unique=("ux_user_reporting_lines_user", "user_id"),
    )
    _portal_table(
        "department_heads",
        [sa.Column("department_id", ID, nullable=False), sa.Column("head_id", ID, nullable=False)],
        references=(("department_id", "departments"), ("head_id", "users")),
        unique=("ux_department_heads_department", "department_id"),
    )


def _portal_table(
    name: str,
    columns: list[sa.Column[object]],
    *,
    references: tuple[tuple[str, str], ...] = (),
    unique: tuple[str, str],
) -> None:
    """A small table of a portal: its columns, each reference cascading, one unique column."""
    op.create_table(
        name,
        *columns,
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        *(
            sa.ForeignKeyConstraint(
                [column],
                [f"{table}.id"],
                name=op.f(f"fk_{name}_{column}_{table}"),
                ondelete="CASCADE",
            )
            for column, table in (*references, ("portal_id", "portals"))
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_portal_id", name, ["portal_id"])
    op.create_index(unique[0], name, [unique[1]], unique=True)


def downgrade() -> None:
    for name in ("department_heads", "user_reporting_lines", "approval_policies"):
        op.drop_table(name)
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_index("ux_approver_absences_user", table_name="approver_absences")
    op.drop_index("ix_approver_absences_portal_id", table_name="approver_absences")
    op.drop_table("approver_absences")
    op.drop_index("ix_release_approval_links_approval_id", table_name="release_approval_links")
    op.drop_table("release_approval_links")
    op.execute("DELETE FROM release_approvals WHERE approver_id IS NULL")
    with op.batch_alter_table("release_approvals", schema=None) as batch_op:
        batch_op.drop_index("ux_release_approvals_level_xpath")
        batch_op.drop_index("ux_release_approvals_level_approver")
        for column, _ in APPROVAL_USERS:
            batch_op.drop_constraint(f"fk_release_approvals_{column}_users", type_="foreignkey")
        for column in ("created_on", "sent_on", "decided_via", "xpath"):
            batch_op.drop_column(column)
        for column, _ in APPROVAL_USERS:
            batch_op.drop_column(column)
        batch_op.alter_column("approver_id", existing_type=ID, nullable=False)
    with op.batch_alter_table("release_approval_levels", schema=None) as batch_op:
        batch_op.drop_index("ux_release_approval_levels_stage_level")
