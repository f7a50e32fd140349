"""Outgoing webhooks: who wants which events (subscriptions), the events written in the
transaction of the change that caused them, and each event's delivery to each subscriber."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from releasedesk.db.base import Base, BigId, IdMixin, PortalMixin, UtcDateTime


class WebhookSubscription(IdMixin, PortalMixin, Base):
    """A URL that receives the portal's `events`, signed with its secret.

    The secret is stored encrypted under the server's secret key (`secret_sealed`), since
    signing needs it back; it is shown once, when made or rotated. A rotation keeps the
    previous one until `previous_expires_on`, and deliveries meanwhile carry both
    signatures. `failing_since` is the first failure since the last success; a subscription
    disabled (by a person, a 410 or days of failure) says why in `disabled_reason`."""

    __tablename__ = "webhook_subscriptions"

    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(String(500), default="")
    secret_sealed: Mapped[str] = mapped_column(Text)
    previous_secret_sealed: Mapped[str | None] = mapped_column(Text)
    previous_expires_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    failing_since: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class WebhookEvent(IdMixin, PortalMixin, Base):
    """One event as it will be sent: `body` is the JSON text every delivery posts and signs
    (the same bytes on every attempt), `message_id` the `webhook-id` header, stable across
    retries and redeliveries. Written only when a subscription wants it."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_created", "portal_id", "created_on"),)

    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class WebhookDelivery(IdMixin, Base):
    """One event to one subscription: the outbox row a sender claims (`claimed_until`, a
    lease) when `next_attempt_on` is due, and the log of its last attempt. `next_attempt_on`
    is empty once it succeeded, gave up or was canceled (its subscription disabled), so the
    due index holds only the work left."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "next_attempt_on"),
        Index("ix_webhook_deliveries_log", "subscription_id", "created_on"),
    )

    subscription_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    next_attempt_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_attempt_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    delivered_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    response_status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class WebhookAttempt(IdMixin, Base):
    """One attempt of a delivery, kept beside the delivery's summary of its last one, so the
    log shows every try of a retried delivery (what each answered, or why it got none).

    A table rather than a JSON list on the delivery: an attempt is written once, as a row
    inserted in the record's transaction, while a JSON list would be read and rewritten
    whole at each attempt (up to eight, each with a body of up to 64 KB); the rows go with
    their delivery (ON DELETE CASCADE) and the log reads a page's attempts in one IN query
    by ix_webhook_attempts_delivery. The schedule bounds them: eight per delivery."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "number"),)

    delivery_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)  # 1 for the first attempt
    attempted_on: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    response_status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    next_attempt_on: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # the retry it set
