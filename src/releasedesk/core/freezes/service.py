"""Change freezes: saving windows, and the one question every write asks of them — does this
release, scheduled so or moved to deployment now, meet a window in its scope?

A blocking window refuses it (`Frozen`, naming the window and the first time the release
would fit), unless the release holds an unexpired exception to that window; a warning window
lets it pass and is handed back for the caller to record. Only administrators save windows
and grant exceptions, and never to a release they requested.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_admin
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import AuditActor, AuditKind, Subject, actor_of
from releasedesk.core.errors import Forbidden, Frozen, Invalid, Mandatory, NotFound, NotUnique
from releasedesk.core.freezes import announce, repository
from releasedesk.core.freezes.timing import (
    Duration,
    Occurrence,
    OneOff,
    Recurring,
    Timing,
    check,
    first_fit,
    last_end,
    shifted,
    within_years,
)
from releasedesk.core.freezes.views import (
    Affected,
    Effect,
    FreezeWindow,
    Meeting,
    Override,
    ReleaseFacts,
    Scope,
)
from releasedesk.core.text import plain_line
from releasedesk.core.values import Named
from releasedesk.core.webhooks.names import EventType
from releasedesk.core.zones import zone_named
from releasedesk.db.models import FreezeOverride as OverrideRow
from releasedesk.db.models import FreezeWindow as WindowRow

# How far ahead a refusal looks for the next time a release fits, and a window's next
# occurrences are listed.
HORIZON = dt.timedelta(days=400)
LONGEST_OVERRIDE = dt.timedelta(days=366)
DEPLOYMENT_STAGE = "deployment"
_WALL = "%Y-%m-%dT%H:%M:%S"
NAME_LENGTH = 200  # the column's


@dataclass(frozen=True, slots=True)
class Operator:
    """Someone with the server's own access saving windows (the CLI): trusted as an
    administrator of the portal, audited by name."""

    portal_id: int
    audit_as: AuditActor


Saver = Actor | Operator


def _may_save(by: Saver, action: str) -> None:
    if isinstance(by, Actor):
        require_admin(by, action)


def _audit_actor(by: Saver) -> AuditActor:
    return actor_of(by) if isinstance(by, Actor) else by.audit_as


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """What a front asks to save. One-off: `start` and `end` (aware). Recurring: `rrule`,
    `dtstart` (a wall-clock time in `timezone`; an aware one is read in that zone),
    `duration` (ISO 8601) and `exdates`."""

    name: str
    reason: str
    timezone: str
    effect: str = Effect.BLOCK.value
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    rrule: str | None = None
    dtstart: dt.datetime | None = None
    duration: str | None = None
    exdates: tuple[dt.datetime, ...] = ()
    scope: dict[str, list[str]] = field(default_factory=dict)


async def list_windows(session: AsyncSession, actor: Saver) -> list[FreezeWindow]:
    return await _views(session, await repository.list_windows(session, actor.portal_id))


async def get_window(session: AsyncSession, actor: Saver, window_id: int) -> FreezeWindow:
    return (await _views(session, [await _row(session, actor, window_id)]))[0]


async def create_window(session: AsyncSession, actor: Saver, spec: WindowSpec) -> FreezeWindow:
    _may_save(actor, "create freeze windows")
    now = dt.datetime.now(dt.UTC)
    maker = actor.user_id if isinstance(actor, Actor) else None
    row = WindowRow(portal_id=actor.portal_id, created_by_id=maker, created_on=now)
    await _fill(session, actor, row, spec, now)
    await repository.insert(session, row)
    await _audit(session, actor, AuditKind.FREEZE_WINDOW_CREATED, row)
    made = (await _views(session, [row]))[0]
    await _announce(session, actor, EventType.FREEZE_WINDOW_CREATED, made)
    return made


async def update_window(
    session: AsyncSession, actor: Saver, window_id: int, spec: WindowSpec
) -> FreezeWindow:
    _may_save(actor, "change freeze windows")
    row = await _row(session, actor, window_id, for_update=True)
    await _fill(session, actor, row, spec, dt.datetime.now(dt.UTC))
    await session.flush()
    await _audit(session, actor, AuditKind.FREEZE_WINDOW_UPDATED, row)
    changed = (await _views(session, [row]))[0]
    await _announce(session, actor, EventType.FREEZE_WINDOW_UPDATED, changed)
    return changed


async def delete_window(session: AsyncSession, actor: Saver, window_id: int) -> None:
    _may_save(actor, "delete freeze windows")
    row = await _row(session, actor, window_id, for_update=True)
    await _audit(session, actor, AuditKind.FREEZE_WINDOW_DELETED, row)
    gone = (await _views(session, [row]))[0]  # as it was, for the event
    await repository.delete_window(session, row.id)
    await _announce(session, actor, EventType.FREEZE_WINDOW_DELETED, gone)


async def _announce(
    session: AsyncSession, actor: Saver, type: EventType, window: FreezeWindow
) -> None:
    """The change as a webhook event, in its transaction (after its audit entry)."""
    await announce.window_changed(session, actor.portal_id, _audit_actor(actor), type, window)


def next_occurrences(window: FreezeWindow, now: dt.datetime, count: int = 3) -> list[Occurrence]:
    return window.timing.next_occurrences(now, count)


# --- the check every write makes -----------------------------------------------------------


async def check_schedule(
    session: AsyncSession, portal_id: int, facts: ReleaseFacts, now: dt.datetime
) -> list[Meeting]:
    """Refuse a schedule meeting a blocking window in scope (not overridden); the warning
    windows it meets, for the caller to record."""
    if facts.scheduled_start is None or facts.scheduled_end is None:
        return []
    start, end = facts.scheduled_start, facts.scheduled_end
    return await _check(session, portal_id, facts, start, end, now, "scheduled_start_time")


async def check_deployment(
    session: AsyncSession, portal_id: int, facts: ReleaseFacts, now: dt.datetime
) -> list[Meeting]:
    """Refuse a move to deployment while a blocking window in scope is on."""
    moment = now + dt.timedelta(seconds=1)
    return await _check(session, portal_id, facts, now, moment, now, "stage")


async def any_window_meeting(
    session: AsyncSession, portal_id: int, start: dt.datetime, end: dt.datetime
) -> bool:
    """Whether some window of the portal may meet [start, end) (its bounds say so; its
    occurrences and scope are not looked at)."""
    return await repository.any_meeting(session, portal_id, start, end)


async def list_windows_meeting(
    session: AsyncSession, portal_id: int, start: dt.datetime, end: dt.datetime
) -> list[FreezeWindow]:
    """The portal's windows some occurrence of which may meet [start, end), their scopes by
    id alone (the names are not read: a check compares ids)."""
    rows = await repository.windows_meeting(session, portal_id, start, end)
    return await _views(session, rows, names=False)


async def meetings(
    session: AsyncSession, portal_id: int, facts: ReleaseFacts, start: dt.datetime, end: dt.datetime
) -> list[Meeting]:
    """Every window in scope some occurrence of which meets [start, end), blocking or not,
    overridden or not (the conflicts view); their scopes by id alone."""
    rows = await repository.windows_meeting(session, portal_id, start, end)
    windows = await _views(session, rows, names=False)
    found = []
    for window in windows:
        if window.scope.covers(facts):
            for occurrence in window.timing.occurrences(start, end, limit=1):
                found.append(Meeting(window, occurrence, None))
    return found


async def _check(
    session: AsyncSession,
    portal_id: int,
    facts: ReleaseFacts,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    field: str,
) -> list[Meeting]:
    met = await meetings(session, portal_id, facts, start, end)
    if not met:
        return []
    excused = set()
    if facts.release_id is not None:
        excused = {
            o.window_id for o in await repository.overrides_of(session, [facts.release_id], now)
        }
    blocking = [m for m in met if m.window.effect is Effect.BLOCK and m.window.id not in excused]
    if blocking:
        first = blocking[0]
        allowed = await next_allowed(session, portal_id, facts, start, end - start, excused)
        when = "never within 400 days" if allowed is None else allowed.isoformat()
        raise Frozen(
            f"The freeze window '{first.window.name}' ({first.window.reason}) blocks this release"
            f" from {first.occurrence.start.isoformat()} to {first.occurrence.end.isoformat()};"
            f" next allowed at {when}",
            field,
            first.window.name,
            allowed,
        )
    return [m for m in met if m.window.effect is Effect.WARN]


async def next_allowed(
    session: AsyncSession,
    portal_id: int,
    facts: ReleaseFacts,
    start: dt.datetime,
    length: dt.timedelta,
    excused: set[int] | frozenset[int] = frozenset(),
) -> dt.datetime | None:
    """The first time from `start` at which a span of `length` meets no blocking window in
    the release's scope (None if none within HORIZON)."""
    horizon = shifted(start, HORIZON)  # a release scheduled in year 9999 is asked too
    rows = await repository.windows_meeting(session, portal_id, start, horizon)
    blocked: list[Occurrence] = []
    for window in await _views(session, rows, names=False):
        if (
            window.effect is Effect.BLOCK
            and window.id not in excused
            and window.scope.covers(facts)
        ):
            blocked.extend(window.timing.occurrences(start, horizon))
    fit = first_fit(blocked, start, length)
    return fit if shifted(fit, length) <= horizon and fit < horizon else None


