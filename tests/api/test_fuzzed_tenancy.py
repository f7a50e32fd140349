"""Fuzzed tenancy: random requests across two portals never cross between them.

A database of this module's own holds two portals: the default one, `itdesk` (served at the
bare paths and under /app/itdesk/), and a second one (served under /app/{name}/). Each is
seeded through the APIs with releases, tasks, notes, worklogs, approval levels and
approvals, a team, a lifecycle model, milestones and a deployment catalog, and everything
it holds carries a marker of its portal (titles, descriptions, names, people's names and
emails). Hypothesis then draws requests: a dialect (SDP, UCR, FlexDeploy), the portal the
path names (and, for the default portal, which of its two paths), the key of a person of
either portal in any role, an operation, and the ids it names, each id form (numeric id,
UUID, a task, note, worklog, approval level or approval under a release, a milestone or
phase, a team, a lifecycle model, a catalog project or pipeline, a person) drawn from
either portal independently, so a path may name this portal's release and the other's task.

Whatever the draw:
- a key of the other portal is refused (401, or 429 when refusals are throttled);
- no 2xx answer carries the other portal's marker;
- no write changes the other portal's rows (a digest of every domain table's rows of that
  portal, compared before and after the request).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Table, select
from sqlalchemy.sql import Select

from releasedesk.app import create_app
from releasedesk.core.catalog import service as catalog
from releasedesk.core.catalog.file import read_catalog
from releasedesk.core.portals import service as portals
from releasedesk.core.users import service as users
from releasedesk.db.base import Base
from releasedesk.db.session import Database
from releasedesk.settings import DEFAULT_PORTAL, Settings
from tests.conftest import BACKEND, TestClient, own_database

ROLES = ("admin", "technician", "requester")
EXAMPLES = 400

# Rows a request may touch in a portal it never names: who signed in, with which key, and
# the audit trail of refusals. And the reference data no API writes (lookups, the workflow,
# the deployment catalog), left out to keep the digest cheap. Every other table is the
# portal's data, a table added later included.
NOT_DATA = {
    *("audit_events", "api_keys", "users", "web_sessions", "portals"),
    *("priorities", "impacts", "urgencies", "risks", "release_types", "categories"),
    *("subcategories", "items", "sites", "support_groups", "services", "departments"),
    *("closure_codes", "release_roles", "release_stages", "release_statuses"),
    *("release_templates", "workflows", "department_heads", "user_reporting_lines"),
    *("catalog_cms_instances", "catalog_environments", "catalog_pipelines"),
    *("catalog_projects", "catalog_build_environments", "catalog_pipeline_properties"),
    *("catalog_project_groups", "catalog_project_streams"),
}


@dataclass
class Tenant:
    """One portal and what was seeded in it (ids as the wire spells them)."""

    name: str
    marker: str
    portal_id: int = 0
    keys: dict[str, str] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    releases: list[str] = field(default_factory=list)
    uuids: list[str] = field(default_factory=list)
    children: dict[str, list[str]] = field(default_factory=dict)  # tasks, notes, worklogs
    levels: list[str] = field(default_factory=list)
    approvals: list[str] = field(default_factory=list)
    milestones: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    projects: list[int] = field(default_factory=list)
    pipelines: list[int] = field(default_factory=list)

    def prefix(self, bare: bool) -> str:
        """The path prefix of this portal: nothing for the default portal's bare paths."""
        return "" if bare and self.name == DEFAULT_PORTAL else f"/app/{self.name}"


@dataclass
class World:
    client: TestClient
    database: Database
    tenants: tuple[Tenant, Tenant]
    tables: list[tuple[Table, Callable[[int], Select[Any]]]]

    def other(self, tenant: Tenant) -> Tenant:
        return self.tenants[1] if tenant is self.tenants[0] else self.tenants[0]

    def digest(self, tenant: Tenant) -> str:
        """A digest of every row of the portal's data, in a stable order."""

        async def read() -> str:
            hashed = hashlib.sha256()
            async with self.database.unit_of_work(writes=False) as session:
                for table, rows_of in self.tables:
                    hashed.update(table.name.encode())
                    for row in (await session.execute(rows_of(tenant.portal_id))).all():
                        hashed.update(repr(tuple(row)).encode())
            return hashed.hexdigest()

        return self.client.portal.call(read)


