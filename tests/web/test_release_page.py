"""The release page over HTTP, as a browser uses it: what it shows, the edit form (saved,
refused, in conflict), close, trash and restore, pick up, approvals decided and added from
the page, the history in words, what a requester sees and may do, unknown ids; and the
approval mail link's page on the same templates and stylesheet."""

from __future__ import annotations

from typing import Any

import pytest

from releasedesk.db.models import ApprovalLevel, ReleaseHistory, ReleaseNote
from tests.api.flexdeploy.support import flex_for, spec_post
from tests.api.sdp.approvals_support import add_level, link_paths, sent
from tests.api.ucr.support import DEFAULT_LIFECYCLE, Ucr
from tests.helpers import Desk
from tests.web.release_support import Browser, Element, parse


def api_release(desk: Desk, release_id: int | str) -> dict[str, Any]:
    response = desk.get(f"/releases/{release_id}")
    assert response.status_code == 200, response.text
    return response.json()["release"]  # type: ignore[no-any-return]


def lookup_id(desk: Desk, kind: str, name: str) -> str:
    """The id the page offers for a lookup value, read from the release's own API."""
    made = desk.create_release(**{kind: {"name": name}})
    return str(made[kind]["id"])


@pytest.fixture
def admin(desk: Desk) -> Browser:
    return Browser(desk, desk.admin)


@pytest.fixture
def technician(desk: Desk) -> Browser:
    return Browser(desk, desk.technician)


@pytest.fixture
def requester(desk: Desk) -> Browser:
    return Browser(desk, desk.requester)


def texts(elements: list[Element]) -> list[str]:
    return [element.text for element in elements]


# --- view ----------------------------------------------------------------------------------


def test_the_page_shows_title_id_status_stages_fields_and_history(
    desk: Desk, admin: Browser
) -> None:
    made = desk.create_release(
        title="Payroll <b>upgrade</b>",
        description="<p>Move <b>payroll</b> on<script>alert(1)</script>"
        '<img src=x onerror="alert(2)"></p>',
        priority={"name": "High"},
        roll_out_plan={"description": "<ol><li>Drain</li><li>Switch</li></ol>"},
    )
    page = admin.page(f"/releases/{made['id']}")
    assert page.one("h1").text == "Payroll <b>upgrade</b>"  # the title as text
    assert page.one("p", class_="release-id").text == f"Release {made['id']}"
    assert "Requested" in page.one("p", class_="release-state").text

    steps = page.one("ol", class_="stage-bar").all("li")
    assert len(steps) == 9
    assert steps[0].text.startswith("Submission — current")
    assert steps[1].text.startswith("Planning — not started")
    assert [s for s in steps if s.get("aria-current") == "step"] == [steps[0]]

    summary = page.section("Details").one("dl", class_="summary")
    terms = texts(summary.all("dt"))
    values = dict(zip(terms, texts(summary.all("dd")), strict=True))
    assert values["Priority"] == "▲▲ High"
    assert values["Stage"] == "Submission"
    # Descriptive texts are the core's sanitized HTML: formatting kept, scripts gone.
    description = summary.all("dd")[terms.index("Description")]
    assert description.all("b") and not description.all("script")
    assert "onerror" not in str(admin.get(f"/releases/{made['id']}").text)
    plans = page.section("Plans and reviews")
    assert texts(plans.all("li")) == ["Drain", "Switch"]

    history = page.section("History")
    entry = history.one("ol", class_="timeline").kids("li")[-1]
    assert "created the release" in entry.text
    time = entry.first("time")
    assert time["title"].endswith("UTC") and time.text == "just now"


def test_history_reads_each_change(desk: Desk, admin: Browser) -> None:
    made = desk.create_release(title="Readable", priority={"name": "High"})
    desk.put(f"/releases/{made['id']}", input_data={"release": {"priority": {"name": "Low"}}})
    page = admin.page(f"/releases/{made['id']}")
    changes = texts(page.section("History").all("ul", class_="changes"))
    assert "Priority: High → Low" in changes
    newest = page.section("History").one("ol", class_="timeline").first("li")
    assert "Ada Admin changed the release" in newest.text


# --- edit ----------------------------------------------------------------------------------


