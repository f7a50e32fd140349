"""Helpers the UCR tests share: a client speaking UCR to one test portal, and the spec's
samples."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import Desk

GOLDEN = Path(__file__).parent / "golden"
JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}
DEFAULT_LIFECYCLE = "00000000-0000-0000-0000-000000000006"
SAMPLE_TEAM = "00000000-0000-0000-0000-000000000206"
DEFAULT_PHASE_IDS = [f"00000000-0000-0000-0000-1000000000{n:02d}" for n in range(7, 12)]


def golden(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text())


def golden_text(name: str) -> str:
    return (GOLDEN / name).read_text()


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def token_auth(key: str) -> str:
    """How UrbanCode clients send a token: Basic with the user `PasswordIsAuthToken`."""
    return basic("PasswordIsAuthToken", key)


@dataclass
class Ucr:
    """UCR requests under /app/{portal}/ (or at the root for the default portal), as the
    desk's admin unless told otherwise."""

    desk: Desk
    at_root: bool = False

    def url(self, path: str) -> str:
        return path if self.at_root else f"/app/{self.desk.portal}{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: str | bytes | None = None,
        key: str | None = None,
        auth: str | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = dict(JSON_HEADERS)
        if auth is None:
            auth = token_auth(key or self.desk.admin.key)
        if auth:
            headers["Authorization"] = auth
        if json_body is not None:
            content = json.dumps(json_body)
        return self.desk.client.request(
            method, self.url(path), headers=headers, content=content, params=params
        )

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, json_body=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, json_body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def create(self, key: str | None = None, **fields: Any) -> dict[str, Any]:
        fields.setdefault("name", "A release")
        response = self.post("/releases/", fields, key=key)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]


# Values that differ between the vendor's sample and a fresh portal: ids made per element,
# the creator, and the times of creation.
VOLATILE_KEYS = {"id", "dateCreated", "lastRefresh", "createdByUserId"}
BUILT_IN_IDS = {DEFAULT_LIFECYCLE, SAMPLE_TEAM, *DEFAULT_PHASE_IDS}


def shape_problems(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Where `actual` differs from the sample: the same keys (no more, no fewer), nesting,
    JSON types, and values except the volatile ones (the built-in ids must match)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {type(actual).__name__}"]
        problems = [f"{path}.{k}: missing" for k in expected if k not in actual]
        problems += [f"{path}.{k}: not in the sample" for k in actual if k not in expected]
        for key in expected.keys() & actual.keys():
            problems += shape_problems(expected[key], actual[key], f"{path}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected an array, got {type(actual).__name__}"]
        if len(expected) != len(actual):
            return [f"{path}: expected {len(expected)} elements, got {len(actual)}"]
        problems = []
        for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
            problems += shape_problems(e, a, f"{path}[{index}]")
        return problems
    if type(expected) is not type(actual):
        return [f"{path}: expected {type(expected).__name__}, got {type(actual).__name__}"]
    key = path.rsplit(".", 1)[-1]
    volatile = key in VOLATILE_KEYS and not (key == "id" and expected in BUILT_IN_IDS)
    if not volatile and expected != actual:
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []
