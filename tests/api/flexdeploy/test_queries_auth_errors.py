"""The query parameters, the credentials FlexDeploy clients send, the roles, and the 400s of
malformed input: always FlexDeploy's shape, never a 500."""

from __future__ import annotations

import base64

import pytest

from releasedesk.db.models import Release
from tests.api.flexdeploy.support import Flex

FULL = {"projectId": 6789, "projectStreamId": 6790}


def _basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def _names(flex: Flex, query: str) -> list[str]:
    response = flex.get(f"/releases{query}")
    assert response.status_code == 200, response.text
    return [r["releaseName"] for r in response.json()]


def test_query_by_name_and_status(flex: Flex) -> None:
    flex.create(releaseName="REST Release 1", releaseStatus="STARTED", projects=[FULL])
    flex.create(releaseName="REST Release 2", releaseStatus="STARTED", projects=[FULL])
    flex.create(releaseName="Quiet rest", projects=[FULL])
    held = flex.create(releaseName="Held", releaseStatus="STARTED", projects=[FULL])
    done = flex.create(releaseName="Done", releaseStatus="STARTED", projects=[FULL])
    flex.desk.put(
        f"/releases/{held['releaseId']}", input_data={"release": {"status": {"name": "On Hold"}}}
    )
    flex.desk.put(f"/releases/{done['releaseId']}/close", input_data={"status": "completed"})
    everything = ["REST Release 1", "REST Release 2", "Quiet rest", "Held", "Done"]
    assert _names(flex, "") == everything
    assert _names(flex, "?releaseStatus=STARTED&releaseName=Rest") == [
        "REST Release 1",
        "REST Release 2",
    ]
    assert _names(flex, "?releaseName=REST") == ["REST Release 1", "REST Release 2", "Quiet rest"]
    assert _names(flex, "?releaseName=release%202") == ["REST Release 2"]
    for spelled in ("NOTSTARTED", "NOT STARTED", "not started", "NotStarted"):
        assert _names(flex, f"?releaseStatus={spelled}") == ["Quiet rest"]
    assert _names(flex, "?releaseStatus=suspended") == ["Held"]
    assert _names(flex, "?releaseStatus=Completed") == ["Done"]
    assert _names(flex, "?releaseName=nothing-like-it") == []
    assert _names(flex, "?releaseName=%25") == []  # % is literal
    message = flex.refused(flex.get("/releases?releaseStatus=RUNNING"))
    assert "'RUNNING' is not a release status" in message


def test_a_nul_in_the_name_query_is_a_400_naming_it(flex: Flex) -> None:
    flex.create(releaseName="Some release")
    for query in ("?releaseName=%00", "?releaseName=a%00b&releaseStatus=STARTED"):
        response = flex.get(f"/releases{query}")
        message = flex.refused(response)
        assert "NUL" in message
        assert response.json()["field"] == "releaseName"


def test_a_list_pages_through_every_release(flex: Flex) -> None:
    for number in range(105):
        flex.desk.create_release(title=f"Many {number}")
    assert len(_names(flex, "?releaseName=many")) == 105


