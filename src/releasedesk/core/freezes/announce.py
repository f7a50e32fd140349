"""Freeze windows' changes and the exceptions granted to them as webhook events
(core/webhooks/outbox.py), recorded by freezes/service.py in the change's transaction, beside
its audit entry, as releases/announce.py does for releases: a refused or rolled-back change
announces nothing.

`window_json` is the neutral shape subscribers receive (documented in the v1 API's OpenAPI
document as `WebhookFreezeWindow`): RFC 3339 UTC times, the zone by its IANA name, a
recurring window's rule with its wall-clock start, scope entries as `{id, name}`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.audit.views import AuditActor
from releasedesk.core.freezes.timing import OneOff, Recurring
from releasedesk.core.freezes.views import FreezeWindow, Override
from releasedesk.core.values import Named
from releasedesk.core.webhooks import outbox
from releasedesk.core.webhooks.names import EventType


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _named(values: tuple[Named, ...]) -> list[dict[str, Any]]:
    return [{"id": v.id, "name": v.name} for v in values]


def window_json(window: FreezeWindow) -> dict[str, Any]:
    """A freeze window as webhook subscribers receive it."""
    shape = window.timing.shape
    timing: dict[str, Any]
    if isinstance(shape, OneOff):
        timing = {"kind": "one_off", "start": _time(shape.start), "end": _time(shape.end)}
    else:
        assert isinstance(shape, Recurring)
        timing = {
            "kind": "recurring",
            "rrule": shape.rule,
            "dtstart": shape.dtstart.isoformat(),  # wall clock in `timezone`
            "duration": shape.duration.text(),
            "exdates": [d.isoformat() for d in shape.exdates],
        }
    return {
        "id": window.id,
        "name": window.name,
        "reason": window.reason,
        "effect": window.effect.value,
        "timezone": window.timing.zone.key,
        **timing,
        "scope": {
            "services": _named(window.scope.services),
            "release_types": _named(window.scope.release_types),
            "teams": _named(window.scope.teams),
        },
        "created_by": window.created_by,
        "created_on": _time(window.created_on),
        "updated_on": _time(window.updated_on),
    }


def override_json(override: Override) -> dict[str, Any]:
    """An exception as webhook subscribers receive it."""
    return {
        "id": override.id,
        "window": {"id": override.window_id, "name": override.window_name},
        "release": {"id": override.release_id},
        "reason": override.reason,
        "expires_on": _time(override.expires_on),
        "granted_by": override.granted_by,
        "granted_on": _time(override.granted_on),
    }


def _by(by: AuditActor) -> dict[str, Any]:
    """Who did it: a user by id and name, the CLI's operator by name (id null)."""
    return {"id": by.id, "name": by.name}


async def window_changed(
    session: AsyncSession,
    portal_id: int,
    by: AuditActor,
    type: EventType,
    window: FreezeWindow,
) -> None:
    """A window created, changed or deleted (as it was)."""
    await outbox.record(
        session, portal_id, type, {"freeze_window": window_json(window), "by": _by(by)}
    )


async def override_granted(
    session: AsyncSession, portal_id: int, by: AuditActor, override: Override
) -> None:
    await outbox.record(
        session,
        portal_id,
        EventType.FREEZE_OVERRIDE_GRANTED,
        {"freeze_override": override_json(override), "by": _by(by)},
    )
