"""The freeze window form: what was typed, read into the core's `WindowSpec`, and a saved
window as the form's values again (to edit it).

Only reading happens here; every rule (an end after its start, an RRULE that parses and does
not repeat too often, a real time zone, scope names that exist) is the core's, which names
the field at fault. The form's own share: date-times typed without an offset are read in the
chosen zone (a one-off window's start and end; a recurring window's first start and
exception dates stay wall-clock times in it, as RFC 5545 has them), an exception given as a
date alone is that day at the first start's time, and only the fields of the chosen kind
(one-off or recurring) are sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from releasedesk.core.errors import Invalid
from releasedesk.core.freezes.service import WindowSpec
from releasedesk.core.freezes.timing import OneOff
from releasedesk.core.freezes.views import Effect, FreezeWindow
from releasedesk.core.zones import zone_named
from releasedesk.web.context import PageContext
from releasedesk.web.forms import FIRST_YEAR, LAST_YEAR, FormErrors

ONE_OFF, RECURRING = "one-off", "recurring"
TEXT_FIELDS = (
    "name",
    "reason",
    "effect",
    "kind",
    "timezone",
    "start",
    "end",
    "rrule",
    "dtstart",
    "duration",
    "exdates",
)
SCOPE_KINDS = ("services", "release_types", "teams")
FIELDS = TEXT_FIELDS + SCOPE_KINDS
MAX_EXDATES = 1000  # as the API
_LOCAL = "%Y-%m-%dT%H:%M"
EXAMPLE = "2026-12-24T09:30"

Values = dict[str, Any]  # each text field as typed, each scope kind a list of names


def blank(timezone: str) -> Values:
    """A new window's form: blocking, one-off, in `timezone`, applying to everything."""
    values: Values = {name: "" for name in TEXT_FIELDS}
    values.update(effect=Effect.BLOCK.value, kind=ONE_OFF, timezone=timezone)
    values.update({kind: [] for kind in SCOPE_KINDS})
    return values


def typed(ctx: PageContext) -> Values:
    """The form as sent, kept to show again if it is refused (the exceptions as typed)."""
    values: Values = {name: ctx.field(name) for name in TEXT_FIELDS}
    raw = ctx.form.get("exdates") if ctx.form is not None else None
    values["exdates"] = raw if isinstance(raw, str) else ""
    values.update({kind: ctx.fields(kind) for kind in SCOPE_KINDS})
    return values


def values_of(window: FreezeWindow) -> Values:
    """A saved window as the form shows it, times in its own zone."""
    zone = window.timing.zone
    values = blank(zone.key)
    values.update(name=window.name, reason=window.reason, effect=window.effect.value)
    shape = window.timing.shape
    if isinstance(shape, OneOff):
        values["start"] = shape.start.astimezone(zone).strftime(_LOCAL)
        values["end"] = shape.end.astimezone(zone).strftime(_LOCAL)
    else:
        values.update(
            kind=RECURRING,
            rrule=shape.rule,
            dtstart=_local_text(shape.dtstart),
            duration=shape.duration.text(),
            exdates="\n".join(_local_text(d) for d in shape.exdates),
        )
    scope = window.scope
    values.update(
        services=[n.name for n in scope.services],
        release_types=[n.name for n in scope.release_types],
        teams=[n.name for n in scope.teams],
    )
    return values


def spec_of(values: Values, errors: FormErrors) -> WindowSpec | None:
    """What the core is asked to save; None (with `errors` said) when a date-time or the zone
    cannot be read."""
    kind = values.get("kind") or ONE_OFF
    if kind not in (ONE_OFF, RECURRING):
        errors.add("kind", "Choose one-off or recurring")
        return None
    try:
        zone = zone_named(values["timezone"])
    except Invalid as error:
        errors.add("timezone", error.message)
        return None
    common: dict[str, Any] = {
        "name": values["name"],
        "reason": values["reason"],
        "timezone": zone.key,
        "effect": values["effect"],
        "scope": {kind: list(values[kind]) for kind in SCOPE_KINDS},
    }
    if kind == ONE_OFF:
        start = _local(values, "start", errors)
        end = _local(values, "end", errors)
        if errors:
            return None
        return WindowSpec(
            **common,
            start=None if start is None else start.replace(tzinfo=zone),
            end=None if end is None else end.replace(tzinfo=zone),
        )
    if not values["rrule"]:
        errors.add("rrule", "Enter a rule, such as FREQ=WEEKLY;BYDAY=FR")
    dtstart = _local(values, "dtstart", errors)
    if dtstart is None and "dtstart" not in errors.by_field:
        errors.add("dtstart", "Enter the first start, a date and time like " + EXAMPLE)
    if not values["duration"]:
        errors.add("duration", "Enter how long each occurrence lasts, such as PT48H")
    exdates = _exdates(values["exdates"], dtstart, errors)
    if errors or dtstart is None:
        return None
    return WindowSpec(
        **common,
        rrule=values["rrule"],
        dtstart=dtstart,
        duration=values["duration"],
        exdates=exdates,
    )


def _local(values: Values, name: str, errors: FormErrors) -> dt.datetime | None:
    """A datetime-local value (no offset: a wall-clock time); empty is None."""
    text = values[name]
    if not text:
        return None
    moment = _moment(text)
    if moment is None:
        errors.add(name, f"Enter a date and time like {EXAMPLE}")
    elif not FIRST_YEAR <= moment.year <= LAST_YEAR:
        errors.add(name, f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}")
        return None
    return moment


def _moment(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return None if moment.tzinfo is not None else moment.replace(microsecond=0)


def _exdates(text: str, dtstart: dt.datetime | None, errors: FormErrors) -> tuple[dt.datetime, ...]:
    """One start left out per line: a date and time, or a date alone (at the first start's
    time of day)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_EXDATES:
        errors.add("exdates", f"Give at most {MAX_EXDATES:,} exceptions")
        return ()
    found = []
    for number, line in enumerate(lines, 1):
        moment = _moment(line)
        if moment is not None and len(line) <= 10 and dtstart is not None:
            moment = dt.datetime.combine(moment.date(), dtstart.time())
        if moment is None or not FIRST_YEAR <= moment.year <= LAST_YEAR:
            errors.add(
                "exdates",
                f"Line {number} of the exceptions: enter a date like 2026-12-25, or a date"
                " and time like 2026-12-25T18:00",
            )
            return ()
        found.append(moment)
    return tuple(found)


def _local_text(moment: dt.datetime) -> str:
    return moment.strftime(_LOCAL if moment.second == 0 else "%Y-%m-%dT%H:%M:%S")
