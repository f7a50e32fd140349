"""All SQL of outgoing webhooks: subscriptions, the events outbox, claiming and recording
deliveries, the delivery log."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import ColumnElement, Row, delete, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Role
from releasedesk.core.webhooks.views import Delivery, DeliveryAttempt, DeliveryStatus
from releasedesk.db.models import (
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

# --- subscriptions --------------------------------------------------------------------------


async def insert_subscription(session: AsyncSession, row: WebhookSubscription) -> None:
    session.add(row)
    await session.flush()


async def subscription(
    session: AsyncSession, portal_id: int, subscription_id: int, *, for_update: bool = False
) -> WebhookSubscription | None:
    statement = select(WebhookSubscription).where(
        WebhookSubscription.id == subscription_id, WebhookSubscription.portal_id == portal_id
    )
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def subscriptions(session: AsyncSession, portal_id: int) -> Sequence[WebhookSubscription]:
    statement = (
        select(WebhookSubscription)
        .where(WebhookSubscription.portal_id == portal_id)
        .order_by(WebhookSubscription.id)
    )
    return (await session.execute(statement)).scalars().all()


async def delete_subscription(session: AsyncSession, subscription_id: int) -> None:
    await session.execute(
        delete(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
    )


async def wanting(session: AsyncSession, portal_id: int) -> list[tuple[int, list[str]]]:
    """The portal's enabled subscriptions and the events each wants: the one read a
    release write makes for webhooks (by ix_webhook_subscriptions_portal_id; a portal has
    a handful)."""
    statement = select(WebhookSubscription.id, WebhookSubscription.events).where(
        WebhookSubscription.portal_id == portal_id, WebhookSubscription.enabled
    )
    return [(int(sid), list(events)) for sid, events in (await session.execute(statement)).all()]


async def active_admin_emails(session: AsyncSession, portal_id: int) -> list[str]:
    """Where a disabled subscription is told: the portal's active administrators."""
    statement = (
        select(User.email_id)
        .where(
            User.portal_id == portal_id,
            User.role == Role.ADMIN.value,
            User.is_active,
            User.email_id.is_not(None),
        )
        .order_by(User.id)
    )
    return [email for email in (await session.execute(statement)).scalars() if email]


# --- the outbox -----------------------------------------------------------------------------


async def insert_event(
    session: AsyncSession,
    *,
    portal_id: int,
    message_id: str,
    type: str,
    body: str,
    now: dt.datetime,
    subscription_ids: Collection[int],
) -> int:
    """The event and one pending delivery per subscription, in the caller's transaction."""
    event_id = (
        await session.execute(
            insert(WebhookEvent)
            .values(
                portal_id=portal_id, message_id=message_id, type=type, body=body, created_on=now
            )
            .returning(WebhookEvent.id)
        )
    ).scalar_one()
    # Deliveries for those of the subscriptions still there and enabled, as the database
    # has them: the caller's list comes from held data (outbox.wanting), which a change made
    # around the services (a row deleted by hand) would leave behind.
    pending = DeliveryStatus.PENDING.value
    await session.execute(
        insert(WebhookDelivery).from_select(
            ["subscription_id", "event_id", "status", "attempts", "created_on", "next_attempt_on"],
            select(
                WebhookSubscription.id,
                literal(event_id, WebhookDelivery.event_id.type),
                literal(pending, WebhookDelivery.status.type),
                literal(0, WebhookDelivery.attempts.type),
                literal(now, WebhookDelivery.created_on.type),
                literal(now, WebhookDelivery.next_attempt_on.type),
            ).where(
                WebhookSubscription.id.in_(list(subscription_ids)),
                WebhookSubscription.portal_id == portal_id,
                WebhookSubscription.enabled,
            ),
        )
    )
    return int(event_id)


def _pending(subscription_id: int, event_id: int, now: dt.datetime) -> dict[str, object]:
    return {
        "subscription_id": subscription_id,
        "event_id": event_id,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "created_on": now,
        "next_attempt_on": now,
    }


