"""The spec's own examples over HTTP: POST, GET by id, the query, PUT replacing and PATCH
appending as its before/after samples show (with `01010` written as valid JSON)."""

from __future__ import annotations

import pytest

from tests.api.flexdeploy.support import SPEC_POST_AS_WRITTEN, Flex, spec_post

RELEASE_KEYS = {
    "releaseId",
    "releaseName",
    "releaseStatus",
    "description",
    "pipelineId",
    "pipelineName",
    "startDate",
    "endDate",
    "scheduleBuildExpression",
    "projects",
    "cmsDetails",
    "properties",
}
PROJECT_KEYS = {
    "priority",
    "projectId",
    "projectName",
    "packageName",
    "requestAllFiles",
    "applicationPath",
    "buildEnvironmentId",
    "projectStreamId",
    "projectGroups",
}


def test_post_creates_the_release_the_spec_shows(flex: Flex) -> None:
    response = flex.post(spec_post())
    assert response.status_code == 201, response.text
    release = response.json()
    assert set(release) == RELEASE_KEYS
    assert isinstance(release["releaseId"], int)
    assert release["releaseName"] == "Release Created From REST API"
    assert release["releaseStatus"] == "STARTED"
    assert release["pipelineId"] == 12345
    assert release["pipelineName"] == "Pipeline 1"
    assert release["description"] is None
    assert release["endDate"] is None
    assert release["scheduleBuildExpression"] is None
    assert len(release["startDate"]) == 10  # 2019-02-13: started now
    assert release["properties"] == [{"propertyName": "TESTPROPERTY", "propertyValue": "3"}]
    [project] = release["projects"]
    assert set(project) == PROJECT_KEYS
    assert project == {
        "priority": 1,
        "projectId": 33442,
        "projectName": "REST Partial Project",
        "packageName": "Package 1",
        "requestAllFiles": False,
        "applicationPath": "FlexDeploy/REST",
        "buildEnvironmentId": None,  # the project builds in two environments
        "projectStreamId": 3502,
        "projectGroups": "Core",
    }
    assert release["cmsDetails"] == {
        "cmsInstanceId": 1010,
        "overriddenDefaultConfigurations": None,
        "overriddenEnvironmentConfigurations": None,
        "overrideSettings": False,
    }
    assert flex.get(f"/releases/{release['releaseId']}").json() == release


def test_the_spec_sample_as_written_is_not_json_and_says_where(flex: Flex) -> None:
    before = flex.get("/releases").json()
    message = flex.refused(flex.post(SPEC_POST_AS_WRITTEN))
    assert "not valid JSON" in message
    assert "line 17, column" in message and "char" in message
    assert flex.get("/releases").json() == before


def test_get_by_id_and_unknown_ids(flex: Flex) -> None:
    created = flex.create(releaseName="Test Release 1")
    found = flex.get(f"/releases/{created['releaseId']}")
    assert found.status_code == 200
    assert found.json()["releaseStatus"] == "NOTSTARTED"
    assert found.json()["projects"] == [] and found.json()["properties"] == []
    assert "999999999" in flex.refused(flex.get("/releases/999999999"), 404)
    assert flex.refused(flex.get("/releases/abc"), 404)
    assert flex.refused(flex.get("/releases/１２"), 404)  # noqa: RUF001 (Unicode digits)


def _started_with_33442(flex: Flex) -> int:
    """The PUT sample's release before: STARTED, project 33442 with Package 1, no pipeline."""
    release = flex.create(
        releaseName="Release Created From REST API",
        releaseStatus="STARTED",
        projects=[{"projectId": 33442, "projectStreamId": 3502, "packageName": "Package 1"}],
    )
    assert release["pipelineId"] is None and release["cmsDetails"] is None
    return int(release["releaseId"])


def test_put_replaces_as_the_spec_shows(flex: Flex) -> None:
    release_id = _started_with_33442(flex)
    response = flex.put(
        release_id,
        {
            "projects": [{"projectId": 6789, "projectStreamId": 6790}],
            "startDate": None,
            "endDate": None,
            "scheduleBuildExpression": None,
            "pipelineId": 12345,
            "releaseStatus": "NOTSTARTED",
            "cmsDetails": {"cmsInstanceId": 1010},
            "description": "This is the updated Release",
            "releaseName": "Release Created From REST API",
            "pipelineName": "Pipeline 1",
            "properties": [{"propertyValue": "3", "propertyName": "TESTPROPERTY"}],
        },
    )
    assert response.status_code == 200, response.text
    after = response.json()
    # 33442 removed, 6789 added with its one build environment filled in
    assert [(p["projectId"], p["buildEnvironmentId"]) for p in after["projects"]] == [(6789, 22478)]
    assert after["projects"][0]["packageName"] is None
    assert after["projects"][0]["requestAllFiles"] is False
    assert after["projects"][0]["priority"] == 1
    assert after["releaseStatus"] == "STARTED"  # a started release does not un-start
    assert after["pipelineId"] == 12345 and after["pipelineName"] == "Pipeline 1"
    assert after["description"] == "This is the updated Release"
    assert after["cmsDetails"]["cmsInstanceId"] == 1010
    assert after["cmsDetails"]["overrideSettings"] is False
    assert after["properties"] == [{"propertyName": "TESTPROPERTY", "propertyValue": "3"}]
    assert after["releaseId"] == release_id


