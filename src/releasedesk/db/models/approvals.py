"""Approval levels of a release stage and the approvers' decisions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from releasedesk.db.base import Base, BigId, IdMixin, UtcDateTime, utcnow
from releasedesk.db.models.users import User
from releasedesk.db.models.workflow import ReleaseStage


class ApprovalLevel(IdMixin, Base):
    __tablename__ = "release_approval_levels"

    release_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("releases.id", ondelete="CASCADE"), index=True
    )
    stage_id: Mapped[int] = mapped_column(BigId, ForeignKey("release_stages.id"))
    level: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(200), default="Default")
    rule_type: Mapped[str] = mapped_column(String(30), default="anyone")
    rule_value: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30), default="pending")
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    comments: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_on: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    action_taken_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    action_taken_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    stage: Mapped[ReleaseStage] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[created_by_id])
    action_taken_by: Mapped[User | None] = relationship(
        lazy="joined", foreign_keys=[action_taken_by_id]
    )
    approvals: Mapped[list[Approval]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="Approval.id"
    )


class Approval(IdMixin, Base):
    """One approver's place in a level; `status` pending, approved or rejected."""

    __tablename__ = "release_approvals"

    level_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("release_approval_levels.id", ondelete="CASCADE"), index=True
    )
    approver_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(30), default="pending")
    comments: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    approver: Mapped[User] = relationship(lazy="joined")
