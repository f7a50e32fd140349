"""The webhook outbox: an event is written in the transaction of the change that caused it,
with one pending delivery per enabled subscription that wants it, so it goes out exactly
when the change commits and never for a change rolled back. Below every service that
records events (releases, approvals): it knows events by name and data, not releases."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.reference import service as reference
from releasedesk.core.webhooks import repository
from releasedesk.core.webhooks.names import EventType


def payload(type: EventType, timestamp: dt.datetime, data: Mapping[str, object]) -> str:
    """The Standard Webhooks payload: `{"type", "timestamp", "data"}`, as the JSON text
    every attempt sends and signs byte for byte."""
    return orjson.dumps(
        {"type": type.value, "timestamp": _rfc3339(timestamp), "data": data},
        option=orjson.OPT_UTC_Z,
    ).decode()


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


WEBHOOKS_PART = "webhooks"  # its name among a portal's held reference parts


@dataclass(frozen=True, slots=True)
class Wanting:
    """A portal's enabled subscriptions and the events each wants."""

    subscriptions: tuple[tuple[int, frozenset[str]], ...]


async def _load_wanting(session: AsyncSession, portal_id: int) -> Wanting:
    found = await repository.wanting(session, portal_id)
    return Wanting(tuple((sid, frozenset(events)) for sid, events in found))


async def wanting(session: AsyncSession, portal_id: int) -> Wanting:
    """Who wants the portal's events: held with its reference data (core/reference), so a
    release write reads no table for it once its unit of work has read the portal's
    reference version, which resolving its references does; every change of a subscription
    (created, changed, deleted, disabled by the sender) bumps that version. Was one read
    per write: 5 % of a POST's CPU in the profile of 2026-12-06."""
    held = await reference.held_part(session, portal_id, WEBHOOKS_PART, Wanting, _load_wanting)
    return held if held is not None else await _load_wanting(session, portal_id)


async def record(
    session: AsyncSession,
    portal_id: int,
    type: EventType,
    data: Mapping[str, object],
    now: dt.datetime | None = None,
) -> int | None:
    """Queue `type` for the portal's subscriptions that want it, in the caller's
    transaction; the event's id, or None when nobody wants it (then nothing is written)."""
    subscribed = (await wanting(session, portal_id)).subscriptions
    wanted = [sid for sid, events in subscribed if type in events]
    if not wanted:
        return None
    now = now or dt.datetime.now(dt.UTC)
    return await repository.insert_event(
        session,
        portal_id=portal_id,
        message_id="msg_" + secrets.token_urlsafe(21),
        type=type.value,
        body=payload(type, now, data),
        now=now,
        subscription_ids=wanted,
    )
