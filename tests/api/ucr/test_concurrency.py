"""Concurrent PUTs of one release from one version: the version check runs under the
release's row lock, so exactly one wins and the others are 409s that changed nothing."""

from __future__ import annotations

import httpx

from tests.api.ucr.support import JSON_HEADERS, Ucr
from tests.helpers import Desk
from tests.served import Served, served_fixture  # noqa: F401  (the `served` fixture)

CLIENTS = 8


def test_one_of_many_puts_from_the_same_version_wins(desk: Desk, served: Served) -> None:
    ucr = Ucr(desk)
    made = ucr.create(name="Contended")
    path = f"/app/{desk.portal}/releases/{made['id']}"
    headers = {**JSON_HEADERS, "Authorization": f"Bearer {desk.admin.key}"}

    def send(client: httpx.Client, n: int) -> httpx.Response:
        body = {"name": f"Writer {n}", "version": 1, "milestones": [{"name": f"M{n}", "date": n}]}
        return client.put(path, json=body, headers=headers)

    responses = served.at_once(desk.admin.key, CLIENTS, send)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (CLIENTS - 1), [r.text for r in responses]
    winner = next(r.json() for r in responses if r.status_code == 200)
    now = ucr.get(f"/releases/{made['id']}").json()
    assert (now["name"], now["version"]) == (winner["name"], 2)
    assert [m["name"] for m in now["milestones"]] == [f"M{winner['name'].split()[-1]}"]


def test_concurrent_bulk_creates_each_keep_their_order(desk: Desk, served: Served) -> None:
    path = f"/app/{desk.portal}/releases/?format=name"
    headers = {**JSON_HEADERS, "Authorization": f"Bearer {desk.admin.key}"}

    def send(client: httpx.Client, n: int) -> httpx.Response:
        return client.post(path, json=[{"name": f"C{n}-{i}"} for i in range(5)], headers=headers)

    responses = served.at_once(desk.admin.key, 4, send)
    for n, response in enumerate(responses):
        assert response.status_code == 201, response.text
        assert [r["name"] for r in response.json()] == [f"C{n}-{i}" for i in range(5)]
    assert len(Ucr(desk).get("/releases/").json()) == 20
