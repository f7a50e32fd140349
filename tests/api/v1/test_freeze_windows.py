"""releasedesk's own API, /api/v1/freeze_windows (issue 22, items 1, 2 and 4): JSON in and
out with the same keys as the other APIs, RFC 9457 problem details naming the field on every
failure, windows one-off and recurring, the releases a window affects, and exceptions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from tests.helpers import Desk

PROBLEM = "application/problem+json"


def v1(desk: Desk) -> str:
    return f"/app/{desk.portal}/api/v1"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def one_off(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Year-end freeze",
        "reason": "Finance closes the books",
        "start": "2031-12-22T00:00:00+01:00",
        "end": "2032-01-04T00:00:00+01:00",
        "timezone": "Europe/Berlin",
        "scope": {},
        "effect": "block",
        **changes,
    }


def create(desk: Desk, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    return desk.client.post(
        f"{v1(desk)}/freeze_windows", json=body, headers=bearer(key or desk.admin.key)
    )


def assert_problem(answer: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    body = answer.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    if field is not None:
        assert body["field"] == field, body
    return body


def test_a_one_off_window_made_read_listed_changed_and_deleted(desk: Desk) -> None:
    made = create(desk, one_off())
    assert made.status_code == 201, made.text
    window = made.json()
    assert window["name"] == "Year-end freeze"
    assert window["start"] == "2031-12-22T00:00:00+01:00"
    assert window["next_occurrences"] == [
        {"start": "2031-12-22T00:00:00+01:00", "end": "2032-01-04T00:00:00+01:00"}
    ]
    wid = window["id"]
    base = f"{v1(desk)}/freeze_windows"
    headers = {"authtoken": desk.technician.key}  # SDP's header works here too; anyone reads
    assert desk.client.get(f"{base}/{wid}", headers=headers).json() == window
    listed = desk.client.get(base, headers=headers).json()["freeze_windows"]
    assert [w["id"] for w in listed] == [wid]

    patched = desk.client.patch(
        f"{base}/{wid}", json={"effect": "warn"}, headers=bearer(desk.admin.key)
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["effect"] == "warn" and patched.json()["start"] == window["start"]
    replaced = desk.client.put(
        f"{base}/{wid}", json=one_off(name="Renamed"), headers=bearer(desk.admin.key)
    )
    assert replaced.json()["name"] == "Renamed" and replaced.json()["effect"] == "block"
    gone = desk.client.delete(f"{base}/{wid}", headers=bearer(desk.admin.key))
    assert gone.status_code == 204
    assert_problem(desk.client.get(f"{base}/{wid}", headers=headers), 404)


def test_a_recurring_window_and_its_next_occurrences(desk: Desk) -> None:
    made = create(
        desk,
        {
            "name": "Weekends",
            "reason": "No one on call",
            "rrule": "FREQ=WEEKLY;BYDAY=SA",
            "dtstart": "2026-01-03T00:00:00",
            "duration": "PT48H",
            "exdates": [],
            "timezone": "Europe/Berlin",
            "effect": "block",
        },
    )
    assert made.status_code == 201, made.text
    window = made.json()
    assert window["rrule"] == "FREQ=WEEKLY;BYDAY=SA" and window["duration"] == "PT48H"
    starts = [dt.datetime.fromisoformat(o["start"]) for o in window["next_occurrences"]]
    assert len(starts) == 3 and all(s.weekday() == 5 and s.hour == 0 for s in starts)
    # PATCH turns it into a one-off window when given start and end
    patched = desk.client.patch(
        f"{v1(desk)}/freeze_windows/{window['id']}",
        json={"start": "2031-01-01T00:00:00Z", "end": "2031-01-02T00:00:00Z"},
        headers=bearer(desk.admin.key),
    )
    assert patched.status_code == 200, patched.text
    assert "rrule" not in patched.json()


def test_bad_input_is_a_problem_naming_the_field(desk: Desk) -> None:
    cases: list[tuple[dict[str, Any], int, str]] = [
        (one_off(end="2031-12-21T00:00:00+01:00"), 400, "end"),
        (one_off(start="2031-12-22T00:00:00"), 400, "start"),
        (one_off(start="yesterday"), 400, "start"),
        (one_off(timezone="Mars/Olympus"), 400, "timezone"),
        (one_off(effect="maybe"), 400, "effect"),
        (one_off(scope={"planets": ["Mars"]}), 400, "scope.planets"),
        (one_off(scope={"services": ["No such service"]}), 400, "scope.services"),
        (one_off(colour="red"), 400, "colour"),
        (
            {
                "name": "x",
                "reason": "y",
                "rrule": "FREQ=SECONDLY",
                "dtstart": "2027-01-01T00:00:00",
                "duration": "PT1S",
            },
            400,
            "rrule",
        ),
        (
            {
                "name": "x",
                "reason": "y",
                "rrule": "FREQ=DAILY",
                "dtstart": "2027-01-01T00:00:00",
                "duration": "P1Y",
            },
            400,
            "duration",
        ),
        (
            {"reason": "y", "start": "2031-01-01T00:00:00Z", "end": "2031-01-02T00:00:00Z"},
            400,
            "name",
        ),
    ]
    for body, status, field in cases:
        assert_problem(create(desk, body), status, field)
    problem = assert_problem(create(desk, one_off(timezone="Mars/Olympus")), 400)
    assert problem["type"] == "urn:releasedesk:problem:invalid"


def test_malformed_forbidden_unknown_and_duplicate(desk: Desk) -> None:
    base = f"{v1(desk)}/freeze_windows"
    admin = bearer(desk.admin.key)
    assert_problem(
        desk.client.post(
            base, content=b"{nope", headers={**admin, "Content-Type": "application/json"}
        ),
        400,
    )
    assert_problem(
        desk.client.post(base, content=b"{}", headers={**admin, "Content-Type": "text/plain"}), 415
    )
    assert_problem(desk.client.get(base), 401)
    assert_problem(create(desk, one_off(), desk.technician.key), 403)
    assert create(desk, one_off()).status_code == 201
    assert_problem(create(desk, one_off(name="YEAR-END FREEZE")), 409, "name")
    assert_problem(desk.client.get(f"{base}/abc", headers=admin), 404)
    assert_problem(desk.client.get(f"{v1(desk)}/nothing/here", headers=admin), 404)
    # another portal's key is refused here
    other = desk.client.get("/api/v1/freeze_windows", headers=admin)
    assert other.status_code == 401 and other.headers["content-type"].startswith(PROBLEM)


def test_affected_releases_and_an_exception(desk: Desk) -> None:
    ms = lambda when: {"value": str(int(dt.datetime.fromisoformat(when).timestamp() * 1000))}  # noqa: E731
    inside = desk.create_release(
        key=desk.requester.key,
        title="Inside",
        scheduled_start_time=ms("2031-12-27T10:00:00+01:00"),
        scheduled_end_time=ms("2031-12-27T12:00:00+01:00"),
    )["id"]
    wid = create(desk, one_off()).json()["id"]
    base = f"{v1(desk)}/freeze_windows/{wid}"
    admin = bearer(desk.admin.key)
    found = desk.client.get(f"{base}/affected", headers=admin).json()["releases"]
    assert [(r["id"], r["title"], r["overridden"]) for r in found] == [
        (int(inside), "Inside", False)
    ]

    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    body = {"release_id": int(inside), "reason": "Tax law change", "expires_on": expires}
    refused = desk.client.post(f"{base}/overrides", json=body, headers=bearer(desk.technician.key))
    assert_problem(refused, 403)
    made = desk.client.post(f"{base}/overrides", json=body, headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["window"]["name"] == "Year-end freeze"
    assert made.json()["granted_by"] == desk.admin.name
    found = desk.client.get(f"{base}/affected", headers=admin).json()["releases"]
    assert found[0]["overridden"] is True
    listed = desk.client.get(f"{v1(desk)}/releases/{inside}/freeze_overrides", headers=admin)
    assert [o["reason"] for o in listed.json()["overrides"]] == ["Tax law change"]
    assert_problem(
        desk.client.post(
            f"{base}/overrides", json={**body, "expires_on": "2020-01-01T00:00:00Z"}, headers=admin
        ),
        400,
        "expires_on",
    )
    assert_problem(
        desk.client.post(f"{base}/overrides", json={**body, "release_id": "x"}, headers=admin),
        400,
        "release_id",
    )


def test_a_requester_sees_only_their_own_releases_of_a_window(desk: Desk) -> None:
    ms = lambda when: {"value": str(int(dt.datetime.fromisoformat(when).timestamp() * 1000))}  # noqa: E731
    window = {
        "scheduled_start_time": ms("2031-12-27T10:00:00+01:00"),
        "scheduled_end_time": ms("2031-12-27T12:00:00+01:00"),
    }
    mine = int(desk.create_release(key=desk.requester.key, title="Mine", **window)["id"])
    staff = int(desk.create_release(key=desk.technician.key, title="Staff only", **window)["id"])
    wid = create(desk, one_off()).json()["id"]
    base = f"{v1(desk)}/freeze_windows/{wid}"
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    for rid in (mine, staff):
        body = {"release_id": rid, "reason": f"Reason {rid}", "expires_on": expires}
        granted = desk.client.post(f"{base}/overrides", json=body, headers=bearer(desk.admin.key))
        assert granted.status_code == 201, granted.text
    admin = desk.client.get(f"{base}/affected", headers=bearer(desk.admin.key)).json()
    assert {r["id"] for r in admin["releases"]} == {mine, staff}
    requester = bearer(desk.requester.key)
    seen = desk.client.get(f"{base}/affected", headers=requester).json()["releases"]
    assert [r["title"] for r in seen] == ["Mine"]
    own = desk.client.get(f"{v1(desk)}/releases/{mine}/freeze_overrides", headers=requester)
    assert [o["reason"] for o in own.json()["overrides"]] == [f"Reason {mine}"]
    other = desk.client.get(f"{v1(desk)}/releases/{staff}/freeze_overrides", headers=requester)
    assert_problem(other, 404, "release_id")


def test_the_document_describes_every_route(desk: Desk) -> None:
    doc = desk.client.get("/api/v1/openapi.json").json()
    assert doc["info"]["title"] == "releasedesk — its own API"
    paths = doc["paths"]
    assert {"get", "post"} <= set(paths["/freeze_windows"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/freeze_windows/{window_id}"])
    created = paths["/freeze_windows"]["post"]["responses"]
    assert "201" in created and PROBLEM in created["400"]["content"]


def test_bad_times_lengths_and_ids_are_400_naming_the_field(desk: Desk) -> None:
    weekly = {"rrule": "FREQ=WEEKLY;BYDAY=SA", "dtstart": "2031-12-06T00:00:00", "duration": "P2D"}
    recurring = {k: v for k, v in one_off(**weekly).items() if k not in ("start", "end")}
    for body, field in (
        (one_off(end="9999-12-31T23:00:00-05:00"), "end"),
        (one_off(start="0001-01-01T00:00:00+01:00"), "start"),
        ({**recurring, "dtstart": "9999-06-01T00:00:00"}, "dtstart"),
        ({**recurring, "dtstart": "0001-01-01T00:00:00"}, "dtstart"),
        ({**recurring, "duration": "P99999999999D"}, "duration"),
        ({**recurring, "duration": "PT99999999999999999999H"}, "duration"),
        ({**recurring, "duration": "P99999999999W"}, "duration"),
        ({**recurring, "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"}, "rrule"),
        ({**recurring, "rrule": "FREQ=DAILY;" + "BYHOUR=1;" * 120}, "rrule"),
        (one_off(name="x" * 201), "name"),
        (one_off(timezone="localtime"), "timezone"),
    ):
        assert_problem(create(desk, body), 400, field)
    assert create(desk, one_off(name="x" * 200)).status_code == 201
    admin = bearer(desk.admin.key)
    for params, field in (
        ({"duration": "PT1H", "after": "9999-12-30T00:00:00Z"}, "after"),
        ({"duration": "PT1H", "after": "0001-01-01T00:00:00+01:00"}, "after"),
        ({"duration": "P99999999999D"}, "duration"),
    ):
        found = desk.client.get(f"{v1(desk)}/schedule/next_free", params=params, headers=admin)
        assert_problem(found, 400, field)
    feed = desk.client.get(
        f"{v1(desk)}/calendar.ics", params={"from": "9999-12-01T00:00:00Z"}, headers=admin
    )
    assert_problem(feed, 400, "from")
    wid = create(desk, one_off(name="Ids")).json()["id"]
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
    big = {"release_id": 9223372036854775808, "reason": "Big", "expires_on": expires}
    made = desk.client.post(f"{v1(desk)}/freeze_windows/{wid}/overrides", json=big, headers=admin)
    assert_problem(made, 400, "release_id")


def test_an_exception_revoked_and_renewed(desk: Desk) -> None:
    ms = lambda when: {"value": str(int(dt.datetime.fromisoformat(when).timestamp() * 1000))}  # noqa: E731
    rid = desk.create_release(
        key=desk.requester.key,
        title="Inside",
        scheduled_start_time=ms("2031-12-27T10:00:00+01:00"),
        scheduled_end_time=ms("2031-12-27T12:00:00+01:00"),
    )["id"]
    wid = create(desk, one_off()).json()["id"]
    other = create(desk, one_off(name="Other")).json()["id"]
    admin = bearer(desk.admin.key)
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    body = {"release_id": int(rid), "reason": "Tax law", "expires_on": expires}
    made = desk.client.post(f"{v1(desk)}/freeze_windows/{wid}/overrides", json=body, headers=admin)
    oid = made.json()["id"]
    again = desk.client.post(f"{v1(desk)}/freeze_windows/{wid}/overrides", json=body, headers=admin)
    assert_problem(again, 409, "release_id")
    gone = f"{v1(desk)}/freeze_windows/{other}/overrides/{oid}"
    assert_problem(desk.client.delete(gone, headers=admin), 404, "override_id")
    mine = f"{v1(desk)}/freeze_windows/{wid}/overrides/{oid}"
    assert_problem(desk.client.delete(mine, headers=bearer(desk.technician.key)), 403)
    assert desk.client.delete(mine, headers=admin).status_code == 204
    assert_problem(desk.client.delete(mine, headers=admin), 404, "override_id")
    listed = desk.client.get(f"{v1(desk)}/releases/{rid}/freeze_overrides", headers=admin)
    assert listed.json()["overrides"] == []
    renewed = desk.client.post(
        f"{v1(desk)}/freeze_windows/{wid}/overrides", json=body, headers=admin
    )
    assert renewed.status_code == 201, renewed.text
    doc = desk.client.get("/api/v1/openapi.json").json()
    assert "delete" in doc["paths"]["/freeze_windows/{window_id}/overrides/{override_id}"]