def _portal_rows(table: Table) -> Callable[[int], Select[Any]] | None:
    """How to select `table`'s rows of one portal: by its own portal_id, or through the
    release (or approval level, or approval) it hangs off; None when it has no portal."""
    tables = Base.metadata.tables
    releases = tables["releases"]
    levels = tables["release_approval_levels"]
    approvals = tables["release_approvals"]
    order = list(table.primary_key.columns) or list(table.columns)
    if "portal_id" in table.c:
        return lambda portal: select(table).where(table.c.portal_id == portal).order_by(*order)
    if "release_id" in table.c:
        join = table.join(releases, releases.c.id == table.c.release_id)
    elif "level_id" in table.c:
        join = table.join(levels, levels.c.id == table.c.level_id).join(
            releases, releases.c.id == levels.c.release_id
        )
    elif "approval_id" in table.c:
        join = (
            table.join(approvals, approvals.c.id == table.c.approval_id)
            .join(levels, levels.c.id == approvals.c.level_id)
            .join(releases, releases.c.id == levels.c.release_id)
        )
    else:
        return None
    return lambda portal: (
        select(table).select_from(join).where(releases.c.portal_id == portal).order_by(*order)
    )


def _data_tables() -> list[tuple[Table, Callable[[int], Select[Any]]]]:
    found = []
    for table in Base.metadata.sorted_tables:
        rows_of = _portal_rows(table)
        if table.name not in NOT_DATA and rows_of is not None:
            found.append((table, rows_of))
    return found


def _catalog(marker: str, offset: int) -> dict[str, object]:
    """A small deployment catalog whose names carry the marker and whose ids are the
    portal's own (offset), so another portal's id names nothing here."""
    return {
        "environments": [{"id": 10 + offset, "name": f"Build {marker}"}],
        "cmsInstances": [{"id": 20 + offset, "name": f"CMS {marker}"}],
        "pipelines": [
            {
                "id": 30 + offset,
                "name": f"Pipeline {marker}",
                "properties": [],
                "projectGroups": [{"name": f"Group {marker}", "projects": [40 + offset]}],
            }
        ],
        "projects": [
            {
                "id": 40 + offset,
                "name": f"Project {marker}",
                "applicationPath": f"Apps/{marker}",
                "partialDeployment": False,
                "streams": [{"id": 50 + offset, "name": f"trunk {marker}"}],
                "buildEnvironments": [10 + offset],
            }
        ],
    }


def _auth(dialect: str, key: str) -> dict[str, str]:
    if dialect == "sdp":
        return {"authtoken": key}
    return {"Authorization": f"Bearer {key}"}


def _project(tenant: Tenant) -> dict[str, int]:
    """The tenant's catalog project with its stream, as a FlexDeploy release names it."""
    return {"projectId": tenant.projects[0], "projectStreamId": tenant.projects[0] + 10}


def _child(kind: str, text: str, people_of: Tenant) -> dict[str, Any]:
    """A new task, note or worklog; a task or worklog owned by a technician of `people_of`."""
    body: dict[str, Any] = {"description": text}
    if kind == "task":
        body["title"] = text
    if kind != "note":
        body["owner"] = {"id": str(people_of.people["technician"])}
    return body


