"""The hot read paths answer byte for byte what they answered when the golden file was made.

A database of its own is seeded with bench/seed.py (its fixed `random.Random(42)` and fixed
dates) plus a few fixed edits (trashed releases, releases without roles, with services, with
descriptive fields, non-ASCII text), so ids, times and text are the same on every run and on
both databases. A sample of GETs (SDP release and list with list_info variants, a
requester's view, the second portal, UCR, FlexDeploy) is sent, and each answer's status
code, Content-Type and body bytes are compared with tests/golden/read_paths.json, which
SQLite and PostgreSQL share (they answer alike: times go out in milliseconds).

A difference fails naming each request, with a diff of both bodies pretty-printed (or of the
raw bytes when the JSON is equal). When a change of an answer is meant, regenerate the file
deliberately, check the other database still agrees, and review `git diff` before committing:

    RELEASEDESK_UPDATE_GOLDEN=1 pytest --db sqlite tests/api/test_read_golden.py
    pytest --db postgresql tests/api/test_read_golden.py

The file is never written otherwise; a request missing from it is a failure.
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import httpx
import pytest
from bench import seed as bench_seed
from sqlalchemy import delete, insert, select, update
from starlette.testclient import TestClient

from releasedesk.app import create_app
from releasedesk.core.users import service as users
from releasedesk.db.models import (
    ApprovalLevel,
    Impact,
    Release,
    ReleaseDescriptiveField,
    ReleaseRoleAssignment,
    ReleaseService,
    Risk,
    Service,
    Urgency,
    User,
)
from releasedesk.db.session import Database
from releasedesk.settings import Settings
from tests.conftest import BACKEND, own_database

GOLDEN_FILE = Path(__file__).parent.parent / "golden" / "read_paths.json"
UPDATE = "RELEASEDESK_UPDATE_GOLDEN"
RELEASES = 300  # 270 in itdesk, 30 in bench-other
FIXED = dt.datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=dt.UTC)
UNKNOWN_ID = 987654321
UNKNOWN_UUID = "00000000-0000-4000-8000-00000000dead"
HISTORY_PAGE = {"row_count": 2, "start_index": 2, "get_total_count": True}


@dataclass(frozen=True)
class Seeded:
    """What the requests need to know of the seeded data (all of it fixed)."""

    first_id: int
    other_id: int  # the first release of bench-other
    approvals: list[int]  # releases with an approval level
    requester_own: int  # a release the requester holds a role on
    requester_other: int  # one they do not
    admin_key: str
    other_admin_key: str
    requester_key: str
    uuids: dict[int, str]  # a few releases' UCR ids by their SDP id


@dataclass(frozen=True)
class Sample:
    """One request of the sample: its name in the golden file, path and headers."""

    name: str
    path: str
    headers: dict[str, str]


@dataclass
class Seeding:
    """The client of the app over the seeded database, and what was seeded."""

    client: TestClient
    seeded: Seeded


async def _seed(database: Database) -> Seeded:
    """Seed with the bench seeder, then fix a few releases into the shapes the sample needs."""
    async with database.unit_of_work() as session:
        result = await bench_seed.seed(session, RELEASES, history_entries=5)
        first = result.first_id
        other_id = first + RELEASES - RELEASES // 10
        trashed = [first + 5, first + 6]
        await session.execute(
            update(Release).where(Release.id.in_(trashed)).values(deleted_time=FIXED)
        )
        await session.execute(
            delete(ReleaseRoleAssignment).where(
                ReleaseRoleAssignment.release_id.in_([first + 10, first + 11])
            )
        )
        portal_id = (
            await session.execute(select(Release.portal_id).where(Release.id == first))
        ).scalar_one()
        services = list(
            (
                await session.execute(
                    select(Service.id)
                    .where(Service.portal_id == portal_id)
                    .order_by(Service.id)
                    .limit(2)
                )
            ).scalars()
        )
        await session.execute(
            insert(ReleaseService),
            [
                {"release_id": release_id, "service_id": service_id}
                for release_id in (first + 12, first + 13)
                for service_id in services[: release_id - first - 11]
            ],
        )
        await session.execute(
            update(ReleaseDescriptiveField)
            .where(ReleaseDescriptiveField.release_id.in_([first + 14, first + 15]))
            .values(
                description='<p>Rückbau — "plan" &amp; ☃ <b>steps</b></p>',
                updated_by_id=(await session.execute(select(User.id).limit(1))).scalar_one(),
                updated_on=FIXED,
            )
        )
        lookups = {
            name: (
                await session.execute(
                    select(model.id).where(model.portal_id == portal_id).order_by(model.id).limit(1)
                )
            ).scalar_one()
            for name, model in (("impact_id", Impact), ("urgency_id", Urgency), ("risk_id", Risk))
        }
        await session.execute(
            update(Release)
            .where(Release.id == first + 16)
            .values(
                title='Café déploiement ☃ "quoted" <tag> \\ slash',
                next_review_on=FIXED,
                last_updated_time=FIXED + dt.timedelta(microseconds=1),
                completed_time=FIXED + dt.timedelta(seconds=1),
                emergency=True,
                **lookups,
            )
        )
        approvals = list(
            (
                await session.execute(
                    select(ApprovalLevel.release_id)
                    .where(
                        ApprovalLevel.release_id > first + 20, ApprovalLevel.release_id < other_id
                    )
                    .order_by(ApprovalLevel.release_id)
                    .limit(3)
                )
            ).scalars()
        )
        role = (
            await session.execute(
                select(ReleaseRoleAssignment.user_id, ReleaseRoleAssignment.release_id)
                .join(User, User.id == ReleaseRoleAssignment.user_id)
                .where(User.role == "requester", ReleaseRoleAssignment.release_id == first)
            )
        ).one()
        requester = await users.repository.get(session, portal_id, role.user_id)
        other_admin = (
            await session.execute(
                select(User)
                .join(Release, Release.portal_id == User.portal_id)
                .where(Release.id == other_id, User.role == "admin")
                .order_by(User.id)
                .limit(1)
            )
        ).scalar_one()
        assert requester is not None
        uuid_of = {
            rid: str(value)
            for rid, value in (
                await session.execute(
                    select(Release.id, Release.uuid).where(
                        Release.id.in_([first, first + 5, first + 12, first + 16])
                    )
                )
            ).all()
        }
        return Seeded(
            first_id=first,
            other_id=other_id,
            approvals=approvals,
            requester_own=first,
            requester_other=first + 1,
            admin_key=result.admin_key,
            other_admin_key=await users.create_api_key(session, user=other_admin),
            requester_key=await users.create_api_key(session, user=requester),
            uuids=uuid_of,
        )


@pytest.fixture(scope="module")
def seeding(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeding]:
    """A fresh database (not the suite's shared one, whose ids depend on other tests)."""
    directory = tmp_path_factory.mktemp("golden")
    with own_database(request.config.stash[BACKEND], directory) as url:
        # a fixed secret: the answers carry tokens derived from it (image_token)
        settings = Settings(database_url=url, var_dir=directory, secret_key="golden-secret")
        database = Database(url)
        app = create_app(settings, database)
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.portal is not None
            seeded = client.portal.call(_seed, database)
            yield Seeding(client, seeded)


def _list(info: dict[str, object] | None = None, base: str = "/api/v3") -> str:
    if info is None:
        return f"{base}/releases"
    query = httpx.QueryParams({"input_data": json.dumps({"list_info": info})})
    return f"{base}/releases?{query}"


def samples(seeded: Seeded) -> list[Sample]:
    """The requests compared, each named for the golden file and a failure's message."""
    first = seeded.first_id
    sdp = {"authtoken": seeded.admin_key}
    requester = {"authtoken": seeded.requester_key}
    other = {"authtoken": seeded.other_admin_key}
    ucr = {
        "Authorization": "Basic "
        + base64.b64encode(f"PasswordIsAuthToken:{seeded.admin_key}".encode()).decode(),
        "Accept": "application/json",
    }
    flex = {"Authorization": f"Bearer {seeded.admin_key}"}
    ids = {
        "plain": [first, first + 1, first + 2, first + 3, first + 100, first + 200],
        "trashed": [first + 5, first + 6],
        "no roles": [first + 10, first + 11],
        "services": [first + 12, first + 13],
        "descriptive fields": [first + 14, first + 15],
        "unicode, lookups, times": [first + 16],
        "approvals": seeded.approvals,
    }
    found: list[Sample] = [
        Sample(f"sdp get {label} +{rid - first}", f"/api/v3/releases/{rid}", sdp)
        for label, rids in ids.items()
        for rid in rids
    ]
    found += [
        Sample("sdp get unknown id", f"/api/v3/releases/{UNKNOWN_ID}", sdp),
        Sample("sdp get not a number", "/api/v3/releases/abc", sdp),
        Sample("sdp get other portal's release", f"/api/v3/releases/{seeded.other_id}", sdp),
        Sample("sdp history long", f"/api/v3/releases/{first}/history", sdp),
        Sample("sdp history one entry", f"/api/v3/releases/{first + 20}/history", sdp),
        Sample(
            "sdp history paged with total",
            f"/api/v3/releases/{first}/history?"
            + str(httpx.QueryParams({"input_data": json.dumps({"list_info": HISTORY_PAGE})})),
            sdp,
        ),
        Sample("sdp history unknown id", f"/api/v3/releases/{UNKNOWN_ID}/history", sdp),
        Sample("sdp list default", _list(), sdp),
        Sample("sdp list deep page", _list({"row_count": 25, "start_index": 201}), sdp),
        Sample(
            "sdp list sort title asc",
            _list({"row_count": 15, "sort_field": "title", "sort_order": "asc"}),
            sdp,
        ),
        Sample(
            "sdp list sort created_time desc",
            _list({"row_count": 15, "sort_field": "created_time", "sort_order": "desc"}),
            sdp,
        ),
        Sample(
            "sdp list sort priority desc (ties)",
            _list(
                {"row_count": 15, "start_index": 31, "sort_field": "priority", "sort_order": "desc"}
            ),
            sdp,
        ),
        Sample(
            "sdp list search_fields",
            _list({"row_count": 20, "search_fields": {"title": "vpn"}}),
            sdp,
        ),
        Sample(
            "sdp list title contains",
            _list(
                {
                    "row_count": 50,
                    "search_criteria": {
                        "field": "title",
                        "condition": "contains",
                        "value": "patch",
                    },
                    "get_total_count": True,
                }
            ),
            sdp,
        ),
        Sample(
            "sdp list filter_by trash",
            _list({"filter_by": {"name": "trash"}, "get_total_count": True}),
            sdp,
        ),
        Sample(
            "sdp list filter_by closed_releases",
            _list({"row_count": 20, "filter_by": {"name": "closed_releases"}}),
            sdp,
        ),
        Sample(
            "sdp list fields_required",
            _list(
                {
                    "row_count": 20,
                    "start_index": 10,
                    "fields_required": ["title", "description", "impact", "risk", "services"],
                }
            ),
            sdp,
        ),
        Sample("sdp list total count", _list({"row_count": 5, "get_total_count": True}), sdp),
        Sample("sdp requester list", _list({"get_total_count": True}), requester),
        Sample("sdp requester get own", f"/api/v3/releases/{seeded.requester_own}", requester),
        Sample(
            "sdp requester get another's",
            f"/api/v3/releases/{seeded.requester_other}",
            requester,
        ),
        Sample(
            "sdp other portal list",
            _list({"get_total_count": True}, base="/app/bench-other/api/v3"),
            other,
        ),
        Sample(
            "sdp other portal get",
            f"/app/bench-other/api/v3/releases/{seeded.other_id}",
            other,
        ),
        Sample("ucr list format=name", "/releases/?format=name", ucr),
        Sample(
            "ucr list format=list page 4",
            "/releases/?format=list&rowsPerPage=25&pageNumber=4",
            ucr,
        ),
        Sample("ucr list default format name=*vpn*", "/releases/?name=*vpn*", ucr),
        Sample("ucr list format=list ghosted", "/releases/?format=list&ghosted=true", ucr),
        *(
            Sample(f"ucr get +{rid - first}", f"/releases/{value}", ucr)
            for rid, value in sorted(seeded.uuids.items())
        ),
        Sample("ucr get +16 format=list", f"/releases/{seeded.uuids[first + 16]}?format=list", ucr),
        Sample("ucr unknown uuid", f"/releases/{UNKNOWN_UUID}", ucr),
        Sample("flexdeploy unknown id", f"/flexdeploy/rest/v1/releases/{UNKNOWN_ID}", flex),
        Sample(
            "flexdeploy query name and status",
            "/flexdeploy/rest/v1/releases?releaseName=patch&releaseStatus=STARTED",
            flex,
        ),
        Sample("flexdeploy query name", "/flexdeploy/rest/v1/releases?releaseName=VPN", flex),
    ]
    found += [
        Sample(f"flexdeploy get +{rid - first}", f"/flexdeploy/rest/v1/releases/{rid}", flex)
        for rid in (first, first + 16, first + 12)
    ]
    return found


class Answer(TypedDict):
    """One answer as the golden file keeps it; `body` is the bytes decoded with
    surrogateescape, so equal texts are equal bytes."""

    path: str
    status: int
    content_type: str | None
    body: str


def _capture(client: TestClient, sample: Sample) -> Answer:
    response = client.get(sample.path, headers=sample.headers)
    return Answer(
        path=sample.path,
        status=response.status_code,
        content_type=response.headers.get("content-type"),
        body=response.content.decode("utf-8", "surrogateescape"),
    )


def _pretty(body: str) -> list[str]:
    try:
        shown = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        shown = body
    return shown.splitlines()


def _first_difference(was: str, now: str) -> list[str]:
    """Where two texts part, with a little context (for bodies equal as JSON)."""
    at = next((n for n, (a, b) in enumerate(zip(was, now, strict=False)) if a != b), None)
    at = min(len(was), len(now)) if at is None else at
    start = max(0, at - 60)
    return [
        f"  same JSON, other bytes from character {at}:",
        f"  golden: ...{was[start : at + 60]!r}",
        f"  now:    ...{now[start : at + 60]!r}",
    ]


def difference(name: str, expected: Answer, actual: Answer) -> str | None:
    """None when status, Content-Type and body bytes agree, else a readable account."""
    if expected == actual:
        return None
    lines = [f"{name}: GET {actual['path']}"]
    for key in ("path", "status", "content_type"):
        if expected.get(key) != actual.get(key):
            lines.append(f"  {key}: expected {expected.get(key)!r}, got {actual.get(key)!r}")
    was, now = expected["body"], actual["body"]
    if was != now:
        diff = list(difflib.unified_diff(_pretty(was), _pretty(now), "golden", "now", lineterm=""))
        lines += ["  body differs:", *diff] if diff else _first_difference(was, now)
    return "\n".join(lines)


def _answer(body: str = '{"a":1,"b":2}', status: int = 200) -> Answer:
    return Answer(path="/p", status=status, content_type="application/json", body=body)


def test_a_difference_is_told_readably() -> None:
    """The failure names the request and shows what moved, down to a byte of spacing."""
    assert difference("same", _answer(), _answer()) is None
    moved = difference("keys", _answer(), _answer('{"b":2,"a":1}'))
    assert moved is not None and moved.startswith("keys: GET /p") and '-  "a": 1,' in moved
    spaced = difference("space", _answer(), _answer('{"a": 1,"b":2}'))
    assert spaced is not None and "same JSON, other bytes from character 5" in spaced
    status = difference("status", _answer(), _answer(status=404))
    assert status is not None and "status: expected 200, got 404" in status


def test_read_answers_are_byte_for_byte_the_golden_ones(
    seeding: Seeding, backend_name: str
) -> None:
    """Every sampled answer equals its golden one (status, Content-Type, body bytes)."""
    sent = samples(seeding.seeded)
    actual = {sample.name: _capture(seeding.client, sample) for sample in sent}
    assert len(actual) == len(sent), "two samples share a name"
    if os.environ.get(UPDATE) == "1":
        GOLDEN_FILE.parent.mkdir(exist_ok=True)
        GOLDEN_FILE.write_text(json.dumps(actual, indent=1, ensure_ascii=True) + "\n")
        pytest.skip(f"{UPDATE}=1: wrote {len(actual)} answers to {GOLDEN_FILE}; review the diff")
    name = GOLDEN_FILE.name
    assert GOLDEN_FILE.exists(), f"no {GOLDEN_FILE}: make it with {UPDATE}=1 (module docstring)"
    expected: dict[str, Answer] = json.loads(GOLDEN_FILE.read_text())
    problems = [
        difference(request, expected[request], answer)
        if request in expected
        else f"{request}: not in {name} (regenerate it with {UPDATE}=1)"
        for request, answer in actual.items()
    ]
    problems += [
        f"{request}: in {name} but no longer sent" for request in expected.keys() - actual.keys()
    ]
    found = [problem for problem in problems if problem]
    assert not found, (
        f"{len(found)} of {len(actual)} answers differ from {name} on {backend_name}:\n\n"
        + "\n\n".join(found)
    )
