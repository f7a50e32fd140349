"""`releasedesk user add | set-password | list` against the suite's database."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy.exc import IntegrityError
from starlette.testclient import TestClient
from typer.testing import CliRunner

from releasedesk.cli.main import app
from releasedesk.core.portals import service as portals
from releasedesk.core.users import service as users
from releasedesk.db.session import Database

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"RELEASEDESK_DATABASE_URL": database_url, "RELEASEDESK_VAR_DIR": str(tmp_path)}


@pytest.fixture
def portal(cli_env: dict[str, str]) -> str:
    """A fresh portal, with the default users `administrator` and `Guest`."""
    name = f"users-{uuid.uuid4().hex[:8]}"
    assert invoke(cli_env, "portal", "add", name).exit_code == 0
    return name


def invoke(env: dict[str, str], *args: str, input: str | None = None) -> Result:
    return runner.invoke(app, list(args), env=env, input=input)


def releases(client: TestClient, portal: str, login: str, password: str) -> int:
    """The status of listing the portal's releases with HTTP Basic credentials."""
    return client.get(f"/app/{portal}/api/v3/releases", auth=(login, password)).status_code


def password_hash(database_url: str, portal: str, login: str) -> str | None:
    """What the database holds in place of the user's password."""

    async def load() -> str | None:
        database = Database(database_url)
        try:
            async with database.unit_of_work(writes=False) as session:
                found = await portals.get_portal(session, portal)
                return (await users.find_user(session, found.id, login)).password_hash
        finally:
            await database.dispose()

    return asyncio.run(load())


def listed(env: dict[str, str], portal: str) -> list[list[str]]:
    """`user list` as rows of cells, the header first."""
    result = invoke(env, "user", "list", "--portal", portal)
    assert result.exit_code == 0, result.output
    return [re.split(r"\s{2,}", line.strip()) for line in result.stdout.splitlines()]


def add(env: dict[str, str], portal: str, name: str, *options: str) -> Result:
    return invoke(env, "user", "add", name, "--role", "technician", "--portal", portal, *options)


def test_add_refuses_a_name_that_exists_in_any_case(
    cli_env: dict[str, str], portal: str, client: TestClient
) -> None:
    result = add(cli_env, portal, "ADMINISTRATOR ")
    assert result.exit_code == 1
    assert "a user named 'administrator' already exists" in result.stderr
    assert result.stdout == ""
    # The default administrator stays the only one: a key for it is not ambiguous.
    result = invoke(cli_env, "token", "create", "administrator", "--portal", portal)
    assert result.exit_code == 0, result.output

    assert add(cli_env, portal, "Dana Tech").exit_code == 0
    result = add(cli_env, portal, "dana tech")
    assert result.exit_code == 1 and "'Dana Tech' already exists" in result.stderr


def test_the_same_name_in_another_portal_is_a_different_user(
    cli_env: dict[str, str], portal: str
) -> None:
    assert add(cli_env, portal, "Dana Tech").exit_code == 0
    other = f"users-{uuid.uuid4().hex[:8]}"
    assert invoke(cli_env, "portal", "add", other).exit_code == 0
    assert add(cli_env, other, "Dana Tech").exit_code == 0


def test_add_refuses_an_email_that_exists_in_any_case(cli_env: dict[str, str], portal: str) -> None:
    email = f"dana@{portal}.example.com"
    assert add(cli_env, portal, "Dana Tech", "--email", email).exit_code == 0
    result = add(cli_env, portal, "Dana Other", "--email", email.upper())
    assert result.exit_code == 1
    assert f"a user with email '{email.upper()}' already exists" in result.stderr
    assert [row[1] for row in listed(cli_env, portal)[1:]].count("Dana Tech") == 1


def test_add_refuses_an_empty_password(cli_env: dict[str, str], portal: str) -> None:
    result = add(cli_env, portal, "Dana Tech", "--password", "")
    assert result.exit_code == 1 and "password must not be empty" in result.stderr


def test_add_with_a_password_signs_in_with_http_basic(
    cli_env: dict[str, str], portal: str, client: TestClient
) -> None:
    assert add(cli_env, portal, "Dana Tech", "--password", "dana-pass").exit_code == 0
    assert releases(client, portal, "Dana Tech", "dana-pass") == 200