def _role(name: str, user_id: int) -> dict[str, Any]:
    return {"role": {"name": name}, "user": {"id": str(user_id)}}


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def _seed(client: TestClient, database: Database, tenant: Tenant, offset: int) -> None:
    """People with keys, then releases and what hangs off them, through the APIs."""
    marker = tenant.marker

    async def people() -> None:
        async with database.unit_of_work() as session:
            portal = await portals.ensure_portal(session, tenant.name)
            tenant.portal_id = portal.id
            for role in ROLES:
                user = await users.add_user(
                    session,
                    portal_id=portal.id,
                    name=f"{role.title()} {marker}",
                    role=role,
                    email_id=f"{role}.{marker}@example.com".lower(),
                )
                tenant.people[role] = user.id
                tenant.keys[role] = await users.create_api_key(session, user=user)
            await catalog.load_catalog(session, portal.id, read_catalog(_catalog(marker, offset)))

    client.portal.call(people)
    tenant.projects = [40 + offset]
    tenant.pipelines = [30 + offset]
    admin = tenant.keys["admin"]
    sdp = f"/app/{tenant.name}/api/v3"
    ucr = f"/app/{tenant.name}"
    flex = f"/app/{tenant.name}/flexdeploy/rest/v1"

    def sdp_post(path: str, body: dict[str, Any]) -> Any:
        response = client.post(
            sdp + path, data={"input_data": json.dumps(body)}, headers=_auth("sdp", admin)
        )
        return _ok(response)

    for n in range(3):
        release = sdp_post(
            "/releases",
            {
                "release": {
                    "title": f"Release {n} {marker}",
                    "description": f"<p>About {marker}</p>",
                    "roles": [_role("Release Requester", tenant.people["requester"])],
                }
            },
        )["release"]
        tenant.releases.append(release["id"])
        for plural, singular, body in (
            ("tasks", "task", {"title": f"Task {marker}", "description": marker}),
            ("notes", "note", {"description": f"Note {marker}"}),
            ("worklogs", "worklog", {"description": f"Worklog {marker}"}),
        ):
            child = sdp_post(f"/releases/{release['id']}/{plural}", {singular: body})[singular]
            tenant.children.setdefault(plural, []).append(child["id"])
        level = sdp_post(
            f"/releases/{release['id']}/approval_levels",
            {
                "approval_level": {
                    "name": f"CAB {marker}",
                    "release_stage": {"name": "submission"},
                    "rule": {"type": "anyone"},
                    "approvals": [{"approver": {"id": str(tenant.people["technician"])}}],
                }
            },
        )["approval_level"]
        tenant.levels.append(level["id"])
        approvals = _ok(
            client.get(
                f"{sdp}/releases/{release['id']}/approval_levels/{level['id']}/approvals",
                headers=_auth("sdp", admin),
            )
        )["approvals"]
        tenant.approvals += [a["id"] for a in approvals]

    headers = {**_auth("ucr", admin), "Content-Type": "application/json"}
    team = _ok(client.post(f"{ucr}/teams/", json={"name": f"Team {marker}"}, headers=headers))
    model = _ok(
        client.post(
            f"{ucr}/lifecycleModels/",
            json={"name": f"Lifecycle {marker}", "phases": [{"name": f"Phase {marker}"}]},
            headers=headers,
        )
    )
    tenant.teams.append(team["id"])
    tenant.models.append(model["id"])
    planned = _ok(
        client.post(
            f"{ucr}/releases/",
            json={
                "name": f"Planned {marker}",
                "description": marker,
                "team": {"id": team["id"]},
                "lifecycleModel": {"id": model["id"]},
                "milestones": [{"name": f"Milestone {marker}", "date": 1_900_000_000_000}],
            },
            headers=headers,
        )
    )
    tenant.milestones += [m["id"] for m in planned.get("milestones", [])]
    tenant.phases += [p["id"] for p in planned.get("phases", [])]
    listed = _ok(client.get(f"{ucr}/releases/", headers=headers))
    tenant.uuids = [r["id"] for r in listed]
    deployed = _ok(
        client.post(
            f"{flex}/releases",
            json={
                "releaseName": f"Deploy {marker}",
                "pipelineId": tenant.pipelines[0],
                "projects": [{"projectId": tenant.projects[0], "projectStreamId": 50 + offset}],
            },
            headers=_auth("flexdeploy", admin),
        )
    )
    tenant.releases.append(str(deployed["releaseId"]))
    assert all(tenant.children.values()) and tenant.levels and tenant.approvals
    assert tenant.milestones and tenant.phases and tenant.uuids


