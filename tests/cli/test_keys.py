"""`releasedesk token create | list | revoke`, `user deactivate | activate | set-role` and
`audit list` against the suite's database, with the key used over HTTP in between."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import update
from starlette.testclient import TestClient
from typer.testing import CliRunner

from releasedesk.cli.main import app
from releasedesk.db.models import ApiKey
from releasedesk.db.session import Database

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"RELEASEDESK_DATABASE_URL": database_url, "RELEASEDESK_VAR_DIR": str(tmp_path)}


@pytest.fixture
def portal(cli_env: dict[str, str]) -> str:
    """A fresh portal with the default users and a technician, Dana Tech."""
    name = f"keys-{uuid.uuid4().hex[:8]}"
    assert invoke(cli_env, "portal", "add", name).exit_code == 0
    added = invoke(cli_env, "user", "add", "Dana Tech", "--role", "technician", "--portal", name)
    assert added.exit_code == 0, added.output
    return name


def invoke(env: dict[str, str], *args: str) -> Result:
    return runner.invoke(app, list(args), env=env)


def ok(env: dict[str, str], *args: str) -> Result:
    result = invoke(env, *args)
    assert result.exit_code == 0, result.output
    return result


def refused(env: dict[str, str], *args: str) -> str:
    """The command fails the way every refusal does: exit 1, a message on stderr, no traceback."""
    result = invoke(env, *args)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert result.stderr.startswith("error") and "Traceback" not in result.stderr
    return result.stderr


def create(env: dict[str, str], portal: str, user: str, *options: str) -> tuple[str, str]:
    """(the key, the line before it) from `token create`."""
    lines = ok(env, "token", "create", user, "--portal", portal, *options).stdout.splitlines()
    return lines[-1], lines[-2]


def table(result: Result) -> list[dict[str, str]]:
    """A listing as one dict per row, by the header's column names."""
    lines = result.stdout.splitlines()
    header = re.split(r"\s{2,}", lines[0].strip())
    return [dict(zip(header, re.split(r"\s{2,}", line.strip()), strict=True)) for line in lines[1:]]


def keys_of(env: dict[str, str], portal: str, *options: str) -> list[dict[str, str]]:
    return table(ok(env, "token", "list", "--portal", portal, *options))


def status(client: TestClient, portal: str, key: str) -> int:
    return client.get(f"/app/{portal}/api/v3/releases", headers={"authtoken": key}).status_code


def becomes(client: TestClient, portal: str, key: str, expected: int) -> bool:
    """Whether a read with `key` answers `expected` within 5 s: the CLI is another database
    handle, as another process is, and the app's reads hear of its changes through the
    app's listener (NOTIFY, or SQLite's poll), not at once."""
    deadline = time.monotonic() + 5
    while status(client, portal, key) != expected:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_create_with_a_label_and_expiry_list_use_and_revoke_by_id(
    cli_env: dict[str, str], portal: str, client: TestClient
) -> None:
    key, said = create(cli_env, portal, "Dana Tech", "--name", "ci deploy", "--expires", "90d")
    assert key.startswith("rdk_") and " " not in key
    assert re.search(r"API key \d+ 'ci deploy' for 'Dana Tech'.*, expires 20\d\d-", said)

    listed = keys_of(cli_env, portal)
    row = next(r for r in listed if r["label"] == "ci deploy")
    assert row["owner"] == "Dana Tech" and row["prefix"] == key[:12]
    assert row["last used"] == "-" and row["state"] == "active"
    assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["expires"])
    listing = ok(cli_env, "token", "list", "--portal", portal).stdout
    assert key not in listing and key[12:20] not in listing  # only the prefix, never the key

    assert status(client, portal, key) == 200
    assert keys_of(cli_env, portal)[-1]["last used"] != "-"

    said = ok(cli_env, "token", "revoke", row["id"]).stdout
    assert f"key {row['id']} 'ci deploy' ({key[:12]}) of 'Dana Tech' revoked" in said
    assert becomes(client, portal, key, 401)
    response = client.get(f"/app/{portal}/api/v3/releases", headers={"authtoken": key})
    assert response.status_code == 401
    message = response.json()["response_status"][0]["messages"][0]
    assert message == {
        "status_code": 4022,
        "type": "failed",
        "message": "Invalid or expired authtoken",
    }
    assert keys_of(cli_env, portal)[-1]["state"] == "revoked"
    assert "already revoked" in refused(cli_env, "token", "revoke", row["id"])


