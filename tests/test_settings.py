"""Settings from the environment: the auth cache's TTL is one, checked at startup, and the
server applies it to the process's cache."""

from __future__ import annotations

import dataclasses

import pytest

from releasedesk.app import create_app
from releasedesk.core.actors import Role
from releasedesk.core.users.cache import AuthCache, auth_cache
from releasedesk.core.users.views import KeyHolder
from releasedesk.db.session import Database
from releasedesk.settings import DEFAULT_AUTH_CACHE_SECONDS, DatabaseSettings, Settings

pytestmark = pytest.mark.one_database  # nothing here depends on the database


def test_the_auth_cache_ttl_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELEASEDESK_AUTH_CACHE_SECONDS", raising=False)
    assert Settings.from_env().auth_cache_seconds == DEFAULT_AUTH_CACHE_SECONDS == 30
    monkeypatch.setenv("RELEASEDESK_AUTH_CACHE_SECONDS", "2.5")
    assert Settings.from_env().auth_cache_seconds == 2.5
    monkeypatch.setenv("RELEASEDESK_AUTH_CACHE_SECONDS", "0")
    assert Settings.from_env().auth_cache_seconds == 0


@pytest.mark.parametrize("value", ["soon", "-1", "86400"])
def test_a_bad_auth_cache_ttl_stops_the_start_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("RELEASEDESK_AUTH_CACHE_SECONDS", value)
    with pytest.raises(ValueError, match="RELEASEDESK_AUTH_CACHE_SECONDS") as refused:
        Settings.from_env()
    assert repr(value) in str(refused.value)


def test_the_server_applies_the_ttl_and_zero_caches_nothing(settings: Settings) -> None:
    database = Database("sqlite://")
    create_app(dataclasses.replace(settings, auth_cache_seconds=0), database)
    assert auth_cache(database.caches).ttl == 0
    assert auth_cache(Database("sqlite://").caches).ttl == 30, "each database has its own"
    off = AuthCache(ttl=0)
    holder = KeyHolder(1, "ci", "rd_", None, None, 1, "ci", next(iter(Role)), True, 1, "itdesk")
    assert off.put("hash", holder, off.generation) is False
    assert off.get("hash") is None


def test_opentelemetry_is_off_unless_the_deployer_turns_it_on(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    """Off, FastAPI never asks the OpenTelemetry providers per request; on, the outer app
    instruments every request (the dialects' sub-apps never do it twice)."""
    monkeypatch.delenv("RELEASEDESK_OPENTELEMETRY", raising=False)
    assert Settings.from_env().opentelemetry is False
    monkeypatch.setenv("RELEASEDESK_OPENTELEMETRY", "1")
    assert Settings.from_env().opentelemetry is True
    off = create_app(dataclasses.replace(settings, opentelemetry=False), Database("sqlite://"))
    on = create_app(dataclasses.replace(settings, opentelemetry=True), Database("sqlite://"))
    assert off._telemetry["tracing"] is False  # FastAPI keeps it private
    assert on._telemetry["tracing"] is True


def test_the_database_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in POOL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert Settings.from_env().database == DatabaseSettings(10, 0, False, 10, 60)
    monkeypatch.setenv("RELEASEDESK_DB_POOL_SIZE", "25")
    monkeypatch.setenv("RELEASEDESK_DB_MAX_OVERFLOW", "5")
    monkeypatch.setenv("RELEASEDESK_DB_POOL_PRE_PING", "on")
    monkeypatch.setenv("RELEASEDESK_DB_CONNECT_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("RELEASEDESK_DB_STATEMENT_TIMEOUT_SECONDS", "0")
    assert Settings.from_env().database == DatabaseSettings(25, 5, True, 2.5, 0)


POOL_VARIABLES = [
    "RELEASEDESK_DB_POOL_SIZE",
    "RELEASEDESK_DB_MAX_OVERFLOW",
    "RELEASEDESK_DB_POOL_PRE_PING",
    "RELEASEDESK_DB_CONNECT_TIMEOUT_SECONDS",
    "RELEASEDESK_DB_STATEMENT_TIMEOUT_SECONDS",
]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RELEASEDESK_DB_POOL_SIZE", "0"),
        ("RELEASEDESK_DB_POOL_SIZE", "ten"),
        ("RELEASEDESK_DB_POOL_SIZE", "2.5"),
        ("RELEASEDESK_DB_MAX_OVERFLOW", "-1"),
        ("RELEASEDESK_DB_POOL_PRE_PING", "maybe"),
        ("RELEASEDESK_DB_CONNECT_TIMEOUT_SECONDS", "0"),
        ("RELEASEDESK_DB_CONNECT_TIMEOUT_SECONDS", "soon"),
        ("RELEASEDESK_DB_STATEMENT_TIMEOUT_SECONDS", "-5"),
        ("RELEASEDESK_DB_STATEMENT_TIMEOUT_SECONDS", "99999"),
    ],
)
def test_a_bad_database_setting_stops_the_start_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        Settings.from_env()


def test_the_webhook_lease_outlasts_an_attempt_or_the_start_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A lease no longer than the timeout and a second would let another sender take a
    delivery still in flight; by default it is two timeouts and 5 s."""
    monkeypatch.delenv("RELEASEDESK_WEBHOOK_LEASE_SECONDS", raising=False)
    monkeypatch.setenv("RELEASEDESK_WEBHOOK_TIMEOUT_SECONDS", "2")
    assert Settings.from_env().webhooks.lease_seconds is None
    monkeypatch.setenv("RELEASEDESK_WEBHOOK_LEASE_SECONDS", "6")
    assert Settings.from_env().webhooks.lease_seconds == 6
    monkeypatch.setenv("RELEASEDESK_WEBHOOK_LEASE_SECONDS", "3")
    with pytest.raises(ValueError, match="RELEASEDESK_WEBHOOK_LEASE_SECONDS") as refused:
        Settings.from_env()
    assert "RELEASEDESK_WEBHOOK_TIMEOUT_SECONDS + 1 (3)" in str(refused.value)
