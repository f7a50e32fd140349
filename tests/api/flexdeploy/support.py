"""FlexDeploy over HTTP: a portal with the sample catalog and shortcuts for its paths."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import httpx

from releasedesk.cli.demo_catalog import DEMO_CATALOG
from releasedesk.core.catalog import service as catalog
from releasedesk.core.catalog.file import read_catalog
from tests.helpers import Desk

# The spec's POST sample with its invalid `01010` written as a number JSON allows (1010), the
# stream the rules require (3502) and a partial project's package.
SPEC_POST = {
    "releaseName": "Release Created From REST API",
    "releaseStatus": "STARTED",
    "pipelineId": 12345,
    "properties": [{"propertyName": "TESTPROPERTY", "propertyValue": 3}],
    "projects": [{"projectId": 33442, "projectStreamId": 3502, "packageName": "Package 1"}],
    "cmsDetails": {"cmsInstanceId": 1010},
}
SPEC_POST_AS_WRITTEN = """{
	"releaseName":"Release Created From REST API",
	"releaseStatus": "STARTED",
	"pipelineId":12345,
	"properties": [
	{
		"propertyName": "TESTPROPERTY",
		"propertyValue": 3
	}],
	"projects":[
	{
		"projectId": 33442,
		"packageName": "Package 1"
	}],
	"cmsDetails":
	{
		"cmsInstanceId": 01010
	}
}"""


def spec_post() -> dict[str, Any]:
    return copy.deepcopy(SPEC_POST)


@dataclass
class Flex:
    desk: Desk

    @property
    def base(self) -> str:
        return f"/app/{self.desk.portal}/flexdeploy/rest/v1"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = dict(headers or {})
        if key is None:
            key = self.desk.admin.key
        if key:
            headers.setdefault("Authorization", f"Bearer {key}")
        if body is not None:
            kwargs["content"] = body if isinstance(body, str | bytes) else json.dumps(body)
            headers.setdefault("content-type", "application/json")
        return self.desk.client.request(method, self.base + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("POST", "/releases", body, **kwargs)

    def put(self, release_id: int, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", f"/releases/{release_id}", body, **kwargs)

    def patch(self, release_id: int, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", f"/releases/{release_id}", body, **kwargs)

    def create(self, **fields: Any) -> dict[str, Any]:
        fields.setdefault("releaseName", "A release")
        response = self.post(fields)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def refused(self, response: httpx.Response, status: int = 400) -> str:
        """The message of a refusal, after checking its status and FlexDeploy's shape."""
        assert response.status_code == status, response.text
        body = response.json()
        assert body["status"] == status
        return str(body["message"])

    def set_running(self, release_id: int, count: int) -> None:
        response = self.request(
            "PUT", f"/releases/{release_id}/executions", {"runningExecutions": count}
        )
        assert response.status_code == 200, response.text


def flex_for(desk: Desk, with_catalog: bool = True) -> Flex:
    if with_catalog:

        async def load() -> None:
            async with desk.database.unit_of_work() as session:
                await catalog.load_catalog(session, desk.portal_id, read_catalog(DEMO_CATALOG))

        desk.client.portal.call(load)
    return Flex(desk)