async def facts_of(session: AsyncSession, release_ids: Sequence[int]) -> dict[int, ReleaseFacts]:
    raw = await repository.release_facts(session, release_ids)
    return {
        rid: ReleaseFacts(
            release_id=rid,
            requester_id=f["requester_id"],
            scheduled_start=f["start"],
            scheduled_end=f["end"],
            service_ids=frozenset(f["services"]),
            release_type_id=f["release_type_id"],
            team_id=f["team_id"],
            created_by_id=f["created_by_id"],
        )
        for rid, f in raw.items()
    }


async def affected(session: AsyncSession, actor: Actor, window_id: int) -> list[Affected]:
    """The live releases scheduled into the window's coming occurrences (in its scope) that
    the actor may see, with whether each holds an unexpired exception: what was scheduled
    before the window existed, or let through since."""
    window = await get_window(session, actor, window_id)
    now = dt.datetime.now(dt.UTC)
    first = window.timing.next_occurrences(now, 1)
    if not first:
        return []
    start = max(now, first[0].start)
    ids = await repository.scheduled_between(session, actor.portal_id, start, start + HORIZON)
    facts = await facts_of(session, ids)
    excused = {
        o.release_id
        for o in await repository.overrides_of(session, ids, now)
        if o.window_id == window.id
    }
    met = []
    for rid in ids:
        f = facts[rid]
        assert f.scheduled_start is not None and f.scheduled_end is not None
        if (
            f.seen_by(actor)
            and window.scope.covers(f)
            and window.timing.occurrences(f.scheduled_start, f.scheduled_end, 1)
        ):
            met.append(f)
    titles = await repository.release_titles(session, [f.release_id for f in met if f.release_id])
    return [
        Affected(one, titles.get(one, ""), f.scheduled_start, f.scheduled_end, one in excused)
        for f in met
        if (one := f.release_id) is not None
        and f.scheduled_start is not None
        and f.scheduled_end is not None
    ]


