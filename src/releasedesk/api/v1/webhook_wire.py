"""Webhook subscriptions and deliveries as the v1 API's JSON, both ways."""

from __future__ import annotations

import datetime as dt
from typing import Any

from releasedesk.api.v1.input import refuse_unknown, text
from releasedesk.core.errors import WrongType
from releasedesk.core.webhooks.service import SubscriptionChanges
from releasedesk.core.webhooks.views import Created, Delivery, DeliveryAttempt, Subscription

SUBSCRIPTION_KEYS = {"url", "events", "description", "enabled"}


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def changes(body: dict[str, Any]) -> SubscriptionChanges:
    """A subscription's JSON (whole for a create, some of it for a PATCH)."""
    refuse_unknown(body, SUBSCRIPTION_KEYS)
    events = body.get("events")
    if events is not None and (
        not isinstance(events, list) or not all(isinstance(e, str) for e in events)
    ):
        raise WrongType("'events' must be a list of event names", "events")
    enabled = body.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise WrongType("'enabled' must be true or false", "enabled")
    url = body.get("url")
    if url is not None and not isinstance(url, str):
        raise WrongType("'url' must be a string", "url")
    return SubscriptionChanges(
        url=url,
        events=None if events is None else tuple(events),
        description=text(body, "description"),
        enabled=enabled,
    )


def subscription_json(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "url": subscription.url,
        "events": list(subscription.events),
        "description": subscription.description,
        "enabled": subscription.enabled,
        "disabled_reason": subscription.disabled_reason,
        "disabled_on": _time(subscription.disabled_on),
        "failing_since": _time(subscription.failing_since),
        "previous_secret_expires_on": _time(subscription.rotation_ends),
        "created_by": subscription.created_by_id,
        "created_on": _time(subscription.created_on),
        "updated_on": _time(subscription.updated_on),
    }


def created_json(created: Created) -> dict[str, Any]:
    """The one answer that carries the secret."""
    return {**subscription_json(created.subscription), "secret": created.secret}


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "webhook_id": delivery.subscription_id,
        "event": {
            "id": delivery.event_id,
            "webhook_id_header": delivery.message_id,
            "type": delivery.event_type,
            "payload": delivery.payload,
        },
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "created_on": _time(delivery.created_on),
        "next_attempt_on": _time(delivery.next_attempt_on),
        "last_attempt_on": _time(delivery.last_attempt_on),
        "delivered_on": _time(delivery.delivered_on),
        "response": {
            "status": delivery.response_status,
            "duration_ms": delivery.duration_ms,
            "headers": delivery.response_headers,
            "body": delivery.response_body,
        },
        "request_headers": delivery.request_headers,
        "error": delivery.error,
        "attempt_log": [attempt_json(a) for a in delivery.attempt_log],
    }


def attempt_json(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "attempted_on": _time(attempt.attempted_on),
        "response": {
            "status": attempt.response_status,
            "duration_ms": attempt.duration_ms,
            "headers": attempt.response_headers,
            "body": attempt.response_body,
        },
        "request_headers": attempt.request_headers,
        "error": attempt.error,
        "next_attempt_on": _time(attempt.next_attempt_on),
    }
