"""Every API respects change freezes (issue 22, item 3), in the write's own transaction: SDP
refuses a release scheduled into a blocking window, or moved into Deployment while one is
on, in its envelope; FlexDeploy refuses STARTED while one is on, in its format; each names
the window and the next allowed time. Outside the window, or with an exception, or under a
warning window (which leaves a status comment), the same writes pass."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.flexdeploy.support import flex_for, spec_post
from tests.api.ucr.support import SAMPLE_TEAM, Ucr
from tests.api.v1.test_calendar_feed import ms
from tests.api.v1.test_freeze_windows import bearer, create, one_off
from tests.helpers import Desk


def sdp_refusal(answer: Any) -> str:
    assert answer.status_code == 400, answer.text
    (message,) = answer.json()["response_status"]["messages"]
    return str(message["message"])


def schedule(start: str, end: str) -> dict[str, Any]:
    return {"scheduled_start_time": ms(start), "scheduled_end_time": ms(end)}


def test_sdp_cannot_schedule_into_a_blocking_window(desk: Desk) -> None:
    create(desk, one_off())  # 2031-12-22 to 2032-01-04, Europe/Berlin
    inside = schedule("2031-12-27T10:00:00+01:00", "2031-12-27T12:00:00+01:00")
    refused = desk.post("/releases", input_data={"release": {"title": "Year-end patch", **inside}})
    message = sdp_refusal(refused)
    assert "Year-end freeze" in message
    assert "next allowed at 2032-01-03T23:00:00+00:00" in message
    outside = schedule("2032-01-05T10:00:00+01:00", "2032-01-05T12:00:00+01:00")
    made = desk.post("/releases", input_data={"release": {"title": "After it", **outside}})
    assert made.status_code == 201, made.text
    rid = made.json()["release"]["id"]
    moved = desk.put(f"/releases/{rid}", input_data={"release": inside})
    assert "Year-end freeze" in sdp_refusal(moved)
    kept = desk.get(f"/releases/{rid}").json()["release"]
    assert kept["scheduled_start_time"]["value"] == outside["scheduled_start_time"]["value"]


def test_moving_into_deployment_while_a_window_is_on(desk: Desk) -> None:
    now = dt.datetime.now(dt.UTC)
    create(
        desk,
        one_off(
            name="Incident freeze",
            start=(now - dt.timedelta(hours=1)).isoformat(),
            end=(now + dt.timedelta(hours=2)).isoformat(),
        ),
    )
    rid = desk.create_release(title="Hotfix")["id"]
    refused = desk.put(
        f"/releases/{rid}", input_data={"release": {"stage": {"name": "Deployment"}}}
    )
    assert "Incident freeze" in sdp_refusal(refused)
    planning = desk.put(f"/releases/{rid}", input_data={"release": {"stage": {"name": "Planning"}}})
    assert planning.status_code == 200, planning.text  # other moves are not held

    flex = flex_for(desk)
    body = {**spec_post(), "releaseStatus": "NOTSTARTED"}
    made = flex.post(body).json()
    message = flex.refused(flex.patch(made["releaseId"], {**body, "releaseStatus": "STARTED"}))
    assert "Incident freeze" in message and "next allowed at" in message
    assert flex.get(f"/releases/{made['releaseId']}").json()["releaseStatus"] == "NOTSTARTED"


def test_an_exception_and_a_warning_window_let_it_through(desk: Desk) -> None:
    wid = create(desk, one_off()).json()["id"]
    outside = schedule("2032-01-05T10:00:00+01:00", "2032-01-05T12:00:00+01:00")
    rid = desk.create_release(key=desk.technician.key, title="Excepted", **outside)["id"]
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    granted = desk.client.post(
        f"/app/{desk.portal}/api/v1/freeze_windows/{wid}/overrides",
        json={"release_id": int(rid), "reason": "Tax law", "expires_on": expires},
        headers=bearer(desk.admin.key),
    )
    assert granted.status_code == 201, granted.text
    inside = schedule("2031-12-27T10:00:00+01:00", "2031-12-27T12:00:00+01:00")
    moved = desk.put(f"/releases/{rid}", input_data={"release": inside})
    assert moved.status_code == 200, moved.text

    create(
        desk,
        one_off(
            name="Audit week",
            effect="warn",
            start="2032-02-02T00:00:00Z",
            end="2032-02-09T00:00:00Z",
        ),
    )
    warned = desk.create_release(
        title="In audit week", **schedule("2032-02-03T10:00:00+00:00", "2032-02-03T11:00:00+00:00")
    )
    comments = desk.get(f"/releases/{warned['id']}/status_comments").json()
    texts = [c.get("comment") for c in comments.get("status_comments", [])]
    assert any(t and "Audit week" in t and "warning" in t for t in texts), comments


def test_a_window_scoped_to_a_release_type_holds_a_release_that_does_not_restate_it(
    desk: Desk,
) -> None:
    create(desk, one_off(scope={"release_types": ["Standard"]}))
    outside = schedule("2032-01-05T10:00:00+01:00", "2032-01-05T12:00:00+01:00")
    typed = desk.create_release(title="Typed", release_type={"name": "Standard"}, **outside)
    inside = schedule("2031-12-27T10:00:00+01:00", "2031-12-27T12:00:00+01:00")
    moved = desk.put(f"/releases/{typed['id']}", input_data={"release": inside})
    assert "Year-end freeze" in sdp_refusal(moved)
    other = desk.create_release(title="Untyped", **outside)
    assert desk.put(f"/releases/{other['id']}", input_data={"release": inside}).status_code == 200

    now = dt.datetime.now(dt.UTC)
    create(
        desk,
        one_off(
            name="Standard changes held",
            scope={"release_types": ["Standard"]},
            start=(now - dt.timedelta(hours=1)).isoformat(),
            end=(now + dt.timedelta(hours=2)).isoformat(),
        ),
    )
    held = desk.create_release(title="Held", release_type={"name": "Standard"})
    refused = desk.put(
        f"/releases/{held['id']}", input_data={"release": {"stage": {"name": "Deployment"}}}
    )
    assert "Standard changes held" in sdp_refusal(refused)


def test_flexdeploy_resuming_a_suspended_release_is_a_start(desk: Desk) -> None:
    flex = flex_for(desk)
    body = {**spec_post(), "releaseStatus": "STARTED"}
    made = flex.post(body).json()
    held = desk.put(
        f"/releases/{made['releaseId']}", input_data={"release": {"status": {"name": "On Hold"}}}
    )
    assert held.status_code == 200, held.text
    assert flex.get(f"/releases/{made['releaseId']}").json()["releaseStatus"] == "SUSPENDED"
    now = dt.datetime.now(dt.UTC)
    create(
        desk,
        one_off(
            name="Incident freeze",
            start=(now - dt.timedelta(hours=1)).isoformat(),
            end=(now + dt.timedelta(hours=2)).isoformat(),
        ),
    )
    message = flex.refused(flex.patch(made["releaseId"], {**body, "releaseStatus": "STARTED"}))
    assert "Incident freeze" in message and "next allowed at" in message
    assert flex.get(f"/releases/{made['releaseId']}").json()["releaseStatus"] == "SUSPENDED"


def test_an_urbancode_team_change_into_a_team_s_freeze_is_refused(desk: Desk) -> None:
    ucr = Ucr(desk)
    made = ucr.create(name="Team release")
    found = desk.get(
        "/releases",
        input_data={
            "list_info": {
                "search_criteria": {"field": "title", "condition": "is", "value": "Team release"}
            }
        },
    ).json()["releases"]
    inside = schedule("2031-12-27T10:00:00+01:00", "2031-12-27T12:00:00+01:00")
    scheduled = desk.put(f"/releases/{found[0]['id']}", input_data={"release": inside})
    assert scheduled.status_code == 200, scheduled.text  # no team yet: out of the scope
    create(desk, one_off(scope={"teams": ["Team for Sample Release"]}))
    refused = ucr.put(f"/releases/{made['id']}", {"team": {"id": SAMPLE_TEAM}})
    assert refused.status_code == 400, refused.text
    assert "Year-end freeze" in refused.text
    assert ucr.get(f"/releases/{made['id']}").json()["team"] is None
