"""The mail outbox: mails written in the transaction that caused them, delivered after."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from releasedesk.db.base import Base, BigId, IdMixin, UtcDateTime, utcnow


class OutboxMail(IdMixin, Base):
    """One mail to deliver. A sender claims it (`claimed_until`, a lease), delivers it and
    sets `delivered_on`; a failure records `last_error` and waits until `next_attempt_on`.

    The body may hold `${approval_link}`: the sender fills it from `approval_link_id` with
    the server's secret key at delivery, so the stored mail holds no working link.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "delivered_on", "next_attempt_on"),)

    portal_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("portals.id", ondelete="CASCADE")
    )
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    approval_link_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("release_approval_links.id", ondelete="SET NULL")
    )
    created_on: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_on: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    delivered_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