def test_revoke_by_prefix_or_by_the_leaked_key_itself(
    cli_env: dict[str, str], portal: str, client: TestClient
) -> None:
    first, _ = create(cli_env, portal, "Dana Tech")
    second, _ = create(cli_env, portal, "Dana Tech")
    assert ok(cli_env, "token", "revoke", first[:12]).exit_code == 0
    assert becomes(client, portal, first, 401)
    assert status(client, portal, second) == 200  # the user's other key still works

    said = ok(cli_env, "token", "revoke", second, "--portal", portal).stdout
    assert second not in said and second[:12] in said
    assert becomes(client, portal, second, 401)


def test_revoke_refusals_never_repeat_a_key(
    cli_env: dict[str, str], portal: str, database_url: str
) -> None:
    assert "no key with id 999999999" in refused(cli_env, "token", "revoke", "999999999")
    assert "give a key's id" in refused(cli_env, "token", "revoke", "nonsense")
    assert "the 12 characters" in refused(cli_env, "token", "revoke", "rdk_abc")
    unknown = "rdk_" + uuid.uuid4().hex * 2
    said = refused(cli_env, "token", "revoke", unknown)
    assert "no key matches the key given" in said and unknown[4:] not in said

    key, _ = create(cli_env, portal, "Dana Tech")
    other = f"keys-{uuid.uuid4().hex[:8]}"
    ok(cli_env, "portal", "add", other)
    said = refused(cli_env, "token", "revoke", key[:12], "--portal", other)
    assert "no key with prefix" in said and "in this portal" in said

    twin, _ = create(cli_env, portal, "Dana Tech")
    _set_prefix(database_url, twin, key[:12])  # two keys sharing a prefix: 1 in 2^48, forced
    said = refused(cli_env, "token", "revoke", key[:12])
    assert "share the prefix" in said and "give the id" in said


def _set_prefix(database_url: str, key: str, prefix: str) -> None:
    from releasedesk.core.users.secrets import hash_api_key

    async def change() -> None:
        database = Database(database_url)
        try:
            async with database.unit_of_work() as session:
                await session.execute(
                    update(ApiKey).where(ApiKey.key_hash == hash_api_key(key)).values(prefix=prefix)
                )
        finally:
            await database.dispose()

    asyncio.run(change())


@pytest.mark.parametrize(
    ("expires", "says"),
    [("soon", "is not a duration"), ("2001-01-01", "already past"), ("0h", "not 0")],
)
def test_create_refuses_an_expiry_it_cannot_use(
    cli_env: dict[str, str], portal: str, expires: str, says: str
) -> None:
    before = len(keys_of(cli_env, portal))
    said = refused(
        cli_env, "token", "create", "Dana Tech", "--expires", expires, "--portal", portal
    )
    assert "(expires)" in said and says in said
    assert len(keys_of(cli_env, portal)) == before


def test_list_one_users_keys(cli_env: dict[str, str], portal: str) -> None:
    create(cli_env, portal, "Dana Tech", "--name", "dana's")
    create(cli_env, portal, "administrator", "--name", "admin's")
    assert [r["label"] for r in keys_of(cli_env, portal, "--user", "dana tech")] == ["dana's"]
    assert "no user 'Nobody'" in refused(
        cli_env, "token", "list", "--portal", portal, "--user", "Nobody"
    )