def test_set_password_for_the_default_administrator(
    cli_env: dict[str, str], portal: str, client: TestClient, database_url: str
) -> None:
    assert releases(client, portal, "administrator", "first") == 401  # no password yet
    result = invoke(
        cli_env, "user", "set-password", "administrator", "--password", "first", "--portal", portal
    )
    assert result.exit_code == 0, result.output
    assert f"password set for 'administrator' on portal '{portal}'" in result.stdout
    stored = password_hash(database_url, portal, "administrator")
    assert stored is not None and stored.startswith("$argon2") and "first" not in stored
    assert releases(client, portal, "administrator", "first") == 200
    assert releases(client, portal, "administrator", "wrong") == 401

    result = invoke(
        cli_env, "user", "set-password", "ADMINISTRATOR", "--password", "second", "--portal", portal
    )
    assert result.exit_code == 0, result.output
    assert releases(client, portal, "administrator", "second") == 200
    assert releases(client, portal, "administrator", "first") == 401


def test_set_password_asks_twice_when_not_given(
    cli_env: dict[str, str], portal: str, client: TestClient
) -> None:
    result = invoke(
        cli_env,
        "user",
        "set-password",
        "administrator",
        "--portal",
        portal,
        input="typo\nother\nasked pw\nasked pw\n",  # a mismatch, then a match
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert "asked pw" not in result.output  # hidden
    assert releases(client, portal, "administrator", "asked pw") == 200
    assert releases(client, portal, "administrator", "typo") == 401


def test_set_password_refuses_an_empty_password(
    cli_env: dict[str, str], portal: str, client: TestClient, database_url: str
) -> None:
    result = invoke(
        cli_env, "user", "set-password", "administrator", "--password", "", "--portal", portal
    )
    assert result.exit_code == 1 and "password must not be empty" in result.stderr
    # Asked for one, an empty answer is asked again; giving up sets nothing.
    result = invoke(
        cli_env, "user", "set-password", "administrator", "--portal", portal, input="\n\n"
    )
    assert result.exit_code == 1
    assert password_hash(database_url, portal, "administrator") is None


def test_set_password_for_an_unknown_user(cli_env: dict[str, str], portal: str) -> None:
    result = invoke(
        cli_env, "user", "set-password", "nobody", "--password", "pw", "--portal", portal
    )
    assert result.exit_code == 1 and "no user 'nobody'" in result.stderr
    # Without --password it says so before asking for one.
    result = invoke(cli_env, "user", "set-password", "nobody", "--portal", portal, input="pw\n")
    assert result.exit_code == 1 and "no user 'nobody'" in result.stderr
    assert "password" not in result.stdout.lower()


def test_list_shows_each_user_and_whether_a_password_is_set(
    cli_env: dict[str, str], portal: str, client: TestClient
) -> None:
    email = f"dana@{portal}.example.com"
    assert add(cli_env, portal, "Dana Tech", "--email", email, "--password", "pw").exit_code == 0
    cells = listed(cli_env, portal)
    assert cells[0] == ["id", "name", "email", "role", "active", "password"]
    by_name = {row[1]: row for row in cells[1:]}
    assert set(by_name) == {"administrator", "Guest", "Dana Tech"}
    assert by_name["administrator"][2:] == ["-", "admin", "yes", "no"]
    assert by_name["Guest"][2:] == ["-", "requester", "yes", "no"]
    assert by_name["Dana Tech"][2:] == [email, "technician", "yes", "yes"]
    assert all(row[0].isdigit() for row in cells[1:])
    assert "argon2" not in invoke(cli_env, "user", "list", "--portal", portal).output


def test_list_of_an_unknown_portal(cli_env: dict[str, str]) -> None:
    result = invoke(cli_env, "user", "list", "--portal", "nope")
    assert result.exit_code == 1 and "portal 'nope' does not exist" in result.stderr


def test_a_constraint_the_check_missed_is_a_clear_error(
    cli_env: dict[str, str], portal: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A concurrent add can pass the check and meet the database's unique constraint."""

    async def add_user(*_args: object, **_kwargs: object) -> None:
        raise IntegrityError("INSERT INTO users", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(users, "add_user", add_user)
    result = add(cli_env, portal, "Dana Tech")
    assert result.exit_code == 1
    assert "the database refused the change: UNIQUE constraint failed" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
