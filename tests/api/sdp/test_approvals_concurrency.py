"""Decisions arriving at the same instant, from clients on their own connections to a served
port: each decision locks the release, so exactly one counts where the rule takes one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.api.sdp.approvals_support import (
    add_level,
    add_people,
    approvals_path,
    level_of,
    link_paths,
    sent,
)
from tests.api.sdp.support import history_of
from tests.helpers import Desk, Person
from tests.served import Served, served_fixture  # noqa: F401  (the `served` fixture)

APPROVERS = 8


def _all_at_once(served: Served, calls: list[tuple[Person, str, str]]) -> list[httpx.Response]:
    """Each (person, method, path) on its own thread and connection, released together."""
    clients = [served.client(person.key) for person, _, _ in calls]
    start = threading.Barrier(len(calls))

    def one(n: int) -> httpx.Response:
        _, method, path = calls[n]
        start.wait()
        return clients[n].request(
            method, path, params={"input_data": '{"approval": {"comments": "at once"}}'}
        )

    try:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(one, range(len(calls))))
    finally:
        for client in clients:
            client.close()


def _decisions(desk: Desk, release_id: str) -> list[str]:
    return [
        h["description"]
        for h in history_of(desk, release_id)
        if h["description"].startswith(("Approved by", "Rejected by"))
    ]


def test_first_response_counts_exactly_one_of_simultaneous_decisions(
    desk: Desk, served: Served
) -> None:
    people = add_people(desk, APPROVERS)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, rule={"type": "first_response"}, approvers=people)
    ids = [a["id"] for a in level["approvals"]]
    for aid in ids:
        sent(desk, rid, level["id"], aid)
    base = desk.base + approvals_path(rid, level["id"])
    calls = [
        (person, "PUT", f"{base}/{aid}/{'_approve' if n % 2 else '_reject'}")
        for n, (person, aid) in enumerate(zip(people, ids, strict=True))
    ]

    responses = _all_at_once(served, calls)

    assert sorted(r.status_code for r in responses) == [200] + [400] * (APPROVERS - 1)
    winner = next(n for n, r in enumerate(responses) if r.status_code == 200)
    outcome = "Approved" if winner % 2 else "Rejected"
    assert level_of(desk, rid, level["id"])["status"]["name"] == outcome
    assert len(_decisions(desk, rid)) == 1
    for refused in (r for r in responses if r.status_code == 400):
        assert "its level is already" in refused.json()["response_status"]["messages"][0]["message"]


def test_one_approval_decided_twice_at_once_is_decided_once(desk: Desk, served: Served) -> None:
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, rule={"type": "everyone"}, approvers=[desk.technician])
    aid = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], aid)
    path = f"{desk.base}{approvals_path(rid, level['id'])}/{aid}/approve"

    responses = _all_at_once(served, [(desk.technician, "PUT", path)] * 6)

    assert sorted(r.status_code for r in responses) == [200] + [400] * 5
    assert len(_decisions(desk, rid)) == 1
    assert level_of(desk, rid, level["id"])["status"]["name"] == "Approved"


def test_one_mail_link_posted_at_once_decides_once(desk: Desk, served: Served) -> None:
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=[desk.technician])
    aid = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], aid)
    (path,) = link_paths(desk, aid)
    start = threading.Barrier(6)

    def post(_n: int) -> httpx.Response:
        with httpx.Client(base_url=served.url, timeout=120) as client:
            start.wait()
            return client.post(path, data={"decision": "approve"})

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(post, range(6)))

    assert sorted(r.status_code for r in responses) == [200] + [410] * 5
    assert len(_decisions(desk, rid)) == 1
