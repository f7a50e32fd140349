"""A release's changes as webhook events (core/webhooks/outbox.py), recorded by the service
that made the change, in its transaction, beside its history and audit entries: a write that
is refused or rolled back announces nothing.

`release_json` is the neutral shape subscribers receive (documented in the v1 API's OpenAPI
document as `WebhookRelease`): the core's names, RFC 3339 UTC times, references as
`{id, name}`; the related records (roles, services) only where the change loaded them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.releases.history import FieldChange
from releasedesk.core.releases.recording import MOVE_FIELDS
from releasedesk.core.releases.views import Person, Release
from releasedesk.core.values import Named, Stage, Status
from releasedesk.core.webhooks import outbox
from releasedesk.core.webhooks.names import EventType

# The release's lookups and times in the neutral shape (api/v1/answers.py documents them).
LOOKUPS = (
    "priority",
    "impact",
    "urgency",
    "risk",
    "release_type",
    "category",
    "subcategory",
    "item",
    "site",
    "closure_code",
)
TIMES = (
    "scheduled_start_time",
    "scheduled_end_time",
    "next_review_on",
    "created_time",
    "last_updated_time",
    "completed_time",
    "deleted_time",
)


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _named(value: Named | None) -> dict[str, Any] | None:
    return None if value is None else {"id": value.id, "name": value.name}


def _stage(stage: Stage) -> dict[str, Any]:
    return {"id": stage.id, "name": stage.name, "internal_name": stage.internal_name}


def _status(status: Status) -> dict[str, Any]:
    return {"id": status.id, "name": status.name, "internal_name": status.internal_name}


def person_json(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.id, "name": person.name, "email": person.email}


def release_json(release: Release) -> dict[str, Any]:
    """The release as webhook subscribers receive it."""
    shape: dict[str, Any] = {
        "id": release.id,
        "uuid": str(release.uuid),
        "version": release.version,
        "title": release.title,
        "short_description": release.short_description,
        "emergency": release.emergency,
        "in_trash": release.in_trash,
        "template": {"id": release.template.id, "name": release.template.name},
        "stage": _stage(release.stage),
        "status": _status(release.status),
        "group": None
        if release.group is None
        else {"id": release.group.id, "name": release.group.name},
        "created_by": person_json(release.created_by),
    }
    shape.update({name: _time(getattr(release, name)) for name in TIMES})
    shape.update({name: _named(getattr(release, name)) for name in LOOKUPS})
    if release.roles:
        shape["roles"] = [
            {"role": h.role.internal_name, "user": person_json(h.user)} for h in release.roles
        ]
    if release.services:
        shape["services"] = [_named(s) for s in release.services]
    return shape


def _by(actor: Actor | None) -> dict[str, Any] | None:
    """Who made the change; None for the system (the approval scheduler's escalations)."""
    return None if actor is None else {"id": actor.user_id, "name": actor.user_name}


async def created(session: AsyncSession, actor: Actor, release: Release, now: dt.datetime) -> None:
    await outbox.record(
        session,
        release.portal_id,
        EventType.RELEASE_CREATED,
        {"release": release_json(release), "by": _by(actor)},
        now,
    )


async def changed(
    session: AsyncSession,
    actor: Actor,
    before: Release,
    after: Release,
    changes: Sequence[FieldChange],
    now: dt.datetime,
) -> None:
    """An update: `release.stage_changed` when it moved to another stage, `release.closed`
    when that stage is Closure, `release.updated` when other fields changed (a status within
    the same stage among them)."""
    data = {"release": release_json(after), "by": _by(actor)}
    if after.stage.id != before.stage.id:
        await outbox.record(
            session,
            after.portal_id,
            EventType.RELEASE_STAGE_CHANGED,
            {
                **data,
                "previous_stage": _stage(before.stage),
                "previous_status": _status(before.status),
            },
            now,
        )
        if after.stage.is_closure and not before.stage.is_closure:
            await closed(session, actor, after, now)
    others = [c.field for c in changes if c.field not in MOVE_FIELDS]
    if after.stage.id == before.stage.id and after.status.id != before.status.id:
        others.insert(0, "status")
    if others:
        await outbox.record(
            session, after.portal_id, EventType.RELEASE_UPDATED, {**data, "fields": others}, now
        )


async def closed(session: AsyncSession, actor: Actor, release: Release, now: dt.datetime) -> None:
    await outbox.record(
        session,
        release.portal_id,
        EventType.RELEASE_CLOSED,
        {"release": release_json(release), "by": _by(actor)},
        now,
    )


async def lifecycle(session: AsyncSession, actor: Actor, release: Release, type: EventType) -> None:
    """Trashed, restored or deleted for good (the release as it was)."""
    await outbox.record(
        session, release.portal_id, type, {"release": release_json(release), "by": _by(actor)}
    )


async def policy_action(
    session: AsyncSession,
    release: Release,
    type: EventType,
    level: Mapping[str, Any],
    policy: Mapping[str, Any],
    details: Mapping[str, Any],
    now: dt.datetime,
) -> None:
    """What an approval policy did to a waiting level (the scheduler: no actor): escalated
    it (`data.escalation`) or timed it out (`data.timeout`)."""
    key = "escalation" if type is EventType.APPROVAL_ESCALATED else "timeout"
    await outbox.record(
        session,
        release.portal_id,
        type,
        {
            "release": release_json(release),
            "approval_level": dict(level),
            "policy": dict(policy),
            key: dict(details),
            "by": None,
        },
        now,
    )


async def approval(
    session: AsyncSession,
    actor: Actor | None,
    release: Release,
    type: EventType,
    details: Mapping[str, Any],
) -> None:
    """An approval requested (sent to its approver) or decided."""
    await outbox.record(
        session,
        release.portal_id,
        type,
        {"release": release_json(release), "approval": dict(details), "by": _by(actor)},
    )
