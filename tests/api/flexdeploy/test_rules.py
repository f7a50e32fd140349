"""Every rule of the spec's notes over HTTP: each a 400 whose message says which rule and which
project or property, and a refused write leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest

from releasedesk.db.models import Release, ReleaseDeploymentProject
from tests.api.flexdeploy.support import Flex

FULL = {"projectId": 6789, "projectStreamId": 6790}  # full deployment, one build environment
PARTIAL = {"projectId": 33442, "projectStreamId": 3502}  # partial, two build environments


def _refused_everywhere(flex: Flex, body: dict[str, Any]) -> list[str]:
    """The same body refused by POST, PUT and PATCH, with nothing written; their messages."""
    target = flex.create(releaseName="Target")
    before = flex.get(f"/releases/{target['releaseId']}").json()
    releases, projects = flex.desk.count(Release), flex.desk.count(ReleaseDeploymentProject)
    body = {"releaseName": "Refused", **body}
    messages = [
        flex.refused(flex.post(body)),
        flex.refused(flex.put(target["releaseId"], body)),
        flex.refused(flex.patch(target["releaseId"], body)),
    ]
    assert flex.desk.count(Release) == releases
    assert flex.desk.count(ReleaseDeploymentProject) == projects
    assert flex.get(f"/releases/{target['releaseId']}").json() == before
    return messages


def test_no_start_without_a_project(flex: Flex) -> None:
    for message in _refused_everywhere(flex, {"releaseStatus": "STARTED"}):
        assert "Cannot start a release without at least one project" in message
    started = flex.create(releaseName="Started", releaseStatus="STARTED", projects=[FULL])
    message = flex.refused(flex.put(started["releaseId"], {"releaseName": "Started"}))
    assert "a started release must keep at least one project" in message.lower()
    assert flex.get(f"/releases/{started['releaseId']}").json()["projects"] != []


def _started_in_sdp(flex: Flex, title: str) -> int:
    """A release moved into a work stage through SDP: STARTED with no projects."""
    release_id = int(flex.desk.create_release(title=title)["id"])
    moved = flex.desk.put(
        f"/releases/{release_id}", input_data={"release": {"stage": {"name": "Testing"}}}
    )
    assert moved.status_code == 200, moved.text
    seen = flex.get(f"/releases/{release_id}").json()
    assert seen["releaseStatus"] == "STARTED" and seen["projects"] == []
    return release_id


def test_a_release_started_in_sdp_without_projects_can_be_changed(flex: Flex) -> None:
    release_id = _started_in_sdp(flex, "Moved in SDP")
    patched = flex.patch(release_id, {"releaseName": "x", "description": "d"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["description"] == "d"
    assert patched.json()["releaseStatus"] == "STARTED"
    put = flex.put(release_id, {"releaseName": "y", "releaseStatus": "STARTED"})
    assert put.status_code == 200, put.text
    assert put.json()["releaseName"] == "y" and put.json()["projects"] == []


def test_patch_from_the_spec_before_state_started_with_no_projects(flex: Flex) -> None:
    """The spec's PATCH 'before' state: STARTED with projects: []."""
    release_id = _started_in_sdp(flex, "Release Created From REST API")
    body = {
        "releaseName": "Release Created From REST API",
        "releaseStatus": "NOTSTARTED",
        "pipelineId": 12345,
        "properties": [{"propertyValue": "3", "propertyName": "TESTPROPERTY"}],
    }
    response = flex.patch(release_id, body)
    assert response.status_code == 200, response.text
    assert response.json()["releaseStatus"] == "STARTED"
    assert response.json()["pipelineId"] == 12345
    added = flex.patch(release_id, {"releaseName": "r", "projects": [FULL]})
    assert added.status_code == 200, added.text
    assert [p["projectId"] for p in added.json()["projects"]] == [6789]


def test_no_project_without_the_required_properties_of_its_pipeline(flex: Flex) -> None:
    for message in _refused_everywhere(flex, {"pipelineId": 12345, "projects": [FULL]}):
        assert "'REST Full Project' (6789)" in message
        assert "required property 'TESTPROPERTY' of pipeline 'Pipeline 1' has no value" in message
    blank = [{"propertyName": "TESTPROPERTY", "propertyValue": " "}]
    body = {"releaseName": "x", "pipelineId": 12345, "projects": [FULL], "properties": blank}
    assert "TESTPROPERTY" in flex.refused(flex.post(body))
    # without projects the property may wait
    assert flex.create(releaseName="Later", pipelineId=12345)["pipelineId"] == 12345


