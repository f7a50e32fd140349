"""releasedesk audit list | verify | export."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.cli.runtime import run_in_transaction
from releasedesk.cli.tables import echo_table, when
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.chain import Verdict
from releasedesk.core.audit.views import AuditEntry, canonical_json, canonical_row, subject_words
from releasedesk.core.portals import service as portals
from releasedesk.core.users.expiry import parse_since
from releasedesk.db.base import utcnow
from releasedesk.db.session import transaction_apart

audit_app = typer.Typer(
    help="The audit trail: security and decision events, hash-chained per portal.",
    no_args_is_help=True,
)

PortalOption = Annotated[
    str | None, typer.Option("--portal", help="Only this portal (default: every portal).")
]
SinceOption = Annotated[
    str | None,
    typer.Option(help="From this date (2026-12-01, UTC), time, or this long ago (7d, 12h)."),
]


@audit_app.command("list")
def audit_list(portal: PortalOption = None, since: SinceOption = None) -> None:
    """Print the audit trail, oldest first: id, time (UTC), portal, who, event, subject, detail."""

    async def action(session: AsyncSession) -> Sequence[AuditEntry]:
        portal_id = (await portals.get_portal(session, portal)).id if portal else None
        start = parse_since(since, utcnow()) if since else None
        return await audit.list_entries(session, portal_id=portal_id, since=start)

    rows = [
        (
            str(entry.id),
            when(entry.occurred_time),
            entry.portal_name,
            entry.actor.name,
            entry.kind,
            subject_words(entry),
            canonical_json(entry.detail) if entry.detail else "-",
        )
        for entry in run_in_transaction(action, writes=False)
    ]
    echo_table(("id", "time", "portal", "by", "event", "subject", "detail"), rows)


async def _portals(session: AsyncSession, portal: str | None) -> list[tuple[int, str]]:
    if portal is None:
        return await audit.chain_portals(session)
    found = await portals.get_portal(session, portal)
    return [(found.id, found.name)]


@audit_app.command("verify")
def audit_verify(portal: PortalOption = None) -> None:
    """Recompute each portal's hash chain: say it is intact (exit 0) or name the first entry
    altered, inserted or removed (exit 1). Prints the head hash: kept elsewhere, it shows
    a trail rewritten from some entry to its end (head included) later."""

    async def action(session: AsyncSession) -> list[tuple[str, Verdict]]:
        return [
            (name, await audit.verify(session, portal_id, name))
            for portal_id, name in await _portals(session, portal)
        ]

    verdicts = run_in_transaction(action, writes=False)
    if not verdicts:
        typer.echo("no audit trail yet: nothing to verify")
    for name, verdict in verdicts:
        if verdict.finding is not None:
            typer.echo(f"portal {name}: BROKEN: {verdict.finding.says}")
            continue
        head = verdict.head
        at = "empty" if head is None else f"head #{head.chain_seq} {head.entry_hash}"
        typer.echo(f"portal {name}: intact, {verdict.entries} entries, {at}")
    if any(not verdict.intact for _, verdict in verdicts):
        raise typer.Exit(1)


@audit_app.command("export")
def audit_export(portal: PortalOption = None, since: SinceOption = None) -> None:
    """Write the trail as JSON lines, each portal's in chain order: each line the entry as
    its hash covers it (`previous_hash` included) with its `entry_hash`, and its `id`
    (a handle, not hashed). The SHA-256 of the line without `id` and `entry_hash`, as
    compact JSON with sorted keys, is its `entry_hash`."""

    async def action(session: AsyncSession) -> None:
        start = parse_since(since, utcnow()) if since else None
        chosen = await _portals(session, portal)
        async with transaction_apart(session, snapshot=True) as snapshot:
            for portal_id, name in chosen:
                async for entry in audit.export(snapshot, portal_id, name, start):
                    line = {**canonical_row(entry), "id": entry.id}
                    line["entry_hash"] = entry.entry_hash
                    typer.echo(json.dumps(line, sort_keys=True, ensure_ascii=False))

    run_in_transaction(action, writes=False)
