"""Fuzzed schemas: schemathesis drives every operation of each dialect's OpenAPI document.

Each dialect's document (the one its sub-app serves, built from its route table:
/api/v3/openapi.json, /flexdeploy/rest/v1/openapi.json, UCR's /openapi.json) is loaded
once; schemathesis generates requests from it (its examples, coverage and fuzzing phases,
a fixed seed and few examples per operation, so a run is the same run every time and stays
short) and each is sent, with an admin's key of a portal seeded with
a release, a task, an approval level and the deployment catalog, through the suite's
in-process client, to that portal's paths. Half the cases have their path's ids replaced
by the seeded ones, so the operations are reached beyond their 404s.

Every answer must be no 500, carry no traceback, and conform to the document: its status
code, content type and body as documented (schemathesis's own response checks).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from releasedesk.api.flexdeploy.app import create_flexdeploy_app
from releasedesk.api.sdp.app import create_sdp_app
from releasedesk.api.ucr.app import create_ucr_app
from tests.api.flexdeploy.support import flex_for
from tests.helpers import Desk, make_desk

EXAMPLES = 6  # per operation, in the fuzzing phase
SEED = 19
TRACEBACK_SIGNS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.", "asyncpg.")


def _schema(document: dict[str, Any]) -> Any:
    schema = schemathesis.openapi.from_dict(document)
    schema.config.seed = SEED
    schema.config.generation.update(max_examples=EXAMPLES, deterministic=True, database="none")
    schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    return schema


SDP = _schema(create_sdp_app(None).openapi())
UCR = _schema(create_ucr_app(None).openapi())
FLEXDEPLOY = _schema(create_flexdeploy_app(None).openapi())


@dataclass
class Target:
    """Where a dialect's cases go and the seeded ids a path may name."""

    desk: Desk
    ids: dict[str, str]

    def base(self, dialect: str) -> str:
        prefix = f"/app/{self.desk.portal}"
        return prefix + {"sdp": "/api/v3", "ucr": "", "flexdeploy": "/flexdeploy/rest/v1"}[dialect]

    def auth(self, dialect: str) -> dict[str, str]:
        key = self.desk.admin.key
        return {"authtoken": key} if dialect == "sdp" else {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def target(client: TestClient) -> Iterator[Target]:
    desk = make_desk(client)
    flex = flex_for(desk)
    release = desk.create_release(title="Fuzzed release")
    rid = release["id"]
    task = desk.post(f"/releases/{rid}/tasks", input_data={"task": {"title": "A task"}})
    level = desk.post(
        f"/releases/{rid}/approval_levels",
        input_data={
            "approval_level": {
                "name": "CAB",
                "release_stage": {"name": "submission"},
                "rule": {"type": "anyone"},
                "approvals": [{"approver": {"id": str(desk.technician.id)}}],
            }
        },
    )
    assert task.status_code == 201 and level.status_code == 201, (task.text, level.text)
    level_id = level.json()["approval_level"]["id"]
    approvals = desk.get(f"/releases/{rid}/approval_levels/{level_id}/approvals").json()
    ucr = client.get(
        f"/app/{desk.portal}/releases/", headers={"Authorization": f"Bearer {desk.admin.key}"}
    ).json()
    deployed = flex.create(releaseName="Fuzzed deployment")
    yield Target(
        desk,
        {
            "release_id": rid,
            "child_id": task.json()["task"]["id"],
            "plural": "tasks",
            "level_id": level_id,
            "approval_id": approvals["approvals"][0]["id"],
            "user_id": str(desk.technician.id),
            "model_id": "00000000-0000-0000-0000-000000000006",
            "team_id": "00000000-0000-0000-0000-000000000206",
            "pipeline_id": "12345",
            "project_id": "33442",
            "ucr_release_id": ucr[0]["id"],
            "flex_release_id": str(deployed["releaseId"]),
        },
    )


def _seeded_path(case: Case, dialect: str, target: Target) -> None:
    """Half the cases (by a stable hash of the case) name the seeded ids in their path."""
    if not case.path_parameters or hash(json.dumps(case.path_parameters, default=str)) % 2:
        return
    for name in case.path_parameters:
        key = {"ucr": "ucr_release_id", "flexdeploy": "flex_release_id"}.get(dialect, name)
        chosen = key if name == "release_id" else name
        if chosen in target.ids:
            case.path_parameters[name] = target.ids[chosen]


def _httpx_kwargs(case: Case, base_url: str, headers: dict[str, str]) -> dict[str, Any]:
    """The case as the suite's client sends it (schemathesis speaks `requests`)."""
    sent = case.as_transport_kwargs(base_url=base_url, headers=headers)
    kwargs: dict[str, Any] = {
        "method": sent["method"],
        "url": sent["url"],
        "headers": sent.get("headers") or {},
        "params": sent.get("params") or None,
    }
    if "json" in sent:
        kwargs["content"] = json.dumps(sent["json"]).encode()
        kwargs["headers"].setdefault("Content-Type", "application/json")
    elif isinstance(sent.get("data"), dict):
        kwargs["data"] = sent["data"]
    elif sent.get("data") is not None:
        data = sent["data"]
        kwargs["content"] = data.encode() if isinstance(data, str) else data
    if sent.get("cookies"):
        kwargs["cookies"] = sent["cookies"]
    return kwargs


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _run(case: Case, dialect: str, target: Target) -> None:
    _seeded_path(case, dialect, target)
    base_url = "http://testserver" + target.base(dialect)
    response: httpx.Response = target.desk.client.request(
        **_httpx_kwargs(case, base_url, target.auth(dialect))
    )
    assert response.status_code < 500, response.text
    for sign in TRACEBACK_SIGNS:
        assert sign not in response.text, response.text
    case.validate_response(response, checks=CHECKS)


@SDP.parametrize()
def test_sdp_answers_as_documented(case: Case, target: Target) -> None:
    _run(case, "sdp", target)


@UCR.parametrize()
def test_ucr_answers_as_documented(case: Case, target: Target) -> None:
    _run(case, "ucr", target)


@FLEXDEPLOY.parametrize()
def test_flexdeploy_answers_as_documented(case: Case, target: Target) -> None:
    _run(case, "flexdeploy", target)