def edit_fields(page: Element) -> dict[str, Any]:
    """What the edit form sends as it stands (checked boxes, selected options, texts)."""
    form = page.form_to("/edit")
    values: dict[str, Any] = {}
    for field in form.all("input"):
        name, kind = field.get("name"), field.get("type")
        if not name or name == "csrf_token":
            continue
        if kind == "checkbox":
            if field.get("checked") is not None:
                values.setdefault(name, []).append(field.get("value") or "on")
        else:
            values[name] = field.get("value") or ""
    for field in form.all("textarea"):
        values[str(field["name"])] = field.text if field.children else ""
    for field in form.all("select"):
        chosen = [o.get("value") for o in field.all("option") if o.get("selected") is not None]
        values[str(field["name"])] = chosen[0] if chosen else ""
    return values


def as_form(values: dict[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, one))
    return pairs


def test_edit_saves_only_what_changed(desk: Desk, admin: Browser) -> None:
    made = desk.create_release(
        title="Edit me", priority={"name": "High"}, description="<p>Keep</p>"
    )
    low = lookup_id(desk, "priority", "Low")
    rid = made["id"]
    form = edit_fields(admin.page(f"/releases/{rid}/edit"))
    assert form["title"] == "Edit me" and form["version"]
    form["priority"] = low
    form["roll_out_plan"] = "<p>Step <em>one</em></p>"
    saved = admin.post(f"/releases/{rid}/edit", as_form(form))
    assert saved.status_code == 200
    assert saved.url.path.endswith(f"/releases/{rid}")
    page = parse(saved.text)
    assert f"Release {rid} was saved." in page.one("div", id="status").text
    after = api_release(desk, rid)
    assert after["priority"]["name"] == "Low"
    assert after["description"] == "<p>Keep</p>" and after["title"] == "Edit me"
    assert after["roll_out_plan"]["description"] == "<p>Step <em>one</em></p>"
    changes = texts(page.section("History").all("ul", class_="changes"))
    assert "Priority: High → Low" in changes[0]
    assert "Description" not in changes[0] and "Title" not in changes[0]


def test_a_refused_edit_keeps_what_was_typed_and_changes_nothing(
    desk: Desk, admin: Browser
) -> None:
    made = desk.create_release(title="Times")
    rid = made["id"]
    before = api_release(desk, rid)
    form = edit_fields(admin.page(f"/releases/{rid}/edit"))
    form.update(
        title="Times, typed",
        scheduled_start_time="2027-03-02T10:00",
        scheduled_end_time="2027-03-01T10:00",
    )
    refused = admin.post(f"/releases/{rid}/edit", as_form(form))
    assert refused.status_code == 422
    page = parse(refused.text)
    assert page.one("title").text.startswith("Error:")
    summary = page.one("div", class_="error-summary")
    assert summary.one("a", href="#scheduled_end_time").text == (
        "Scheduled end is before Scheduled start"
    )
    field = page.one("input", id="scheduled_end_time")
    assert field.get("aria-invalid") == "true" and field["value"] == "2027-03-01T10:00"
    assert page.one("p", id="scheduled_end_time-error").text.endswith(
        "Scheduled end is before Scheduled start"
    )
    assert page.one("input", id="title")["value"] == "Times, typed"
    after = api_release(desk, rid)
    assert (after["title"], after["scheduled_end_time"]) == ("Times", None)
    assert desk.count(ReleaseHistory, release_id=int(rid)) == 1
    assert before["title"] == after["title"]


def test_an_edit_of_a_release_changed_meanwhile_is_a_conflict(desk: Desk, admin: Browser) -> None:
    rid = desk.create_release(title="Raced")["id"]
    form = edit_fields(admin.page(f"/releases/{rid}/edit"))
    desk.put(f"/releases/{rid}", input_data={"release": {"title": "Changed by the API"}})
    form["title"] = "Changed on the page"
    refused = admin.post(f"/releases/{rid}/edit", as_form(form))
    assert refused.status_code == 409
    assert (
        "Someone changed this release"
        in parse(refused.text).one("div", class_="error-summary").text
    )
    assert api_release(desk, rid)["title"] == "Changed by the API"
    again = edit_fields(parse(refused.text))  # what was typed, at the version it is now
    assert again["title"] == "Changed on the page"
    assert admin.post(f"/releases/{rid}/edit", as_form(again)).status_code == 200
    assert api_release(desk, rid)["title"] == "Changed on the page"


