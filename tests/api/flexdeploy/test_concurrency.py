"""Concurrent PATCHes of one release on a served port: each reads the release after the one
before it (the release lock), so every project appended is kept, with its own priority."""

from __future__ import annotations

import httpx

from tests.api.flexdeploy.support import Flex
from tests.served import Served, served_fixture  # noqa: F401  (the `served` fixture)

CLIENTS = 6


def test_concurrent_patches_each_append(flex: Flex, served: Served) -> None:
    release_id = flex.create(releaseName="Busy")["releaseId"]
    headers = {"X-API-Key": flex.desk.admin.key}

    def patch(client: httpx.Client, n: int) -> httpx.Response:
        body = {
            "releaseName": "Busy",
            "projects": [{"projectId": 33442, "projectStreamId": 3502, "packageName": f"P{n}"}],
        }
        return client.patch(f"{flex.base}/releases/{release_id}", json=body, headers=headers)

    responses = served.at_once(flex.desk.admin.key, CLIENTS, patch)
    assert [r.status_code for r in responses] == [200] * CLIENTS, [r.text for r in responses]
    projects = flex.get(f"/releases/{release_id}").json()["projects"]
    assert sorted(p["packageName"] for p in projects) == [f"P{n}" for n in range(CLIENTS)]
    assert sorted(p["priority"] for p in projects) == list(range(1, CLIENTS + 1))