# --- exceptions -------------------------------------------------------------------------------


async def grant_override(
    session: AsyncSession,
    actor: Actor,
    window_id: int,
    release_id: int,
    reason: str,
    expires_on: dt.datetime,
) -> Override:
    """Let one release meet one window until `expires_on` (admins; never the requester)."""
    require_admin(actor, "grant exceptions to freeze windows")
    reason = plain_line(reason, "reason", mandatory=True)
    now = dt.datetime.now(dt.UTC)
    if expires_on.tzinfo is None:
        raise Invalid("'expires_on' needs an offset", "expires_on")
    if expires_on <= now:
        raise Invalid("'expires_on' must be in the future", "expires_on")
    if expires_on - now > LONGEST_OVERRIDE:
        raise Invalid("an exception lasts at most a year", "expires_on")
    window = await _row(session, actor, window_id)
    if not await repository.lock_release(session, actor.portal_id, release_id):
        raise NotFound(f"No release with id '{release_id}'", "release")
    facts = (await facts_of(session, [release_id]))[release_id]
    if facts.requester_id == actor.user_id:
        raise Forbidden("A release's requester cannot grant it an exception", "release")
    for held in await repository.overrides_of(session, [release_id]):
        if held.window_id != window.id:
            continue
        if held.expires_on > now:
            raise NotUnique(
                f"Release {release_id} holds an exception to this window until"
                f" {held.expires_on.isoformat()}: revoke it first",
                "release_id",
            )
        await repository.delete_override(session, held.id)  # expired: the new one renews it
        await session.flush()
    row = await repository.insert_override(
        session,
        OverrideRow(
            window_id=window.id,
            release_id=release_id,
            reason=reason,
            expires_on=expires_on,
            granted_by_id=actor.user_id,
            granted_on=now,
        ),
    )
    await audit.record(
        session,
        portal_id=actor.portal_id,
        by=actor_of(actor),
        kind=AuditKind.FREEZE_OVERRIDE_GRANTED,
        subject=Subject(None, None),
        detail={
            "window": window.name,
            "release_id": release_id,
            "reason": reason,
            "expires_on": expires_on.isoformat(),
        },
    )
    granted = (await _overrides(session, [row]))[0]
    await announce.override_granted(session, actor.portal_id, actor_of(actor), granted)
    return granted


