"""Freeze windows as the v1 API's JSON, both ways. Times go out in RFC 3339 with the offset
of the window's own zone (a person reads 2026-12-24T00:00:00+01:00 as meant); a recurring
window's `dtstart` and `exdates` are wall-clock times in that zone, without an offset."""

from __future__ import annotations

import datetime as dt
from typing import Any

from releasedesk.api.v1.input import moment, names, refuse_unknown, text
from releasedesk.core.errors import Invalid, WrongType
from releasedesk.core.freezes.service import WindowSpec, next_occurrences
from releasedesk.core.freezes.timing import OneOff, Recurring
from releasedesk.core.freezes.views import FreezeWindow, Meeting, Override

WINDOW_KEYS = {
    "name",
    "reason",
    "timezone",
    "effect",
    "scope",
    "start",
    "end",
    "rrule",
    "dtstart",
    "duration",
    "exdates",
}
SCOPE_KEYS = {"services", "release_types", "teams"}
NEXT_SHOWN = 3


def window_spec(body: dict[str, Any]) -> WindowSpec:
    """A window's JSON (all of it: a create or a PUT) as what the core saves."""
    refuse_unknown(body, WINDOW_KEYS)
    scope = body.get("scope", {})
    if not isinstance(scope, dict):
        raise WrongType("'scope' must be an object: {} or services, release_types, teams", "scope")
    refuse_unknown(scope, SCOPE_KEYS, "scope.")
    exdates = body.get("exdates", [])
    if not isinstance(exdates, list):
        raise WrongType("'exdates' must be a list of date-times", "exdates")
    if len(exdates) > 1000:
        raise Invalid("'exdates' holds at most 1,000 date-times", "exdates")
    return WindowSpec(
        name=text(body, "name", required=True) or "",
        reason=text(body, "reason", required=True) or "",
        timezone=text(body, "timezone") or "UTC",
        effect=text(body, "effect") or "block",
        start=None if body.get("start") is None else moment(body["start"], "start"),
        end=None if body.get("end") is None else moment(body["end"], "end"),
        rrule=text(body, "rrule"),
        dtstart=None
        if body.get("dtstart") is None
        else moment(body["dtstart"], "dtstart", offset=False),
        duration=text(body, "duration"),
        exdates=tuple(moment(d, "exdates", offset=False) for d in exdates),
        scope={kind: names(value, f"scope.{kind}") for kind, value in scope.items()},
    )


def window_body(window: FreezeWindow) -> dict[str, Any]:
    """What a window's JSON is now, for a PATCH to change parts of."""
    shape = window.timing.shape
    body: dict[str, Any] = {
        "name": window.name,
        "reason": window.reason,
        "timezone": window.timing.zone.key,
        "effect": window.effect.value,
        "scope": scope_json(window),
    }
    if isinstance(shape, OneOff):
        body["start"] = shape.start.isoformat()
        body["end"] = shape.end.isoformat()
    else:
        body["rrule"] = shape.rule
        body["dtstart"] = shape.dtstart.isoformat()
        body["duration"] = shape.duration.text()
        body["exdates"] = [d.isoformat() for d in shape.exdates]
    return body


def window_json(window: FreezeWindow, now: dt.datetime) -> dict[str, Any]:
    zone = window.timing.zone
    shape = window.timing.shape
    answer: dict[str, Any] = {"id": window.id, **window_body(window)}
    if isinstance(shape, OneOff):
        answer["start"] = shape.start.astimezone(zone).isoformat()
        answer["end"] = shape.end.astimezone(zone).isoformat()
    else:
        assert isinstance(shape, Recurring)
    answer["next_occurrences"] = [
        {"start": o.start.astimezone(zone).isoformat(), "end": o.end.astimezone(zone).isoformat()}
        for o in next_occurrences(window, now, NEXT_SHOWN)
    ]
    answer["created_by"] = window.created_by
    answer["created_on"] = window.created_on.isoformat()
    answer["updated_on"] = window.updated_on.isoformat()
    return answer


def scope_json(window: FreezeWindow) -> dict[str, list[str]]:
    scope = window.scope
    shown = {
        "services": [n.name for n in scope.services],
        "release_types": [n.name for n in scope.release_types],
        "teams": [n.name for n in scope.teams],
    }
    return {kind: listed for kind, listed in shown.items() if listed}


def meeting_json(meeting: Meeting) -> dict[str, Any]:
    zone = meeting.window.timing.zone
    return {
        "id": meeting.window.id,
        "name": meeting.window.name,
        "effect": meeting.window.effect.value,
        "start": meeting.occurrence.start.astimezone(zone).isoformat(),
        "end": meeting.occurrence.end.astimezone(zone).isoformat(),
    }


def override_json(override: Override) -> dict[str, Any]:
    return {
        "id": override.id,
        "window": {"id": override.window_id, "name": override.window_name},
        "release_id": override.release_id,
        "reason": override.reason,
        "expires_on": override.expires_on.isoformat(),
        "granted_by": override.granted_by,
        "granted_on": override.granted_on.isoformat(),
    }
