"""the deployment catalog (pipelines, environments, projects, change-management instances) and
what a release deploys (pipeline, schedule, projects, properties, change-management details)

Revision ID: 0011
Revises: 0010

Catalog rows keep the ids their catalog file gives them, unique per portal (primary key
portal_id + id). A release's deployment rows go with the release (ON DELETE CASCADE).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import releasedesk.db.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_cms_instances",
        sa.Column(
            "portal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            name=op.f("fk_catalog_cms_instances_portal_id_portals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portal_id", "id", name=op.f("pk_catalog_cms_instances")),
    )
    op.create_table(
        "catalog_environments",
        sa.Column(
            "portal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            name=op.f("fk_catalog_environments_portal_id_portals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portal_id", "id", name=op.f("pk_catalog_environments")),
    )
    op.create_table(
        "catalog_pipelines",
        sa.Column(
            "portal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            name=op.f("fk_catalog_pipelines_portal_id_portals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portal_id", "id", name=op.f("pk_catalog_pipelines")),
    )
    op.create_table(
        "catalog_projects",
        sa.Column("application_path", sa.String(length=500), nullable=True),
        sa.Column("partial_deployment", sa.Boolean(), nullable=False),
        sa.Column(
            "portal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            name=op.f("fk_catalog_projects_portal_id_portals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portal_id", "id", name=op.f("pk_catalog_projects")),
    )
    op.create_table(
        "catalog_build_environments",
        sa.Column(
            "portal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "environment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["portal_id", "environment_id"],
            ["catalog_environments.portal_id", "catalog_environments.id"],
            name=op.f("fk_catalog_build_environments_portal_id_catalog_environments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["portal_id", "project_id"],
            ["catalog_projects.portal_id", "catalog_projects.id"],
            name=op.f("fk_catalog_build_environments_portal_id_catalog_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "portal_id", "project_id", "environment_id", name=op.f("pk_catalog_build_environments")
        ),
    )
    op.create_table(
        "catalog_pipeline_properties",
        sa.Column(
            "portal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "pipeline_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id", "pipeline_id"],
            ["catalog_pipelines.portal_id", "catalog_pipelines.id"],
            name=op.f("fk_catalog_pipeline_properties_portal_id_catalog_pipelines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "portal_id", "pipeline_id", "name", name=op.f("pk_catalog_pipeline_properties")
        ),
    )
    op.create_table(
        "catalog_project_groups",
        sa.Column(
            "portal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "pipeline_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["portal_id", "pipeline_id"],
            ["catalog_pipelines.portal_id", "catalog_pipelines.id"],
            name=op.f("fk_catalog_project_groups_portal_id_catalog_pipelines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "portal_id", "pipeline_id", "name", "project_id", name=op.f("pk_catalog_project_groups")
        ),
    )
    op.create_table(
        "catalog_project_streams",
        sa.Column(
            "portal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id", "project_id"],
            ["catalog_projects.portal_id", "catalog_projects.id"],
            name=op.f("fk_catalog_project_streams_portal_id_catalog_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portal_id", "id", name=op.f("pk_catalog_project_streams")),
    )
    with op.batch_alter_table("catalog_project_streams", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_project_streams_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "release_cms_environments",
        sa.Column(
            "release_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "environment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("require_change_ticket", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_release_cms_environments_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "release_id", "environment_id", name=op.f("pk_release_cms_environments")
        ),
    )
    op.create_table(
        "release_deployment_projects",
        sa.Column(
            "release_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("package_name", sa.String(length=500), nullable=False),
        sa.Column("request_all_files", sa.Boolean(), nullable=False),
        sa.Column(
            "build_environment_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "stream_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_release_deployment_projects_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_deployment_projects")),
    )
    with op.batch_alter_table("release_deployment_projects", schema=None) as batch_op:
        batch_op.create_index(
            "uq_release_deployment_projects_package",
            ["release_id", "project_id", "package_name"],
            unique=True,
        )

    op.create_table(
        "release_deployment_properties",
        sa.Column(
            "release_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_release_deployment_properties_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "release_id", "name", name=op.f("pk_release_deployment_properties")
        ),
    )
    op.create_table(
        "release_deployments",
        sa.Column(
            "release_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "pipeline_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("schedule_build_expression", sa.String(length=1000), nullable=True),
        sa.Column("started_time", releasedesk.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("running_executions", sa.Integer(), nullable=False),
        sa.Column(
            "cms_instance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("cms_override_settings", sa.Boolean(), nullable=False),
        sa.Column("cms_require_change_ticket", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_release_deployments_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("release_id", name=op.f("pk_release_deployments")),
    )


def downgrade() -> None:
    op.drop_table("release_deployments")
    op.drop_table("release_deployment_properties")
    with op.batch_alter_table("release_deployment_projects", schema=None) as batch_op:
        batch_op.drop_index("uq_release_deployment_projects_package")

    op.drop_table("release_deployment_projects")
    op.drop_table("release_cms_environments")
    with op.batch_alter_table("catalog_project_streams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_project_streams_project_id"))

    op.drop_table("catalog_project_streams")
    op.drop_table("catalog_project_groups")
    op.drop_table("catalog_pipeline_properties")
    op.drop_table("catalog_build_environments")
    op.drop_table("catalog_projects")
    op.drop_table("catalog_pipelines")
    op.drop_table("catalog_environments")
    op.drop_table("catalog_cms_instances")