async def revoke_override(
    session: AsyncSession, actor: Actor, window_id: int, override_id: int
) -> None:
    """An exception ended before it expires (admins): the release meets the window again.
    One to another window, or of another portal, names nothing here."""
    require_admin(actor, "revoke exceptions to freeze windows")
    window = await _row(session, actor, window_id)
    held = await repository.get_override(session, override_id)
    if held is None or held.window_id != window.id:
        raise NotFound(
            f"No exception with id '{override_id}' to the freeze window '{window.name}'",
            "override_id",
        )
    await repository.lock_release(session, actor.portal_id, held.release_id)
    await repository.delete_override(session, held.id)
    await audit.record(
        session,
        portal_id=actor.portal_id,
        by=actor_of(actor),
        kind=AuditKind.FREEZE_OVERRIDE_REVOKED,
        subject=Subject(None, None),
        detail={
            "window": window.name,
            "release_id": held.release_id,
            "reason": held.reason,
            "expires_on": held.expires_on.isoformat(),
        },
    )


async def overrides_of_release(
    session: AsyncSession, actor: Actor, release_id: int
) -> list[Override]:
    """The exceptions granted to a release the actor may see (NotFound otherwise, as for
    any release they may not see)."""
    facts = (await facts_of(session, [release_id])).get(release_id)
    if (
        facts is None
        or not facts.seen_by(actor)
        or not await repository.in_portal(session, actor.portal_id, release_id)
    ):
        raise NotFound(f"No release with id '{release_id}'", "release")
    return await _overrides(session, await repository.overrides_of(session, [release_id]))