def test_deactivate_activate_and_set_role(
    cli_env: dict[str, str], portal: str, client: TestClient
) -> None:
    key, _ = create(cli_env, portal, "Dana Tech")
    said = ok(cli_env, "user", "deactivate", "dana tech", "--portal", portal).stdout
    assert f"user 'Dana Tech' deactivated on portal '{portal}'" in said
    assert becomes(client, portal, key, 401)
    assert keys_of(cli_env, portal)[-1]["state"] == "user inactive"
    users = table(ok(cli_env, "user", "list", "--portal", portal))
    assert next(u for u in users if u["name"] == "Dana Tech")["active"] == "no"
    assert "already deactivated" in refused(
        cli_env, "user", "deactivate", "Dana Tech", "--portal", portal
    )

    ok(cli_env, "user", "activate", "Dana Tech", "--portal", portal)
    assert becomes(client, portal, key, 200)
    assert "already active" in refused(cli_env, "user", "activate", "Dana Tech", "--portal", portal)

    said = ok(cli_env, "user", "set-role", "Dana Tech", "ADMIN", "--portal", portal).stdout
    assert f"user 'Dana Tech' is now admin on portal '{portal}'" in said
    assert "already has the role admin" in refused(
        cli_env, "user", "set-role", "Dana Tech", "admin", "--portal", portal
    )
    assert "role must be one of admin, technician, requester" in refused(
        cli_env, "user", "set-role", "Dana Tech", "wizard", "--portal", portal
    )
    assert "no user 'Nobody'" in refused(
        cli_env, "user", "deactivate", "Nobody", "--portal", portal
    )


def test_audit_list_shows_who_did_what_to_whom(cli_env: dict[str, str], portal: str) -> None:
    key, _ = create(cli_env, portal, "Dana Tech", "--name", "ci")
    ok(cli_env, "token", "revoke", key[:12])
    ok(cli_env, "user", "set-password", "Dana Tech", "--password", "s3cret-pw", "--portal", portal)
    ok(cli_env, "user", "set-role", "Dana Tech", "requester", "--portal", portal)
    ok(cli_env, "user", "deactivate", "Dana Tech", "--portal", portal)
    ok(cli_env, "user", "activate", "Dana Tech", "--portal", portal)

    result = ok(cli_env, "audit", "list", "--portal", portal)
    assert "s3cret-pw" not in result.stdout
    rows = table(result)
    assert [r["event"] for r in rows] == [
        "user_added",
        "key_created",
        "key_revoked",
        "password_set",
        "role_changed",
        "user_deactivated",
        "user_activated",
    ]
    assert {r["portal"] for r in rows} == {portal}
    assert all(r["by"].startswith("cli") for r in rows)
    ids = [int(r["id"]) for r in rows]
    assert ids == sorted(ids)
    key_id = keys_of(cli_env, portal)[-1]["id"]
    assert rows[1]["subject"] == f"key {key_id} 'ci' of 'Dana Tech'"
    assert rows[1]["detail"] == f'{{"expires":null,"prefix":"{key[:12]}"}}'
    assert re.fullmatch(r"user \d+ 'Dana Tech'", rows[4]["subject"])
    assert rows[4]["detail"] == '{"from":"technician","to":"requester"}'

    assert len(table(ok(cli_env, "audit", "list", "--portal", portal, "--since", "1d"))) == 7
    assert table(ok(cli_env, "audit", "list", "--portal", portal, "--since", "2999-01-01")) == []
    everywhere = table(ok(cli_env, "audit", "list", "--since", "1h"))
    assert {r["portal"] for r in everywhere} >= {portal}
    assert "(since)" in refused(cli_env, "audit", "list", "--since", "yesterday")


def test_the_last_active_administrator_stays_one(
    cli_env: dict[str, str], portal: str, client: TestClient
) -> None:
    """A fresh portal's only administrator is `administrator`: the operator cannot demote or
    deactivate them either, until another user is an administrator."""
    said = refused(cli_env, "user", "set-role", "administrator", "technician", "--portal", portal)
    assert "'administrator' is the last active administrator of this portal" in said
    assert "before you change their role" in said
    said = refused(cli_env, "user", "deactivate", "administrator", "--portal", portal)
    assert "before you deactivate them" in said
    users = table(ok(cli_env, "user", "list", "--portal", portal))
    assert next(u for u in users if u["name"] == "administrator")["role"] == "admin"

    ok(cli_env, "user", "set-role", "Dana Tech", "admin", "--portal", portal)
    ok(cli_env, "user", "deactivate", "administrator", "--portal", portal)
    assert "last active administrator" in refused(
        cli_env, "user", "set-role", "Dana Tech", "requester", "--portal", portal
    )
