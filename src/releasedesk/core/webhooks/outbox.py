"""The webhook outbox: an event is written in the transaction of the change that caused it,
with one pending delivery per enabled subscription that wants it, so it goes out exactly
when the change commits and never for a change rolled back. Below every service that
records events (releases, approvals): it knows events by name and data, not releases."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

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


async def record(
    session: AsyncSession,
    portal_id: int,
    type: EventType,
    data: Mapping[str, object],
    now: dt.datetime | None = None,
) -> int | None:
    """Queue `type` for the portal's subscriptions that want it, in the caller's
    transaction; the event's id, or None when nobody wants it (then nothing is written)."""
    wanted = [sid for sid, events in await repository.wanting(session, portal_id) if type in events]
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
