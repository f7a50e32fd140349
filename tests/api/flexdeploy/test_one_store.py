"""One release, two APIs: the FlexDeploy status and the SDP stage/status stay one, both ways,
with history; completing respects the SDP stage gate of approvals."""

from __future__ import annotations

from typing import Any

from tests.api.flexdeploy.support import Flex
from tests.api.sdp.approvals_support import add_level

FULL = {"projectId": 6789, "projectStreamId": 6790}


def _sdp(flex: Flex, release_id: int) -> dict[str, Any]:
    response = flex.desk.get(f"/releases/{release_id}")
    assert response.status_code == 200, response.text
    return response.json()["release"]  # type: ignore[no-any-return]


def _position(flex: Flex, release_id: int) -> tuple[str, str]:
    release = _sdp(flex, release_id)
    return release["stage"]["name"], release["status"]["name"]


def _history(flex: Flex, release_id: int) -> list[dict[str, Any]]:
    response = flex.desk.get(f"/releases/{release_id}/history")
    assert response.status_code == 200, response.text
    return response.json()["history"]  # type: ignore[no-any-return]


def _status(flex: Flex, release_id: int) -> str:
    return str(flex.get(f"/releases/{release_id}").json()["releaseStatus"])


def test_a_flexdeploy_release_is_the_sdp_release_with_the_same_id(flex: Flex) -> None:
    created = flex.create(releaseName="Seen by both", description="Plain words")
    release = _sdp(flex, created["releaseId"])
    assert release["id"] == str(created["releaseId"])
    assert release["title"] == "Seen by both"
    assert release["description"] == "Plain words"
    assert _position(flex, created["releaseId"]) == ("Submission", "Requested")
    renamed = flex.desk.put(
        f"/releases/{created['releaseId']}", input_data={"release": {"title": "Renamed in SDP"}}
    )
    assert renamed.status_code == 200
    assert flex.get(f"/releases/{created['releaseId']}").json()["releaseName"] == "Renamed in SDP"


def test_flexdeploy_statuses_move_the_sdp_stage_with_history(flex: Flex) -> None:
    created = flex.create(releaseName="Moves", projects=[FULL])
    release_id = created["releaseId"]
    assert created["startDate"] is None
    started = flex.patch(release_id, {"releaseName": "Moves", "releaseStatus": "STARTED"}).json()
    assert started["releaseStatus"] == "STARTED" and started["startDate"] is not None
    assert _position(flex, release_id) == ("Development", "In Progress")
    moves = [e for e in _history(flex, release_id) if e["operation"]["name"] == "status_change"]
    assert moves[0]["diff"][0]["current_value"]["name"] == "Development"
    flex.desk.put(
        f"/releases/{release_id}", input_data={"release": {"status": {"name": "On Hold"}}}
    )
    assert _status(flex, release_id) == "SUSPENDED"
    resumed = flex.patch(release_id, {"releaseName": "Moves", "releaseStatus": "STARTED"})
    assert resumed.json()["releaseStatus"] == "STARTED"
    assert _position(flex, release_id) == ("Development", "In Progress")
    completed = flex.patch(release_id, {"releaseName": "Moves", "releaseStatus": "COMPLETED"})
    assert completed.json()["releaseStatus"] == "COMPLETED"
    assert completed.json()["endDate"] is not None
    assert _position(flex, release_id) == ("Closure", "Completed")
    assert _sdp(flex, release_id)["completed_time"] is not None
    assert "a completed release cannot be changed" in flex.refused(
        flex.patch(release_id, {"releaseName": "Moves", "releaseStatus": "STARTED"})
    )