def test_staff_move_the_stage_and_status_from_the_form(desk: Desk, admin: Browser) -> None:
    rid = desk.create_release(title="Moves")["id"]
    page = admin.page(f"/releases/{rid}/edit")
    form = edit_fields(page)
    planning = page.one("select", id="stage").one("option", text="Planning")["value"]
    form.update(stage=planning, comment="Planned")
    moved = admin.post(f"/releases/{rid}/edit", as_form(form))
    assert moved.status_code == 200
    after = api_release(desk, rid)
    assert (after["stage"]["name"], after["status"]["name"]) == ("Planning", "In Progress")
    page = parse(moved.text)
    current = page.one("li", **{"aria-current": "step"})
    assert current.text.startswith("Planning — current")
    assert "Planned" in page.section("Status comments").text


# --- actions -------------------------------------------------------------------------------


def test_close_release_with_a_status_and_comment(desk: Desk, admin: Browser) -> None:
    rid = desk.create_release(title="Closing")["id"]
    page = admin.page(f"/releases/{rid}")
    dialog = page.one("details", class_="dialog", text="Close release")
    assert dialog.one("summary").text == "Close release"
    options = {o.text: o["value"] for o in dialog.one("select", id="close-status").all("option")}
    assert set(options) == {"Completed", "Canceled"}
    assert dialog.one("button", type="submit").text == "Close release"
    closed = admin.post(
        f"/releases/{rid}/close", {"status": options["Canceled"], "comment": "Not needed"}
    )
    assert closed.status_code == 200
    page = parse(closed.text)
    assert "was closed" in page.one("div", id="status").text
    assert "Canceled" in page.one("p", class_="release-state").text
    assert not page.has_form_to("/close")
    after = api_release(desk, rid)
    assert (after["stage"]["name"], after["status"]["name"]) == ("Closure", "Canceled")
    assert "Not needed" in page.section("Status comments").text


def test_a_refused_close_says_why_beside_the_status(desk: Desk, admin: Browser) -> None:
    rid = desk.create_release(title="Gated")["id"]
    add_level(desk, rid, approvers=[desk.technician])
    page = admin.page(f"/releases/{rid}")
    completed = page.one("select", id="close-status").one("option", text="Completed")["value"]
    refused = admin.post(f"/releases/{rid}/close", {"status": completed, "comment": "Done"})
    assert refused.status_code == 422
    page = parse(refused.text)
    assert "is not approved yet" in page.one("p", id="close-status-error").text
    assert page.one("details", class_="dialog", text="Close release").get("open") is not None
    assert page.one("textarea", id="close-comment").text == "Done"
    assert api_release(desk, rid)["stage"]["name"] == "Submission"


def test_move_to_trash_then_restore(desk: Desk, admin: Browser) -> None:
    rid = desk.create_release(title="Trash me")["id"]
    page = admin.page(f"/releases/{rid}")
    danger = page.section("Danger zone")
    assert "Move release" in danger.one("h3").text  # the dialog asks first
    trashed = admin.post(f"/releases/{rid}/trash")
    assert trashed.status_code == 200
    page = parse(trashed.text)
    banner = page.section("This release is in the trash")
    assert banner.one("button").text == "Restore"
    assert banner.one("a", text="Trash")
    assert not page.has_form_to("/close") and not page.has_form_to("/trash")
    assert api_release(desk, rid)["deleted_time"] is not None
    restored = admin.post(f"/releases/{rid}/restore")
    page = parse(restored.text)
    assert "was restored" in page.one("div", id="status").text
    assert "This release is in the trash" not in page.text
    assert api_release(desk, rid)["deleted_time"] is None


def test_pick_up_and_assign_the_engineer(desk: Desk, technician: Browser, admin: Browser) -> None:
    rid = desk.create_release(title="Pick me")["id"]
    page = technician.page(f"/releases/{rid}")
    assert page.form_to("/pickup").one("button").text == "Pick up"
    picked = technician.post(f"/releases/{rid}/pickup")
    page = parse(picked.text)
    roles = page.section("Roles").one("dl")
    assert "Release Engineer Heather Graham (you)" in roles.text
    assert not page.has_form_to("/pickup")
    assert api_release(desk, rid)["release_engineer"]["name"] == "Heather Graham"

    page = admin.page(f"/releases/{rid}")
    admin_id = page.one("select", id="engineer").one("option", text="Ada Admin")["value"]
    assigned = admin.post(f"/releases/{rid}/engineer", {"engineer": admin_id})
    assert (
        "Ada Admin is the release engineer now."
        in parse(assigned.text).one("div", id="status").text
    )
    assert api_release(desk, rid)["release_engineer"]["name"] == "Ada Admin"