async def redeliver(
    session: AsyncSession, subscription_id: int, event_ids: Collection[int], now: dt.datetime
) -> list[int]:
    """A new pending delivery of each event to the subscription (its log keeps the old
    ones); their ids."""
    made: list[int] = []
    for event_id in event_ids:
        made.append(
            int(
                (
                    await session.execute(
                        insert(WebhookDelivery)
                        .values(_pending(subscription_id, event_id, now))
                        .returning(WebhookDelivery.id)
                    )
                ).scalar_one()
            )
        )
    return made


async def events_delivered_between(
    session: AsyncSession,
    subscription_id: int,
    since: dt.datetime,
    until: dt.datetime,
    statuses: Collection[str],
    limit: int,
) -> list[int]:
    """The events whose deliveries to the subscription were made in [since, until) and
    ended in one of `statuses`, oldest first, each once (by ix_webhook_deliveries_log)."""
    statement = (
        select(WebhookDelivery.event_id)
        .where(
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.created_on >= since,
            WebhookDelivery.created_on < until,
            WebhookDelivery.status.in_(statuses),
        )
        .group_by(WebhookDelivery.event_id)
        .order_by(WebhookDelivery.event_id)
        .limit(limit)
    )
    return [int(e) for e in (await session.execute(statement)).scalars()]


async def cancel_pending(session: AsyncSession, subscription_id: int, now: dt.datetime) -> None:
    """A disabled subscription's deliveries not made yet are canceled (not sent later)."""
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.status == DeliveryStatus.PENDING.value,
        )
        .values(
            status=DeliveryStatus.CANCELED.value,
            next_attempt_on=None,
            claimed_until=None,
            error="the subscription was disabled",
        )
    )


# --- the delivery log -----------------------------------------------------------------------

_LOG_COLUMNS = (WebhookDelivery, WebhookEvent.message_id, WebhookEvent.type, WebhookEvent.body)


def _delivery(row: Row[WebhookDelivery, str, str, str]) -> Delivery:
    d: WebhookDelivery = row[0]
    return Delivery(
        id=d.id,
        subscription_id=d.subscription_id,
        event_id=d.event_id,
        message_id=row[1],
        event_type=row[2],
        payload=orjson.loads(row[3]),
        status=DeliveryStatus(d.status),
        attempts=d.attempts,
        created_on=d.created_on,
        next_attempt_on=d.next_attempt_on,
        last_attempt_on=d.last_attempt_on,
        delivered_on=d.delivered_on,
        response_status=d.response_status,
        duration_ms=d.duration_ms,
        response_body=d.response_body,
        response_headers=d.response_headers,
        request_headers=d.request_headers,
        error=d.error,
    )


async def deliveries(
    session: AsyncSession,
    subscription_id: int,
    *,
    limit: int,
    before_id: int | None = None,
    status: str | None = None,
) -> list[Delivery]:
    """The subscription's deliveries, newest first, a page of `limit` before `before_id`."""
    statement = (
        select(*_LOG_COLUMNS)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.subscription_id == subscription_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        statement = statement.where(WebhookDelivery.id < before_id)
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    found = [_delivery(row) for row in (await session.execute(statement)).all()]
    return await _with_attempts(session, found)


async def _with_attempts(session: AsyncSession, found: list[Delivery]) -> list[Delivery]:
    """The deliveries with every attempt of each, oldest first: one IN query for the page
    (ix_webhook_attempts_delivery; at most eight attempts a delivery)."""
    if not found:
        return found
    statement = (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_([d.id for d in found]))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number, WebhookAttempt.id)
    )
    by_delivery: dict[int, list[DeliveryAttempt]] = {}
    for a in (await session.execute(statement)).scalars():
        by_delivery.setdefault(a.delivery_id, []).append(
            DeliveryAttempt(
                number=a.number,
                attempted_on=a.attempted_on,
                response_status=a.response_status,
                duration_ms=a.duration_ms,
                response_body=a.response_body,
                response_headers=a.response_headers,
                request_headers=a.request_headers,
                error=a.error,
                next_attempt_on=a.next_attempt_on,
            )
        )
    return [dataclasses.replace(d, attempt_log=tuple(by_delivery.get(d.id, ()))) for d in found]


