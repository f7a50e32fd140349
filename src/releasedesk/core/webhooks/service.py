"""Webhook subscriptions, kept by a portal's administrators (or the server's operator through
the CLI): a URL checked against the address rules (targets.py), the events wanted, a secret
shown once; its rotation; the delivery log and redelivery of one delivery or a time range."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_admin
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import AuditActor, AuditKind, JsonValue, Subject, actor_of
from releasedesk.core.errors import Invalid, Mandatory, NotFound, TimesOutOfOrder
from releasedesk.core.reference import service as reference
from releasedesk.core.text import plain_line
from releasedesk.core.webhooks import repository, signing, targets
from releasedesk.core.webhooks.config import WebhookConfig
from releasedesk.core.webhooks.names import EVENT_NAMES
from releasedesk.core.webhooks.views import Created, Delivery, DeliveryStatus, Subscription
from releasedesk.db.models import WebhookSubscription as SubscriptionRow

DESCRIPTION_MAX = 500
LOG_PAGE_MAX = 100
REDELIVER_MAX = 1000
LONGEST_GRACE = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Operator:
    """The server's operator (the CLI): trusted as an administrator of the portal, audited
    by name."""

    portal_id: int
    audit_as: AuditActor


Manager = Actor | Operator


@dataclass(frozen=True, slots=True)
class SubscriptionChanges:
    """What a front asks to set; None: left as it is (a create needs `url` and `events`)."""

    url: str | None = None
    events: tuple[str, ...] | None = None
    description: str | None = None
    enabled: bool | None = None


def _may_manage(by: Manager, action: str) -> None:
    if isinstance(by, Actor):
        require_admin(by, action)


async def _audit(
    session: AsyncSession,
    by: Manager,
    kind: AuditKind,
    row: SubscriptionRow,
    **more: JsonValue,
) -> None:
    """Where a portal's events are sent is an administrator's decision the trail keeps."""
    await audit.record(
        session,
        portal_id=by.portal_id,
        by=actor_of(by) if isinstance(by, Actor) else by.audit_as,
        kind=kind,
        subject=Subject(None, None),
        detail={"webhook": row.id, "url": row.url, "events": list[JsonValue](row.events), **more},
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def event_names(events: Collection[str]) -> tuple[str, ...]:
    """The events asked for, each known, in the order given, once."""
    if not events:
        raise Invalid(f"'events' must name at least one of: {', '.join(EVENT_NAMES)}", "events")
    chosen: list[str] = []
    for name in events:
        if name not in EVENT_NAMES:
            raise Invalid(
                f"'events': {name!r} is no event; choose from {', '.join(EVENT_NAMES)}", "events"
            )
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def view_of(row: SubscriptionRow, now: dt.datetime | None = None) -> Subscription:
    now = now or _now()
    rotation = row.previous_expires_on
    return Subscription(
        id=row.id,
        url=row.url,
        events=tuple(row.events),
        description=row.description,
        enabled=row.enabled,
        disabled_reason=row.disabled_reason,
        disabled_on=row.disabled_on,
        failing_since=row.failing_since,
        rotation_ends=rotation if rotation is not None and rotation > now else None,
        created_by_id=row.created_by_id,
        created_on=row.created_on,
        updated_on=row.updated_on,
    )


async def _row(
    session: AsyncSession, by: Manager, subscription_id: int, *, for_update: bool = False
) -> SubscriptionRow:
    row = await repository.subscription(
        session, by.portal_id, subscription_id, for_update=for_update
    )
    if row is None:
        raise NotFound(f"No webhook with id '{subscription_id}'", "webhook_id")
    return row


async def list_subscriptions(session: AsyncSession, by: Manager) -> list[Subscription]:
    _may_manage(by, "see webhooks")
    now = _now()
    return [view_of(row, now) for row in await repository.subscriptions(session, by.portal_id)]


async def get_subscription(
    session: AsyncSession, by: Manager, subscription_id: int
) -> Subscription:
    _may_manage(by, "see webhooks")
    return view_of(await _row(session, by, subscription_id))


async def create_subscription(
    session: AsyncSession, by: Manager, changes: SubscriptionChanges, config: WebhookConfig
) -> Created:
    """A new subscription and its secret (the only time the secret is answered)."""
    _may_manage(by, "add webhooks")
    if changes.url is None:
        raise Mandatory("url")
    if changes.events is None:
        raise Mandatory("events")
    target = await targets.check(changes.url, config.allowed, config.resolve)
    now = _now()
    secret = signing.new_secret()
    row = SubscriptionRow(
        portal_id=by.portal_id,
        url=target.url,
        events=list(event_names(changes.events)),
        description=_description(changes.description),
        secret_sealed=config.sealer.seal(secret),
        enabled=True if changes.enabled is None else changes.enabled,
        created_by_id=by.user_id if isinstance(by, Actor) else None,
        created_on=now,
        updated_on=now,
    )
    if not row.enabled:
        row.disabled_reason, row.disabled_on = "disabled when it was made", now
    await repository.insert_subscription(session, row)
    await reference.changed(session, row.portal_id)  # who wants events is held with it
    await _audit(session, by, AuditKind.WEBHOOK_CREATED, row)
    return Created(view_of(row, now), secret)


def _description(text: str | None) -> str:
    if text is None:
        return ""
    return plain_line(text, "description", max_length=DESCRIPTION_MAX)


async def change_subscription(
    session: AsyncSession,
    by: Manager,
    subscription_id: int,
    changes: SubscriptionChanges,
    config: WebhookConfig,
) -> Subscription:
    """Some of a subscription's fields changed; enabling it again clears why it was
    disabled and its failures, disabling it cancels what it has not been sent yet."""
    _may_manage(by, "change webhooks")
    row = await _row(session, by, subscription_id, for_update=True)
    now = _now()
    if changes.url is not None:
        row.url = (await targets.check(changes.url, config.allowed, config.resolve)).url
    if changes.events is not None:
        row.events = list(event_names(changes.events))
    if changes.description is not None:
        row.description = _description(changes.description)
    if changes.enabled is True and not row.enabled:
        row.enabled, row.disabled_reason, row.disabled_on = True, None, None
        row.failing_since = None
    elif changes.enabled is False and row.enabled:
        row.enabled, row.disabled_reason, row.disabled_on = False, "disabled by a person", now
        await repository.cancel_pending(session, row.id, now)
    row.updated_on = now
    await session.flush()
    await reference.changed(session, row.portal_id)
    await _audit(session, by, AuditKind.WEBHOOK_UPDATED, row, enabled=row.enabled)
    return view_of(row, now)


async def delete_subscription(session: AsyncSession, by: Manager, subscription_id: int) -> None:
    """A subscription deleted with its delivery log (what it was not sent is never sent)."""
    _may_manage(by, "delete webhooks")
    row = await _row(session, by, subscription_id, for_update=True)
    await _audit(session, by, AuditKind.WEBHOOK_DELETED, row)
    await repository.delete_subscription(session, row.id)
    await reference.changed(session, row.portal_id)


async def rotate_secret(
    session: AsyncSession,
    by: Manager,
    subscription_id: int,
    config: WebhookConfig,
    grace: dt.timedelta | None = None,
) -> Created:
    """A new secret, answered once; the one it replaces still signs (a second signature)
    for `grace` (the config's, 24 hours by default; 0: not at all), so a receiver can
    switch without dropping a delivery."""
    _may_manage(by, "rotate webhook secrets")
    grace = config.rotation_grace if grace is None else grace
    if grace < dt.timedelta(0) or grace > LONGEST_GRACE:
        raise Invalid("'grace_seconds' must be between 0 and 604800 (7 days)", "grace_seconds")
    row = await _row(session, by, subscription_id, for_update=True)
    now = _now()
    secret = signing.new_secret()
    if grace:
        row.previous_secret_sealed, row.previous_expires_on = row.secret_sealed, now + grace
    else:
        row.previous_secret_sealed, row.previous_expires_on = None, None
    row.secret_sealed = config.sealer.seal(secret)
    row.updated_on = now
    await session.flush()
    await _audit(
        session, by, AuditKind.WEBHOOK_SECRET_ROTATED, row, grace_seconds=int(grace.total_seconds())
    )
    return Created(view_of(row, now), secret)


async def list_deliveries(
    session: AsyncSession,
    by: Manager,
    subscription_id: int,
    *,
    limit: int = 50,
    before_id: int | None = None,
    status: str | None = None,
) -> list[Delivery]:
    """The subscription's delivery log, newest first."""
    _may_manage(by, "see webhook deliveries")
    row = await _row(session, by, subscription_id)
    if not 1 <= limit <= LOG_PAGE_MAX:
        raise Invalid(f"'limit' must be from 1 to {LOG_PAGE_MAX}", "limit")
    if status is not None and status not in {s.value for s in DeliveryStatus}:
        raise Invalid(
            f"'status' must be one of {', '.join(s.value for s in DeliveryStatus)}", "status"
        )
    return await repository.deliveries(
        session, row.id, limit=limit, before_id=before_id, status=status
    )


async def get_delivery(
    session: AsyncSession, by: Manager, subscription_id: int, delivery_id: int
) -> Delivery:
    _may_manage(by, "see webhook deliveries")
    row = await _row(session, by, subscription_id)
    found = await repository.delivery(session, row.id, delivery_id)
    if found is None:
        raise NotFound(f"No delivery with id '{delivery_id}' of this webhook", "delivery_id")
    return found


def _require_enabled(row: SubscriptionRow) -> None:
    if not row.enabled:
        raise Invalid("This webhook is disabled; enable it before redelivering", "enabled")


async def redeliver(
    session: AsyncSession, by: Manager, subscription_id: int, delivery_id: int
) -> Delivery:
    """The delivery's event sent again as a new delivery, with the same `webhook-id`."""
    _may_manage(by, "redeliver webhooks")
    row = await _row(session, by, subscription_id)
    _require_enabled(row)
    found = await repository.delivery(session, row.id, delivery_id)
    if found is None:
        raise NotFound(f"No delivery with id '{delivery_id}' of this webhook", "delivery_id")
    (made,) = await repository.redeliver(session, row.id, [found.event_id], _now())
    again = await repository.delivery(session, row.id, made)
    assert again is not None  # inserted just above
    return again


async def redeliver_range(
    session: AsyncSession,
    by: Manager,
    subscription_id: int,
    since: dt.datetime,
    until: dt.datetime | None = None,
    *,
    failed_only: bool = True,
) -> list[int]:
    """The events delivered to the subscription in [since, until) sent again (by default
    those whose delivery failed or was canceled), each once; the new deliveries' ids."""
    _may_manage(by, "redeliver webhooks")
    row = await _row(session, by, subscription_id)
    _require_enabled(row)
    now = _now()
    until = until or now
    if until <= since:
        raise TimesOutOfOrder("'until' must be after 'since'", "until")
    statuses = (
        [DeliveryStatus.FAILED.value, DeliveryStatus.CANCELED.value]
        if failed_only
        else [s.value for s in DeliveryStatus]
    )
    events = await repository.events_delivered_between(
        session, row.id, since, until, statuses, REDELIVER_MAX
    )
    return await repository.redeliver(session, row.id, events, now)