def test_notes_for_staff_and_the_requester(desk: Desk, admin: Browser, requester: Browser) -> None:
    rid = desk.create_release(key=desk.requester.key, title="Noted")["id"]
    admin.post(f"/releases/{rid}/notes", {"note": "<p>Staff <b>only</b></p>"})
    admin.post(f"/releases/{rid}/notes", {"note": "For you", "show_to_requester": "1"})
    staff_view = admin.page(f"/releases/{rid}").section("Notes")
    assert "Staff only" in staff_view.text and "For you" in staff_view.text
    own_page = requester.page(f"/releases/{rid}")
    own_view = own_page.section("Notes")
    assert "For you" in own_view.text and "Staff" not in own_view.text
    history = own_page.section("History").text  # the hidden note's text is not there either
    assert "Note: For you" in history and "only" not in history
    empty = admin.post(f"/releases/{rid}/notes", {"note": "  "})
    assert empty.status_code == 422
    assert parse(empty.text).one("p", id="note-error").text.endswith("Enter the note")
    assert desk.count(ReleaseNote, release_id=int(rid)) == 2


# --- approvals -----------------------------------------------------------------------------


def test_add_a_level_send_it_and_approve_from_the_page(
    desk: Desk, admin: Browser, technician: Browser
) -> None:
    rid = desk.create_release(title="Approve me")["id"]
    page = admin.page(f"/releases/{rid}")
    form = page.form_to("/approval-levels")
    assert form.one("button").text == "Add approval level"
    tech = form.one("select", id="level-approvers").one("option", text="Heather Graham")["value"]
    submission = form.one("select", id="level-stage").one("option", text="Submission")["value"]
    added = admin.post(
        f"/releases/{rid}/approval-levels",
        {
            "level-stage": submission,
            "level-name": "CAB",
            "level-rule": "everyone",
            "level-approvers": tech,
        },
    )
    assert added.status_code == 200
    page = parse(added.text)
    level = page.one("div", class_="level")
    assert "Level 1: CAB" in level.one("h4").text
    assert "Everyone — 0 of 1 approved" in level.one("p", class_="rule").text
    assert "Heather Graham Not sent yet" in level.one("ul", class_="approvers").text

    other = page.one("select", id=f"approvers-{desk_level_id(level)}").one(
        "option", text="Ada Admin"
    )["value"]
    more = admin.post(
        f"/releases/{rid}/approval-levels/{desk_level_id(level)}/approvers", {"approver": other}
    )
    assert "Added as approvers: Ada Admin." in parse(more.text).one("div", id="status").text

    sent_page = admin.post(f"/releases/{rid}/approval-levels/{desk_level_id(level)}/send")
    assert (
        "Sent for approval to 2 of 2 approvers."
        in parse(sent_page.text).one("div", id="status").text
    )

    page = technician.page(f"/releases/{rid}")
    pending = page.section("Waiting for your approval")
    comment = pending.one("input", name="comment")
    assert comment["maxlength"] == "250"
    assert pending.one("label", **{"for": comment["id"]}).text.startswith("Comment")
    assert pending.one("p", id=comment["data-count"])
    assert "Everyone — 0 of 2 approved" in pending.text
    assert "You can approve" in page.one("div", class_="level").text
    action = pending.one("form")["action"].split("/ui", 1)[1]

    too_long = technician.post(action, {"decision": "approve", "comment": "x" * 251})
    assert too_long.status_code == 422
    refused = parse(too_long.text)
    assert (
        "Comment is longer than 250 characters" in refused.one("div", class_="error-summary").text
    )
    assert refused.one("input", name="comment")["value"] == "x" * 251

    approved = technician.post(action, {"decision": "approve", "comment": "Fine by me"})
    assert approved.status_code == 200
    page = parse(approved.text)
    assert "You approved this release's approval." in page.one("div", id="status").text
    assert not page.all("section", text="Waiting for your approval")
    approvers = page.one("ul", class_="approvers").text
    assert "Heather Graham You approved" in approvers and "Ada Admin" in approvers
    assert "Everyone — 1 of 2 approved" in page.one("p", class_="rule").text
    history = page.section("History").first("li")
    assert "Approved by Heather Graham" in history.text
    assert "Decided: on the web" in history.text
    step = page.one("li", **{"aria-current": "step"}).text
    assert step == "Submission — current approval: waiting on level 1 of 1"


