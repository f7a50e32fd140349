"""The API docs outside a browser: each dialect's document at its stable path, bare and
under a portal; SDP's `input_data` described as the JSON text it is, with its schema; the
docs pages' headers, their static files, and everything they need shipped in the package
(tests/web/test_api_docs.py renders them in Chromium)."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from releasedesk.api.sdp.app import create_sdp_app
from tests.helpers import Desk

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "releasedesk"
DOCS = PACKAGE / "api_docs"
DOCUMENTS = {  # where each dialect's document is, below a portal's prefix
    "/api/v3/openapi.json": "releasedesk — ServiceDesk Plus v3 releases",
    "/openapi.json": "releasedesk — UrbanCode Release",
    "/flexdeploy/rest/v1/openapi.json": "releasedesk — FlexDeploy releases",
}


@pytest.mark.parametrize("path", list(DOCUMENTS))
def test_each_document_is_at_its_stable_path(client: TestClient, desk: Desk, path: str) -> None:
    for prefix in ("", f"/app/{desk.portal}"):
        response = client.get(prefix + path)
        assert response.status_code == 200, (prefix + path, response.text[:200])
        document = response.json()
        assert document["openapi"] == "3.1.0"
        assert document["info"]["title"] == DOCUMENTS[path]
        base = prefix + path.removesuffix("/openapi.json")  # UCR's bare one: the root
        assert document.get("servers", []) == ([{"url": base}] if base else [])
        assert "/releases/{release_id}" in document["paths"]


def _input_data(operation: dict[str, Any]) -> dict[str, Any]:
    (parameter,) = [p for p in operation["parameters"] if p["name"] == "input_data"]
    return parameter


def test_sdp_s_input_data_is_a_json_text_with_its_schema() -> None:
    document = create_sdp_app(None).openapi()
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert len(operations) > 40
    for operation in operations:
        parameter = _input_data(operation)
        assert parameter["in"] == "query"
        assert "schema" not in parameter, operation["operationId"]  # not a bare string
        assert list(parameter["content"]) == ["application/json"]
    schema = _input_data(document["paths"]["/releases"]["get"])["content"]["application/json"][
        "schema"
    ]
    assert schema["type"] == "object"
    list_info = schema["properties"]["list_info"]["properties"]
    assert list_info["row_count"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert list_info["sort_order"]["enum"] == ["asc", "desc"]
    assert {"search_criteria", "fields_required", "get_total_count"} <= set(list_info)


def test_the_documented_example_of_input_data_is_read_as_documented(desk: Desk) -> None:
    """The example the document gives, sent as a client reading it would (JSON text in the
    query), pages the list as it says."""
    document = create_sdp_app(None).openapi()
    content = _input_data(document["paths"]["/releases"]["get"])["content"]
    (example,) = content["application/json"]["schema"]["examples"]
    for n in range(example["list_info"]["row_count"] + 1):
        desk.create_release(title=f"Documented {n}")
    response = desk.get("/releases", input_data=example)
    assert response.status_code == 200, response.text
    assert len(response.json()["releases"]) == example["list_info"]["row_count"]


@pytest.mark.parametrize("path", ["/docs", "/docs/sdp", "/docs/ucr", "/docs/flexdeploy"])
def test_the_docs_pages_allow_only_the_server_itself(client: TestClient, path: str) -> None:
    for prefix in ("", "/app/elsewhere"):
        response = client.get(prefix + path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe" not in policy and "http" not in policy
        assert response.headers["x-frame-options"] == "DENY"
        assert "<script>" not in response.text  # every script a file


def test_an_unknown_api_s_docs_are_a_page_saying_so(client: TestClient) -> None:
    response = client.get("/docs/servicenow")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "No API is documented at this address" in response.text


def test_the_docs_assets_come_from_the_package(client: TestClient) -> None:
    for name, kind in (
        ("swagger-ui-bundle.js", "javascript"),
        ("swagger-ui.css", "css"),
        ("docs.js", "javascript"),
        ("docs.css", "css"),
    ):
        response = client.get(f"/docs/static/{name}")
        assert response.status_code == 200 and kind in response.headers["content-type"], name
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.content == (DOCS / "static" / name).read_bytes()
    assert client.get("/docs/static/../pages.py").status_code == 404


def test_nothing_in_our_pages_is_loaded_from_another_site() -> None:
    remote = re.compile(r"""(src|href|url)\s*[=:(]\s*["']?(https?:)?//""", re.IGNORECASE)
    ours = [*(DOCS / "templates").glob("*.html"), DOCS / "static" / "docs.js"]
    for path in [*ours, DOCS / "static" / "docs.css"]:
        assert not remote.search(path.read_text()), f"{path.name} loads from another site"
    assert "validatorUrl: null" in (DOCS / "static" / "docs.js").read_text()


def test_every_file_the_docs_need_is_package_data() -> None:
    """A wheel ships only what pyproject's package-data names: the docs' templates and
    static files (Swagger UI, its licenses) must all be named there."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["releasedesk"]
    files = [p for p in DOCS.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    assert len(files) >= 10
    for path in files:
        relative = path.relative_to(PACKAGE).as_posix()
        assert any(fnmatch.fnmatchcase(relative, pattern) for pattern in patterns), relative