def test_no_end_while_a_pipeline_execution_runs(flex: Flex) -> None:
    release = flex.create(releaseName="Running", releaseStatus="STARTED", projects=[FULL])
    release_id = release["releaseId"]
    flex.set_running(release_id, 2)
    executions = flex.get(f"/releases/{release_id}/executions").json()
    assert executions == {"releaseId": release_id, "runningExecutions": 2}
    body = {"releaseName": "Running", "releaseStatus": "COMPLETED", "projects": [FULL]}
    message = flex.refused(flex.put(release_id, body))
    assert "Cannot end the release: 2 pipeline executions are running" in message
    assert "1 pipeline execution is running" in (
        flex.set_running(release_id, 1) or flex.refused(flex.patch(release_id, body))
    )
    # the same rule holds when SDP closes it
    closed = flex.desk.put(f"/releases/{release_id}/close", input_data={"status": "completed"})
    assert closed.status_code == 400, closed.text
    assert "pipeline execution is running" in closed.text
    assert flex.get(f"/releases/{release_id}").json()["releaseStatus"] == "STARTED"
    flex.set_running(release_id, 0)
    ended = flex.patch(release_id, body).json()
    assert ended["releaseStatus"] == "COMPLETED"
    assert ended["endDate"] is not None
    assert flex.desk.get(f"/releases/{release_id}").json()["release"]["stage"]["name"] == "Closure"


def test_pipeline_id_and_name_must_name_the_same_pipeline(flex: Flex) -> None:
    body = {"pipelineId": 12345, "pipelineName": "Test Pipeline"}
    for message in _refused_everywhere(flex, body):
        assert "pipelineId 12345 is pipeline 'Pipeline 1', but pipelineName is" in message
    assert "No pipeline with pipelineId 777" in flex.refused(
        flex.post({"releaseName": "x", "pipelineId": 777})
    )
    assert "No pipeline named 'Nope'" in flex.refused(
        flex.post({"releaseName": "x", "pipelineName": "Nope"})
    )
    same = flex.create(releaseName="Same", pipelineId=10004, pipelineName="TEST PIPELINE")
    assert same["pipelineName"] == "Test Pipeline"


def test_properties_need_a_pipeline_and_must_be_its_own(flex: Flex) -> None:
    props = [{"propertyName": "TESTPROPERTY", "propertyValue": "3"}]
    for message in _refused_everywhere(flex, {"properties": props}):
        assert "Property 'TESTPROPERTY' cannot be set: pipelineId or pipelineName" in message
    other = {"releaseName": "x", "pipelineId": 10004, "properties": props}
    assert "'TESTPROPERTY' is not a property of pipeline 'Test Pipeline'" in flex.refused(
        flex.post(other)
    )
    twice = {"releaseName": "x", "pipelineId": 12345, "properties": props + props}
    assert "given twice" in flex.refused(flex.post(twice))


def test_a_project_needs_its_id_and_a_stream_of_its_own(flex: Flex) -> None:
    for message in _refused_everywhere(flex, {"projects": [{"projectStreamId": 6790}]}):
        assert "Adding a project requires a projectId (projects[0])" in message
    for message in _refused_everywhere(flex, {"projects": [FULL, {"projectId": 13903}]}):
        assert "Adding project 'RESTDeployProject1' (13903) requires a projectStreamId" in message
    wrong = {"projects": [{"projectId": 6789, "projectStreamId": 3502}]}
    for message in _refused_everywhere(flex, wrong):
        assert "Stream 3502 is not a stream of project 'REST Full Project' (6789)" in message
    unknown = {"releaseName": "x", "projects": [{"projectId": 5, "projectStreamId": 6}]}
    assert "No project with projectId 5" in flex.refused(flex.post(unknown))
    response = flex.post(unknown)
    assert response.json()["field"] == "projects[0].projectId"


def test_build_environment_must_be_the_projects_and_is_filled_when_it_has_one(flex: Flex) -> None:
    wrong = {"projects": [{**FULL, "buildEnvironmentId": 10956}]}
    for message in _refused_everywhere(flex, wrong):
        assert "buildEnvironmentId 10956 is not a build environment of the build instance" in (
            message
        )
        assert "'REST Full Project' (6789)" in message
    release = flex.create(
        releaseName="Builds",
        projects=[
            FULL,
            {**PARTIAL, "packageName": "p1"},
            {**PARTIAL, "packageName": "p2", "buildEnvironmentId": 21212},
        ],
    )
    assert [p["buildEnvironmentId"] for p in release["projects"]] == [22478, None, 21212]


def test_full_deployment_projects_take_no_package_and_no_request_all_files(flex: Flex) -> None:
    for extra, field in (({"packageName": "P"}, "packageName"), ({"requestAllFiles": True}, "")):
        for message in _refused_everywhere(flex, {"projects": [{**FULL, **extra}]}):
            assert "'REST Full Project' (6789) is a full-deployment project: it takes no" in (
                message
            )
            assert (field or "requestAllFiles") in message
    # what a GET shows for such a project may be sent back
    back = flex.create(
        releaseName="Back", projects=[{**FULL, "packageName": None, "requestAllFiles": False}]
    )
    assert back["projects"][0]["packageName"] is None


