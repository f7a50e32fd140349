"""DORA metrics (issue 24, item 5) on the fixed data set of dora_support.py, every figure
computed by hand below; a late event; buckets across both DST changes of Europe/Berlin;
mean against median; empty buckets null; CSV; each bad parameter named; staff only."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.v1.dora_support import DataSet, build, close, sdp_release
from tests.api.v1.test_freeze_windows import bearer, v1
from tests.helpers import Desk, make_desk

H = 3600  # seconds in an hour
MARCH = {"from": "2026-03-02", "to": "2026-03-30", "tz": "Europe/Berlin", "interval": "week"}
# The weeks of the range on Berlin's wall clock; the last ends after the change to summer
# time on Sunday 29 March, so it is 167 hours long.
WEEKS = [
    ("2026-03-02T00:00:00+01:00", "2026-03-09T00:00:00+01:00"),
    ("2026-03-09T00:00:00+01:00", "2026-03-16T00:00:00+01:00"),
    ("2026-03-16T00:00:00+01:00", "2026-03-23T00:00:00+01:00"),
    ("2026-03-23T00:00:00+01:00", "2026-03-30T00:00:00+02:00"),
]


@pytest.fixture(scope="module")
def data(client: TestClient) -> Iterator[tuple[Desk, DataSet]]:
    desk = make_desk(client)
    yield desk, build(desk)


def dora(desk: Desk, key: str | None = None, **params: str) -> Any:
    answer = desk.client.get(
        f"{v1(desk)}/metrics/dora", params=params, headers=bearer(key or desk.technician.key)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def ids(data: tuple[Desk, DataSet], *names: str) -> list[int]:
    return [data[1].ids[n] for n in names]


def test_deployment_frequency(data: tuple[Desk, DataSet]) -> None:
    # Completions (first move into Closure, Completed) by Berlin week:
    #   W1 R1 (03-05), R2 (03-07)            2
    #   W2 R3 (03-11, code Failed), R4 (03-13)  2
    #   W3 nothing                            null
    #   W4 R5 (03-24), R6 (03-24), R7 (03-26, FlexDeploy COMPLETED)  3
    # R8 was canceled (not a completion), R9 completed on 03-31 (after the range).
    found = dora(data[0], metric="deployment_frequency", **MARCH)
    assert found["unit"] == "deployments"
    assert [(b["start"], b["end"]) for b in found["buckets"]] == WEEKS
    assert [(b["value"], b["count"], b["release_ids"]) for b in found["buckets"]] == [
        (2, 2, ids(data, "R1", "R2")),
        (2, 2, ids(data, "R3", "R4")),
        (None, 0, []),
        (3, 3, ids(data, "R5", "R6", "R7")),
    ]
    whole = dora(data[0], metric="deployment_frequency", **{**MARCH, "interval": "all"})
    assert [(b["value"], b["count"]) for b in whole["buckets"]] == [(7, 7)]


def test_lead_time_from_each_start_and_each_aggregation(data: tuple[Desk, DataSet]) -> None:
    # From creation to completion:
    #   R1 03-02 08:00 → 03-05 08:00   72 h      R2 03-05 20:00 → 03-07 08:00   36 h
    #   R3 03-09 08:00 → 03-11 08:00   48 h      R4 03-11 12:00 → 03-13 14:00   50 h
    #   R5 02-20 08:00 → 03-24 08:00  768 h (32 days)
    #   R6 03-23 08:00 → 03-24 20:00   36 h      R7 03-25 08:00 → 03-26 08:00   24 h
    # W1 median (72+36)/2 = 54 h; W2 (48+50)/2 = 49 h; W3 null; W4 [24, 36, 768]:
    # median 36 h, mean 828/3 = 276 h, p90 (nearest rank ceil(0.9*3) = 3rd) 768 h.
    desk = data[0]
    median = dora(desk, metric="lead_time", **MARCH)
    assert median["start"] == "created" and median["unit"] == "seconds"
    assert [(b["value"], b["count"]) for b in median["buckets"]] == [
        (54 * H, 2),
        (49 * H, 2),
        (None, 0),
        (36 * H, 3),
    ]
    mean = dora(desk, metric="lead_time", aggregation="mean", **MARCH)
    assert [b["value"] for b in mean["buckets"]] == [54 * H, 49 * H, None, 276 * H]
    p90 = dora(desk, metric="lead_time", aggregation="p90", **MARCH)
    assert [b["value"] for b in p90["buckets"]] == [72 * H, 50 * H, None, 768 * H]
    # The whole range: [24, 36, 36, 48, 50, 72, 768] h: median 48 h, mean 1034/7 h,
    # p90 the 7th (ceil(6.3)) = 768 h.
    whole = {**MARCH, "interval": "all"}
    assert dora(desk, metric="lead_time", **whole)["buckets"][0]["value"] == 48 * H
    mean_all = dora(desk, metric="lead_time", aggregation="mean", **whole)["buckets"][0]
    assert mean_all["value"] == pytest.approx(1034 / 7 * H)
    assert dora(desk, metric="lead_time", aggregation="p90", **whole)["buckets"][0]["value"] == (
        768 * H
    )
    # From the work's start (first time in Development): R1 03-03 08:00 → 03-05 08:00 48 h,
    # R2 03-06 08:00 → 03-07 08:00 24 h; no other release was in a work stage: median 36 h.
    started = dora(desk, metric="lead_time", start="development_started", **MARCH)
    assert [(b["value"], b["release_ids"]) for b in started["buckets"]] == [
        (36 * H, ids(data, "R1", "R2")),
        (None, []),
        (None, []),
        (None, []),
    ]
    # From the first approval sent: R1 03-02 09:00 → 03-05 08:00 71 h; R3 03-09 09:00 →
    # 03-11 08:00 47 h.
    asked = dora(desk, metric="lead_time", start="approval_requested", **MARCH)
    assert [(b["value"], b["count"]) for b in asked["buckets"]] == [
        (71 * H, 1),
        (47 * H, 1),
        (None, 0),
        (None, 0),
    ]


def test_change_failure_rate(data: tuple[Desk, DataSet]) -> None:
    # W1: R1 backed out after completing, R2 fine: 1/2. W2: R3 closed with the closure code
    # Failed, R4 fine: 1/2. W3: no completion: null (not 0). W4: 0/3, a real 0.
    # Whole range 2/7.
    found = dora(data[0], metric="change_failure_rate", **MARCH)
    assert found["unit"] == "ratio"
    assert [
        (b["value"], b["numerator"], b["denominator"], b["failed_release_ids"])
        for b in found["buckets"]
    ] == [
        (0.5, 1, 2, ids(data, "R1")),
        (0.5, 1, 2, ids(data, "R3")),
        (None, 0, 0, []),
        (0.0, 0, 3, []),
    ]
    whole = dora(data[0], metric="change_failure_rate", **{**MARCH, "interval": "all"})
    [bucket] = whole["buckets"]
    assert (bucket["numerator"], bucket["denominator"]) == (2, 7)
    assert bucket["value"] == pytest.approx(2 / 7)


def test_time_to_restore(data: tuple[Desk, DataSet]) -> None:
    # R1 failed 03-06 08:00 (Back Out); the next completion touching Email: R2 03-07 08:00,
    # 24 h (in W1). R3 failed as it completed 03-11 08:00; the next touching ERP: R4
    # 03-13 14:00, 54 h (in W2). Whole range: median = mean = (24+54)/2 = 39 h.
    found = dora(data[0], metric="time_to_restore", **MARCH)
    assert [(b["value"], b["release_ids"]) for b in found["buckets"]] == [
        (24 * H, ids(data, "R1")),
        (54 * H, ids(data, "R3")),
        (None, []),
        (None, []),
    ]
    whole = dora(data[0], metric="time_to_restore", **{**MARCH, "interval": "all"})
    assert [(b["value"], b["count"]) for b in whole["buckets"]] == [(39 * H, 2)]


def test_approval_wait_per_level(data: tuple[Desk, DataSet]) -> None:
    # Level 1: R1 sent 03-02 09:00, decided 11:00 (2 h, W1); R3 sent 03-09 09:00, decided
    # 10:00 (1 h, W2). Level 2: R3 sent 03-09 10:00, decided 03-10 10:00 (24 h, W2).
    found = dora(data[0], metric="approval_wait", **MARCH)
    assert [(b["level"], b["value"], b["release_ids"]) for b in found["buckets"]] == [
        (1, 2 * H, ids(data, "R1")),
        (1, 1 * H, ids(data, "R3")),
        (1, None, []),
        (1, None, []),
        (2, None, []),
        (2, 24 * H, ids(data, "R3")),
        (2, None, []),
        (2, None, []),
    ]


def test_csv_one_row_per_bucket(data: tuple[Desk, DataSet]) -> None:
    desk = data[0]
    answer = desk.client.get(
        f"{v1(desk)}/metrics/dora",
        params={"metric": "change_failure_rate", **MARCH},
        headers={**bearer(desk.technician.key), "Accept": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["start"], r["value"], r["numerator"], r["denominator"]) for r in rows] == [
        (WEEKS[0][0], "0.5", "1", "2"),
        (WEEKS[1][0], "0.5", "1", "2"),
        (WEEKS[2][0], "", "0", "0"),
        (WEEKS[3][0], "0", "0", "3"),
    ]
    assert rows[0]["release_ids"] == ";".join(map(str, ids(data, "R1", "R2")))
    assert rows[0]["failed_release_ids"] == str(data[1].ids["R1"])


def test_late_events_land_in_their_bucket(data: tuple[Desk, DataSet]) -> None:
    """Read first, then record: a completion entered later with a time in W3, and a
    failure found now (R7 backed out in December) of a release completed in W4. Nothing is
    cached: the next read counts both where their times belong."""
    desk = data[0]
    before = dora(desk, metric="deployment_frequency", **MARCH)["buckets"][2]
    assert (before["value"], before["count"]) == (None, 0)
    late = sdp_release(desk, "R10 entered late", "Internet", "03-17 08:00")
    close(desk, late, "03-18 08:00")
    after = dora(desk, metric="deployment_frequency", **MARCH)["buckets"][2]
    assert (after["value"], after["count"], after["release_ids"]) == (1, 1, [late])
    # R7 fails now, months after its completion (no time set: the API's own "now")
    r7 = data[1].ids["R7"]
    answer = desk.put(
        f"/releases/{r7}",
        input_data={"release": {"stage": {"name": "Development"}, "status": {"name": "Back Out"}}},
    )
    assert answer.status_code == 200, answer.text
    rate = dora(desk, metric="change_failure_rate", **MARCH)["buckets"][3]
    assert (rate["numerator"], rate["denominator"], rate["failed_release_ids"]) == (1, 3, [r7])
    # undo for the other tests of the module: R7 completed again (a second completion; its
    # first one still counts once) and R10 to the trash (left out of every figure)
    close(desk, r7, "12-01 08:00")
    trashed = desk.request("DELETE", f"/releases/{late}/move_to_trash")
    assert trashed.status_code == 200, trashed.text


def test_day_buckets_across_both_dst_changes(desk: Desk) -> None:
    """Berlin's days around Sunday 29 March 2026 (23 h) and Sunday 25 October 2026 (25 h):
    a completion counts on the local day it happened, which is not its UTC day."""
    for title, when in (
        ("A", "03-28 23:30"),  # Sunday 29 March 00:30 CET
        ("C", "03-29 21:30"),  # Sunday 29 March 23:30 CEST
        ("B", "03-29 22:30"),  # Monday 30 March 00:30 CEST
        ("D", "10-24 22:30"),  # Sunday 25 October 00:30 CEST
        ("E", "10-25 22:30"),  # Sunday 25 October 23:30 CET
        ("F", "10-25 23:30"),  # Monday 26 October 00:30 CET
    ):
        release = sdp_release(desk, title, None, "01-02 08:00")
        close(desk, release, when)
    spring = dora(
        desk,
        metric="deployment_frequency",
        **{"from": "2026-03-28", "to": "2026-03-31", "tz": "Europe/Berlin", "interval": "day"},
    )
    assert [(b["start"], b["end"], b["count"]) for b in spring["buckets"]] == [
        ("2026-03-28T00:00:00+01:00", "2026-03-29T00:00:00+01:00", 0),
        ("2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 2),  # 23 hours
        ("2026-03-30T00:00:00+02:00", "2026-03-31T00:00:00+02:00", 1),
    ]
    autumn = dora(
        desk,
        metric="deployment_frequency",
        **{"from": "2026-10-24", "to": "2026-10-27", "tz": "Europe/Berlin", "interval": "day"},
    )
    assert [(b["start"], b["end"], b["value"]) for b in autumn["buckets"]] == [
        ("2026-10-24T00:00:00+02:00", "2026-10-25T00:00:00+02:00", None),
        ("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", 2),  # 25 hours
        ("2026-10-26T00:00:00+01:00", "2026-10-27T00:00:00+01:00", 1),
    ]
    # The same instants in UTC days: 28 March has A, 29 March has C and B.
    utc = dora(
        desk,
        metric="deployment_frequency",
        **{"from": "2026-03-28", "to": "2026-03-30", "tz": "UTC", "interval": "day"},
    )
    assert [b["count"] for b in utc["buckets"]] == [1, 2]
    # A month across the change: March in Berlin holds A, B and C (and none of the
    # March completions of the data set's portal: each portal reads its own releases).
    month = dora(
        desk,
        metric="deployment_frequency",
        **{"from": "2026-03-01", "to": "2026-04-01", "tz": "Europe/Berlin", "interval": "month"},
    )
    assert [(b["start"], b["end"], b["count"]) for b in month["buckets"]] == [
        ("2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00", 3)
    ]


def test_bad_parameters_are_each_named(desk: Desk) -> None:
    answer = desk.client.get(
        f"{v1(desk)}/metrics/dora",
        params={
            "metric": "velocity",
            "interval": "hour",
            "tz": "Mars/Olympus",
            "aggregation": "mode",
            "from": "yesterday",
            "colour": "red",
        },
        headers=bearer(desk.admin.key),
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    named = [p["name"] for p in problem["invalid_params"]]
    assert named == ["colour", "metric", "interval", "aggregation", "tz", "from", "to"]
    assert problem["field"] == "colour"
    assert "'tz' must be an IANA time zone" in problem["detail"]
    backwards = desk.client.get(
        f"{v1(desk)}/metrics/dora",
        params={"metric": "lead_time", "from": "2026-03-02", "to": "2026-03-01"},
        headers=bearer(desk.admin.key),
    )
    assert backwards.status_code == 400 and backwards.json()["field"] == "to"
    too_many = desk.client.get(
        f"{v1(desk)}/metrics/dora",
        params={"metric": "lead_time", "from": "2020-01-01", "to": "2026-01-01", "interval": "day"},
        headers=bearer(desk.admin.key),
    )
    assert too_many.status_code == 400 and too_many.json()["field"] == "interval"
    for early in ("0001-01-01", "0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-05:00"):
        ancient = desk.client.get(
            f"{v1(desk)}/metrics/dora",
            params={"metric": "lead_time", "from": early, "to": "2026-01-01"},
            headers=bearer(desk.admin.key),
        )
        assert ancient.status_code == 400 and ancient.json()["field"] == "from", ancient.text


def test_staff_only(desk: Desk) -> None:
    params = {"metric": "lead_time", "from": "2026-03-02", "to": "2026-03-09"}
    refused = desk.client.get(
        f"{v1(desk)}/metrics/dora", params=params, headers=bearer(desk.requester.key)
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"] == "urn:releasedesk:problem:forbidden"
    assert desk.client.get(f"{v1(desk)}/metrics/dora", params=params).status_code == 401
    assert dora(desk, key=desk.admin.key, **params)["buckets"][0]["value"] is None
    # no level decided at all: one series of empty buckets, still null
    waits = dora(desk, **{**params, "metric": "approval_wait"})["buckets"]
    assert [(b["value"], b["count"], "level" in b) for b in waits] == [(None, 0, False)]


def test_the_document_describes_the_endpoint(desk: Desk) -> None:
    document = desk.client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/metrics/dora"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "metric",
        "from",
        "to",
        "interval",
        "tz",
        "aggregation",
        "start",
    }
    assert "text/csv" in operation["summary"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert "text/csv" in answer["description"]
    assert "invalid_params" in str(operation["responses"]["400"])
