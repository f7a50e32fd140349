"""Change freezes: windows in which releases may not be scheduled or deployed (or only with a
warning), and the exceptions granted to single releases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from releasedesk.db.base import Base, BigId, IdMixin, PortalMixin, UtcDateTime, unique_index


class FreezeWindow(IdMixin, PortalMixin, Base):
    """One window: one-off (`start_on`, `end_on`) or recurring (`rrule` from `dtstart`, a
    wall-clock time in `timezone`, lasting `duration`, except on
    its `exdates`). `scope` holds the
    ids it is limited to ({} for every release). `first_start` and `last_end` (None: no end)
    bound every occurrence, so a check reads only the windows that can matter, through
    ix_freeze_windows_span."""

    __tablename__ = "freeze_windows"
    __table_args__ = (
        unique_index(
            "ux_freeze_windows_name",
            "portal_id",
            text("lower(name)"),
            field="name",
            says="a freeze window with that name exists",
        ),
        Index("ix_freeze_windows_span", "portal_id", "first_start"),
    )

    name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    start_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    end_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    rrule: Mapped[str | None] = mapped_column(String(1000))
    dtstart: Mapped[str | None] = mapped_column(String(19))  # YYYY-MM-DDTHH:MM:SS, wall clock
    duration: Mapped[str | None] = mapped_column(String(40))
    exdates: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    effect: Mapped[str] = mapped_column(String(10))
    first_start: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_end: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class FreezeOverride(IdMixin, Base):
    """An exception: `release_id` may be scheduled and deployed in `window_id` until
    `expires_on`, granted by someone other than its requester for `reason`."""

    __tablename__ = "freeze_overrides"
    __table_args__ = (
        unique_index(
            "ux_freeze_overrides_window_release",
            "window_id",
            "release_id",
            field="release",
            says="that release already has an exception to that window",
        ),
        Index("ix_freeze_overrides_release", "release_id"),
    )

    window_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("freeze_windows.id", ondelete="CASCADE")
    )
    release_id: Mapped[int] = mapped_column(BigId, ForeignKey("releases.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    expires_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    granted_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    granted_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CalendarFeedToken(Base):
    """A user's secret for the calendar feed: calendar clients send no headers, so the feed's
    address carries it. Only its SHA-256 is kept; a reset replaces it."""

    __tablename__ = "calendar_feed_tokens"
    __table_args__ = (
        unique_index(
            "ux_calendar_feed_tokens_hash",
            "token_hash",
            field="token",
            says="that token is taken",
        ),
    )

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)
