"""releasedesk catalog load: idempotent, ids kept, refusals named; demo loads a sample."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from releasedesk.cli.demo_catalog import DEMO_CATALOG
from tests.cli.test_cli import invoke


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"RELEASEDESK_DATABASE_URL": database_url, "RELEASEDESK_VAR_DIR": str(tmp_path)}


def _catalog_rows(client: TestClient, portal: str) -> list[tuple[object, ...]]:
    from sqlalchemy import select

    from releasedesk.core.portals import service as portals
    from releasedesk.db.models import (
        CatalogBuildEnvironment,
        CatalogPipelineProperty,
        CatalogProject,
        CatalogProjectStream,
    )

    async def read() -> list[tuple[object, ...]]:
        async with client.app.state.database.unit_of_work(writes=False) as session:  # type: ignore[attr-defined]
            found = await portals.get_portal(session, portal)
            rows: list[tuple[object, ...]] = []
            for model in (
                CatalogProject,
                CatalogProjectStream,
                CatalogBuildEnvironment,
                CatalogPipelineProperty,
            ):
                result = await session.execute(select(model).where(model.portal_id == found.id))
                rows += [
                    tuple(getattr(r, c.key) for c in model.__table__.columns)
                    for r in result.scalars()
                ]
            return sorted(rows, key=repr)

    return client.portal.call(read)


def test_loading_twice_changes_nothing_and_keeps_ids(
    cli_env: dict[str, str], client: TestClient, tmp_path: Path
) -> None:
    portal = f"cat-{uuid.uuid4().hex[:8]}"
    assert invoke(cli_env, "portal", "add", portal)[0] == 0
    file = tmp_path / "catalog.json"
    file.write_text(json.dumps(DEMO_CATALOG))
    code, output = invoke(cli_env, "catalog", "load", str(file), "--portal", portal)
    assert code == 0, output
    assert "2 pipelines, 5 environments, 4 projects, 1 change-management instances" in output
    first = _catalog_rows(client, portal)
    assert (33442, 3502) in {(row[2], row[1]) for row in first if len(row) == 4}
    assert invoke(cli_env, "catalog", "load", str(file), "--portal", portal)[0] == 0
    assert _catalog_rows(client, portal) == first
    code, output = invoke(cli_env, "catalog", "show", "--portal", portal)
    assert "pipeline 12345: Pipeline 1" in output and "project 33442" in output


def test_a_bad_catalog_is_refused_naming_where(
    cli_env: dict[str, str], client: TestClient, tmp_path: Path
) -> None:
    portal = f"cat-{uuid.uuid4().hex[:8]}"
    assert invoke(cli_env, "portal", "add", portal)[0] == 0
    cases = {
        "not json": "{",
        "unknown key": json.dumps({"pipelines": [], "widgets": []}),
        "missing id": json.dumps({"environments": [{"name": "x"}]}),
        "unknown environment": json.dumps(
            {"projects": [{"id": 1, "name": "p", "buildEnvironments": [9]}]}
        ),
        "string id": json.dumps({"cmsInstances": [{"id": "1", "name": "c"}]}),
        "twice": json.dumps({"environments": [{"id": 1, "name": "a"}, {"id": 1, "name": "b"}]}),
        "nul": json.dumps({"environments": [{"id": 1, "name": "a\u0000b"}]}),
        "group twice": json.dumps(
            {
                "projects": [{"id": 1, "name": "p"}],
                "pipelines": [
                    {"id": 1, "name": "x", "projectGroups": [{"name": "g", "projects": [1, 1]}]}
                ],
            }
        ),
        "stream twice": json.dumps(
            {
                "projects": [
                    {"id": 1, "name": "p", "streams": [{"id": 5, "name": "a"}]},
                    {
                        "id": 2,
                        "name": "q",
                        "streams": [{"id": 6, "name": "b"}, {"id": 5, "name": "c"}],
                    },
                ]
            }
        ),
        "pipeline name twice": json.dumps(
            {"pipelines": [{"id": 1, "name": "Same"}, {"id": 2, "name": "sAME"}]}
        ),
    }
    expected = {
        "not json": "not valid JSON",
        "unknown key": "'widgets' is not a key of the catalog",
        "missing id": "environments[0].id is missing",
        "unknown environment": "environment 9, which is neither in the file nor loaded",
        "string id": "cmsInstances[0].id must be a positive whole number",
        "twice": "environments names id '1' twice",
        "nul": "environments[0].name contains a NUL character or a lone surrogate",
        "group twice": "pipelines[0].projectGroups[0].projects names project '1' twice",
        "stream twice": "projects[1].streams[1].id: stream id '5' is already a stream of project 1",
        "pipeline name twice": "pipelines[1].name: pipeline 1 is already named 'sAME'",
    }
    for name, text in cases.items():
        file = tmp_path / f"{name.replace(' ', '_')}.json"
        file.write_text(text)
        code, output = invoke(cli_env, "catalog", "load", str(file), "--portal", portal)
        assert code == 1, (name, output)
        assert expected[name] in output, (name, output)


def test_a_pipeline_name_already_loaded_under_another_id_is_refused(
    cli_env: dict[str, str], client: TestClient, tmp_path: Path
) -> None:
    portal = f"cat-{uuid.uuid4().hex[:8]}"
    assert invoke(cli_env, "portal", "add", portal)[0] == 0
    first = tmp_path / "first.json"
    first.write_text(json.dumps({"pipelines": [{"id": 1, "name": "Build"}]}))
    assert invoke(cli_env, "catalog", "load", str(first), "--portal", portal)[0] == 0
    clash = tmp_path / "clash.json"
    clash.write_text(json.dumps({"pipelines": [{"id": 2, "name": "BUILD"}]}))
    code, output = invoke(cli_env, "catalog", "load", str(clash), "--portal", portal)
    assert code == 1, output
    assert "pipeline 1 of the portal already is" in output
    # the same pipeline renamed, or renamed away and its old name taken, is fine
    renamed = tmp_path / "renamed.json"
    renamed.write_text(
        json.dumps({"pipelines": [{"id": 1, "name": "Other"}, {"id": 2, "name": "build"}]})
    )
    code, output = invoke(cli_env, "catalog", "load", str(renamed), "--portal", portal)
    assert code == 0, output


def test_text_no_database_keeps_is_refused_where_it_is() -> None:
    """NUL and lone surrogates (orjson refuses the latter in a file; a document built in
    Python may hold one) are refused naming their place, not left to the database."""
    from releasedesk.core.catalog.file import read_catalog
    from releasedesk.core.errors import Invalid

    documents = {
        "projects[0].applicationPath": {
            "projects": [{"id": 1, "name": "p", "applicationPath": "x\ud800"}]
        },
        "pipelines[0].properties[0].name": {
            "pipelines": [{"id": 1, "name": "p", "properties": [{"name": "a\x00"}]}]
        },
        "cmsInstances[0].name": {"cmsInstances": [{"id": 1, "name": "\udfff"}]},
    }
    for where, document in documents.items():
        with pytest.raises(Invalid) as refused:
            read_catalog(document)
        assert refused.value.field == where
        assert "NUL character or a lone surrogate" in refused.value.message


def test_demo_loads_the_sample_catalog(cli_env: dict[str, str], client: TestClient) -> None:
    portal = f"demo-{uuid.uuid4().hex[:8]}"
    assert invoke(cli_env, "portal", "add", portal)[0] == 0
    code, output = invoke(cli_env, "demo", "--portal", portal)
    assert code == 0 and "the sample deployment catalog" in output, output
    key = invoke(cli_env, "token", "create", "Maria Lopez", "--portal", portal)[1].split()[-1]
    pipelines = client.get(
        f"/app/{portal}/flexdeploy/rest/v1/pipelines", headers={"X-API-Key": key}
    ).json()
    assert [p["pipelineName"] for p in pipelines] == ["Test Pipeline", "Pipeline 1"]


def test_the_example_catalog_is_the_demo_s_and_loads(cli_env: dict[str, str]) -> None:
    """examples/catalog.json, which the README loads, stays the catalog `demo` loads."""
    example = Path(__file__).resolve().parents[2] / "examples" / "catalog.json"
    assert json.loads(example.read_text()) == DEMO_CATALOG
    portal = f"example-{uuid.uuid4().hex[:8]}"
    assert invoke(cli_env, "portal", "add", portal)[0] == 0
    code, output = invoke(cli_env, "catalog", "load", str(example), "--portal", portal)
    assert code == 0 and f"catalog loaded into portal '{portal}'" in output, output
    code, output = invoke(cli_env, "catalog", "show", "--portal", portal)
    assert code == 0 and "pipeline 12345: Pipeline 1" in output.splitlines(), output
