"""The deployment catalog of a portal: pipelines, environments, projects and change-management
instances, with the ids their own tool gave them (a catalog file keeps them)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from releasedesk.db.base import Base, BigId


class _Owned:
    """Catalog rows are per portal; their id is the catalog's own, unique within the portal."""

    portal_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(250))


class CatalogPipeline(_Owned, Base):
    __tablename__ = "catalog_pipelines"


class CatalogEnvironment(_Owned, Base):
    __tablename__ = "catalog_environments"


class CatalogCmsInstance(_Owned, Base):
    __tablename__ = "catalog_cms_instances"


class CatalogProject(_Owned, Base):
    __tablename__ = "catalog_projects"

    application_path: Mapped[str | None] = mapped_column(String(500))
    partial_deployment: Mapped[bool] = mapped_column(Boolean)


class CatalogPipelineProperty(Base):
    """A property a pipeline defines; `required` ones need a value before a project is added."""

    __tablename__ = "catalog_pipeline_properties"
    __table_args__ = (
        ForeignKeyConstraint(
            ["portal_id", "pipeline_id"],
            ["catalog_pipelines.portal_id", "catalog_pipelines.id"],
            ondelete="CASCADE",
        ),
    )

    portal_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(250), primary_key=True)
    required: Mapped[bool] = mapped_column(Boolean)


class CatalogProjectGroup(Base):
    """A pipeline's project group and one project in it."""

    __tablename__ = "catalog_project_groups"
    __table_args__ = (
        ForeignKeyConstraint(
            ["portal_id", "pipeline_id"],
            ["catalog_pipelines.portal_id", "catalog_pipelines.id"],
            ondelete="CASCADE",
        ),
    )

    portal_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(250), primary_key=True)
    project_id: Mapped[int] = mapped_column(BigId, primary_key=True)


class CatalogProjectStream(Base):
    __tablename__ = "catalog_project_streams"
    __table_args__ = (
        ForeignKeyConstraint(
            ["portal_id", "project_id"],
            ["catalog_projects.portal_id", "catalog_projects.id"],
            ondelete="CASCADE",
        ),
    )

    portal_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    project_id: Mapped[int] = mapped_column(BigId, index=True)
    name: Mapped[str] = mapped_column(String(250))


class CatalogBuildEnvironment(Base):
    """An environment of a project's build instance (where its builds may run)."""

    __tablename__ = "catalog_build_environments"
    __table_args__ = (
        ForeignKeyConstraint(
            ["portal_id", "project_id"],
            ["catalog_projects.portal_id", "catalog_projects.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["portal_id", "environment_id"],
            ["catalog_environments.portal_id", "catalog_environments.id"],
            ondelete="CASCADE",
        ),
    )

    portal_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    environment_id: Mapped[int] = mapped_column(BigId, primary_key=True)
