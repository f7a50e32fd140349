"""What a backup file holds, written first into the zip so restore can judge it unopened."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from releasedesk.backup.errors import BackupRefused

# Raised when the layout of the file changes; restore refuses a number it does not know.
FILE_FORMAT = 1
MANIFEST = "manifest.json"

Kind = Literal["sqlite-file", "pg-custom", "logical"]
DatabaseKind = Literal["sqlite", "postgresql"]
# The member holding each kind's payload.
PAYLOADS: dict[Kind, str] = {
    "sqlite-file": "database.sqlite3",
    "pg-custom": "database.pgdump",
    "logical": "tables.jsonl",
}


@dataclass(frozen=True)
class Manifest:
    """A backup's description: its kind, the database it came from, the schema revision
    (Alembic's) its rows are in, when it was taken and each table's row count."""

    kind: Kind
    database: DatabaseKind
    revision: str
    taken_at: str  # ISO 8601, UTC
    counts: dict[str, int]
    tool: str = ""  # e.g. "pg_dump (PostgreSQL) 15.20" for a pg-custom archive
    note: str = ""  # why this kind was chosen, when it was not the usual one
    file_format: int = FILE_FORMAT
    application: str = "releasedesk"

    @property
    def payload(self) -> str:
        return PAYLOADS[self.kind]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write_manifest(archive: zipfile.ZipFile, manifest: Manifest) -> None:
    archive.writestr(MANIFEST, json.dumps(asdict(manifest), indent=2, sort_keys=True) + "\n")


def read_manifest(path: Path) -> Manifest:
    """The manifest of the backup at `path`, or BackupRefused saying why it is not one."""
    try:
        with zipfile.ZipFile(path) as archive:
            raw = json.loads(archive.read(MANIFEST))
            names = set(archive.namelist())
    except FileNotFoundError:
        raise BackupRefused(f"{path}: no such file") from None
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise BackupRefused(f"{path}: not a releasedesk backup (no manifest)") from None
    if not isinstance(raw, dict) or raw.get("application") != "releasedesk":
        raise BackupRefused(f"{path}: not a releasedesk backup")
    if raw.get("file_format") != FILE_FORMAT:
        raise BackupRefused(
            f"{path}: backup file format {raw.get('file_format')!r}, this releasedesk reads "
            f"format {FILE_FORMAT}: restore it with the releasedesk that wrote it"
        )
    try:
        manifest = Manifest(**raw)
    except TypeError as error:
        raise BackupRefused(f"{path}: a damaged manifest ({error})") from None
    if manifest.kind not in PAYLOADS or manifest.payload not in names:
        raise BackupRefused(f"{path}: a damaged backup (no {manifest.kind} payload)")
    return manifest