async def _overrides(session: AsyncSession, rows: Sequence[OverrideRow]) -> list[Override]:
    windows = {}
    for row in rows:
        if row.window_id not in windows:
            found = await session.get(WindowRow, row.window_id)
            windows[row.window_id] = found.name if found else ""
    names = await repository.user_names(session, {r.granted_by_id for r in rows if r.granted_by_id})
    return [
        Override(
            id=r.id,
            window_id=r.window_id,
            window_name=windows[r.window_id],
            release_id=r.release_id,
            reason=r.reason,
            expires_on=r.expires_on,
            granted_by=names.get(r.granted_by_id) if r.granted_by_id else None,
            granted_on=r.granted_on,
        )
        for r in rows
    ]


# --- rows <-> views -------------------------------------------------------------------------


async def _row(
    session: AsyncSession, actor: Saver, window_id: int, *, for_update: bool = False
) -> WindowRow:
    row = await repository.get(session, actor.portal_id, window_id, for_update=for_update)
    if row is None:
        raise NotFound(f"No freeze window with id '{window_id}'", "id")
    return row


async def _fill(
    session: AsyncSession, actor: Saver, row: WindowRow, spec: WindowSpec, now: dt.datetime
) -> None:
    """Check `spec` and write it onto `row` (every part refused names its field)."""
    row.name = plain_line(spec.name, "name", mandatory=True, max_length=NAME_LENGTH)
    row.reason = plain_line(spec.reason, "reason", mandatory=True)
    try:
        effect = Effect(spec.effect)
    except ValueError:
        raise Invalid("'effect' must be 'block' or 'warn'", "effect") from None
    zone = zone_named(spec.timezone)
    timing = _timing(spec, zone)
    check(timing)
    row.effect = effect.value
    row.timezone = zone.key
    row.scope = await _scope_ids(session, actor.portal_id, spec.scope)
    shape = timing.shape
    if isinstance(shape, OneOff):
        row.start_on, row.end_on = shape.start, shape.end
        row.rrule = row.dtstart = row.duration = None
        row.exdates = []
        row.first_start, row.last_end = shape.start, shape.end
    else:
        row.start_on = row.end_on = None
        row.rrule = spec.rrule.strip() if spec.rrule else None
        row.dtstart = shape.dtstart.strftime(_WALL)
        row.duration = shape.duration.text()
        row.exdates = [d.strftime(_WALL) for d in shape.exdates]
        first = timing.next_occurrences(
            shape.dtstart.replace(tzinfo=zone) - shape.duration.longest, 1
        )
        row.first_start = first[0].start if first else shape.dtstart.replace(tzinfo=zone)
        row.last_end = last_end(timing)
    row.updated_on = now


def _timing(spec: WindowSpec, zone: ZoneInfo) -> Timing:
    one_off = spec.start is not None or spec.end is not None
    recurring = spec.rrule is not None or spec.dtstart is not None or spec.duration is not None
    if one_off and recurring:
        raise Invalid(
            "give 'start' and 'end' for a one-off window, or 'rrule', 'dtstart' and"
            " 'duration' for a recurring one, not both",
            "rrule",
        )
    if one_off:
        if spec.start is None:
            raise Mandatory("start")
        if spec.end is None:
            raise Mandatory("end")
        for name, value in (("start", spec.start), ("end", spec.end)):
            if value.tzinfo is None:
                raise Invalid(
                    f"'{name}' needs an offset (RFC 3339, such as 2026-12-24T00:00:00+01:00)", name
                )
            within_years(value, name)
        return Timing(OneOff(spec.start, spec.end), zone)
    if spec.rrule is None:
        raise Mandatory("start", "give 'start' and 'end', or 'rrule', 'dtstart' and 'duration'")
    if spec.dtstart is None:
        raise Mandatory("dtstart")
    if spec.duration is None:
        raise Mandatory("duration")
    dtstart = _wall_clock(within_years(spec.dtstart, "dtstart"), zone)
    exdates = tuple(_wall_clock(within_years(d, "exdates"), zone) for d in spec.exdates)
    return Timing(Recurring(spec.rrule, dtstart, Duration.parse(spec.duration), exdates), zone)