def test_put_resets_what_is_absent_or_null(flex: Flex) -> None:
    release = flex.create(
        releaseName="Full",
        description="Something",
        pipelineName="pipeline 1",
        scheduleBuildExpression="0 0 12 * * ?",
        properties=[{"propertyName": "NOTIFY", "propertyValue": "ops"}],
        cmsDetails={
            "cmsInstanceId": 1010,
            "overrideSettings": True,
            "overriddenDefaultConfigurations": {"requireChangeTicketForDeployment": True},
            "overriddenEnvironmentConfigurations": [
                {"environmentId": 30001, "requireChangeTicketForDeployment": False}
            ],
        },
    )
    assert release["pipelineId"] == 12345
    assert release["cmsDetails"]["overriddenEnvironmentConfigurations"] == [
        {"environmentId": 30001, "requireChangeTicketForDeployment": False}
    ]
    after = flex.put(release["releaseId"], {"releaseName": "Full", "description": None}).json()
    assert after["description"] is None
    assert after["pipelineId"] is None and after["pipelineName"] is None
    assert after["scheduleBuildExpression"] is None
    assert after["properties"] == []
    assert after["cmsDetails"] is None
    assert after["projects"] == []
    assert after["releaseStatus"] == "NOTSTARTED"


def test_patch_appends_as_the_spec_shows(flex: Flex) -> None:
    before = flex.create(
        releaseName="Release Created From REST API",
        releaseStatus="STARTED",
        description="Kept",
        projects=[{"projectId": 6789, "projectStreamId": 6790}],
    )
    response = flex.patch(
        before["releaseId"],
        {
            "projects": [{"projectId": 33442, "projectStreamId": 3502, "packageName": "Package 1"}],
            "pipelineId": 12345,
            "releaseStatus": "NOTSTARTED",
            "cmsDetails": {"cmsInstanceId": 1010},
            "releaseName": "Release Created From REST API",
            "pipelineName": "Pipeline 1",
            "properties": [{"propertyValue": "3", "propertyName": "TESTPROPERTY"}],
        },
    )
    assert response.status_code == 200, response.text
    after = response.json()
    assert [(p["projectId"], p["packageName"], p["priority"]) for p in after["projects"]] == [
        (6789, None, 1),
        (33442, "Package 1", 2),
    ]
    assert after["releaseStatus"] == "STARTED"
    assert after["description"] == "Kept"  # not given: unchanged
    assert after["pipelineName"] == "Pipeline 1"
    assert after["cmsDetails"]["cmsInstanceId"] == 1010
    assert after["properties"] == [{"propertyName": "TESTPROPERTY", "propertyValue": "3"}]


def test_patch_updates_and_never_removes(flex: Flex) -> None:
    release = flex.create(
        releaseName="Patched",
        pipelineId=12345,
        scheduleBuildExpression="0 0 12 * * ?",
        properties=[
            {"propertyName": "TESTPROPERTY", "propertyValue": "1"},
            {"propertyName": "NOTIFY", "propertyValue": "ops"},
        ],
        projects=[
            {"projectId": 13921, "projectStreamId": 13922, "packageName": "Package1"},
            {"projectId": 13921, "projectStreamId": 13922, "packageName": "Package2"},
        ],
    )
    release_id = release["releaseId"]
    after = flex.patch(
        release_id,
        {
            "releaseName": "Patched again",
            "properties": [{"propertyName": "TESTPROPERTY", "propertyValue": "2"}],
            "projects": [
                {
                    "projectId": 13921,
                    "projectStreamId": 13922,
                    "packageName": "Package2",
                    "priority": 7,
                }
            ],
            "scheduleBuildExpression": None,
            "description": None,
        },
    ).json()
    assert after["releaseName"] == "Patched again"
    assert after["scheduleBuildExpression"] == "0 0 12 * * ?"
    assert after["pipelineId"] == 12345
    assert {p["propertyName"]: p["propertyValue"] for p in after["properties"]} == {
        "TESTPROPERTY": "2",
        "NOTIFY": "ops",
    }
    assert [(p["packageName"], p["priority"]) for p in after["projects"]] == [
        ("Package1", 1),
        ("Package2", 7),
    ]
    nothing = flex.patch(release_id, {"releaseName": "Patched again"}).json()
    assert nothing["projects"] == after["projects"]
    assert nothing["properties"] == after["properties"]


