"""Plain-text tables and times for the CLI's listings."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Sequence

import typer

from releasedesk.core.audit.views import AuditActor


def echo_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Columns padded to their widest cell, two spaces apart."""
    table = [tuple(header), *(tuple(row) for row in rows)]
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]
    for row in table:
        typer.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def when(value: dt.datetime | None) -> str:
    """A time in UTC to the second (`2026-12-01T14:03:22Z`), or `-` for none."""
    if value is None:
        return "-"
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cli_actor() -> AuditActor:
    """Who the audit trail says acted when the CLI did: `cli:` and the operating-system user."""
    try:
        return AuditActor(None, f"cli:{getpass.getuser()}")
    except (OSError, KeyError):  # no login name in the environment or the user database
        return AuditActor(None, "cli")
