"""Keys and accounts an admin controls, over HTTP on the suite's database: a revoked or
expired key, a deactivated user and a changed role take effect on the next request; an
expired key's refusal is audited once; `last used` advances, at most once a minute; no key
or password ever reaches a log."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from releasedesk.cli.main import app
from releasedesk.core.audit import repository as audit_rows
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import AuditEntry, AuditKind
from releasedesk.core.users import keys
from releasedesk.core.users import repository as user_rows
from releasedesk.core.users import service as users
from releasedesk.core.users.cache import auth_cache
from releasedesk.core.users.secrets import hash_api_key
from releasedesk.db.base import utcnow
from releasedesk.db.models import ApiKey, AuditEvent
from tests.helpers import Desk

REFUSED = {"status_code": 4022, "type": "failed", "message": "Invalid or expired authtoken"}


def refusal(response: Any) -> dict[str, Any]:
    assert response.status_code == 401, response.text
    status = response.json()["response_status"]
    status = status[0] if isinstance(status, list) else status
    return status["messages"][0]  # type: ignore[no-any-return]


def stored_key(desk: Desk, key: str) -> ApiKey:
    async def load() -> ApiKey:
        async with desk.database.unit_of_work(writes=False) as session:
            found = await user_rows.key_by_hash(session, hash_api_key(key))
            assert found is not None
            return found

    return desk.client.portal.call(load)


def set_key_times(desk: Desk, key: str, **times: dt.datetime | None) -> None:
    """Move a key's stored expiry or last use: how these tests control time. The change
    goes behind the core's back, so the process's auth cache forgets the key as a core
    write would (tests/api/test_auth_cache*.py cover hearing of it from the database)."""

    async def change() -> None:
        async with desk.database.unit_of_work() as session:
            await session.execute(
                update(ApiKey).where(ApiKey.key_hash == hash_api_key(key)).values(**times)
            )

    desk.client.portal.call(change)
    auth_cache(desk.database.caches).evict_key(stored_key(desk, key).id)


def new_key(desk: Desk, user_name: str, expires_time: dt.datetime | None = None) -> str:
    async def issue() -> str:
        async with desk.database.unit_of_work() as session:
            user = await users.find_user(session, desk.portal_id, user_name)
            issued = await keys.issue_key(session, user=user, expires_time=expires_time)
            return issued.key

    return desk.client.portal.call(issue)


def trail(desk: Desk) -> list[AuditEntry]:
    async def load() -> list[AuditEntry]:
        async with desk.database.unit_of_work(writes=False) as session:
            return list(await audit.list_entries(session, portal_id=desk.portal_id))

    return desk.client.portal.call(load)


def cli(database_url: str, tmp_path: Path, *args: str) -> str:
    env = {"RELEASEDESK_DATABASE_URL": database_url, "RELEASEDESK_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_revoked_key_is_refused_on_its_next_request(
    desk: Desk, database_url: str, tmp_path: Path
) -> None:
    spare = new_key(desk, desk.technician.name)
    assert desk.get("/releases", key=desk.technician.key).status_code == 200
    key_id = stored_key(desk, desk.technician.key).id

    cli(database_url, tmp_path, "token", "revoke", str(key_id))

    # The CLI is another database handle, as in another process: a write reads its key from
    # the database at once; reads hear of the revocation through the app's listener.
    created = desk.post(
        "/releases", key=desk.technician.key, input_data={"release": {"title": "Nope"}}
    )
    assert refusal(created) == REFUSED
    deadline = time.monotonic() + 5
    while (read := desk.get("/releases", key=desk.technician.key)).status_code == 200:
        assert time.monotonic() < deadline, "the app's reads never heard of the revocation"
        time.sleep(0.05)
    assert refusal(read) == REFUSED
    assert desk.get("/releases", key=spare).status_code == 200  # only that key
    revoked = [e for e in trail(desk) if e.kind is AuditKind.KEY_REVOKED]
    assert [(e.subject.key_id, e.subject.user_name) for e in revoked] == [
        (key_id, desk.technician.name)
    ]
    assert revoked[0].actor.name.startswith("cli")


def test_an_expired_key_is_refused_and_the_refusal_audited_once(desk: Desk) -> None:
    key = new_key(desk, desk.technician.name, expires_time=utcnow() + dt.timedelta(days=90))
    assert desk.get("/releases", key=key).status_code == 200

    expired_at = dt.datetime(2026, 1, 31, tzinfo=dt.UTC)
    set_key_times(desk, key, expires_time=expired_at)
    # A write first: its transaction rolls back on the 401, the audit row must not.
    refused_write = desk.post("/releases", key=key, input_data={"release": {"title": "Late"}})
    assert refusal(refused_write) == REFUSED
    assert refusal(desk.get("/releases", key=key)) == REFUSED
    assert refusal(desk.get("/releases/1", key=key)) == REFUSED

    refusals = [e for e in trail(desk) if e.kind is AuditKind.KEY_EXPIRED_REFUSED]
    assert len(refusals) == 1
    entry = refusals[0]
    assert entry.subject.key_id == stored_key(desk, key).id
    assert entry.subject.user_name == desk.technician.name
    assert entry.detail == {"prefix": key[:12], "expired": "2026-01-31T00:00:00.000000+00:00"}
    assert desk.get("/releases", key=desk.technician.key).status_code == 200  # not the user


def test_the_last_instant_before_expiry_still_works(desk: Desk) -> None:
    """The expiry is the first instant refused: an expiry a minute ahead still answers."""
    key = new_key(desk, desk.requester.name, expires_time=utcnow() + dt.timedelta(minutes=1))
    assert desk.get("/releases", key=key).status_code == 200


def test_a_deactivated_user_is_refused_by_key_and_password_and_stays_in_history(
    desk: Desk, database_url: str, tmp_path: Path
) -> None:
    tech = desk.technician
    cli(
        database_url,
        tmp_path,
        "user",
        "set-password",
        tech.name,
        "--password",
        "tech-pass",
        "--portal",
        desk.portal,
    )
    release = desk.create_release(key=tech.key, title="Made before leaving")
    basic = (tech.name, "tech-pass")
    assert desk.get("/releases", key="", auth=basic).status_code == 200

    cli(database_url, tmp_path, "user", "deactivate", tech.name, "--portal", desk.portal)
    # The CLI is another database handle: a write reads its key at once, reads hear of the
    # deactivation through the app's listener (docs/architecture.md, "Auth cache").
    written = desk.post("/releases", key=tech.key, input_data={"release": {"title": "Nope"}})
    assert refusal(written) == REFUSED
    deadline = time.monotonic() + 5
    while (read := desk.get("/releases", key=tech.key)).status_code == 200:
        assert time.monotonic() < deadline, "the app's reads never heard of the deactivation"
        time.sleep(0.05)
    assert refusal(read) == REFUSED
    by_password = refusal(desk.get("/releases", key="", auth=basic))
    assert by_password["status_code"] == 4022
    assert by_password["message"] == "Invalid user name or password"
    history = desk.get(
        f"/releases/{release['id']}/history", input_data={"list_info": {"row_count": 10}}
    ).json()["history"]
    assert history[-1]["by"]["name"] == tech.name
    assert desk.get(f"/releases/{release['id']}").json()["release"]["created_by"]["name"] == (
        tech.name
    )

    cli(database_url, tmp_path, "user", "activate", tech.name, "--portal", desk.portal)
    assert desk.get("/releases", key=tech.key).status_code == 200
    assert desk.get("/releases", key="", auth=basic).status_code == 200
    kinds = [e.kind for e in trail(desk) if e.subject.user_id == tech.id]
    assert kinds[-4:] == [
        AuditKind.PASSWORD_SET,
        AuditKind.USER_DEACTIVATED,
        AuditKind.SIGN_IN_FAILED,  # the password refused while deactivated
        AuditKind.USER_ACTIVATED,
    ]


def test_a_role_change_applies_on_the_next_request(
    desk: Desk, database_url: str, tmp_path: Path
) -> None:
    trashed = [desk.create_release()["id"] for _ in range(2)]
    for release_id in trashed:
        response = desk.request("DELETE", f"/releases/move_to_trash?ids={release_id}")
        assert response.status_code == 200, response.text

    cli(
        database_url,
        tmp_path,
        "user",
        "set-role",
        desk.admin.name,
        "technician",
        "--portal",
        desk.portal,
    )
    response = desk.request("DELETE", f"/releases/{trashed[0]}")
    assert response.status_code == 403
    assert response.json()["response_status"]["messages"][0]["status_code"] == 4002

    cli(
        database_url,
        tmp_path,
        "user",
        "set-role",
        desk.technician.name,
        "admin",
        "--portal",
        desk.portal,
    )
    deleted = desk.request("DELETE", f"/releases/{trashed[0]}", key=desk.technician.key)
    assert deleted.status_code == 200, deleted.text
    assert desk.get(f"/releases/{trashed[0]}").status_code == 404  # gone for good
    changed = [e.detail for e in trail(desk) if e.kind is AuditKind.ROLE_CHANGED]
    assert changed == [{"from": "admin", "to": "technician"}, {"from": "technician", "to": "admin"}]


def test_last_used_advances(desk: Desk) -> None:
    key = new_key(desk, desk.requester.name)
    assert stored_key(desk, key).last_used_time is None
    assert desk.get("/releases", key=key).status_code == 200
    first = stored_key(desk, key).last_used_time
    assert first is not None

    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    set_key_times(desk, key, last_used_time=long_ago)
    assert desk.get("/releases", key=key).status_code == 200
    advanced = stored_key(desk, key).last_used_time
    assert advanced is not None and advanced >= first > long_ago


def test_last_used_is_written_at_most_once_a_minute(desk: Desk) -> None:
    """With the clock in the test's hands: a use within the minute writes nothing."""
    key = new_key(desk, desk.requester.name)
    start = dt.datetime(2030, 5, 1, 12, 0, tzinfo=dt.UTC)

    def use_at(now: dt.datetime) -> dt.datetime | None:
        async def authenticate() -> None:
            async with desk.database.unit_of_work() as session:
                await keys.authenticate_key(session, key, desk.portal, now=now)

        desk.client.portal.call(authenticate)
        return stored_key(desk, key).last_used_time

    assert use_at(start) == start
    assert use_at(start + dt.timedelta(seconds=59)) == start
    assert use_at(start + dt.timedelta(seconds=60)) == start  # a full minute is not "older"
    later = start + dt.timedelta(seconds=61)
    assert use_at(later) == later


