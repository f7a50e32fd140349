"""releasedesk freeze add | list | remove: change freeze windows from the server's shell (the
same rules as /api/v1/freeze_windows; audited as `cli:<os user>`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.cli.runtime import run_in_transaction
from releasedesk.cli.tables import cli_actor, echo_table
from releasedesk.core.errors import Invalid
from releasedesk.core.freezes import service as freezes
from releasedesk.core.freezes.service import Operator, WindowSpec
from releasedesk.core.freezes.timing import OneOff
from releasedesk.core.freezes.views import FreezeWindow
from releasedesk.core.portals import service as portals
from releasedesk.settings import DEFAULT_PORTAL

freeze_app = typer.Typer(
    help="Change freezes: windows in which releases may not be scheduled or deployed.",
    no_args_is_help=True,
)

PortalOption = Annotated[str, typer.Option("--portal", help="The portal.")]


async def _operator(session: AsyncSession, portal: str) -> Operator:
    found = await portals.get_portal(session, portal)
    return Operator(found.id, cli_actor())


def _moment(text: str | None, field: str, *, offset: bool = True) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"'{field}' must be an RFC 3339 date-time, not {text!r}", field) from None
    if offset and value.tzinfo is None:
        raise Invalid(f"'{field}' needs an offset, such as +01:00 or Z", field)
    return value


@freeze_app.command("add")
def freeze_add(
    name: str,
    reason: Annotated[str, typer.Option(help="Why nothing may go out then.")],
    timezone: Annotated[str, typer.Option(help="An IANA zone, such as Europe/Berlin.")] = "UTC",
    start: Annotated[
        str | None, typer.Option(help="One-off: from (RFC 3339, with offset).")
    ] = None,
    end: Annotated[str | None, typer.Option(help="One-off: until (RFC 3339, with offset).")] = None,
    rrule: Annotated[
        str | None, typer.Option(help="Recurring: an RRULE value, e.g. FREQ=WEEKLY;BYDAY=SA.")
    ] = None,
    dtstart: Annotated[
        str | None, typer.Option(help="Recurring: the first start, wall-clock in --timezone.")
    ] = None,
    duration: Annotated[
        str | None, typer.Option(help="Recurring: how long each lasts (ISO 8601, e.g. PT48H).")
    ] = None,
    exdate: Annotated[
        list[str] | None, typer.Option(help="Recurring: a start left out (repeatable).")
    ] = None,
    service: Annotated[
        list[str] | None, typer.Option(help="Only releases touching this service (repeatable).")
    ] = None,
    release_type: Annotated[
        list[str] | None, typer.Option(help="Only releases of this type (repeatable).")
    ] = None,
    team: Annotated[
        list[str] | None, typer.Option(help="Only releases planned for this team (repeatable).")
    ] = None,
    warn: Annotated[
        bool, typer.Option("--warn", help="Let releases through with a warning instead.")
    ] = False,
    portal: PortalOption = DEFAULT_PORTAL,
) -> None:
    """Add a freeze window: one-off (--start, --end) or recurring (--rrule, --dtstart,
    --duration)."""
    scope = {
        kind: list(values)
        for kind, values in (
            ("services", service),
            ("release_types", release_type),
            ("teams", team),
        )
        if values
    }

    async def action(session: AsyncSession) -> FreezeWindow:
        spec = WindowSpec(
            name=name,
            reason=reason,
            timezone=timezone,
            effect="warn" if warn else "block",
            start=_moment(start, "start"),
            end=_moment(end, "end"),
            rrule=rrule,
            dtstart=_moment(dtstart, "dtstart", offset=False),
            duration=duration,
            exdates=tuple(
                d for d in (_moment(x, "exdate", offset=False) for x in exdate or ()) if d
            ),
            scope=scope,
        )
        return await freezes.create_window(session, await _operator(session, portal), spec)

    window = run_in_transaction(action)
    typer.echo(f"freeze window {window.id} '{window.name}' added")
    for occurrence in freezes.next_occurrences(window, dt.datetime.now(dt.UTC)):
        zone = window.timing.zone
        typer.echo(
            f"  {occurrence.start.astimezone(zone).isoformat()}"
            f" to {occurrence.end.astimezone(zone).isoformat()}"
        )


@freeze_app.command("list")
def freeze_list(portal: PortalOption = DEFAULT_PORTAL) -> None:
    """List the portal's freeze windows: id, name, effect, when, scope, next occurrence."""

    async def action(session: AsyncSession) -> list[FreezeWindow]:
        return await freezes.list_windows(session, await _operator(session, portal))

    now = dt.datetime.now(dt.UTC)
    rows = []
    for window in run_in_transaction(action, writes=False):
        shape = window.timing.shape
        zone = window.timing.zone
        if isinstance(shape, OneOff):
            start, end = shape.start.astimezone(zone), shape.end.astimezone(zone)
            timing = f"{start.isoformat()} to {end.isoformat()}"
        else:
            timing = f"{shape.rule} from {shape.dtstart.isoformat()} for {shape.duration.text()}"
        scope = window.scope
        named = [n.name for n in (*scope.services, *scope.release_types, *scope.teams)]
        upcoming = freezes.next_occurrences(window, now, 1)
        rows.append(
            (
                str(window.id),
                window.name,
                window.effect.value,
                f"{timing} ({zone.key})",
                ", ".join(named) or "all releases",
                upcoming[0].start.astimezone(zone).isoformat() if upcoming else "-",
            )
        )
    echo_table(("id", "name", "effect", "when", "scope", "next"), rows)


@freeze_app.command("remove")
def freeze_remove(window_id: int, portal: PortalOption = DEFAULT_PORTAL) -> None:
    """Remove a freeze window (and the exceptions granted to it)."""

    async def action(session: AsyncSession) -> None:
        await freezes.delete_window(session, await _operator(session, portal), window_id)

    run_in_transaction(action)
    typer.echo(f"freeze window {window_id} removed")
