"""How a release is planned: lifecycle models and their phase models, teams, and per release
its plan (lifecycle model, team), its phases and its milestones. Every element is named by a
UUID too (unique per portal), for the dialects that name things by UUID."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from releasedesk.db.base import Base, BigId, IdMixin, PortalMixin, UtcDateTime, unique_index


def _release_fk(*, primary_key: bool = False, index: bool = False) -> Mapped[int]:
    return mapped_column(
        BigId,
        ForeignKey("releases.id", ondelete="CASCADE"),
        primary_key=primary_key,
        index=index,
    )


class LifecycleModel(IdMixin, PortalMixin, Base):
    """The phases a release goes through (the Default Lifecycle: DEV, CERT, QA, PT, PROD)."""

    __tablename__ = "lifecycle_models"
    __table_args__ = (
        unique_index(
            "ux_lifecycle_models_uuid",
            "portal_id",
            "uuid",
            field="id",
            says="a lifecycle model with that id exists",
        ),
        unique_index(
            "ux_lifecycle_models_name",
            "portal_id",
            text("lower(name)"),
            field="name",
            says="a lifecycle model with that name exists",
        ),
    )

    uuid: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(250))
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class PhaseModel(IdMixin, PortalMixin, Base):
    """One phase of a lifecycle model, in its place (`index_order` 0, 1, …)."""

    __tablename__ = "phase_models"
    __table_args__ = (
        unique_index(
            "ux_phase_models_uuid",
            "portal_id",
            "uuid",
            field="phases",
            says="a phase model with that id exists",
        ),
        unique_index(
            "ux_phase_models_order",
            "lifecycle_model_id",
            "index_order",
            field="phases",
            says="the lifecycle model has a phase in that place",
        ),
        unique_index(
            "ux_phase_models_name",
            "lifecycle_model_id",
            text("lower(name)"),
            field="phases",
            says="the lifecycle model has a phase of that name",
        ),
    )

    lifecycle_model_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("lifecycle_models.id", ondelete="CASCADE")
    )
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(250))
    description: Mapped[str | None] = mapped_column(Text)
    index_order: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Team(IdMixin, PortalMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (
        unique_index(
            "ux_teams_uuid", "portal_id", "uuid", field="id", says="a team with that id exists"
        ),
        unique_index(
            "ux_teams_name",
            "portal_id",
            text("lower(name)"),
            field="name",
            says="a team with that name exists",
        ),
    )

    uuid: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(250))
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ReleasePlan(Base):
    """A release's lifecycle model and team (releases made without one have no row)."""

    __tablename__ = "release_plans"

    release_id: Mapped[int] = _release_fk(primary_key=True)
    lifecycle_model_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("lifecycle_models.id"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )


class ReleasePhase(IdMixin, Base):
    """One phase of a release, made from a phase model of its lifecycle model."""

    __tablename__ = "release_phases"
    __table_args__ = (
        unique_index(
            "ux_release_phases_model",
            "release_id",
            "phase_model_id",
            field="phases",
            says="the release already has that phase",
        ),
    )

    release_id: Mapped[int] = _release_fk()
    phase_model_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase_models.id"), index=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ReleaseMilestone(IdMixin, Base):
    """A named date in a release's plan."""

    __tablename__ = "release_milestones"

    release_id: Mapped[int] = _release_fk(index=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    name: Mapped[str] = mapped_column(String(250))
    date: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime)
