"""Typed settings from the environment (RELEASEDESK_*); nothing else reads os.environ."""

from __future__ import annotations

import ipaddress
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORTAL = "itdesk"
DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_MAIL_FROM = "releasedesk@localhost"
DEFAULT_AUTH_CACHE_SECONDS = 30.0
DEFAULT_SMTP_TIMEOUT_SECONDS = 60.0
MIN_SECRET_LENGTH = 32
# Failed sign-ins allowed per user and per client address in a window, before password
# sign-ins are refused until the window passes (core/throttle).
DEFAULT_SIGN_IN_USER_LIMIT = 10
DEFAULT_SIGN_IN_ADDRESS_LIMIT = 50
DEFAULT_SIGN_IN_WINDOW_SECONDS = 900.0
DEFAULT_KEY_RATE_WINDOW_SECONDS = 60.0
DEFAULT_REDIS_PREFIX = "releasedesk:"
DEFAULT_POOL_SIZE = 10
DEFAULT_MAX_OVERFLOW = 0
DEFAULT_CONNECT_TIMEOUT_SECONDS = 10.0
DEFAULT_STATEMENT_TIMEOUT_SECONDS = 60.0


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


def _number(name: str, default: float, low: float, high: float) -> float:
    """The variable `name` as a number from `low` to `high`; `default` when unset or blank."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if not low <= number <= high:
        raise ValueError(f"{name} must be from {low:g} to {high:g}, not {value!r}")
    return number


def _seconds(name: str, default: float) -> float:
    return _number(name, default, 0, 3600)


def _window(name: str, default: float) -> float:
    """A throttling window: a number of seconds, at least one, at most a day."""
    return _number(name, default, 1, 86400)


def _count(name: str, default: int) -> int:
    number = float(_number(name, default, 0, float("inf")))
    if not number.is_integer():
        raise ValueError(f"{name} must be a whole number, not {os.environ.get(name)!r}")
    return int(number)


@dataclass(frozen=True)
class ThrottleSettings:
    """Failed sign-ins (a wrong password, a key that does not exist) counted per user and
    per client address over `window_seconds`: past `user_failures` that user's password
    sign-ins are refused (429) until the window passes, past `address_failures` every
    password sign-in from that address is (0: no limit). `key_requests` requests per
    `key_window_seconds` per API key, 0: no limit (the default). Counters live in the
    database, or in Redis at `redis_url` (keys under `redis_prefix`) when it is set."""

    user_failures: int = DEFAULT_SIGN_IN_USER_LIMIT
    address_failures: int = DEFAULT_SIGN_IN_ADDRESS_LIMIT
    window_seconds: float = DEFAULT_SIGN_IN_WINDOW_SECONDS
    key_requests: int = 0
    key_window_seconds: float = DEFAULT_KEY_RATE_WINDOW_SECONDS
    redis_url: str | None = field(default=None, repr=False)
    redis_prefix: str = DEFAULT_REDIS_PREFIX

    @classmethod
    def from_env(cls) -> ThrottleSettings:
        return cls(
            user_failures=_count("RELEASEDESK_SIGN_IN_USER_LIMIT", DEFAULT_SIGN_IN_USER_LIMIT),
            address_failures=_count(
                "RELEASEDESK_SIGN_IN_ADDRESS_LIMIT", DEFAULT_SIGN_IN_ADDRESS_LIMIT
            ),
            window_seconds=_window(
                "RELEASEDESK_SIGN_IN_WINDOW_SECONDS", DEFAULT_SIGN_IN_WINDOW_SECONDS
            ),
            key_requests=_count("RELEASEDESK_KEY_RATE_LIMIT", 0),
            key_window_seconds=_window(
                "RELEASEDESK_KEY_RATE_WINDOW_SECONDS", DEFAULT_KEY_RATE_WINDOW_SECONDS
            ),
            redis_url=os.environ.get("RELEASEDESK_REDIS_URL") or None,
            redis_prefix=os.environ.get("RELEASEDESK_REDIS_PREFIX") or DEFAULT_REDIS_PREFIX,
        )


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _strict_flag(name: str, default: bool) -> bool:
    """A flag that refuses what it cannot read (a typo must not turn a check off)."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be on or off (1/0, true/false, yes/no), not {value!r}")


@dataclass(frozen=True)
class DatabaseSettings:
    """The PostgreSQL connection pool and its limits (SQLite, a file in this process, has
    none of them). `pool_size` connections kept open and `max_overflow` more opened under
    load and closed after (0 by default: docs/performance.md, a fresh backend plans every
    statement anew); `pool_pre_ping` tests a connection before each checkout (a round trip:
    worth it only behind something that drops idle connections); `connect_timeout_seconds`
    bounds opening one; `statement_timeout_seconds` bounds each statement on the server
    (PostgreSQL's `statement_timeout`; 0: none), so a runaway query fails instead of holding
    a connection of the pool."""

    pool_size: int = DEFAULT_POOL_SIZE
    max_overflow: int = DEFAULT_MAX_OVERFLOW
    pool_pre_ping: bool = False
    connect_timeout_seconds: float = DEFAULT_CONNECT_TIMEOUT_SECONDS
    statement_timeout_seconds: float = DEFAULT_STATEMENT_TIMEOUT_SECONDS

    @classmethod
    def from_env(cls) -> DatabaseSettings:
        pool_size = _count("RELEASEDESK_DB_POOL_SIZE", DEFAULT_POOL_SIZE)
        if pool_size < 1:
            raise ValueError("RELEASEDESK_DB_POOL_SIZE must be at least 1")
        connect = _seconds(
            "RELEASEDESK_DB_CONNECT_TIMEOUT_SECONDS", DEFAULT_CONNECT_TIMEOUT_SECONDS
        )
        if connect <= 0:
            raise ValueError("RELEASEDESK_DB_CONNECT_TIMEOUT_SECONDS must be more than 0 seconds")
        return cls(
            pool_size=pool_size,
            max_overflow=_count("RELEASEDESK_DB_MAX_OVERFLOW", DEFAULT_MAX_OVERFLOW),
            pool_pre_ping=_strict_flag("RELEASEDESK_DB_POOL_PRE_PING", default=False),
            connect_timeout_seconds=connect,
            statement_timeout_seconds=_seconds(
                "RELEASEDESK_DB_STATEMENT_TIMEOUT_SECONDS", DEFAULT_STATEMENT_TIMEOUT_SECONDS
            ),
        )