def desk_level_id(level: Element) -> str:
    return str(level["id"]).removeprefix("level-")


def test_a_refused_level_is_explained_beside_its_field(desk: Desk, admin: Browser) -> None:
    rid = desk.create_release(title="Levels")["id"]
    page = admin.page(f"/releases/{rid}")
    stage = page.one("select", id="level-stage").one("option", text="Submission")["value"]
    refused = admin.post(
        f"/releases/{rid}/approval-levels",
        {
            "level-stage": stage,
            "level-name": "Half",
            "level-rule": "percent",
            "level-percent": "150",
        },
    )
    assert refused.status_code == 422
    page = parse(refused.text)
    assert "'150' is not a percentage from 1 to 100" in page.one("p", id="level-percent-error").text
    assert page.one("input", id="level-name")["value"] == "Half"
    assert desk.count(ApprovalLevel, release_id=int(rid)) == 0


def test_the_mail_link_page_uses_the_templates_and_stylesheet(desk: Desk) -> None:
    rid = desk.create_release(title="Linked")["id"]
    level = add_level(desk, rid, approvers=[desk.technician])
    sent(desk, rid, level["id"], level["approvals"][0]["id"])
    (path,) = link_paths(desk, level["approvals"][0]["id"])
    response = desk.client.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "style-src 'self'" in csp and "unsafe-inline" not in csp and "script-src" not in csp
    page = parse(response.text)
    assert page.one("link", rel="stylesheet")["href"] == "/ui/static/app.css"
    assert desk.client.get("/ui/static/app.css").status_code == 200
    assert page.one("h1").text == "Approval requested"
    assert page.one("label", **{"for": "comments"}).text.startswith("Comments")
    assert "style=" not in response.text and "<style" not in response.text


# --- releases made through UrbanCode Release and FlexDeploy -----------------------------------


def test_a_ucr_release_shows_its_phases_and_milestones(desk: Desk, admin: Browser) -> None:
    ucr = Ucr(desk)
    ucr.create(
        name="Planned in UCR",
        lifecycleModel={"id": DEFAULT_LIFECYCLE},
        milestones=[{"name": "GA", "date": 1_800_000_000_000}],
    )
    search = {"list_info": {"search_fields": {"title": "Planned in UCR"}}}
    (found,) = desk.get("/releases", input_data=search).json()["releases"]
    plan = admin.page(f"/releases/{found['id']}").section("Phases")
    phases = texts(plan.one("ol", class_="phases").all("li"))
    assert len(phases) >= 2 and all(phases)
    assert "GA: 15 Jan 2027, 08:00 UTC" in plan.text
    assert "Lifecycle model" in plan.text
    assert "Deployment" not in texts(admin.page(f"/releases/{found['id']}").all("h2"))


def test_a_flexdeploy_release_shows_its_deployment_projects(desk: Desk, admin: Browser) -> None:
    made = flex_for(desk).create(**spec_post())
    page = admin.page(f"/releases/{made['releaseId']}")
    deployment = page.section("Deployment")
    assert "Deployment status Started" in deployment.first("dl").text
    projects = deployment.one("table")
    assert projects.one("caption").text == "Deployment projects"
    assert "Package 1" in projects.one("tbody").text
    assert "TESTPROPERTY 3" in deployment.text
    assert "Phases" not in texts(page.all("h2"))


# --- a requester, forged posts, unknown ids ---------------------------------------------------


STAFF_CONTROLS = ("/close", "/trash", "/pickup", "/engineer", "/approval-levels", "/restore")


