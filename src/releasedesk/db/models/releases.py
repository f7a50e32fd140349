"""The release: one row every dialect reads and writes, and what hangs off it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from releasedesk.db.base import (
    Base,
    BigId,
    IdMixin,
    PortalMixin,
    UtcDateTime,
    unique_index,
    utcnow,
)
from releasedesk.db.models.lookups import (
    Category,
    ClosureCode,
    Impact,
    Item,
    Priority,
    ReleaseRole,
    ReleaseType,
    Risk,
    Service,
    Site,
    Subcategory,
    SupportGroup,
    Urgency,
)
from releasedesk.db.models.users import User
from releasedesk.db.models.workflow import ReleaseStage, ReleaseStatus, ReleaseTemplate


def _lookup_fk(table: str) -> Mapped[int | None]:
    return mapped_column(BigId, ForeignKey(f"{table}.id", ondelete="SET NULL"))


class Release(IdMixin, PortalMixin, Base):
    """A release's row. Its columns are declared, not built from the field registry: each
    has its SQL type, length, nullability and default, and Alembic compares these
    declarations with the migrations. `tests/core/test_field_registry.py` checks every
    stored registry field has its column."""

    __tablename__ = "releases"
    __table_args__ = (
        # Lists show live releases (deleted_time IS NULL) newest first, id breaking ties;
        # partial indexes, since PostgreSQL cannot order by an index after an IS NULL.
        Index(
            "ix_releases_live_created",
            "portal_id",
            "created_time",
            "id",
            postgresql_where=text("deleted_time IS NULL"),
            sqlite_where=text("deleted_time IS NULL"),
        ),
        Index(
            "ix_releases_live_priority_stage_created",
            "portal_id",
            "priority_id",
            "stage_id",
            "created_time",
            "id",
            postgresql_where=text("deleted_time IS NULL"),
            sqlite_where=text("deleted_time IS NULL"),
        ),
        Index("ix_releases_portal_lower_title", "portal_id", text("lower(title)")),
        # The calendar (migration 0013): live releases' windows by start, and by where they
        # end (an instant ends where it starts). A range read scans one of them, whichever
        # reads less: the past before the range, or everything after it.
        Index(
            "ix_releases_live_scheduled_start",
            "portal_id",
            "scheduled_start_time",
            postgresql_where=text("deleted_time IS NULL"),
            sqlite_where=text("deleted_time IS NULL"),
        ),
        Index(
            "ix_releases_live_scheduled_end",
            "portal_id",
            text("coalesce(scheduled_end_time, scheduled_start_time)"),
            postgresql_where=text("deleted_time IS NULL"),
            sqlite_where=text("deleted_time IS NULL"),
        ),
    )

    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(250))
    description: Mapped[str | None] = mapped_column(Text)
    short_description: Mapped[str | None] = mapped_column(String(500))
    template_id: Mapped[int] = mapped_column(BigId, ForeignKey("release_templates.id"))
    stage_id: Mapped[int] = mapped_column(BigId, ForeignKey("release_stages.id"))
    status_id: Mapped[int] = mapped_column(BigId, ForeignKey("release_statuses.id"))
    priority_id: Mapped[int | None] = _lookup_fk("priorities")
    impact_id: Mapped[int | None] = _lookup_fk("impacts")
    urgency_id: Mapped[int | None] = _lookup_fk("urgencies")
    risk_id: Mapped[int | None] = _lookup_fk("risks")
    release_type_id: Mapped[int | None] = _lookup_fk("release_types")
    category_id: Mapped[int | None] = _lookup_fk("categories")
    subcategory_id: Mapped[int | None] = _lookup_fk("subcategories")
    item_id: Mapped[int | None] = _lookup_fk("items")
    site_id: Mapped[int | None] = _lookup_fk("sites")
    group_id: Mapped[int | None] = _lookup_fk("support_groups")
    closure_code_id: Mapped[int | None] = _lookup_fk("closure_codes")
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    notes_present: Mapped[bool] = mapped_column(Boolean, default=False)
    scheduled_start_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    scheduled_end_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    next_review_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_updated_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    completed_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    deleted_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )

    template: Mapped[ReleaseTemplate] = relationship(lazy="raise")
    stage: Mapped[ReleaseStage] = relationship(lazy="raise")
    status: Mapped[ReleaseStatus] = relationship(lazy="raise")
    priority: Mapped[Priority | None] = relationship(lazy="raise")
    impact: Mapped[Impact | None] = relationship(lazy="raise")
    urgency: Mapped[Urgency | None] = relationship(lazy="raise")
    risk: Mapped[Risk | None] = relationship(lazy="raise")
    release_type: Mapped[ReleaseType | None] = relationship(lazy="raise")
    category: Mapped[Category | None] = relationship(lazy="raise")
    subcategory: Mapped[Subcategory | None] = relationship(lazy="raise")
    item: Mapped[Item | None] = relationship(lazy="raise")
    site: Mapped[Site | None] = relationship(lazy="raise")
    group: Mapped[SupportGroup | None] = relationship(lazy="raise")
    closure_code: Mapped[ClosureCode | None] = relationship(lazy="raise")
    created_by: Mapped[User | None] = relationship(lazy="raise")
    role_assignments: Mapped[list[ReleaseRoleAssignment]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ReleaseRoleAssignment.id",
    )
    service_links: Mapped[list[ReleaseService]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ReleaseService.service_id",
    )
    descriptive_fields: Mapped[list[ReleaseDescriptiveField]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ReleaseDescriptiveField.id",
    )


class ReleaseLiveCount(Base):
    """How many live (not trashed) releases a portal has: the sum of its slots' `live`.

    Kept by triggers on `releases` (migration 0012), never written by the application: an
    insert, a trash, a restore and a delete each add their change in the same transaction,
    so a statement that reads the sum sees the count of exactly the rows it sees. On
    PostgreSQL a transaction adds to the slot of its connection (backend pid modulo 64), so
    concurrent inserts in one portal do not queue on one row; SQLite has one writer and one
    slot (0). A slot may go below zero (a release deleted from another connection than the
    one that made it); only the sum means anything.
    """

    __tablename__ = "release_live_counts"

    portal_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("portals.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    live: Mapped[int] = mapped_column(BigInteger, default=0)


class ReleaseRoleAssignment(IdMixin, Base):
    __tablename__ = "release_role_assignments"
    __table_args__ = (
        Index("ix_release_roles_user", "user_id", "role_id"),
        # Also the index of a release's holders (release_id leads).
        unique_index(
            "ux_release_role_assignments",
            "release_id",
            "role_id",
            "user_id",
            field="roles",
            says="that user already holds that role on the release",
        ),
    )

    release_id: Mapped[int] = mapped_column(BigId, ForeignKey("releases.id", ondelete="CASCADE"))
    role_id: Mapped[int] = mapped_column(BigId, ForeignKey("release_roles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))

    role: Mapped[ReleaseRole] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")


class ReleaseService(Base):
    __tablename__ = "release_services"

    release_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )

    service: Mapped[Service] = relationship(lazy="joined")


class ReleaseDescriptiveField(IdMixin, Base):
    """Rollout plan, backout plan, checklist, impact, review and close details of a release."""

    __tablename__ = "release_descriptive_fields"

    release_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("releases.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    updated_by: Mapped[User | None] = relationship(lazy="joined")


class ReleaseStatusComment(IdMixin, Base):
    """A stage/status move (or a comment on the one it stands in), with its time: the
    structured history the DORA metrics read (core/insights)."""

    __tablename__ = "release_status_comments"
    # Moves into one stage within a range of times (migration 0022).
    __table_args__ = (Index("ix_release_status_comments_stage_time", "stage_id", "commented_on"),)

    release_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("releases.id", ondelete="CASCADE"), index=True
    )
    stage_id: Mapped[int] = mapped_column(BigId, ForeignKey("release_stages.id"))
    status_id: Mapped[int] = mapped_column(BigId, ForeignKey("release_statuses.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    commented_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    commented_on: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    stage: Mapped[ReleaseStage] = relationship(lazy="joined")
    status: Mapped[ReleaseStatus] = relationship(lazy="joined")
    commented_by: Mapped[User | None] = relationship(lazy="joined")


class ReleaseHistory(IdMixin, Base):
    """One change to a release: operation, actor, time and the field diffs."""

    __tablename__ = "release_history"
    __table_args__ = (Index("ix_release_history_release_time", "release_id", "time"),)

    release_id: Mapped[int] = mapped_column(BigId, ForeignKey("releases.id", ondelete="CASCADE"))
    operation: Mapped[str] = mapped_column(String(60))
    # What the operation was about when it is not the release itself (task, note, change…).
    subject: Mapped[str | None] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    description: Mapped[str | None] = mapped_column(Text)
    diff: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    actor: Mapped[User | None] = relationship(lazy="joined")
