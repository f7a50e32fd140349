"""Typed settings from the environment (RELEASEDESK_*); nothing else reads os.environ."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORTAL = "itdesk"
DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_MAIL_FROM = "releasedesk@localhost"
DEFAULT_AUTH_CACHE_SECONDS = 30.0
MIN_SECRET_LENGTH = 32


def _var_dir() -> Path:
    return Path(os.environ.get("RELEASEDESK_VAR_DIR", "var")).resolve()


def _secret_key(var_dir: Path) -> str:
    """The configured secret, else one generated once and kept in ./var/secret_key."""
    configured = os.environ.get("RELEASEDESK_SECRET_KEY")
    if configured:
        return configured
    path = var_dir / "secret_key"
    var_dir.mkdir(parents=True, exist_ok=True)
    try:  # made once, readable by its owner only; of workers starting together one wins
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _written_key(path)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48))
    return _written_key(path)


def _written_key(path: Path) -> str:
    """The key in `path`, once its writer has finished (a worker that lost the race to make
    it may read it while the winner writes)."""
    for _ in range(100):
        key = path.read_text().strip()
        if len(key) >= MIN_SECRET_LENGTH:
            return key
        time.sleep(0.05)
    raise ValueError(f"{path} holds no usable secret key: delete it to make a new one")


def _seconds(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {value!r}") from None
    if not 0 <= seconds <= 3600:
        raise ValueError(f"{name} must be from 0 to 3600 seconds, not {value!r}")
    return seconds


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


@dataclass(frozen=True)
class Settings:
    """`secret_key` signs the approval mail links; `smtp_url` (smtp:// or smtps://, user and
    password in the URL) is where mail goes, none: mails are logged and marked delivered;
    `base_url` is how links in mails reach this server, and an origin a browser's writes
    may come from besides the request's Host (cross_site.py). `mail_sender` runs the outbox
    sender in the server process: on for `releasedesk serve`, off for an app a test builds
    (a test runs the sender it means to check). `auth_cache_seconds` bounds how long a
    process may trust a key it looked up for a read (a write always reads its key; changes
    made through releasedesk reach every process's reads within half a second; this bounds
    only a lost notification or a change behind its back; 0 turns the cache off).
    `opentelemetry` turns on FastAPI's OpenTelemetry spans, metrics
    and logs for the providers the deployment configures (off: it costs every request)."""

    database_url: str
    var_dir: Path
    secret_key: str = field(default="", repr=False)
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = DEFAULT_MAIL_FROM
    base_url: str = DEFAULT_BASE_URL
    mail_sender: bool = False
    auth_cache_seconds: float = DEFAULT_AUTH_CACHE_SECONDS
    opentelemetry: bool = False

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
            smtp_url=os.environ.get("RELEASEDESK_SMTP_URL") or None,
            mail_from=os.environ.get("RELEASEDESK_MAIL_FROM") or DEFAULT_MAIL_FROM,
            base_url=(os.environ.get("RELEASEDESK_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
            mail_sender=_flag("RELEASEDESK_MAIL_SENDER", default=True),
            auth_cache_seconds=_seconds(
                "RELEASEDESK_AUTH_CACHE_SECONDS", DEFAULT_AUTH_CACHE_SECONDS
            ),
            opentelemetry=_flag("RELEASEDESK_OPENTELEMETRY", default=False),
        )
