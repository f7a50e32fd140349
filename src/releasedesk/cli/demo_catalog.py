"""The sample deployment catalog `releasedesk demo` loads: the pipelines, projects and ids of
FlexDeploy's own REST samples, so the spec's requests work against the demo as written."""

from __future__ import annotations

DEMO_CATALOG: dict[str, object] = {
    "environments": [
        {"id": 10956, "name": "Build"},
        {"id": 21212, "name": "Development"},
        {"id": 10056, "name": "Test"},
        {"id": 22478, "name": "Build (REST)"},
        {"id": 30001, "name": "Production"},
    ],
    "cmsInstances": [{"id": 1010, "name": "ServiceNow"}],
    "pipelines": [
        {
            "id": 12345,
            "name": "Pipeline 1",
            "properties": [
                {"name": "TESTPROPERTY", "required": True},
                {"name": "NOTIFY", "required": False},
            ],
            "projectGroups": [{"name": "Core", "projects": [33442, 6789]}],
        },
        {"id": 10004, "name": "Test Pipeline", "properties": []},
    ],
    "projects": [
        {
            "id": 33442,
            "name": "REST Partial Project",
            "applicationPath": "FlexDeploy/REST",
            "partialDeployment": True,
            "streams": [{"id": 3502, "name": "trunk"}],
            "buildEnvironments": [10956, 21212],
        },
        {
            "id": 6789,
            "name": "REST Full Project",
            "applicationPath": "FlexDeploy/REST",
            "partialDeployment": False,
            "streams": [{"id": 6790, "name": "trunk"}],
            "buildEnvironments": [22478],
        },
        {
            "id": 13903,
            "name": "RESTDeployProject1",
            "applicationPath": "FlexDeploy/RESTTests",
            "partialDeployment": False,
            "streams": [{"id": 13904, "name": "trunk"}],
            "buildEnvironments": [10956],
        },
        {
            "id": 13921,
            "name": "RESTDeployPartialProject",
            "applicationPath": "FlexDeploy/RESTTests",
            "partialDeployment": True,
            "streams": [{"id": 13922, "name": "trunk"}],
            "buildEnvironments": [10956],
        },
    ],
}