def test_priority_follows_the_order_given(flex: Flex) -> None:
    release = flex.create(
        releaseName="Ordered",
        projects=[
            {"projectId": 13903, "projectStreamId": 13904},
            {"projectId": 6789, "projectStreamId": 6790},
            {"projectId": 13921, "projectStreamId": 13922, "requestAllFiles": True},
        ],
    )
    assert [(p["projectId"], p["priority"]) for p in release["projects"]] == [
        (13903, 1),
        (6789, 2),
        (13921, 3),
    ]
    given = flex.put(
        release["releaseId"],
        {
            "releaseName": "Ordered",
            "projects": [
                {"projectId": 13903, "projectStreamId": 13904, "priority": 5},
                {"projectId": 6789, "projectStreamId": 6790, "priority": 1},
            ],
        },
    ).json()
    assert [(p["projectId"], p["priority"]) for p in given["projects"]] == [(6789, 1), (13903, 5)]


def test_patch_update_keeps_what_it_does_not_give(flex: Flex) -> None:
    """Updating a project already on the release keeps its build environment, stream and
    requestAllFiles unless given; a PUT still replaces."""
    be = {"projectId": 33442, "projectStreamId": 3502, "packageName": "P1"}
    release = flex.create(
        releaseName="be",
        projects=[
            {**be, "buildEnvironmentId": 21212},
            {"projectId": 33442, "projectStreamId": 3502, "requestAllFiles": True},
        ],
    )
    release_id = release["releaseId"]
    patched = flex.patch(
        release_id,
        {
            "releaseName": "be",
            "projects": [
                {"projectId": 33442, "packageName": "P1", "priority": 5},
                {"projectId": 33442, "priority": 6},
            ],
        },
    )
    assert patched.status_code == 200, patched.text
    projects = {p["priority"]: p for p in patched.json()["projects"]}
    assert set(projects) == {5, 6}
    assert projects[5]["buildEnvironmentId"] == 21212
    assert projects[5]["projectStreamId"] == 3502
    assert projects[5]["packageName"] == "P1" and projects[5]["requestAllFiles"] is False
    assert projects[6]["requestAllFiles"] is True and projects[6]["packageName"] is None
    assert projects[6]["projectStreamId"] == 3502
    changed = flex.patch(
        release_id,
        {"releaseName": "be", "projects": [{**be, "buildEnvironmentId": 10956}]},
    ).json()
    assert [p["buildEnvironmentId"] for p in changed["projects"] if p["packageName"]] == [10956]
    replaced = flex.put(release_id, {"releaseName": "be", "projects": [be]}).json()
    assert [p["buildEnvironmentId"] for p in replaced["projects"]] == [None]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("3", "3"),
        ("3.0", "3"),
        ("0.5", "0.5"),
        ("-2", "-2"),
        ("1e308", "1e+308"),
        ("123456789012345678901234567890", "1.2345678901234568e+29"),
        ("18446744073709551615", "18446744073709551615"),
        ("true", "true"),
    ],
)
def test_a_number_sent_as_a_property_value_is_kept_as_short_text(
    flex: Flex, sent: str, kept: str
) -> None:
    body = (
        '{"releaseName": "n", "pipelineId": 12345, "properties": '
        f'[{{"propertyName": "TESTPROPERTY", "propertyValue": {sent}}}]}}'
    )
    created = flex.post(body)
    assert created.status_code == 201, created.text
    assert created.json()["properties"] == [{"propertyName": "TESTPROPERTY", "propertyValue": kept}]


def test_property_values_and_lists_have_a_limit(flex: Flex) -> None:
    long_value = [{"propertyName": "TESTPROPERTY", "propertyValue": "x" * 4001}]
    response = flex.post({"releaseName": "n", "pipelineId": 12345, "properties": long_value})
    flex.refused(response)
    assert response.json()["field"] == "properties[0].propertyValue"
    ok = [{"propertyName": "TESTPROPERTY", "propertyValue": "x" * 4000}]
    assert flex.post({"releaseName": "n", "pipelineId": 12345, "properties": ok}).status_code == 201
    many = [{"propertyName": f"P{i}", "propertyValue": "v"} for i in range(501)]
    response = flex.post({"releaseName": "n", "pipelineId": 12345, "properties": many})
    flex.refused(response)
    assert response.json()["field"] == "properties"
    projects = [{"projectId": 6789, "projectStreamId": 6790}] * 1001
    response = flex.post({"releaseName": "n", "projects": projects})
    flex.refused(response)
    assert response.json()["field"] == "projects"
