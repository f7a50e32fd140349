"""What a release deploys: its pipeline, schedule, projects, properties and change-management
details (the FlexDeploy side of a release; the release row keeps its name and status)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from releasedesk.db.base import Base, BigId, IdMixin, UtcDateTime, unique_index


class ReleaseDeployment(Base):
    """One row per release that has deployment data; catalog ids are the portal's catalog's."""

    __tablename__ = "release_deployments"

    release_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    pipeline_id: Mapped[int | None] = mapped_column(BigId)
    schedule_build_expression: Mapped[str | None] = mapped_column(String(1000))
    started_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    running_executions: Mapped[int] = mapped_column(Integer, default=0)
    cms_instance_id: Mapped[int | None] = mapped_column(BigId)
    cms_override_settings: Mapped[bool] = mapped_column(Boolean, default=False)
    cms_require_change_ticket: Mapped[bool | None] = mapped_column(Boolean)


class ReleaseDeploymentProject(IdMixin, Base):
    """A project (or one package of a partial-deployment project) the release deploys."""

    __tablename__ = "release_deployment_projects"
    __table_args__ = (
        unique_index(
            "uq_release_deployment_projects_package",
            "release_id",
            "project_id",
            "package_name",
            field="projects",
            says="The release already has this project and package",
        ),
    )

    release_id: Mapped[int] = mapped_column(BigId, ForeignKey("releases.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer)
    project_id: Mapped[int] = mapped_column(BigId)
    # '' when the project deploys no package (full deployment, or all files)
    package_name: Mapped[str] = mapped_column(String(500), default="")
    request_all_files: Mapped[bool] = mapped_column(Boolean, default=False)
    build_environment_id: Mapped[int | None] = mapped_column(BigId)
    stream_id: Mapped[int] = mapped_column(BigId)


class ReleaseDeploymentProperty(Base):
    __tablename__ = "release_deployment_properties"

    release_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)


class ReleaseCmsEnvironment(Base):
    """An environment whose change-ticket requirement the release overrides."""

    __tablename__ = "release_cms_environments"

    release_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    environment_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    require_change_ticket: Mapped[bool] = mapped_column(Boolean)