def test_sdp_moves_show_in_flexdeploy(flex: Flex) -> None:
    release = flex.desk.create_release(title="Made in SDP")
    release_id = int(release["id"])
    seen = flex.get(f"/releases/{release_id}").json()
    assert seen["releaseName"] == "Made in SDP"
    assert seen["releaseStatus"] == "NOTSTARTED"
    assert seen["projects"] == [] and seen["pipelineId"] is None and seen["startDate"] is None
    for stage, status in (("Planning", "NOTSTARTED"), ("Testing", "STARTED"), ("UAT", "STARTED")):
        moved = flex.desk.put(
            f"/releases/{release_id}", input_data={"release": {"stage": {"name": stage}}}
        )
        assert moved.status_code == 200, moved.text
        assert _status(flex, release_id) == status
    assert flex.get(f"/releases/{release_id}").json()["startDate"] is not None
    closed = flex.desk.put(f"/releases/{release_id}/close", input_data={"status": "completed"})
    assert closed.status_code == 200, closed.text
    assert _status(flex, release_id) == "COMPLETED"
    assert flex.get(f"/releases/{release_id}").json()["endDate"] is not None
    made_started = flex.desk.create_release(title="Straight in", stage={"name": "Deployment"})
    started = flex.get(f"/releases/{made_started['id']}").json()
    assert started["releaseStatus"] == "STARTED" and started["startDate"] is not None


def test_starting_and_completing_respect_the_stage_gate(flex: Flex) -> None:
    created = flex.create(releaseName="Gated", projects=[FULL])
    release_id = created["releaseId"]
    add_level(flex.desk, str(release_id), stage="submission", approvers=[flex.desk.technician])
    refused = flex.patch(release_id, {"releaseName": "Gated", "releaseStatus": "STARTED"})
    assert "approval level 1 'CAB' of Submission is not approved yet" in flex.refused(refused)
    assert _position(flex, release_id) == ("Submission", "Requested")
    gated = flex.create(releaseName="Gated later", releaseStatus="STARTED", projects=[FULL])
    add_level(flex.desk, str(gated["releaseId"]), stage="implementation", name="Go-live")
    refused = flex.patch(
        gated["releaseId"], {"releaseName": "Gated later", "releaseStatus": "COMPLETED"}
    )
    assert "'Go-live' of Development is not approved yet" in flex.refused(refused)
    assert _status(flex, gated["releaseId"]) == "STARTED"


def test_deployment_changes_are_in_the_release_history(flex: Flex) -> None:
    created = flex.create(releaseName="Recorded", pipelineId=10004)
    flex.patch(created["releaseId"], {"releaseName": "Recorded", "projects": [FULL]})
    entries = [
        e
        for e in _history(flex, created["releaseId"])
        if e["operation"]["name"] == "deployment_update"
    ]
    assert [[d["field"]["name"] for d in e["diff"]] for e in entries] == [
        ["projects"],
        ["pipeline"],
    ]
    [added] = entries[0]["diff"][0]["current_value"]
    assert added["project_id"] == 6789 and added["build_environment_id"] == 22478
    flex.patch(created["releaseId"], {"releaseName": "Recorded"})  # nothing changed: no entry
    assert (
        len(
            [
                e
                for e in _history(flex, created["releaseId"])
                if e["operation"]["name"] == "deployment_update"
            ]
        )
        == 2
    )


def test_deleting_the_release_in_sdp_takes_its_deployment(flex: Flex) -> None:
    from releasedesk.db.models import ReleaseDeploymentProject, ReleaseDeploymentProperty

    created = flex.create(
        releaseName="Gone",
        pipelineId=12345,
        properties=[{"propertyName": "TESTPROPERTY", "propertyValue": "1"}],
        projects=[FULL],
    )
    release_id = created["releaseId"]
    assert flex.desk.count(ReleaseDeploymentProject) == 1
    flex.desk.request("DELETE", f"/releases/{release_id}/move_to_trash")
    assert flex.desk.request("DELETE", f"/releases/{release_id}").status_code == 200
    assert flex.desk.count(ReleaseDeploymentProject) == 0
    assert flex.desk.count(ReleaseDeploymentProperty) == 0
    flex.refused(flex.get(f"/releases/{release_id}"), 404)


def test_the_package_says_what_it_is() -> None:
    import releasedesk.api.flexdeploy as package

    assert package.__doc__ is not None
    assert "not built yet" not in package.__doc__
    assert "/flexdeploy/rest/v1" in package.__doc__