@pytest.fixture(scope="module")
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """A database of this module's own with two seeded portals."""
    directory = tmp_path_factory.mktemp("tenancy")
    with own_database(request.config.stash[BACKEND], directory) as url:
        settings_ = Settings(database_url=url, var_dir=directory, secret_key="tenancy-secret")
        database = Database(url)
        with TestClient(create_app(settings_, database), raise_server_exceptions=False) as client:
            tenants = (
                Tenant(DEFAULT_PORTAL, f"tnA{uuid.uuid4().hex[:8]}"),
                Tenant(f"t{uuid.uuid4().hex[:10]}", f"tnB{uuid.uuid4().hex[:8]}"),
            )
            for offset, tenant in zip((0, 1000), tenants, strict=True):
                _seed(client, database, tenant, offset)
            yield World(client, database, tenants, _data_tables())


# --- the operations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Ids:
    """What an operation may name, each drawn from either portal."""

    outer: Tenant  # the release (or top-level element) in the path
    inner: Tenant  # what hangs under it, or what the body refers to
    n: int  # which of the seeded elements

    def release(self) -> str:
        return self.outer.releases[self.n % len(self.outer.releases)]

    def uuid(self) -> str:
        return self.outer.uuids[self.n % len(self.outer.uuids)]

    def child(self, plural: str) -> str:
        values = self.inner.children[plural]
        return values[self.n % len(values)]

    def nth(self, values: list[Any]) -> Any:
        return values[self.n % len(values)]


@dataclass(frozen=True)
class Operation:
    """One request shape: method, path under the dialect's base, and the body."""

    dialect: str
    method: str
    path: Callable[[Ids], str]
    body: Callable[[Ids, str], Any] | None = None  # (ids, text to write) → body


def _sdp_input(body: Any) -> dict[str, str]:
    return {"input_data": json.dumps(body)}


SDP_OPERATIONS = [
    Operation("sdp", "GET", lambda i: "/releases"),
    Operation("sdp", "GET", lambda i: f"/releases/{i.release()}"),
    Operation("sdp", "GET", lambda i: f"/releases/{i.release()}/history"),
    Operation("sdp", "GET", lambda i: f"/releases/{i.release()}/summary"),
    Operation("sdp", "GET", lambda i: f"/releases/{i.release()}/status_comments"),
    Operation("sdp", "GET", lambda i: f"/releases/{i.release()}/get_permissions"),
    Operation("sdp", "GET", lambda i: f"/releases/{i.release()}/approval_levels"),
    Operation("sdp", "GET", lambda i: f"/releases/{i.release()}/approval_levels/approval_summary"),
    Operation(
        "sdp", "GET", lambda i: f"/releases/{i.release()}/approval_levels/{i.nth(i.inner.levels)}"
    ),
    Operation(
        "sdp",
        "GET",
        lambda i: (
            f"/releases/{i.release()}/approval_levels/{i.nth(i.inner.levels)}/approvals/"
            f"{i.nth(i.inner.approvals)}"
        ),
    ),
    Operation(
        "sdp",
        "PUT",
        lambda i: (
            f"/releases/{i.release()}/approval_levels/{i.nth(i.inner.levels)}/approvals/"
            f"{i.nth(i.inner.approvals)}/approve"
        ),
        lambda i, text: {"approval": {"comments": text}},
    ),
    Operation(
        "sdp",
        "PUT",
        lambda i: f"/releases/{i.release()}/approval_levels/{i.nth(i.inner.levels)}",
        lambda i, text: {"approval_level": {"name": text}},
    ),
    Operation(
        "sdp",
        "POST",
        lambda i: f"/releases/{i.release()}/approval_levels",
        lambda i, text: {
            "approval_level": {
                "name": text,
                "release_stage": {"name": "submission"},
                "rule": {"type": "anyone"},
                "approvals": [{"approver": {"id": str(i.inner.people["technician"])}}],
            }
        },
    ),
    *[
        op
        for plural, singular in (("tasks", "task"), ("notes", "note"), ("worklogs", "worklog"))
        for op in (
            Operation("sdp", "GET", lambda i, p=plural: f"/releases/{i.release()}/{p}"),
            Operation(
                "sdp", "GET", lambda i, p=plural: f"/releases/{i.release()}/{p}/{i.child(p)}"
            ),
            Operation(
                "sdp",
                "PUT",
                lambda i, p=plural: f"/releases/{i.release()}/{p}/{i.child(p)}",
                lambda i, text, s=singular: {s: {"description": text}},
            ),
            Operation(
                "sdp",
                "DELETE",
                lambda i, p=plural: f"/releases/{i.release()}/{p}/{i.child(p)}",
            ),
            Operation(
                "sdp",
                "POST",
                lambda i, p=plural: f"/releases/{i.release()}/{p}",
                lambda i, text, s=singular: {s: _child(s, text, i.inner)},
            ),
        )
    ],
    Operation(
        "sdp",
        "PUT",
        lambda i: f"/releases/{i.release()}",
        lambda i, text: {
            "release": {
                "title": text,
                "roles": [_role("Release Requester", i.inner.people["requester"])],
            }
        },
    ),
    Operation(
        "sdp",
        "POST",
        lambda i: "/releases",
        lambda i, text: {
            "release": {
                "title": text,
                "roles": [_role("Release Requester", i.inner.people["requester"])],
            }
        },
    ),
    Operation("sdp", "PUT", lambda i: f"/releases/{i.release()}/close", lambda i, t: {}),
    Operation("sdp", "DELETE", lambda i: f"/releases/{i.release()}/move_to_trash"),
    Operation(
        "sdp",
        "PUT",
        lambda i: f"/releases/restore_from_trash?ids={i.release()},{i.nth(i.inner.releases)}",
        lambda i, t: {},
    ),
    Operation(
        "sdp",
        "PUT",
        lambda i: f"/releases/pickup?ids={i.release()},{i.nth(i.inner.releases)}",
    ),
    Operation(
        "sdp",
        "PUT",
        lambda i: f"/releases/assign?ids={i.release()},{i.nth(i.inner.releases)}",
        lambda i, t: {"release": {"release_engineer": {"id": str(i.inner.people["technician"])}}},
    ),
    Operation("sdp", "GET", lambda i: f"/users/{i.inner.people['technician']}/away"),
    Operation(
        "sdp",
        "PUT",
        lambda i: f"/users/{i.inner.people['technician']}/away",
        lambda i, text: {
            "away": {
                "from": {"value": "1900000000000"},
                "to": {"value": "1900100000000"},
                "delegate": {"id": str(i.outer.people["admin"])},
            }
        },
    ),
]