def test_a_requester_sees_no_staff_control(desk: Desk, requester: Browser) -> None:
    rid = desk.create_release(key=desk.requester.key, title="Mine")["id"]
    page = requester.page(f"/releases/{rid}")
    assert page.one("h1").text == "Mine"
    for action in STAFF_CONTROLS:
        assert not page.has_form_to(action), action
    assert "Pick up" not in page.text and "Close release" not in page.text
    assert "Move to trash" not in page.text and "Add approval level" not in page.text
    # Their own release in Submission is theirs to edit, without stage and status.
    form = requester.page(f"/releases/{rid}/edit").form_to("/edit")
    assert not form.all("select", id="stage") and not form.all("select", id="status")

    desk.put(f"/releases/{rid}", input_data={"release": {"stage": {"name": "Planning"}}})
    page = requester.page(f"/releases/{rid}")
    assert "Edit" not in texts(page.all("a"))
    assert requester.get(f"/releases/{rid}/edit").status_code == 403


def test_a_requester_may_not_see_another_release(desk: Desk, requester: Browser) -> None:
    rid = desk.create_release(title="Not yours")["id"]
    response = requester.get(f"/releases/{rid}")
    assert response.status_code == 403
    assert "Not yours" not in response.text


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("/close", {"comment": "forged"}),
        ("/trash", {}),
        ("/pickup", {}),
        ("/engineer", {"engineer": "{requester}"}),
        (
            "/approval-levels",
            {"level-stage": "{stage}", "level-name": "Mine", "level-rule": "anyone"},
        ),
        ("/edit", {"title": "Mine", "stage": "{planning}", "version": "1"}),
    ],
)
def test_a_forged_post_by_a_requester_is_403_and_changes_nothing(
    desk: Desk, requester: Browser, action: str, data: dict[str, str]
) -> None:
    made = desk.create_release(key=desk.requester.key, title="Mine")
    rid = made["id"]
    planning = str(
        api_release(desk, desk.create_release(stage={"name": "Planning"})["id"])["stage"]["id"]
    )
    values = {
        k: v.format(requester=desk.requester.id, stage=made["stage"]["id"], planning=planning)
        for k, v in data.items()
    }
    before = api_release(desk, rid)
    history = desk.count(ReleaseHistory, release_id=int(rid))
    response = requester.post(f"/releases/{rid}{action}", values)
    assert response.status_code == 403, response.text[:500]
    assert "Not allowed" in parse(response.text).one("h1").text
    after = api_release(desk, rid)
    assert after == before
    assert desk.count(ReleaseHistory, release_id=int(rid)) == history
    assert desk.count(ApprovalLevel, release_id=int(rid)) == 0


def test_a_post_without_the_form_token_is_refused(desk: Desk, admin: Browser) -> None:
    rid = desk.create_release(title="Token")["id"]
    response = admin.post(f"/releases/{rid}/trash", csrf="0" * 64)
    assert response.status_code == 403
    assert api_release(desk, rid)["deleted_time"] is None


@pytest.mark.parametrize("path", ["/releases/999999999", "/releases/abc", "/releases/12/edit"])
def test_an_unknown_release_is_a_404_page(desk: Desk, admin: Browser, path: str) -> None:
    if path.endswith("/edit"):
        path = "/releases/999999998/edit"
    response = admin.get(path)
    assert response.status_code == 404
    page = parse(response.text)
    shown = path.split("/")[2]
    assert page.one("h1").text == f"Release {shown} not found"
    assert page.one("a", text="Go to the releases")


def test_a_release_of_another_portal_is_not_found(desk: Desk, admin: Browser) -> None:
    from tests.helpers import make_desk

    other = make_desk(desk.client)
    rid = other.create_release(title="Elsewhere")["id"]
    response = admin.get(f"/releases/{rid}")
    assert response.status_code == 404
    assert "Elsewhere" not in response.text
    forged = admin.post(f"/releases/{rid}/trash")
    assert forged.status_code == 404
    assert parse(forged.text).one("h1").text == f"Release {rid} not found"
    assert api_release(other, rid)["deleted_time"] is None


def test_a_decision_forged_on_another_release_is_an_error_page_not_a_crash(desk: Desk) -> None:
    from tests.web.web_client import signed_in

    staff_release = desk.create_release(title="Staff only")
    browser = signed_in(desk, desk.requester.name)
    own = desk.create_release(key=desk.requester.key, title="Mine")
    forged = browser.post(
        f"releases/{staff_release['id']}/approval-levels/999/approvals/999",
        {"decision": "approve"},
        via=f"releases/{own['id']}",
    )
    assert forged.status_code in (403, 404)
    assert "<h1>" in forged.text
