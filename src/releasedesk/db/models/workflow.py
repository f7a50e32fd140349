"""Workflows, their stages and statuses, and the templates that pick a workflow."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from releasedesk.db.base import Base, BigId, IdMixin, PortalMixin


class Workflow(IdMixin, PortalMixin, Base):
    __tablename__ = "workflows"

    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(50), default="General")
    validated: Mapped[bool] = mapped_column(Boolean, default=True)


class ReleaseStage(IdMixin, PortalMixin, Base):
    __tablename__ = "release_stages"

    name: Mapped[str] = mapped_column(String(100))
    internal_name: Mapped[str] = mapped_column(String(100))
    stage_index: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(String(500))


class ReleaseStatus(IdMixin, PortalMixin, Base):
    __tablename__ = "release_statuses"

    stage_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("release_stages.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    internal_name: Mapped[str] = mapped_column(String(100))
    status_type: Mapped[str] = mapped_column(String(20))

    stage: Mapped[ReleaseStage] = relationship(lazy="joined")


class ReleaseTemplate(IdMixin, PortalMixin, Base):
    __tablename__ = "release_templates"

    name: Mapped[str] = mapped_column(String(200))
    workflow_id: Mapped[int] = mapped_column(BigId, ForeignKey("workflows.id"))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    inactive: Mapped[bool] = mapped_column(Boolean, default=False)

    workflow: Mapped[Workflow] = relationship(lazy="joined")