def test_partial_deployment_projects_and_their_package(flex: Flex) -> None:
    both = {"projects": [{**PARTIAL, "requestAllFiles": True, "packageName": "P"}]}
    for message in _refused_everywhere(flex, both):
        assert "requests all files: it cannot also take a packageName" in message
    for body in ({"projects": [PARTIAL]}, {"projects": [{**PARTIAL, "requestAllFiles": False}]}):
        for message in _refused_everywhere(flex, body):
            assert "partial-deployment project that does not request all files: it needs a" in (
                message
            )
    all_files = flex.create(releaseName="All", projects=[{**PARTIAL, "requestAllFiles": True}])
    assert all_files["projects"][0]["requestAllFiles"] is True
    assert all_files["projects"][0]["packageName"] is None
    dup = {"releaseName": "x", "projects": [{**PARTIAL, "packageName": "P"}] * 2}
    assert "given twice" in flex.refused(flex.post(dup))


@pytest.mark.parametrize(
    "expression",
    [
        "0 0 12 * * ?",
        "0 15 10 ? * MON-FRI",
        "0 15 10 L * ?",
        "0 15 10 ? * 6#3",
        "0 0 12 ? * MON#2 2030",
        "0 0/5 14,18 * * ?;0 15 10 15W * ?",
    ],
)
def test_schedule_takes_quartz_expressions(flex: Flex, expression: str) -> None:
    created = flex.create(releaseName="Scheduled", scheduleBuildExpression=expression)
    assert created["scheduleBuildExpression"] == expression


@pytest.mark.parametrize(
    "expression",
    ["* * * * *", "0 0 12 * * *", "0 0 25 * * ?", "0 0 12 ? * 6#6", "0 0 12 * * ?;", "nonsense"],
)
def test_schedule_refuses_what_quartz_refuses(flex: Flex, expression: str) -> None:
    for message in _refused_everywhere(flex, {"scheduleBuildExpression": expression}):
        assert f"scheduleBuildExpression '{expression}' is not a valid Quartz cron" in message
    response = flex.post({"releaseName": "x", "scheduleBuildExpression": expression})
    assert response.json()["field"] == "scheduleBuildExpression"


def test_cms_details_name_catalog_entries(flex: Flex) -> None:
    unknown = {"cmsDetails": {"cmsInstanceId": 99}}
    for message in _refused_everywhere(flex, unknown):
        assert "No change-management instance with cmsInstanceId 99" in message
    env = {
        "cmsDetails": {
            "cmsInstanceId": 1010,
            "overriddenEnvironmentConfigurations": [
                {"environmentId": 4, "requireChangeTicketForDeployment": True}
            ],
        }
    }
    assert "No environment with environmentId 4" in flex.refused(
        flex.post({"releaseName": "x", **env})
    )


def test_a_completed_release_cannot_be_changed(flex: Flex) -> None:
    """FlexDeploy's writes ask NOTSTARTED or STARTED and neither reopens a completed release:
    PUT and PATCH on it are refused, whatever they ask, and nothing changes; SDP may still
    reopen it."""
    release = flex.create(releaseName="Done", releaseStatus="STARTED", projects=[FULL])
    release_id = release["releaseId"]
    ended = flex.patch(release_id, {"releaseName": "Done", "releaseStatus": "COMPLETED"})
    assert ended.status_code == 200, ended.text
    before = flex.get(f"/releases/{release_id}").json()
    bodies: list[dict[str, Any]] = [
        {"releaseName": "Done", "description": "later"},
        {"releaseName": "Done", "pipelineId": 10004},
        {"releaseName": "Done", "projects": [PARTIAL | {"packageName": "P"}]},
        {"releaseName": "Done", "releaseStatus": "NOTSTARTED"},
        {"releaseName": "Done", "releaseStatus": "STARTED"},
        {"releaseName": "Done", "releaseStatus": "COMPLETED"},
    ]
    for body in bodies:
        for write in (flex.patch, flex.put):
            response = write(release_id, body)
            message = flex.refused(response)
            assert f"Release {release_id} is COMPLETED" in message
            assert "a completed release cannot be changed" in message
            assert response.json()["field"] == "releaseStatus"
    assert flex.get(f"/releases/{release_id}").json() == before
    reopened = flex.desk.put(
        f"/releases/{release_id}", input_data={"release": {"stage": {"name": "Testing"}}}
    )
    assert reopened.status_code == 200, reopened.text
    again = flex.patch(release_id, {"releaseName": "Done", "description": "later"})
    assert again.status_code == 200, again.text
