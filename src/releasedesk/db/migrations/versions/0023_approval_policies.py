"""approval policies: reminders, escalation, timeouts run by a scheduler in the database

Revision ID: 0023
Revises: 0022

The portal's one self-approval setting (`approval_policies` since 0008) moves to
`approval_settings`, so that `approval_policies` names what issue 23 calls a policy: one of
several per portal, by name, applying to the portal, a stage or a release template, with
its reminders, escalation, timeout, N of M and business hours. A level keeps the policy it
started waiting under (`policy_snapshot`, `waiting_since`, `deadline`), and
`approval_scheduled_actions` holds what is due for it (a reminder, the escalation, the
timeout's warning, the timeout), each claimed by one runner and done once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import releasedesk.db.base

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = releasedesk.db.base.UtcDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _settings_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("forbid_self_approval", sa.Boolean(), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        _fk(name, "portal_id", "portals", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_portal_id", name, ["portal_id"])
    op.create_index(f"ux_{name}_portal", name, ["portal_id"], unique=True)


def _copy_settings(source: str, target: str) -> None:
    # Ids are not carried over (nothing refers to them), so PostgreSQL's sequence stays right.
    op.execute(
        sa.text(
            f"INSERT INTO {target} (portal_id, forbid_self_approval) "  # noqa: S608 (fixed names)
            f"SELECT portal_id, forbid_self_approval FROM {source} ORDER BY id"
        )
    )


def upgrade() -> None:
    _settings_table("approval_settings")
    _copy_settings("approval_policies", "approval_settings")
    op.drop_table("approval_policies")

    op.create_table(
        "approval_policies",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("applies_to", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("stage_id", ID, nullable=True),
        sa.Column("template_id", ID, nullable=True),
        sa.Column("reminder_first_after", sa.String(length=40), nullable=True),
        sa.Column("reminder_every", sa.String(length=40), nullable=True),
        sa.Column("reminder_max", sa.Integer(), nullable=True),
        sa.Column("escalate_after", sa.String(length=40), nullable=True),
        sa.Column("escalation_approvers", sa.JSON(), nullable=False),
        sa.Column("timeout_after", sa.String(length=40), nullable=True),
        sa.Column("timeout_action", sa.String(length=10), nullable=True),
        sa.Column("timeout_warn_before", sa.String(length=40), nullable=True),
        sa.Column("min_approvals", sa.Integer(), nullable=True),
        sa.Column("forbid_self_approval", sa.Boolean(), nullable=False),
        sa.Column("business_hours", sa.JSON(), nullable=True),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("created_on", TIME, nullable=False),
        sa.Column("updated_on", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        _fk("approval_policies", "stage_id", "release_stages", "CASCADE"),
        _fk("approval_policies", "template_id", "release_templates", "CASCADE"),
        _fk("approval_policies", "created_by_id", "users", "SET NULL"),
        _fk("approval_policies", "portal_id", "portals", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_policies")),
    )
    op.create_index("ix_approval_policies_portal_id", "approval_policies", ["portal_id"])
    op.create_index(
        "ux_approval_policies_name",
        "approval_policies",
        ["portal_id", sa.text("lower(name)")],
        unique=True,
    )
    op.create_index(
        "ux_approval_policies_target", "approval_policies", ["portal_id", "target"], unique=True
    )

    op.add_column("release_approval_levels", sa.Column("policy_snapshot", sa.JSON(), nullable=True))
    op.add_column("release_approval_levels", sa.Column("waiting_since", TIME, nullable=True))
    op.add_column("release_approval_levels", sa.Column("deadline", TIME, nullable=True))

    op.create_table(
        "approval_scheduled_actions",
        sa.Column("release_id", ID, nullable=False),
        sa.Column("level_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_at", TIME, nullable=False),
        sa.Column("policy_snapshot", sa.JSON(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", TIME, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("done_on", TIME, nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_on", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        _fk("approval_scheduled_actions", "release_id", "releases", "CASCADE"),
        _fk("approval_scheduled_actions", "level_id", "release_approval_levels", "CASCADE"),
        _fk("approval_scheduled_actions", "portal_id", "portals", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_scheduled_actions")),
    )
    op.create_index(
        "ix_approval_scheduled_actions_portal_id", "approval_scheduled_actions", ["portal_id"]
    )
    op.create_index(
        "ix_approval_scheduled_actions_due", "approval_scheduled_actions", ["done_on", "due_at"]
    )
    op.create_index(
        "ix_approval_scheduled_actions_level_id", "approval_scheduled_actions", ["level_id"]
    )


def downgrade() -> None:
    op.drop_table("approval_scheduled_actions")
    op.drop_column("release_approval_levels", "deadline")
    op.drop_column("release_approval_levels", "waiting_since")
    op.drop_column("release_approval_levels", "policy_snapshot")
    op.drop_table("approval_policies")
    _settings_table("approval_policies")
    _copy_settings("approval_settings", "approval_policies")
    op.drop_table("approval_settings")
