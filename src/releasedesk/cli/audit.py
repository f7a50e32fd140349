"""releasedesk audit list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.cli.runtime import run_in_transaction
from releasedesk.cli.tables import echo_table, when
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import AuditEntry, Subject, canonical_json
from releasedesk.core.portals import service as portals
from releasedesk.core.users.expiry import parse_since
from releasedesk.db.base import utcnow

audit_app = typer.Typer(help="The audit trail of accounts and keys.", no_args_is_help=True)


def subject_text(subject: Subject) -> str:
    if subject.user_id is None:  # a failed sign-in: the login tried, no account
        return f"no user '{subject.user_name}'"
    if subject.key_id is None:
        return f"user {subject.user_id} '{subject.user_name}'"
    return f"key {subject.key_id} '{subject.key_name}' of '{subject.user_name}'"


@audit_app.command("list")
def audit_list(
    portal: Annotated[
        str | None, typer.Option("--portal", help="Only this portal (default: every portal).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="From this date (2026-12-01, UTC), time, or this long ago (7d, 12h)."),
    ] = None,
) -> None:
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
            entry.kind.value,
            subject_text(entry.subject),
            canonical_json(entry.detail) if entry.detail else "-",
        )
        for entry in run_in_transaction(action, writes=False)
    ]
    echo_table(("id", "time", "portal", "by", "event", "subject", "detail"), rows)