@pytest.mark.parametrize("form", ["bearer", "x-api-key", "basic"])
def test_each_credential_form(flex: Flex, form: str) -> None:
    key = flex.desk.admin.key
    headers = {
        "bearer": {"Authorization": f"Bearer {key}"},
        "x-api-key": {"X-API-Key": key},
        "basic": {"Authorization": _basic(flex.desk.admin.name, "admin-pass")},
    }[form]
    assert flex.get("/releases", key="", headers=headers).status_code == 200
    created = flex.post({"releaseName": "By " + form}, key="", headers=headers)
    assert created.status_code == 201, created.text


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"X-API-Key": "nope"},
        {"Authorization": "Basic !!!"},
        {"Authorization": _basic("Ada Admin", "wrong")},
    ],
)
def test_without_valid_credentials_401(flex: Flex, headers: dict[str, str]) -> None:
    response = flex.get("/releases", key="", headers=headers)
    flex.refused(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    flex.refused(flex.post({"releaseName": "x"}, key="", headers=headers), 401)


def test_a_key_of_another_portal_is_refused(flex: Flex) -> None:
    other = flex.desk.client.get(
        "/flexdeploy/rest/v1/releases", headers={"Authorization": f"Bearer {flex.desk.admin.key}"}
    )
    assert other.status_code == 401


def test_requesters_read_their_own_and_may_not_write(flex: Flex) -> None:
    requester = flex.desk.requester.key
    staff = flex.create(releaseName="Staff's")
    refused = flex.post({"releaseName": "Mine"}, key=requester)
    assert "Requesters cannot" in flex.refused(refused, 403)
    flex.refused(flex.put(staff["releaseId"], {"releaseName": "x"}, key=requester), 403)
    flex.refused(flex.patch(staff["releaseId"], {"releaseName": "x"}, key=requester), 403)
    flex.refused(flex.get(f"/releases/{staff['releaseId']}", key=requester), 403)
    own = flex.desk.create_release(key=requester, title="Requested")
    assert _names_as(flex, requester) == ["Requested"]
    assert flex.get(f"/releases/{own['id']}", key=requester).status_code == 200


def test_the_role_is_checked_before_the_body(flex: Flex) -> None:
    """A requester hears 403 even for a malformed body or path; no credentials: still 401."""
    requester = flex.desk.requester.key
    staff = flex.create(releaseName="Staff's")
    release_id = staff["releaseId"]
    for body in ("{", {"releaseName": 5}, {"widgets": 1}, ""):
        assert "Requesters cannot" in flex.refused(flex.post(body, key=requester), 403)
        flex.refused(flex.put(release_id, body, key=requester), 403)
        flex.refused(flex.patch(release_id, body, key=requester), 403)
        flex.refused(
            flex.request("PUT", f"/releases/{release_id}/executions", body, key=requester), 403
        )
    flex.refused(flex.patch(release_id, "{", key=""), 401)


def test_the_executions_body_is_named_as_what_it_is(flex: Flex) -> None:
    release_id = flex.create(releaseName="r")["releaseId"]
    path = f"/releases/{release_id}/executions"
    response = flex.request("PUT", path, {"releaseName": "r", "runningExecutions": 1})
    message = flex.refused(response)
    assert message == "'releaseName' is not an attribute of a release's executions"
    assert response.json()["field"] == "releaseName"
    missing = flex.request("PUT", path, {})
    assert "'runningExecutions' is required" in flex.refused(missing)
    # a release body still says a release
    refused = flex.patch(release_id, {"releaseName": "r", "widgets": 1})
    assert flex.refused(refused) == "'widgets' is not an attribute of a release"


def _names_as(flex: Flex, key: str) -> list[str]:
    return [r["releaseName"] for r in flex.get("/releases", key=key).json()]


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({}, "releaseName", "releaseName is required"),
        ({"releaseName": None}, "releaseName", "releaseName is required"),
        ({"releaseName": "  "}, "releaseName", "releaseName is required"),
        ({"releaseName": 5}, "releaseName", "releaseName"),
        ({"releaseName": "x", "colour": "red"}, "colour", "not an attribute"),
        ({"releaseName": "x", "pipelineId": "many"}, "pipelineId", "pipelineId"),
        ({"releaseName": "x", "pipelineId": -1}, "pipelineId", "pipelineId"),
        ({"releaseName": "x", "pipelineId": 2**70}, "pipelineId", "pipelineId"),
        ({"releaseName": "x", "projects": {"projectId": 1}}, "projects", "projects"),
        (
            {"releaseName": "x", "projects": [{"projectId": 6789, "bogus": 1}]},
            "projects[0].bogus",
            "not an attribute",
        ),
        (
            {"releaseName": "x", "projects": [{**FULL, "requestAllFiles": "yes"}]},
            "projects[0].requestAllFiles",
            "requestAllFiles",
        ),
        ({"releaseName": "x", "properties": [{}]}, "properties[0].propertyName", "required"),
        ({"releaseName": "x", "cmsDetails": {}}, "cmsDetails.cmsInstanceId", "required"),
        ({"releaseName": "x", "releaseStatus": "PAUSED"}, "releaseStatus", "'PAUSED'"),
        ({"releaseName": "x", "releaseStatus": "SUSPENDED"}, "releaseStatus", "not SUSPENDED"),
        ({"releaseName": "x", "releaseStatus": "COMPLETED"}, "releaseStatus", "NOTSTARTED"),
        ({"releaseName": "x" * 251}, "releaseName", "releaseName"),
    ],
)
def test_malformed_input_is_a_400_naming_the_field(
    flex: Flex, body: dict[str, object], field: str, says: str
) -> None:
    before = flex.desk.count(Release)
    response = flex.post(body)
    assert says in flex.refused(response), response.text
    assert response.json()["field"] == field
    assert flex.desk.count(Release) == before