UCR_OPERATIONS = [
    Operation("ucr", "GET", lambda i: "/releases/"),
    Operation("ucr", "GET", lambda i: f"/releases/{i.uuid()}"),
    Operation("ucr", "GET", lambda i: f"/releases/{i.uuid()}?format=detail"),
    Operation("ucr", "GET", lambda i: "/teams/"),
    Operation("ucr", "GET", lambda i: f"/teams/{i.nth(i.inner.teams)}"),
    Operation("ucr", "GET", lambda i: "/lifecycleModels/"),
    Operation("ucr", "GET", lambda i: f"/lifecycleModels/{i.nth(i.inner.models)}"),
    Operation(
        "ucr",
        "PUT",
        lambda i: f"/releases/{i.uuid()}",
        lambda i, text: {
            "name": text,
            "team": {"id": i.nth(i.inner.teams)},
            "lifecycleModel": {"id": i.nth(i.inner.models)},
            "milestones": [
                {"id": i.nth(i.inner.milestones), "name": text, "date": 1_900_000_000_000}
            ],
        },
    ),
    Operation("ucr", "PUT", lambda i: f"/releases/{i.uuid()}", lambda i, text: {"name": text}),
    Operation("ucr", "DELETE", lambda i: f"/releases/{i.uuid()}"),
    Operation(
        "ucr",
        "POST",
        lambda i: "/releases/",
        lambda i, text: {
            "name": text,
            "team": {"id": i.nth(i.inner.teams)},
            "lifecycleModel": {"id": i.nth(i.inner.models)},
        },
    ),
    Operation("ucr", "POST", lambda i: "/teams/", lambda i, text: {"name": text}),
]

