"""Subscriptions and deliveries as the core hands them to the fronts (never a secret, except
the one answer that makes or rotates it: `Created`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    SUCCEEDED = "succeeded"  # a 2xx answer
    FAILED = "failed"  # gave up: the retry schedule ran out, or the endpoint said 410
    CANCELED = "canceled"  # its subscription was disabled or deleted before it went


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    url: str
    events: tuple[str, ...]
    description: str
    enabled: bool
    disabled_reason: str | None
    disabled_on: dt.datetime | None
    failing_since: dt.datetime | None
    rotation_ends: dt.datetime | None  # while the previous secret still signs too
    created_by_id: int | None
    created_on: dt.datetime
    updated_on: dt.datetime


@dataclass(frozen=True, slots=True)
class Created:
    """A subscription with its secret: answered once, when made or rotated."""

    subscription: Subscription
    secret: str


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One attempt of a delivery: its answer (status, duration, headers, body), or the error
    that left it without one, and the retry it set."""

    number: int
    attempted_on: dt.datetime
    response_status: int | None
    duration_ms: int | None
    response_body: str | None
    response_headers: dict[str, Any] | None
    request_headers: dict[str, Any] | None
    error: str | None
    next_attempt_on: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    subscription_id: int
    event_id: int
    message_id: str
    event_type: str
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    created_on: dt.datetime
    next_attempt_on: dt.datetime | None
    last_attempt_on: dt.datetime | None
    delivered_on: dt.datetime | None
    response_status: int | None
    duration_ms: int | None
    response_body: str | None
    response_headers: dict[str, Any] | None
    request_headers: dict[str, Any] | None
    error: str | None
    # Every attempt, oldest first (none for a delivery recorded before migration 0024).
    attempt_log: tuple[DeliveryAttempt, ...] = ()
