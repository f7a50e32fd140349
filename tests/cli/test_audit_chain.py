"""`releasedesk audit verify` and `audit export` against the suite's database: a trail made
through the CLI verifies; a row edited by hand (plain SQL), deleted, or forged and inserted
is caught and named, and the trail verifies again once put back."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from typing import Any

import pytest

from releasedesk.core.audit.chain import entry_hash
from releasedesk.core.audit.views import AuditActor, AuditEntry, Subject, canonical_json
from tests.cli.test_keys import cli_env, invoke, ok  # noqa: F401  (fixture)
from tests.test_history_migration import _run


@pytest.fixture
def trail(cli_env: dict[str, str]) -> str:  # noqa: F811
    """A fresh portal whose trail holds five entries, made through the CLI."""
    name = f"chain-{uuid.uuid4().hex[:8]}"
    ok(cli_env, "portal", "add", name)
    ok(cli_env, "user", "add", "Dana Tech", "--role", "technician", "--portal", name)
    ok(cli_env, "token", "create", "Dana Tech", "--portal", name, "--name", "ci")
    ok(cli_env, "user", "set-role", "Dana Tech", "requester", "--portal", name)
    ok(cli_env, "user", "deactivate", "Dana Tech", "--portal", name)
    ok(cli_env, "user", "activate", "Dana Tech", "--portal", name)
    return name


def rows(url: str, portal: str) -> list[dict[str, Any]]:
    found = _run(
        url,
        "SELECT e.* FROM audit_events e JOIN portals p ON p.id = e.portal_id"
        " WHERE p.name = :n ORDER BY e.chain_seq",
        {"n": portal},
    )
    return [dict(row._mapping) for row in found]


def verify(env: dict[str, str], portal: str) -> tuple[int, str]:
    result = invoke(env, "audit", "verify", "--portal", portal)
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout.strip()


def test_an_intact_trail_verifies_and_exports_as_hashed_lines(
    cli_env: dict[str, str],  # noqa: F811
    trail: str,
) -> None:
    code, said = verify(cli_env, trail)
    assert code == 0, said
    assert said.startswith(f"portal {trail}: intact, 5 entries, head #5 ")

    lines = [
        json.loads(x) for x in ok(cli_env, "audit", "export", "--portal", trail).stdout.splitlines()
    ]
    assert [line["kind"] for line in lines] == [
        "user_added",
        "key_created",
        "role_changed",
        "user_deactivated",
        "user_activated",
    ]
    previous = "0" * 64
    for seq, line in enumerate(lines, start=1):
        # What an auditor recomputes from the file alone.
        content = {k: v for k, v in line.items() if k not in ("id", "entry_hash")}
        assert content["chain_seq"] == seq and content["previous_hash"] == previous
        digest = hashlib.sha256(canonical_json(content).encode()).hexdigest()
        assert digest == line["entry_hash"]
        previous = line["entry_hash"]
    assert said.endswith(previous)  # the head verify prints is the last entry's hash
    later = ok(cli_env, "audit", "export", "--portal", trail, "--since", "2999-01-01").stdout
    assert later == ""


def test_a_row_edited_by_hand_is_named_and_found_again_once_put_back(
    cli_env: dict[str, str],  # noqa: F811
    database_url: str,
    trail: str,
) -> None:
    third = rows(database_url, trail)[2]
    edit = "UPDATE audit_events SET detail = :d WHERE id = :i"
    _run(database_url, edit, {"d": '{"from":"technician","to":"admin"}', "i": third["id"]})
    code, said = verify(cli_env, trail)
    assert code == 1
    assert said == (
        f"portal {trail}: BROKEN: entry {third['id']} (#3, role_changed) was altered: its "
        "content no longer matches its hash"
    )

    _run(database_url, edit, {"d": third["detail"], "i": third["id"]})
    assert verify(cli_env, trail)[0] == 0

    # Altered and given a hash that matches: the next entry is still chained to the old one.
    actor = "UPDATE audit_events SET actor_name = :a, entry_hash = :h WHERE id = :i"
    forged = _entry(third, actor_name="someone else")
    _run(database_url, actor, {"a": "someone else", "h": entry_hash(forged), "i": third["id"]})
    code, said = verify(cli_env, trail)
    assert code == 1
    assert f"entry {third['id']} (#3, role_changed) was altered and its hash recomputed" in said
    _run(
        database_url, actor, {"a": third["actor_name"], "h": third["entry_hash"], "i": third["id"]}
    )
    assert verify(cli_env, trail)[0] == 0


def test_a_deleted_row_is_named_in_the_middle_and_at_the_end(
    cli_env: dict[str, str],  # noqa: F811
    database_url: str,
    trail: str,
) -> None:
    entries = rows(database_url, trail)
    _delete(database_url, entries[1])
    code, said = verify(cli_env, trail)
    assert code == 1
    assert said == (
        f"portal {trail}: BROKEN: entry #2 was removed: the chain goes from entry "
        f"{entries[0]['id']} (#1, user_added) to entry {entries[2]['id']} (#3, role_changed)"
    )
    _put_back(database_url, entries[1])
    assert verify(cli_env, trail)[0] == 0

    _delete(database_url, entries[4])
    code, said = verify(cli_env, trail)
    assert (code, said) == (
        1,
        f"portal {trail}: BROKEN: entry #5 was removed from the end: the chain's head is #5",
    )
    _put_back(database_url, entries[4])
    assert verify(cli_env, trail)[0] == 0


def test_a_forged_row_is_named_inserted_at_the_end_and_in_the_middle(
    cli_env: dict[str, str],  # noqa: F811
    database_url: str,
    trail: str,
) -> None:
    entries = rows(database_url, trail)
    last = entries[-1]
    # At the end, correctly chained and hashed: beyond the head all the same.
    forged = _entry(last, chain_seq=6, previous_hash=last["entry_hash"], kind="user_added")
    forged_id = _insert(database_url, forged)
    code, said = verify(cli_env, trail)
    assert (code, said) == (
        1,
        f"portal {trail}: BROKEN: entry {forged_id} (#6, user_added) was inserted after the "
        "chain's end: its head is #5",
    )
    _delete(database_url, {"id": forged_id})
    assert verify(cli_env, trail)[0] == 0

    # In the middle: the later entries moved one place on, a forged #3 chained to #2.
    shift = (
        "UPDATE audit_events SET chain_seq = chain_seq + :n"
        " WHERE portal_id = :p AND chain_seq >= :s"
    )
    portal_id = last["portal_id"]
    _run(database_url, shift, {"n": 1000, "p": portal_id, "s": 3})
    _run(database_url, shift, {"n": -999, "p": portal_id, "s": 1003})
    second = entries[1]
    forged = _entry(second, chain_seq=3, previous_hash=second["entry_hash"], kind="user_added")
    forged_id = _insert(database_url, forged)
    code, said = verify(cli_env, trail)
    assert code == 1
    assert said.startswith(
        f"portal {trail}: BROKEN: entry {forged_id} (#3, user_added) was inserted: the chain "
        f"goes from entry {second['id']} (#2, key_created) past it"
    )


def _entry(row: dict[str, Any], **changes: Any) -> AuditEntry:
    """The row as the core reads it, with `changes` (column names), its hash recomputed."""
    values = {**row, **changes}
    entry = AuditEntry(
        id=values["id"],
        portal_id=values["portal_id"],
        portal_name="",
        occurred_time=_aware(values["occurred_time"]),
        kind=values["kind"],
        actor=AuditActor(values["actor_id"], values["actor_name"]),
        subject=Subject(
            values["subject_user_id"],
            values["subject_user_name"],
            values["subject_key_id"],
            values["subject_key_name"],
        ),
        detail=json.loads(values["detail"]),
        chain_seq=values["chain_seq"],
        previous_hash=values["previous_hash"],
        entry_hash="",
    )
    return dataclasses.replace(entry, entry_hash=entry_hash(entry))


def _aware(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _insert(url: str, entry: AuditEntry) -> int:
    sqlite = url.startswith("sqlite")
    inserted = _run(
        url,
        "INSERT INTO audit_events (portal_id, occurred_time, kind, actor_id, actor_name,"
        " subject_user_id, subject_user_name, subject_key_id, subject_key_name, detail,"
        " chain_seq, previous_hash, entry_hash) VALUES (:portal_id, :occurred_time, :kind,"
        " :actor_id, :actor_name, :subject_user_id, :subject_user_name, :subject_key_id,"
        " :subject_key_name, :detail, :chain_seq, :previous_hash, :entry_hash) RETURNING id",
        {
            "portal_id": entry.portal_id,
            "occurred_time": entry.occurred_time.replace(tzinfo=None)
            if sqlite
            else entry.occurred_time,
            "kind": entry.kind,
            "actor_id": entry.actor.id,
            "actor_name": entry.actor.name,
            "subject_user_id": entry.subject.user_id,
            "subject_user_name": entry.subject.user_name,
            "subject_key_id": entry.subject.key_id,
            "subject_key_name": entry.subject.key_name,
            "detail": canonical_json(entry.detail),
            "chain_seq": entry.chain_seq,
            "previous_hash": entry.previous_hash,
            "entry_hash": entry.entry_hash,
        },
    )
    return int(inserted[0][0])


def _delete(url: str, row: dict[str, Any]) -> None:
    _run(url, "DELETE FROM audit_events WHERE id = :i", {"i": row["id"]})


def _put_back(url: str, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    _run(
        url,
        f"INSERT INTO audit_events ({columns}) VALUES ({', '.join(':' + c for c in row)})",
        row,
    )
