"""Typed settings from the environment (RELEASEDESK_*); nothing else reads os.environ."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORTAL = "itdesk"


def _var_dir() -> Path:
    return Path(os.environ.get("RELEASEDESK_VAR_DIR", "var")).resolve()


def _secret_key(var_dir: Path) -> str:
    """The configured secret, else one generated once and kept in ./var/secret_key."""
    configured = os.environ.get("RELEASEDESK_SECRET_KEY")
    if configured:
        return configured
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str
    var_dir: Path
    secret_key: str = field(default="", repr=False)

    @classmethod
    def from_env(cls) -> Settings:
        var_dir = _var_dir()
        url = (
            os.environ.get("RELEASEDESK_DATABASE_URL") or f"sqlite:///{var_dir / 'releasedesk.db'}"
        )
        return cls(
            database_url=url,
            var_dir=var_dir,
            secret_key=_secret_key(var_dir),
        )
