"""Typed settings from the environment (RELEASEDESK_*), read and checked by pydantic-settings
(`Environment`); nothing else reads os.environ."""

from __future__ import annotations

import ipaddress
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 15.0
DEFAULT_WEBHOOK_DISABLE_AFTER_DAYS = 5.0


class Environment(BaseSettings):
    """Every RELEASEDESK_* variable, typed and bounded, read by pydantic-settings from the
    environment (and a `.env` file in the working directory, if there is one; the
    environment wins). A blank variable counts as unset. docs/deploying.md lists them all;
    tests/test_settings.py holds the list and this class to the same names."""

    model_config = SettingsConfigDict(
        env_prefix="RELEASEDESK_",
        env_file=".env",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    database_url: str | None = None
    var_dir: Path = Path("var")
    secret_key: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
    smtp_url: SecretStr | None = None
    mail_from: str = DEFAULT_MAIL_FROM
    smtp_timeout_seconds: float = Field(DEFAULT_SMTP_TIMEOUT_SECONDS, gt=0, le=3600)
    mail_sender: bool = True
    approval_scheduler: bool = True
    auth_cache_seconds: float = Field(DEFAULT_AUTH_CACHE_SECONDS, ge=0, le=3600)
    opentelemetry: bool = False
    log_format: Literal["plain", "json"] = "plain"
    sign_in_user_limit: int = Field(DEFAULT_SIGN_IN_USER_LIMIT, ge=0)
    sign_in_address_limit: int = Field(DEFAULT_SIGN_IN_ADDRESS_LIMIT, ge=0)
    sign_in_window_seconds: float = Field(DEFAULT_SIGN_IN_WINDOW_SECONDS, ge=1, le=86400)
    key_rate_limit: int = Field(0, ge=0)
    key_rate_window_seconds: float = Field(DEFAULT_KEY_RATE_WINDOW_SECONDS, ge=1, le=86400)
    redis_url: SecretStr | None = None
    redis_prefix: str = DEFAULT_REDIS_PREFIX
    db_pool_size: int = Field(DEFAULT_POOL_SIZE, ge=1, le=1000)
    db_max_overflow: int = Field(DEFAULT_MAX_OVERFLOW, ge=0, le=1000)
    db_pool_pre_ping: bool = False
    db_connect_timeout_seconds: float = Field(DEFAULT_CONNECT_TIMEOUT_SECONDS, gt=0, le=3600)
    db_statement_timeout_seconds: float = Field(DEFAULT_STATEMENT_TIMEOUT_SECONDS, ge=0, le=3600)
    metrics: bool = True
    metrics_allowed_networks: str = ""
    metrics_token: SecretStr | None = None
    webhook_sender: bool = True
    webhook_allowed_networks: str = ""
    webhook_timeout_seconds: float = Field(DEFAULT_WEBHOOK_TIMEOUT_SECONDS, gt=0, le=300)
    webhook_disable_after_days: float = Field(DEFAULT_WEBHOOK_DISABLE_AFTER_DAYS, gt=0, le=365)
    webhook_lease_seconds: float | None = Field(None, gt=0, le=3600)

    @field_validator("webhook_lease_seconds")
    @classmethod
    def _lease(cls, value: float | None, info: ValidationInfo) -> float | None:
        """A claim must outlast one attempt (the timeout and a second), or another sender
        could take a delivery still in flight and send it twice."""
        timeout = info.data.get("webhook_timeout_seconds")
        if value is not None and timeout is not None and value <= timeout + 1:
            raise ValueError(
                "the lease must be more than RELEASEDESK_WEBHOOK_TIMEOUT_SECONDS + 1"
                f" ({timeout + 1:g})"
            )
        return value

    @field_validator("metrics_allowed_networks", "webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in (p.strip() for p in value.split(",")):
            if part:
                try:
                    ipaddress.ip_network(part, strict=False)
                except ValueError:
                    raise ValueError(
                        f"{part!r} is not a network (write CIDRs such as 10.0.0.0/8,"
                        " comma-separated)"
                    ) from None
        return value.strip()

    @classmethod
    def read(cls) -> Environment:
        """The environment, or ValueError naming each variable that is wrong and why."""
        try:
            return cls()
        except ValidationError as invalid:
            problems = []
            for error in invalid.errors():
                name = "RELEASEDESK_" + "_".join(str(p) for p in error["loc"]).upper()
                given = error.get("input")
                problems.append(f"{name}: {error['msg']}, not {given!r}")
            raise ValueError("; ".join(problems)) from None


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def _secret_key(var_dir: Path, configured: str | None) -> str:
    """The configured secret, else one generated once and kept in ./var/secret_key."""
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
    def from_env(cls, env: Environment | None = None) -> ThrottleSettings:
        env = env or Environment.read()
        return cls(
            user_failures=env.sign_in_user_limit,
            address_failures=env.sign_in_address_limit,
            window_seconds=env.sign_in_window_seconds,
            key_requests=env.key_rate_limit,
            key_window_seconds=env.key_rate_window_seconds,
            redis_url=_secret(env.redis_url),
            redis_prefix=env.redis_prefix,
        )


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
    def from_env(cls, env: Environment | None = None) -> DatabaseSettings:
        env = env or Environment.read()
        return cls(
            pool_size=env.db_pool_size,
            max_overflow=env.db_max_overflow,
            pool_pre_ping=env.db_pool_pre_ping,
            connect_timeout_seconds=env.db_connect_timeout_seconds,
            statement_timeout_seconds=env.db_statement_timeout_seconds,
        )


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
    def from_env(cls, env: Environment | None = None) -> MetricsSettings:
        env = env or Environment.read()
        return cls(
            enabled=env.metrics,
            allowed_networks=env.metrics_allowed_networks,
            token=_secret(env.metrics_token),
            # prometheus-client's own variable, set by `releasedesk serve` for its workers
            multiprocess_dir=os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None,
        )


@dataclass(frozen=True)
class WebhookSettings:
    """Outgoing webhooks: `sender` runs the webhook sender in the server process (on for
    `releasedesk serve`, off for an app a test builds); `allowed_networks` (comma-separated
    CIDRs) are private, loopback or link-local networks webhooks may still be sent to;
    `timeout_seconds` bounds one delivery; a subscription whose deliveries all failed for
    `disable_after_days` is disabled; `lease_seconds` is how long a sender's claim keeps a
    delivery from the others (None: two timeouts and 5 s)."""

    sender: bool = False
    allowed_networks: str = ""
    timeout_seconds: float = DEFAULT_WEBHOOK_TIMEOUT_SECONDS
    disable_after_days: float = DEFAULT_WEBHOOK_DISABLE_AFTER_DAYS
    lease_seconds: float | None = None

    @classmethod
    def from_env(cls, env: Environment | None = None) -> WebhookSettings:
        env = env or Environment.read()
        return cls(
            sender=env.webhook_sender,
            allowed_networks=env.webhook_allowed_networks,
            timeout_seconds=env.webhook_timeout_seconds,
            disable_after_days=env.webhook_disable_after_days,
            lease_seconds=env.webhook_lease_seconds,
        )


@dataclass(frozen=True)
class Settings:
    """`secret_key` signs the approval mail links; `smtp_url` (smtp:// or smtps://, user and
    password in the URL) is where mail goes, none: mails are logged and marked delivered;
    `base_url` is how links in mails reach this server, and an origin a browser's writes
    may come from besides the request's Host (cross_site.py); `smtp_timeout_seconds` bounds
    one delivery (a dead sender's claimed mails go again after two). `mail_sender` runs the outbox
    sender in the server process: on for `releasedesk serve`, off for an app a test builds
    (a test runs the sender it means to check); `approval_scheduler` likewise runs the
    approval policies' scheduler (core/scheduler). `auth_cache_seconds` bounds how long a
    process may trust a key it looked up for a read (a write always reads its key; changes
    made through releasedesk reach every process's reads within half a second; this bounds
    only a lost notification or a change behind its back; 0 turns the cache off).
    `log_format` is the request log's: `plain` lines or `json` lines (observe/log.py).
    `opentelemetry` turns on FastAPI's OpenTelemetry spans, metrics
    and logs for the providers the deployment configures (off: it costs every request).
    `database`: the PostgreSQL pool and its timeouts; `webhooks`: outgoing webhooks."""

    database_url: str
    var_dir: Path
    secret_key: str = field(default="", repr=False)
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = DEFAULT_MAIL_FROM
    base_url: str = DEFAULT_BASE_URL
    smtp_timeout_seconds: float = DEFAULT_SMTP_TIMEOUT_SECONDS
    mail_sender: bool = False
    approval_scheduler: bool = False
    auth_cache_seconds: float = DEFAULT_AUTH_CACHE_SECONDS
    opentelemetry: bool = False
    log_format: str = "plain"
    metrics: MetricsSettings = field(default_factory=lambda: MetricsSettings())
    throttle: ThrottleSettings = field(default_factory=ThrottleSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)

    @classmethod
    def from_env(cls) -> Settings:
        env = Environment.read()
        var_dir = env.var_dir.resolve()
        url = env.database_url or f"sqlite:///{var_dir / 'releasedesk.db'}"
        return cls(
            database_url=url,
            var_dir=var_dir,
            secret_key=_secret_key(var_dir, _secret(env.secret_key)),
            smtp_url=_secret(env.smtp_url),
            mail_from=env.mail_from,
            base_url=env.base_url.rstrip("/"),
            smtp_timeout_seconds=env.smtp_timeout_seconds,
            mail_sender=env.mail_sender,
            approval_scheduler=env.approval_scheduler,
            auth_cache_seconds=env.auth_cache_seconds,
            opentelemetry=env.opentelemetry,
            log_format=env.log_format,
            metrics=MetricsSettings.from_env(env),
            throttle=ThrottleSettings.from_env(env),
            database=DatabaseSettings.from_env(env),
            webhooks=WebhookSettings.from_env(env),
        )
