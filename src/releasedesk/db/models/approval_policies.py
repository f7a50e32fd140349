"""Approval policies (what happens to a waiting approval level over time) and the actions
the scheduler has due for the levels waiting under one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from releasedesk.db.base import Base, BigId, IdMixin, PortalMixin, UtcDateTime, unique_index


class ApprovalPolicy(IdMixin, PortalMixin, Base):
    """One policy: the portal's default (`applies_to` portal), a stage's or a release
    template's, one per target (`target`: "portal", "stage:<id>", "template:<id>", so the
    database keeps it one where NULLs would not). Durations are ISO 8601 text, counted in
    `business_hours` when it is set; escalation approvers are `{"user_id"}` or
    `{"org_role"}`."""

    __tablename__ = "approval_policies"
    __table_args__ = (
        unique_index(
            "ux_approval_policies_name",
            "portal_id",
            text("lower(name)"),
            field="name",
            says="an approval policy with that name exists",
        ),
        unique_index(
            "ux_approval_policies_target",
            "portal_id",
            "target",
            field="applies_to",
            says="another approval policy already applies there",
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    applies_to: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(40))
    stage_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("release_stages.id", ondelete="CASCADE")
    )
    template_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("release_templates.id", ondelete="CASCADE")
    )
    reminder_first_after: Mapped[str | None] = mapped_column(String(40))
    reminder_every: Mapped[str | None] = mapped_column(String(40))
    reminder_max: Mapped[int | None] = mapped_column(Integer)
    escalate_after: Mapped[str | None] = mapped_column(String(40))
    escalation_approvers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    timeout_after: Mapped[str | None] = mapped_column(String(40))
    timeout_action: Mapped[str | None] = mapped_column(String(10))
    timeout_warn_before: Mapped[str | None] = mapped_column(String(40))
    min_approvals: Mapped[int | None] = mapped_column(Integer)
    forbid_self_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    business_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ApprovalScheduledAction(IdMixin, PortalMixin, Base):
    """Something due for a waiting level at `due_at`: a reminder (`sequence` 1, 2, …), the
    escalation, the timeout's warning or the timeout, under the policy snapshot the level
    started with. A runner claims it (`claimed_by` until `claimed_until`, a lease), does it
    and sets `done_on` with its `outcome` in the transaction of its effect, so it is done
    once; a failure counts `attempts` and keeps `last_error`."""

    __tablename__ = "approval_scheduled_actions"
    __table_args__ = (
        # The runner's claim and its next wake-up: undone rows by due time.
        Index("ix_approval_scheduled_actions_due", "done_on", "due_at"),
    )

    release_id: Mapped[int] = mapped_column(BigId, ForeignKey("releases.id", ondelete="CASCADE"))
    level_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("release_approval_levels.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    policy_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)