def _choice(name: str, choices: tuple[str, ...]) -> str:
    """The variable `name`, one of `choices` (the first when unset or blank)."""
    value = (os.environ.get(name) or "").strip().lower()
    if not value:
        return choices[0]
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _smtp_timeout() -> float:
    name = "RELEASEDESK_SMTP_TIMEOUT_SECONDS"
    seconds = _seconds(name, DEFAULT_SMTP_TIMEOUT_SECONDS)
    if seconds <= 0:
        raise ValueError(f"{name} must be more than 0 seconds")
    return seconds


@dataclass(frozen=True)
class MetricsSettings:
    """`/metrics`: `enabled` (on by default); who may read it besides loopback clients:
    `allowed_networks` (comma-separated CIDRs, replacing loopback's when set) and `token`
    (a bearer token that lets a scraper in from anywhere); `multiprocess_dir`: where the
    workers of one `releasedesk serve` keep their counters (set by `serve` itself through
    PROMETHEUS_MULTIPROC_DIR, prometheus-client's own variable)."""

    enabled: bool = True
    allowed_networks: str = ""
    token: str | None = field(default=None, repr=False)
    multiprocess_dir: str | None = None

    @classmethod
    def from_env(cls) -> MetricsSettings:
        networks = os.environ.get("RELEASEDESK_METRICS_ALLOWED_NETWORKS", "").strip()
        for part in (p.strip() for p in networks.split(",")):
            if part:
                try:
                    ipaddress.ip_network(part, strict=False)
                except ValueError:
                    raise ValueError(
                        f"RELEASEDESK_METRICS_ALLOWED_NETWORKS: {part!r} is not a network"
                        " (write CIDRs such as 10.0.0.0/8, comma-separated)"
                    ) from None
        return cls(
            enabled=_flag("RELEASEDESK_METRICS", default=True),
            allowed_networks=networks,
            token=os.environ.get("RELEASEDESK_METRICS_TOKEN") or None,
            multiprocess_dir=os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None,
        )


@dataclass(frozen=True)
class Settings:
    """`secret_key` signs the approval mail links; `smtp_url` (smtp:// or smtps://, user and
    password in the URL) is where mail goes, none: mails are logged and marked delivered;
    `base_url` is how links in mails reach this server, and an origin a browser's writes
    may come from besides the request's Host (cross_site.py); `smtp_timeout_seconds` bounds
    one delivery (a dead sender's claimed mails go again after two). `mail_sender` runs the outbox
    sender in the server process: on for `releasedesk serve`, off for an app a test builds
    (a test runs the sender it means to check). `auth_cache_seconds` bounds how long a
    process may trust a key it looked up for a read (a write always reads its key; changes
    made through releasedesk reach every process's reads within half a second; this bounds
    only a lost notification or a change behind its back; 0 turns the cache off).
    `log_format` is the request log's: `plain` lines or `json` lines (observe/log.py).
    `opentelemetry` turns on FastAPI's OpenTelemetry spans, metrics
    and logs for the providers the deployment configures (off: it costs every request).
    `database`: the PostgreSQL pool and its timeouts."""

    database_url: str
    var_dir: Path
    secret_key: str = field(default="", repr=False)
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = DEFAULT_MAIL_FROM
    base_url: str = DEFAULT_BASE_URL
    smtp_timeout_seconds: float = DEFAULT_SMTP_TIMEOUT_SECONDS
    mail_sender: bool = False
    auth_cache_seconds: float = DEFAULT_AUTH_CACHE_SECONDS
    opentelemetry: bool = False
    log_format: str = "plain"
    metrics: MetricsSettings = field(default_factory=lambda: MetricsSettings())
    throttle: ThrottleSettings = field(default_factory=ThrottleSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)

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
            smtp_timeout_seconds=_smtp_timeout(),
            mail_sender=_flag("RELEASEDESK_MAIL_SENDER", default=True),
            auth_cache_seconds=_seconds(
                "RELEASEDESK_AUTH_CACHE_SECONDS", DEFAULT_AUTH_CACHE_SECONDS
            ),
            opentelemetry=_flag("RELEASEDESK_OPENTELEMETRY", default=False),
            log_format=_choice("RELEASEDESK_LOG_FORMAT", ("plain", "json")),
            metrics=MetricsSettings.from_env(),
            throttle=ThrottleSettings.from_env(),
            database=DatabaseSettings.from_env(),
        )