@pytest.mark.parametrize("writes", [False, True])
def test_a_second_touch_after_a_stale_read_changes_nothing(desk: Desk, writes: bool) -> None:
    """Two requests that both read a stale `last used`: the second UPDATE finds the row
    already fresh and changes nothing (rows matched: 0)."""
    key = new_key(desk, desk.requester.name)
    now = dt.datetime(2030, 5, 1, 12, 0, tzinfo=dt.UTC)
    key_id = stored_key(desk, key).id

    async def touch(at: dt.datetime) -> None:
        async with desk.database.unit_of_work(writes=writes) as session:
            await user_rows.touch_key(session, key_id, at, at - keys.TOUCH_EVERY)

    desk.client.portal.call(touch, now)
    desk.client.portal.call(touch, now + dt.timedelta(seconds=5))
    assert stored_key(desk, key).last_used_time == now


def test_keys_and_passwords_never_reach_the_logs(
    desk: Desk,
    database_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)  # everything,
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")  # SQL, parameters, rows too
    password = f"pw-{uuid.uuid4().hex}"
    good = new_key(desk, desk.technician.name)
    expired = new_key(desk, desk.technician.name)
    revoked = new_key(desk, desk.technician.name)
    set_key_times(desk, expired, expires_time=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    bad = "rdk_" + uuid.uuid4().hex * 2
    cli(
        database_url,
        tmp_path,
        "user",
        "set-password",
        desk.technician.name,
        "--password",
        password,
        "--portal",
        desk.portal,
    )
    cli(database_url, tmp_path, "token", "revoke", revoked)

    answers = [
        desk.get("/releases", key=good),
        desk.post("/releases", key=good, input_data={"release": {"title": "Logged?"}}),
        desk.get("/releases", key=bad),
        desk.post("/releases", key=bad, input_data={"release": {"title": "Logged?"}}),
        desk.get("/releases", key=expired),
        desk.get("/releases", key=revoked),
        desk.get("/releases", key="", auth=(desk.technician.name, password)),
        desk.get("/releases", key="", auth=(desk.technician.name, password + "x")),
        desk.get("/releases", key="", headers={"Authorization": f"Bearer {bad}"}),
    ]
    assert [a.status_code for a in answers] == [200, 201, 401, 401, 401, 401, 200, 401, 401]

    secrets = [good, expired, revoked, bad, password, password + "x"]
    captured = capfd.readouterr()
    logged = caplog.text + captured.out + captured.err
    assert "api_keys" in caplog.text  # the SQL log was on
    for secret in secrets:
        assert secret not in logged
        assert secret[12:] not in logged  # not even the part after the shown prefix
        for answer in answers:
            assert secret not in answer.text


async def chain_head(desk: Desk) -> object:
    async with desk.database.unit_of_work(writes=False) as session:
        return await audit_rows.head(session, desk.portal_id)


def test_an_expired_keys_refusal_is_kept_once_by_the_database(desk: Desk) -> None:
    """Once per key is the database's rule (a unique index; the insert does nothing on a
    conflict), so two first refusals racing past the read both end in one row."""
    key = new_key(desk, desk.requester.name)
    set_key_times(desk, key, expires_time=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert refusal(desk.get("/releases", key=key)) == REFUSED
    row = stored_key(desk, key)

    async def insert_again() -> bool:  # what a racing request does after its read
        async with desk.database.unit_of_work() as session:
            values = {
                "portal_id": desk.portal_id,
                "occurred_time": utcnow(),
                "kind": AuditKind.KEY_EXPIRED_REFUSED.value,
                "actor_id": None,
                "actor_name": "system",
                "subject_user_id": row.user_id,
                "subject_user_name": desk.requester.name,
                "subject_key_id": row.id,
                "subject_key_name": row.name,
                "detail": "{}",
            }
            return await audit_rows.append_unless_recorded(session, values, audit.EVER)

    head_before = desk.client.portal.call(chain_head, desk)
    assert desk.client.portal.call(insert_again) is False
    assert desk.client.portal.call(chain_head, desk) == head_before  # not advanced

    async def count() -> int:
        async with desk.database.unit_of_work(writes=False) as session:
            query = select(func.count()).where(
                AuditEvent.kind == AuditKind.KEY_EXPIRED_REFUSED.value,
                AuditEvent.subject_key_id == row.id,
            )
            return (await session.execute(query)).scalar_one()

    assert desk.client.portal.call(count) == 1