async def delivery(
    session: AsyncSession, subscription_id: int, delivery_id: int
) -> Delivery | None:
    statement = (
        select(*_LOG_COLUMNS)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id == subscription_id
        )
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    (found,) = await _with_attempts(session, [_delivery(row)])
    return found


ATTEMPT_COLUMNS = (
    "response_status",
    "duration_ms",
    "response_body",
    "response_headers",
    "request_headers",
    "error",
)

# --- the sender's claims --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    """What one attempt needs, read in the claim's transaction."""

    delivery_id: int
    attempts: int
    subscription_id: int
    portal_id: int
    url: str
    secret_sealed: str
    previous_secret_sealed: str | None
    previous_expires_on: dt.datetime | None
    message_id: str
    body: str


def _due(now: dt.datetime) -> list[ColumnElement[bool]]:
    return [
        WebhookDelivery.next_attempt_on <= now,
        or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= now),
    ]


async def any_due(session: AsyncSession, now: dt.datetime) -> bool:
    """Whether a claim would find anything: a read, so an idle sender takes no write lock."""
    statement = select(WebhookDelivery.id).where(*_due(now)).limit(1)
    return (await session.execute(statement)).first() is not None


async def claim_due(
    session: AsyncSession, now: dt.datetime, lease: dt.timedelta, limit: int
) -> list[Claimed]:
    """Due deliveries no other sender holds, leased to the caller until now + lease.

    PostgreSQL: `FOR UPDATE SKIP LOCKED` (ix_webhook_deliveries_due), so senders in several
    processes and servers each take other rows and never wait on one another; the lease,
    written before the claim commits, keeps them from the next claim. SQLite renders no
    FOR UPDATE: its one writer (BEGIN IMMEDIATE) makes claims one after another, and each
    sees the leases before it."""
    ids_statement = (
        select(WebhookDelivery.id)
        .where(*_due(now))
        .order_by(WebhookDelivery.next_attempt_on, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = [int(i) for i in (await session.execute(ids_statement)).scalars()]
    if not ids:
        return []
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    details = (
        select(
            WebhookDelivery.id,
            WebhookDelivery.attempts,
            WebhookSubscription.id,
            WebhookSubscription.portal_id,
            WebhookSubscription.url,
            WebhookSubscription.secret_sealed,
            WebhookSubscription.previous_secret_sealed,
            WebhookSubscription.previous_expires_on,
            WebhookEvent.message_id,
            WebhookEvent.body,
        )
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(ids))
        .order_by(WebhookDelivery.next_attempt_on, WebhookDelivery.id)
    )
    return [Claimed(*tuple(row)) for row in (await session.execute(details)).all()]


async def renew_claims(
    session: AsyncSession, delivery_ids: Collection[int], until: dt.datetime
) -> None:
    """Extend the lease on deliveries the caller claimed and has not attempted yet."""
    if not delivery_ids:
        return
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id.in_(delivery_ids),
            WebhookDelivery.status == DeliveryStatus.PENDING.value,
        )
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )


async def record_attempt(
    session: AsyncSession, delivery_id: int, values: Mapping[str, object]
) -> None:
    """One attempt's outcome on its delivery (the lease released with it), and the attempt
    kept as a row of its own for the log (the delivery's columns hold only the last)."""
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        insert(WebhookAttempt).values(
            delivery_id=delivery_id,
            number=values["attempts"],
            attempted_on=values["last_attempt_on"],
            next_attempt_on=values.get("next_attempt_on"),
            **{name: values.get(name) for name in ATTEMPT_COLUMNS},
        )
    )


async def subscription_for_update(
    session: AsyncSession, subscription_id: int
) -> WebhookSubscription | None:
    statement = (
        select(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id)
        .with_for_update()
    )
    return (await session.execute(statement)).scalar_one_or_none()
