"""The test helpers themselves: what they count is what the tests mean."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from releasedesk.db.models import (
    Approval,
    ApprovalLevel,
    Portal,
    Priority,
    Release,
    ReleaseHistory,
    ReleaseTask,
    User,
)
from tests.api.sdp.support import add_approval_level
from tests.helpers import Desk, make_desk


def test_count_sees_only_this_portals_rows(desk: Desk, client: TestClient) -> None:
    other = make_desk(client)
    release = other.create_release()
    task = other.post(f"/releases/{release['id']}/tasks", input_data={"task": {"title": "t"}})
    assert task.status_code == 201, task.text
    add_approval_level(other, int(release["id"]), "Submission", other.technician.id)

    # The other portal's rows, reached by their own portal_id, their release, their level.
    for model in (Release, ReleaseHistory, ReleaseTask, ApprovalLevel, Approval):
        assert other.count(model) >= 1, model.__name__
        assert desk.count(model) == 0, model.__name__
    assert other.count(ReleaseTask, release_id=int(release["id"])) == 1
    assert desk.count(ReleaseTask, release_id=int(release["id"])) == 0
    # Every portal has the same reference data and four people: each counts its own.
    assert desk.count(Priority) == other.count(Priority) == 4
    assert desk.count(User, name=desk.admin.name) == 1


def test_count_refuses_a_model_it_cannot_place_in_a_portal(desk: Desk) -> None:
    with pytest.raises(TypeError):
        desk.count(Portal)