@pytest.mark.parametrize(
    "raw", [b"", b"   ", b"[]", b'"text"', b"{", b"{'releaseName': 'x'}", b"\xff\xfe", b"null"]
)
def test_bodies_that_are_not_a_json_object(flex: Flex, raw: bytes) -> None:
    target = flex.create(releaseName="Target")
    for response in (
        flex.post(raw),
        flex.put(target["releaseId"], raw),
        flex.patch(target["releaseId"], raw),
    ):
        flex.refused(response)
        assert response.json()["field"] == "body"


def test_unknown_ids_and_a_mismatched_release_id(flex: Flex) -> None:
    flex.refused(flex.put(987654321, {"releaseName": "x"}), 404)
    flex.refused(flex.patch(987654321, {"releaseName": "x"}), 404)
    flex.refused(flex.request("PUT", "/releases/x1", {"releaseName": "x"}), 404)
    target = flex.create(releaseName="Target")
    other = flex.put(
        target["releaseId"], {"releaseName": "x", "releaseId": 1 + target["releaseId"]}
    )
    assert "is not the release" in flex.refused(other)
    same = flex.put(target["releaseId"], {"releaseName": "x", "releaseId": target["releaseId"]})
    assert same.status_code == 200
    flex.refused(flex.get("/pipelines/424242"), 404)
    flex.refused(flex.get("/nowhere"), 404)
    flex.refused(flex.request("DELETE", f"/releases/{target['releaseId']}"), 405)


def test_a_release_in_the_trash_is_not_changed(flex: Flex) -> None:
    target = flex.create(releaseName="Trashed")
    flex.desk.request("DELETE", f"/releases/{target['releaseId']}/move_to_trash")
    assert "trash" in flex.refused(flex.patch(target["releaseId"], {"releaseName": "x"}))


def test_the_catalog_read_endpoints(flex: Flex) -> None:
    pipelines = flex.get("/pipelines").json()
    assert [p["pipelineId"] for p in pipelines] == [10004, 12345]
    pipeline = flex.get("/pipelines/12345").json()
    assert pipeline["properties"] == [
        {"name": "NOTIFY", "required": False},
        {"name": "TESTPROPERTY", "required": True},
    ]
    assert pipeline["projectGroups"] == [{"name": "Core", "projects": [6789, 33442]}]
    project = flex.get("/projects/33442").json()
    assert project["partialDeployment"] is True
    assert project["streams"] == [{"projectStreamId": 3502, "streamName": "trunk"}]
    assert project["buildEnvironments"] == [10956, 21212]
    assert len(flex.get("/projects").json()) == 4
    assert {e["environmentId"] for e in flex.get("/environments").json()} >= {22478, 30001}
    assert flex.get("/cmsinstances").json() == [
        {"cmsInstanceId": 1010, "cmsInstanceName": "ServiceNow"}
    ]
    flex.refused(flex.get("/projects", key=""), 401)