def _wall_clock(moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone).replace(tzinfo=None)
    return moment.replace(microsecond=0)


async def _scope_ids(
    session: AsyncSession, portal_id: int, scope: dict[str, list[str]]
) -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {}
    for kind, names in scope.items():
        if kind not in repository.SCOPE_MODELS:
            raise Invalid(
                f"'scope' takes services, release_types and teams, not '{kind}'", f"scope.{kind}"
            )
        found = await repository.ids_named(session, portal_id, kind, names)
        for name in names:
            if name.lower() not in found:
                raise Invalid(f"No {kind[:-1].replace('_', ' ')} named '{name}'", f"scope.{kind}")
        if names:
            ids[kind] = sorted({found[n.lower()][0] for n in names})
    return ids


async def _views(
    session: AsyncSession, rows: Sequence[WindowRow], *, names: bool = True
) -> list[FreezeWindow]:
    """The rows as views. `names=False` for the checks (a write's, conflicts, next free
    slots): they compare a scope's ids and name a window by its own name, so the names of
    its services, release types and teams and of its maker are not read (a read per kind
    on every check; the views' scope names are then empty, and `created_by` None)."""
    if not names:
        return [_view(row, {}, {}) for row in rows]
    wanted: dict[str, set[int]] = {kind: set() for kind in repository.SCOPE_MODELS}
    for row in rows:
        for kind, ids in (row.scope or {}).items():
            wanted[kind].update(ids)
    named = {kind: await repository.names_of(session, kind, ids) for kind, ids in wanted.items()}
    makers = await repository.user_names(
        session, {r.created_by_id for r in rows if r.created_by_id}
    )
    return [_view(row, named, makers) for row in rows]


def _view(row: WindowRow, names: dict[str, dict[int, str]], makers: dict[int, str]) -> FreezeWindow:
    zone = ZoneInfo(row.timezone)  # checked when saved
    if row.rrule is None:
        assert row.start_on is not None and row.end_on is not None
        timing = Timing(OneOff(row.start_on, row.end_on), zone)
    else:
        assert row.dtstart is not None and row.duration is not None
        timing = Timing(
            Recurring(
                row.rrule,
                dt.datetime.strptime(row.dtstart, _WALL),
                Duration.parse(row.duration),
                tuple(dt.datetime.strptime(d, _WALL) for d in row.exdates or ()),
            ),
            zone,
        )
    scope = row.scope or {}

    def named(kind: str) -> tuple[Named, ...]:
        return tuple(Named(i, names.get(kind, {}).get(i, "")) for i in scope.get(kind, ()))

    return FreezeWindow(
        id=row.id,
        name=row.name,
        reason=row.reason,
        timing=timing,
        scope=Scope(named("services"), named("release_types"), named("teams")),
        effect=Effect(row.effect),
        created_on=row.created_on,
        updated_on=row.updated_on,
        created_by=makers.get(row.created_by_id) if row.created_by_id else None,
    )


async def _audit(session: AsyncSession, actor: Saver, kind: AuditKind, row: WindowRow) -> None:
    await audit.record(
        session,
        portal_id=actor.portal_id,
        by=_audit_actor(actor),
        kind=kind,
        subject=Subject(None, None),
        detail={"window": row.name, "id": row.id, "effect": row.effect},
    )


async def overrides_of_window(
    session: AsyncSession, actor: Actor, window_id: int
) -> list[Override]:
    """The exceptions granted to a window of the actor's portal, unexpired and expired (a
    window's page shows who let what through, and until when)."""
    row = await _row(session, actor, window_id)
    found = await repository.overrides_of_window(session, row.id)
    if not actor.is_staff:  # a requester sees only their own releases' exceptions
        facts = await facts_of(session, sorted({o.release_id for o in found}))
        found = [o for o in found if o.release_id in facts and facts[o.release_id].seen_by(actor)]
    return await _overrides(session, found)
