"""pg_dump and pg_restore, when they are on PATH and new enough for the server.

pg_dump refuses a server of a later major version than its own, and pg_restore an archive
from a later pg_dump: the versions are checked first so the refusal says which to install.
The connection goes to them through libpq's environment (PGHOST, PGPASSWORD, …), never on
the command line where `ps` would show a password.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from releasedesk.backup.errors import BackupRefused


@dataclass(frozen=True)
class Tool:
    path: str
    version: str  # as it prints it: "pg_dump (PostgreSQL) 15.20 (Debian …)"
    major: int


def find(name: str) -> Tool | None:
    """`name` on PATH with its version, or None when absent or unreadable."""
    path = shutil.which(name)
    if path is None:
        return None
    try:
        said = subprocess.run(  # noqa: S603 (a client tool found on PATH, no shell)
            [path, "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"(\d+)(?:\.\d+)*", said)
    return None if found is None else Tool(path, said, int(found.group(1)))


def major_of(version: str) -> int | None:
    """The major version in a tool's version line (a manifest's `tool`)."""
    found = re.search(r"\)\s*(\d+)", version) or re.search(r"(\d+)", version)
    return None if found is None else int(found.group(1))


def libpq_environment(url: str) -> dict[str, str]:
    """The environment that points libpq tools at the database of `url`."""
    parsed = make_url(url)
    settings = {
        "PGHOST": parsed.host,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
        "PGSSLMODE": _query(parsed.query.get("sslmode")),
    }
    return {**os.environ, **{key: value for key, value in settings.items() if value}}


def _query(value: str | tuple[str, ...] | None) -> str | None:
    return value[0] if isinstance(value, tuple) else value


def dump_command(tool: Tool, archive: Path, snapshot: str | None) -> list[str]:
    command = [tool.path, "--format=custom", "--no-password", f"--file={archive}"]
    return [*command, f"--snapshot={snapshot}"] if snapshot else command


def restore(tool: Tool, url: str, archive: Path) -> None:
    """Restore `archive` into the database of `url` in one transaction, dropping first the
    objects it holds (a database already migrated, or restored into with --force)."""
    command = [
        tool.path,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={make_url(url).database}",
        str(archive),
    ]
    finished = subprocess.run(  # noqa: S603 (a client tool found on PATH, no shell)
        command, capture_output=True, text=True, env=libpq_environment(url), check=False
    )
    if finished.returncode != 0:
        said = finished.stderr.strip().splitlines()
        raise BackupRefused(
            "pg_restore failed, nothing was restored: " + (said[0] if said else "no message")
        )