FLEX_OPERATIONS = [
    Operation("flexdeploy", "GET", lambda i: "/releases"),
    Operation("flexdeploy", "GET", lambda i: f"/releases/{i.release()}"),
    Operation("flexdeploy", "GET", lambda i: f"/releases/{i.release()}/executions"),
    Operation("flexdeploy", "GET", lambda i: "/projects"),
    Operation("flexdeploy", "GET", lambda i: f"/projects/{i.nth(i.inner.projects)}"),
    Operation("flexdeploy", "GET", lambda i: "/pipelines"),
    Operation("flexdeploy", "GET", lambda i: f"/pipelines/{i.nth(i.inner.pipelines)}"),
    Operation("flexdeploy", "GET", lambda i: "/environments"),
    Operation("flexdeploy", "GET", lambda i: "/cmsinstances"),
    Operation(
        "flexdeploy",
        "PUT",
        lambda i: f"/releases/{i.release()}/executions",
        lambda i, t: {"runningExecutions": 1},
    ),
    Operation(
        "flexdeploy",
        "PATCH",
        lambda i: f"/releases/{i.release()}",
        lambda i, text: {
            "releaseName": text,
            "projects": [_project(i.inner)],
        },
    ),
    Operation(
        "flexdeploy",
        "PUT",
        lambda i: f"/releases/{i.release()}",
        lambda i, text: {"releaseName": text, "pipelineId": i.nth(i.inner.pipelines)},
    ),
    Operation(
        "flexdeploy",
        "POST",
        lambda i: "/releases",
        lambda i, text: {
            "releaseName": text,
            "pipelineId": i.nth(i.inner.pipelines),
            "projects": [_project(i.inner)],
        },
    ),
]

OPERATIONS = SDP_OPERATIONS + UCR_OPERATIONS + FLEX_OPERATIONS
DIALECT_BASE = {"sdp": "/api/v3", "ucr": "", "flexdeploy": "/flexdeploy/rest/v1"}


def _send(
    world: World, op: Operation, path_tenant: Tenant, bare: bool, key: str, ids: Ids
) -> httpx.Response:
    url = path_tenant.prefix(bare) + DIALECT_BASE[op.dialect] + op.path(ids)
    headers = _auth(op.dialect, key)
    text = f"written via {path_tenant.marker} {uuid.uuid4().hex[:6]}"
    body = None if op.body is None else op.body(ids, text)
    if op.dialect == "sdp":
        if body is None:
            return world.client.request(op.method, url, headers=headers)
        return world.client.request(op.method, url, headers=headers, data=_sdp_input(body))
    if body is not None:
        headers["Content-Type"] = "application/json"
        return world.client.request(op.method, url, headers=headers, content=json.dumps(body))
    return world.client.request(op.method, url, headers=headers)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The database carries every example's writes on, so a shrunk example would be judged
    # on another state: report the first failing request as it was sent.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    op=st.sampled_from(OPERATIONS),
    path_index=st.integers(0, 1),
    bare=st.booleans(),
    key_elsewhere=st.integers(0, 3).map(lambda n: n == 0),
    role=st.sampled_from(ROLES),
    outer_index=st.integers(0, 1),
    inner_index=st.integers(0, 1),
    n=st.integers(0, 3),
)
def test_no_request_crosses_portals(
    world: World,
    op: Operation,
    path_index: int,
    bare: bool,
    key_elsewhere: bool,
    role: str,
    outer_index: int,
    inner_index: int,
    n: int,
) -> None:
    path_tenant = world.tenants[path_index]
    other = world.other(path_tenant)
    key_tenant = other if key_elsewhere else path_tenant
    ids = Ids(world.tenants[outer_index], world.tenants[inner_index], n)
    writes = op.method != "GET"
    before = world.digest(other) if writes else ""

    response = _send(world, op, path_tenant, bare, key_tenant.keys[role], ids)

    assert response.status_code < 500, response.text
    where = f"{op.method} {response.request.url.path} as {role} of {key_tenant.name}"
    if key_tenant is not path_tenant:
        # refused: 401, or 429 once the refusals count as failed sign-ins past a limit
        assert response.status_code in (401, 429), f"{where}: {response.text}"
    if 200 <= response.status_code < 300:
        assert other.marker not in response.text, f"{where} answered the other portal's data"
    if writes:
        assert world.digest(other) == before, f"{where} changed the other portal's rows"
