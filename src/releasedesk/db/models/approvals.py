"""Approval levels of a release stage, the approvers' approvals and decisions, the signed mail
links an approver decides through, and approvers away with a delegate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from releasedesk.db.base import Base, BigId, IdMixin, PortalMixin, UtcDateTime, unique_index, utcnow
from releasedesk.db.models.users import User
from releasedesk.db.models.workflow import ReleaseStage


class ApprovalLevel(IdMixin, Base):
    """Level n of a stage's approval; `status` pending, approved or rejected (by its rule)."""

    __tablename__ = "release_approval_levels"
    # Numbered 1, 2, … per stage by the server under the release's lock; the index settles
    # what the lock would not (a write that forgot it).
    __table_args__ = (
        # Levels decided within a range of times: approval wait (core/insights, 0022).
        Index("ix_release_approval_levels_decided", "action_taken_on"),
        unique_index(
            "ux_release_approval_levels_stage_level",
            "release_id",
            "stage_id",
            "level",
            field="level",
            says="that stage already has an approval level with that number",
        ),
    )

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
    # The approval policy the level started waiting under (core/approval_policies), as it
    # was then: a policy changed or deleted later leaves a level in flight on its snapshot.
    policy_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    waiting_since: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    deadline: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # its policy's timeout

    stage: Mapped[ReleaseStage] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[created_by_id])
    action_taken_by: Mapped[User | None] = relationship(
        lazy="joined", foreign_keys=[action_taken_by_id]
    )
    approvals: Mapped[list[Approval]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="Approval.id"
    )


class Approval(IdMixin, Base):
    """One approver's place in a level.

    `status`: to_be_sent, pending (sent, awaiting the decision), approved, rejected.
    `approver_id` is who decides: empty for an organisational role (`xpath`) until it is
    resolved when sent, and the delegate when the approver was away (`original_approver_id`
    then names them). `decided_by_id` is who recorded the decision (the approver, their
    delegate, or an admin acting for them) and `decided_via` how (api, mail_link, web).
    """

    __tablename__ = "release_approvals"
    __table_args__ = (
        unique_index(
            "ux_release_approvals_level_approver",
            "level_id",
            "approver_id",
            field="approver",
            says="that user is already an approver of this level",
        ),
        unique_index(
            "ux_release_approvals_level_xpath",
            "level_id",
            "xpath",
            field="xpath",
            says="that organisational role is already an approver of this level",
        ),
        # A user's "My approvals" (core/approvals/inbox.py): what waits on them, found by
        # approver and status, and what they decided, latest first with the id tiebreak.
        Index("ix_release_approvals_approver_status", "approver_id", "status"),
        Index("ix_release_approvals_decided_by", "decided_by_id", "decided_on", "id"),
    )

    level_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("release_approval_levels.id", ondelete="CASCADE"), index=True
    )
    approver_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE")
    )
    original_approver_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    xpath: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(30), default="to_be_sent")
    comments: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_via: Mapped[str | None] = mapped_column(String(20))
    sent_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    sent_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=utcnow)

    approver: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[approver_id])
    original_approver: Mapped[User | None] = relationship(
        lazy="joined", foreign_keys=[original_approver_id]
    )
    decided_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[decided_by_id])


class ApprovalLink(IdMixin, Base):
    """A mail link to decide one approval: single use, expiring. The URL carries the id and
    an HMAC of the id and `nonce` under the server's secret key, so neither this table nor
    the outbox holds a working link."""

    __tablename__ = "release_approval_links"

    approval_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("release_approvals.id", ondelete="CASCADE"), index=True
    )
    nonce: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ApproverAbsence(IdMixin, PortalMixin, Base):
    """A user away until `ends_on`, their approvals going to `delegate_id` meanwhile; one
    period per user (setting another replaces it)."""

    __tablename__ = "approver_absences"
    __table_args__ = (
        unique_index(
            "ux_approver_absences_user",
            "user_id",
            field="user",
            says="that user already has an away period",
        ),
        # Whom a user stands in for now (approvals/repository._delegators): a few rows, but
        # without it SQLite cannot tell and plans the inbox as if there were a million.
        Index("ix_approver_absences_delegate", "delegate_id"),
    )

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    delegate_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    starts_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ends_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_on: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])
    delegate: Mapped[User] = relationship(lazy="joined", foreign_keys=[delegate_id])


class ApprovalSettings(IdMixin, PortalMixin, Base):
    """A portal's approval settings (no row: the defaults). Off by default, as in ServiceDesk
    Plus: `forbid_self_approval` keeps a release's creator and requesters from approving it
    in every level of the portal (a level's policy may forbid it where this does not)."""

    __tablename__ = "approval_settings"
    __table_args__ = (
        unique_index(
            "ux_approval_settings_portal",
            "portal_id",
            field="portal",
            says="that portal already has approval settings",
        ),
    )

    forbid_self_approval: Mapped[bool] = mapped_column(Boolean, default=False)


class ReportingLine(IdMixin, PortalMixin, Base):
    """Whom a user reports to: the organisational role `release_requester.reporting_to`."""

    __tablename__ = "user_reporting_lines"
    __table_args__ = (
        unique_index(
            "ux_user_reporting_lines_user",
            "user_id",
            field="user",
            says="that user already reports to someone",
        ),
    )

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    manager_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))


class DepartmentHead(IdMixin, PortalMixin, Base):
    """Who heads a department: the organisational role `release_requester.department.head`."""

    __tablename__ = "department_heads"
    __table_args__ = (
        unique_index(
            "ux_department_heads_department",
            "department_id",
            field="department",
            says="that department already has a head",
        ),
    )

    department_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("departments.id", ondelete="CASCADE")
    )
    head_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
