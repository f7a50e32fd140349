"""release plans: lifecycle models and phase models, teams, and per release its plan, phases
and milestones; every existing portal gets the Default Lifecycle and the sample team

Revision ID: 0010
Revises: 0009

The Default Lifecycle (DEV, CERT, QA, PT, PROD) and the team "Team for Sample Release" carry
the well-known UUIDs UrbanCode Release ships with (spec 002), in every portal (they are
unique per portal, not across portals). Releases made before keep no plan: they show no
lifecycle model and no phases until one is given them.
"""

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import releasedesk.db.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = releasedesk.db.base.UtcDateTime(timezone=True)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Frozen here as they were when this migration was written (core/lifecycle/defaults.py is
# what new portals get).
LIFECYCLE = (
    uuid.UUID("00000000-0000-0000-0000-000000000006"),
    "Default Lifecycle",
    "Default Lifecycle.",
)
PHASES = (
    ("DEV", "Development Environment"),
    ("CERT", "Certification Environment"),
    ("QA", "Quality Assurance"),
    ("PT", "Performance Test / Pre-Production"),
    ("PROD", "Production"),
)
TEAM = (uuid.UUID("00000000-0000-0000-0000-000000000206"), "Team for Sample Release")


def _fk(table: str, column: str, target: str, ondelete: str | None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def _element_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
    ]


def _create_tables() -> None:
    op.create_table(
        "lifecycle_models",
        *_element_columns(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_time", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        _fk("lifecycle_models", "portal_id", "portals", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_models")),
    )
    op.create_index("ix_lifecycle_models_portal_id", "lifecycle_models", ["portal_id"])
    op.create_index(
        "ux_lifecycle_models_uuid", "lifecycle_models", ["portal_id", "uuid"], unique=True
    )
    op.create_index(
        "ux_lifecycle_models_name",
        "lifecycle_models",
        ["portal_id", sa.text("lower(name)")],
        unique=True,
    )

    op.create_table(
        "phase_models",
        sa.Column("lifecycle_model_id", ID, nullable=False),
        *_element_columns(),
        sa.Column("index_order", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_time", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        _fk("phase_models", "lifecycle_model_id", "lifecycle_models", "CASCADE"),
        _fk("phase_models", "portal_id", "portals", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_models")),
    )
    op.create_index("ix_phase_models_portal_id", "phase_models", ["portal_id"])
    op.create_index("ux_phase_models_uuid", "phase_models", ["portal_id", "uuid"], unique=True)
    op.create_index(
        "ux_phase_models_order", "phase_models", ["lifecycle_model_id", "index_order"], unique=True
    )
    op.create_index(
        "ux_phase_models_name",
        "phase_models",
        ["lifecycle_model_id", sa.text("lower(name)")],
        unique=True,
    )

    op.create_table(
        "teams",
        *_element_columns(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_time", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("portal_id", ID, nullable=False),
        _fk("teams", "portal_id", "portals", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    op.create_index("ix_teams_portal_id", "teams", ["portal_id"])
    op.create_index("ux_teams_uuid", "teams", ["portal_id", "uuid"], unique=True)
    op.create_index("ux_teams_name", "teams", ["portal_id", sa.text("lower(name)")], unique=True)

    op.create_table(
        "release_plans",
        sa.Column("release_id", ID, nullable=False),
        sa.Column("lifecycle_model_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=True),
        _fk("release_plans", "release_id", "releases", "CASCADE"),
        _fk("release_plans", "lifecycle_model_id", "lifecycle_models", None),
        _fk("release_plans", "team_id", "teams", "SET NULL"),
        sa.PrimaryKeyConstraint("release_id", name=op.f("pk_release_plans")),
    )
    op.create_index("ix_release_plans_lifecycle_model_id", "release_plans", ["lifecycle_model_id"])
    op.create_index("ix_release_plans_team_id", "release_plans", ["team_id"])

    op.create_table(
        "release_phases",
        sa.Column("release_id", ID, nullable=False),
        sa.Column("phase_model_id", ID, nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_time", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        _fk("release_phases", "release_id", "releases", "CASCADE"),
        _fk("release_phases", "phase_model_id", "phase_models", None),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_phases")),
        sa.UniqueConstraint("uuid", name=op.f("uq_release_phases_uuid")),
    )
    op.create_index(
        "ux_release_phases_model", "release_phases", ["release_id", "phase_model_id"], unique=True
    )
    op.create_index("ix_release_phases_phase_model_id", "release_phases", ["phase_model_id"])

    op.create_table(
        "release_milestones",
        sa.Column("release_id", ID, nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("date", TIME, nullable=False),
        sa.Column("created_time", TIME, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        _fk("release_milestones", "release_id", "releases", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_milestones")),
        sa.UniqueConstraint("uuid", name=op.f("uq_release_milestones_uuid")),
    )
    op.create_index("ix_release_milestones_release_id", "release_milestones", ["release_id"])


def _seed_portals() -> None:
    """The Default Lifecycle with its five phase models, and the sample team, per portal."""
    bind = op.get_bind()
    models = sa.table(
        "lifecycle_models",
        *(sa.column(c) for c in ("id", "portal_id", "name", "description", "version")),
        sa.column("uuid", sa.Uuid()),
        sa.column("created_time", TIME),
    )
    phases = sa.table(
        "phase_models",
        *(
            sa.column(c)
            for c in (
                "portal_id",
                "lifecycle_model_id",
                "name",
                "description",
                "index_order",
                "version",
            )
        ),
        sa.column("uuid", sa.Uuid()),
        sa.column("created_time", TIME),
    )
    teams = sa.table(
        "teams",
        *(sa.column(c) for c in ("portal_id", "name", "description", "version")),
        sa.column("uuid", sa.Uuid()),
        sa.column("created_time", TIME),
    )
    for (portal_id,) in bind.execute(sa.text("SELECT id FROM portals ORDER BY id")).all():
        model_id = bind.execute(
            models.insert()
            .values(
                portal_id=portal_id,
                uuid=LIFECYCLE[0],
                name=LIFECYCLE[1],
                description=LIFECYCLE[2],
                version=0,
                created_time=EPOCH,
            )
            .returning(models.c.id)
        ).scalar_one()
        bind.execute(
            phases.insert(),
            [
                {
                    "portal_id": portal_id,
                    "lifecycle_model_id": model_id,
                    "uuid": uuid.UUID(f"00000000-0000-0000-0000-1000000000{7 + i:02d}"),
                    "name": name,
                    "description": description,
                    "index_order": i,
                    "version": 0,
                    "created_time": EPOCH,
                }
                for i, (name, description) in enumerate(PHASES)
            ],
        )
        bind.execute(
            teams.insert().values(
                portal_id=portal_id,
                uuid=TEAM[0],
                name=TEAM[1],
                description=None,
                version=0,
                created_time=EPOCH,
            )
        )


def upgrade() -> None:
    _create_tables()
    _seed_portals()


def downgrade() -> None:
    for table in (
        "release_milestones",
        "release_phases",
        "release_plans",
        "teams",
        "phase_models",
        "lifecycle_models",
    ):
        op.drop_table(table)
