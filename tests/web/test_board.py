"""The board page over HTTP: one column per stage with its count, a card per open release,
and the "Move to" form that moves a release through the core (its workflow and approval
gate), refused in words beside the card; a requester sees their releases and no controls."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from releasedesk.core.users import service as users
from releasedesk.db.models import Approval, ApprovalLevel, ReleaseStage
from releasedesk.web.pages import board as board_page
from tests.helpers import Desk, Person
from tests.web.html_tree import Node, parse

STAGES = [
    "Submission",
    "Planning",
    "Development",
    "Testing",
    "UAT",
    "Deployment",
    "Training",
    "Review",
    "Closure",
]
PASSWORD = "board-pass-1234"


# --- a small HTML tree, enough to find elements by id, tag and attribute --------------------


# --- signing in and the board's parts ----------------------------------------------------------


def ui(desk: Desk, path: str) -> str:
    return f"/app/{desk.portal}/ui/{path}"


def sign_in(desk: Desk, person: Person) -> None:
    """Sign `person` in to the desk's UI (the TestClient keeps the cookies)."""
    desk.client.cookies.clear()
    if person is not desk.admin:

        async def give_password() -> None:
            async with desk.database.unit_of_work() as session:
                await users.set_password(session, desk.portal_id, person.name, PASSWORD)

        desk.client.portal.call(give_password)
    password = "admin-pass" if person is desk.admin else PASSWORD
    page = desk.client.get(ui(desk, "sign-in"))
    response = desk.client.post(
        ui(desk, "sign-in"),
        data={"csrf_token": csrf_of(page.text), "login": person.name, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def get_board(desk: Desk, **params: Any) -> tuple[httpx.Response, Node]:
    response = desk.client.get(ui(desk, "board"), params=params)
    assert response.status_code == 200, response.text
    return response, parse(response.text)


def columns(page: Node) -> list[Node]:
    region = page.by_id("board")
    return [s for s in region.find_all("section") if "board-column" in s.attrs.get("class", "")]


def headings(page: Node) -> list[str]:
    return [column.find("h2").text for column in columns(page)]  # type: ignore[union-attr]


def column_of(page: Node, stage: str) -> Node:
    for column in columns(page):
        heading = column.find("h2")
        if heading is not None and heading.text.startswith(f"{stage} ("):
            return column
    raise AssertionError(f"no column {stage}")


def card_ids(column: Node) -> list[int]:
    return [int(a.attrs["id"].removeprefix("card-")) for a in column.find_all("article")]


def card(page: Node, release_id: int | str) -> Node:
    return page.by_id(f"card-{release_id}")


def option_value(select: Node, label: str, group: str | None = None) -> str:
    scope = select if group is None else select.find("optgroup", label=group)
    assert scope is not None, f"no group {group}"
    for option in scope.find_all("option"):
        if option.text == label:
            return option.attrs["value"]
    raise AssertionError(f"no option {label}")


def move(desk: Desk, release_id: int | str, htmx: bool = False, **fields: str) -> httpx.Response:
    """Send a card's "Move to" form the way the browser does (its CSRF token from the page)."""
    page = desk.client.get(ui(desk, "board"))
    headers = {"HX-Request": "true", "HX-Target": f"card-{release_id}"} if htmx else {}
    return desk.client.post(
        ui(desk, f"releases/{release_id}/move"),
        data={"csrf_token": csrf_of(page.text), **fields},
        headers=headers,
        follow_redirects=False,
    )


def move_form(page: Node, release_id: int | str) -> dict[str, Node]:
    """The card's controls, found by their labels as a person finds them."""
    found = card(page, release_id)
    controls = {}
    for control in found.find_all("select") + found.find_all("input"):
        if control.attrs.get("type") == "hidden":
            continue
        controls[found.label_of(control).split(" (")[0]] = control
    return controls


def stage_of(desk: Desk, release_id: int | str) -> tuple[str, str]:
    release = desk.get(f"/releases/{release_id}").json()["release"]
    return release["stage"]["name"], release["status"]["name"]


def put_stage(desk: Desk, release_id: int | str, stage: str) -> None:
    response = desk.put(
        f"/releases/{release_id}", input_data={"release": {"stage": {"name": stage}}}
    )
    assert response.status_code == 200, response.text


def add_level(
    desk: Desk, release_id: int | str, stage: str, level_status: str, votes: list[str]
) -> None:
    """An approval level on `stage` with one approval per vote (approvers: the desk's staff)."""

    async def add() -> None:
        async with desk.database.unit_of_work() as session:
            stage_id = (
                await session.execute(
                    select(ReleaseStage.id).where(
                        ReleaseStage.portal_id == desk.portal_id, ReleaseStage.name == stage
                    )
                )
            ).scalar_one()
            level = ApprovalLevel(
                release_id=int(release_id),
                stage_id=stage_id,
                level=1,
                name="CAB",
                rule_type="everyone",
                status=level_status,
                created_by_id=desk.admin.id,
            )
            approvers = [desk.admin, desk.technician]
            level.approvals = [
                Approval(approver_id=approvers[i].id, status=vote) for i, vote in enumerate(votes)
            ]
            session.add(level)

    desk.client.portal.call(add)


# --- the board -----------------------------------------------------------------------------------


def test_a_column_per_stage_with_counts_and_a_card_per_open_release(desk: Desk) -> None:
    first = desk.create_release(title="Board first", priority={"name": "High"})
    second = desk.create_release(
        title="Board second",
        scheduled_start_time={"value": "1893456000000"},
        scheduled_end_time={"value": "1893463200000"},
    )
    planned = desk.create_release(title="Board planned")
    put_stage(desk, planned["id"], "Planning")
    closed = desk.create_release(title="Board closed")
    put_stage(desk, closed["id"], "Closure")
    trashed = desk.create_release(title="Board trashed")
    assert desk.request("DELETE", f"/releases/{trashed['id']}/move_to_trash").status_code == 200
    sign_in(desk, desk.admin)

    _, page = get_board(desk)
    assert headings(page) == [
        "Submission (2)",
        "Planning (1)",
        *(f"{stage} (0)" for stage in STAGES[2:]),
    ]
    assert card_ids(column_of(page, "Submission")) == [int(second["id"]), int(first["id"])]
    assert card_ids(column_of(page, "Planning")) == [int(planned["id"])]
    assert column_of(page, "Testing").find("p").text == "No releases in Testing"  # type: ignore[union-attr]
    assert column_of(page, "Closure").find("p").text == "No releases in Closure"  # type: ignore[union-attr]
    assert page.find(id=f"card-{closed['id']}") is None
    assert page.find(id=f"card-{trashed['id']}") is None

    shown = card(page, first["id"])
    title = page.by_id(shown.attrs["aria-labelledby"])
    assert title.text == f"#{first['id']} Board first"
    link = title.find("a")
    assert link is not None and link.attrs["href"] == ui(desk, f"releases/{first['id']}")
    facts = {
        dt.text: dd.text for dt, dd in zip(shown.find_all("dt"), shown.find_all("dd"), strict=True)
    }
    assert facts == {
        "Status": "Requested",
        "Priority": "▲▲ High",
        "Engineer": "None",
        "Scheduled": "Not scheduled",
        "Approval": "None",
    }
    scheduled = card(page, second["id"]).find_all("time")
    assert [t.text for t in scheduled] == ["1 Jan 2030, 00:00 UTC", "1 Jan 2030, 02:00 UTC"]

    controls = move_form(page, first["id"])
    assert list(controls) == ["Move to", "Status", "Comment"]
    assert shown.label_of(controls["Move to"]) == f"Move to (#{first['id']} Board first)"
    stage_options = [o.text for o in controls["Move to"].find_all("option")]
    assert stage_options == STAGES
    groups = [g.attrs["label"] for g in controls["Status"].find_all("optgroup")]
    assert groups == STAGES
    button = shown.find("button")
    assert button is not None and button.text.startswith("Move ")


def test_a_column_shows_its_newest_releases_and_links_to_all_of_them(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(board_page, "COLUMN_SIZE", 2)
    created = [desk.create_release(title=f"Bounded {n}") for n in range(3)]
    sign_in(desk, desk.admin)
    _, page = get_board(desk)
    submission = column_of(page, "Submission")
    assert submission.find("h2").text == "Submission (3)"  # type: ignore[union-attr]
    assert card_ids(submission) == [int(created[2]["id"]), int(created[1]["id"])]
    more = submission.find("p", class_="column-more")
    assert more is not None and more.text == "Show all 3 in Submission"
    stage_id = move_form(page, created[2]["id"])["Move to"].find("option", selected="")
    assert stage_id is not None
    assert more.find("a").attrs["href"] == ui(  # type: ignore[union-attr]
        desk, f"releases?stage={stage_id.attrs['value']}"
    )
    # The card just moved (or refused) is shown even when older than the column's newest.
    _, page = get_board(desk, moved=created[0]["id"])
    assert int(created[0]["id"]) in card_ids(column_of(page, "Submission"))
    assert "data-focus" in card(page, created[0]["id"]).attrs


def test_a_move_goes_through_the_core_and_the_card_changes_column(desk: Desk) -> None:
    created = desk.create_release(title="To be planned")
    sign_in(desk, desk.admin)
    _, page = get_board(desk)
    controls = move_form(page, created["id"])
    planning = option_value(controls["Move to"], "Planning")
    approved = option_value(controls["Status"], "Approved", group="Planning")

    response = move(desk, created["id"], stage=planning, status=approved, comment="Scoped")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == ui(
        desk, f"board?moved={created['id']}#card-{created['id']}"
    )
    assert stage_of(desk, created["id"]) == ("Planning", "Approved")
    comments = desk.get(f"/releases/{created['id']}/status_comments").json()["status_comments"]
    assert comments[0]["comment"] == "Scoped"
    history = desk.get(
        f"/releases/{created['id']}/history", input_data={"list_info": {"row_count": 10}}
    ).json()["history"]
    assert [entry["operation"]["name"] for entry in history] == ["status_change", "add"]
    assert history[0]["description"] == "Scoped"
    assert {d["field"]["name"] for d in history[0]["diff"]} == {"stage", "status"}

    followed = desk.client.get(response.headers["location"])
    page = parse(followed.text)
    assert page.by_id("status").text == f"Release {created['id']} moved to Planning."
    assert card_ids(column_of(page, "Planning")) == [int(created["id"])]
    assert card_ids(column_of(page, "Submission")) == []
    assert "data-focus" in card(page, created["id"]).attrs
    assert card(page, created["id"]).find("p", class_="card-note").text == "Moved here just now."  # type: ignore[union-attr]

    # Without a status the release takes the stage's first one.
    development = option_value(controls["Move to"], "Development")
    assert move(desk, created["id"], stage=development).status_code == 303
    assert stage_of(desk, created["id"]) == ("Development", "In Progress")


def test_with_htmx_the_board_is_swapped_with_the_message_and_focus_on_the_card(
    desk: Desk,
) -> None:
    created = desk.create_release(title="Moved by htmx")
    sign_in(desk, desk.admin)
    _, page = get_board(desk)
    planning = option_value(move_form(page, created["id"])["Move to"], "Planning")
    form = card(page, created["id"]).find("form")
    assert form is not None
    assert form.attrs["hx-target"] == f"#card-{created['id']}"
    assert form.attrs["hx-swap"] == "outerHTML"

    response = move(desk, created["id"], htmx=True, stage=planning)
    assert response.status_code == 200, response.text
    assert response.headers["HX-Retarget"] == "#board"
    assert response.headers["HX-Reswap"] == "outerHTML"
    fragment = parse(response.text)
    assert fragment.find("html") is None
    assert card_ids(column_of(fragment, "Planning")) == [int(created["id"])]
    assert "data-focus" in card(fragment, created["id"]).attrs
    flash = fragment.find(hx_swap_oob="innerHTML:#status")
    assert flash is not None and flash.text == f"Release {created['id']} moved to Planning."
    assert stage_of(desk, created["id"])[0] == "Planning"


def test_the_approval_gate_refuses_a_move_in_words_beside_the_card(desk: Desk) -> None:
    created = desk.create_release(title="Waiting for the CAB")
    add_level(desk, created["id"], "Submission", "pending", ["approved", "pending"])
    sign_in(desk, desk.admin)
    _, page = get_board(desk)
    shown = card(page, created["id"])
    assert "Waiting (1 of 2)" in shown.text
    planning = option_value(move_form(page, created["id"])["Move to"], "Planning")

    response = move(desk, created["id"], stage=planning, comment="Go")
    assert response.status_code == 422, response.text
    page = parse(response.text)
    assert page.find("title").text.startswith("Error: ")  # type: ignore[union-attr]
    error = page.by_id(f"move-{created['id']}-stage-error")
    assert "cannot move on from Submission to Planning" in error.text
    assert "'CAB' of Submission is not approved yet" in error.text
    assert error.find("a") is not None  # to the blocker: the release's approvals
    summary = page.find(class_="error-summary")
    assert summary is not None
    assert summary.find("a").attrs["href"] == f"#move-{created['id']}-stage"  # type: ignore[union-attr]
    controls = move_form(page, created["id"])
    assert controls["Move to"].attrs["aria-invalid"] == "true"
    assert controls["Move to"].find("option", selected="").text == "Planning"  # type: ignore[union-attr]
    assert controls["Comment"].attrs["value"] == "Go"
    assert int(created["id"]) in card_ids(column_of(page, "Submission"))
    assert stage_of(desk, created["id"]) == ("Submission", "Requested")

    # With htmx, the card alone comes back (422, swapped by the page's htmx config).
    response = move(desk, created["id"], htmx=True, stage=planning)
    assert response.status_code == 422
    fragment = parse(response.text)
    assert [a.attrs["id"] for a in fragment.find_all("article")] == [f"card-{created['id']}"]
    error = fragment.by_id(f"move-{created['id']}-stage-error")
    assert "data-focus" in error.attrs and "is not approved yet" in error.text
    assert stage_of(desk, created["id"]) == ("Submission", "Requested")


def test_the_approval_state_of_each_card_in_words(desk: Desk) -> None:
    approved = desk.create_release(title="Approved one")
    rejected = desk.create_release(title="Rejected one")
    elsewhere = desk.create_release(title="Levels on a later stage")
    add_level(desk, approved["id"], "Submission", "approved", ["approved", "approved"])
    add_level(desk, rejected["id"], "Submission", "rejected", ["rejected"])
    add_level(desk, elsewhere["id"], "Planning", "pending", ["pending"])
    sign_in(desk, desk.admin)
    _, page = get_board(desk)

    def approval(release: dict[str, Any]) -> str:
        shown = card(page, release["id"])
        facts = dict(zip([d.text for d in shown.find_all("dt")], shown.find_all("dd")))
        return facts["Approval"].text

    assert approval(approved) == "Approved"
    assert approval(rejected) == "Rejected"
    assert approval(elsewhere) == "None"  # only the stage the release stands in counts
    # Approved: the gate lets it go on.
    planning = option_value(move_form(page, approved["id"])["Move to"], "Planning")
    assert move(desk, approved["id"], stage=planning).status_code == 303
    assert stage_of(desk, approved["id"])[0] == "Planning"


def test_a_status_not_of_the_chosen_stage_is_refused_in_words(desk: Desk) -> None:
    created = desk.create_release(title="Wrong status")
    sign_in(desk, desk.admin)
    _, page = get_board(desk)
    controls = move_form(page, created["id"])
    planning = option_value(controls["Move to"], "Planning")
    testing = option_value(controls["Status"], "Failed", group="Testing")

    response = move(desk, created["id"], stage=planning, status=testing)
    assert response.status_code == 422, response.text
    page = parse(response.text)
    error = page.by_id(f"move-{created['id']}-status-error")
    assert "Status 'Failed' does not belong to stage 'Planning'" in error.text
    controls = move_form(page, created["id"])
    assert controls["Status"].attrs["aria-invalid"] == "true"
    assert option_value(controls["Status"], "Failed", group="Testing") == testing
    assert stage_of(desk, created["id"]) == ("Submission", "Requested")


def test_a_move_that_changes_nothing_or_names_no_stage_is_refused(desk: Desk) -> None:
    created = desk.create_release(title="Going nowhere")
    sign_in(desk, desk.admin)
    _, page = get_board(desk)
    submission = option_value(move_form(page, created["id"])["Move to"], "Submission")

    response = move(desk, created["id"], stage=submission)
    assert response.status_code == 422
    error = parse(response.text).by_id(f"move-{created['id']}-stage-error")
    assert f"Release {created['id']} is already in Submission" in error.text

    response = move(desk, created["id"], stage="")
    assert response.status_code == 422
    error = parse(response.text).by_id(f"move-{created['id']}-stage-error")
    assert "Choose a stage" in error.text

    response = move(desk, created["id"], stage="nine")
    assert response.status_code == 422
    assert "Choose one of the options" in response.text
    assert stage_of(desk, created["id"]) == ("Submission", "Requested")


def test_unknown_releases_give_a_not_found_page(desk: Desk) -> None:
    sign_in(desk, desk.admin)
    for release_id in ("999999999", "abc"):
        response = move(desk, release_id, stage="1")
        assert response.status_code == 404, response.text
        assert "No release" in response.text
    stranger = desk.client.post(
        ui(desk, "releases/1/move"), data={"stage": "1"}, follow_redirects=False
    )
    assert stranger.status_code == 403  # no CSRF token: refused before anything is read


def test_a_requester_sees_their_releases_and_no_move_controls(desk: Desk) -> None:
    own = desk.create_release(key=desk.requester.key, title=f"Mine {uuid.uuid4().hex[:4]}")
    others = desk.create_release(title="Not theirs")
    sign_in(desk, desk.requester)
    _, page = get_board(desk)
    assert headings(page)[0] == "Submission (1)"
    assert card_ids(column_of(page, "Submission")) == [int(own["id"])]
    assert page.find(id=f"card-{others['id']}") is None
    shown = card(page, own["id"])
    assert shown.find("form") is None and shown.find("select") is None
    assert shown.find("button") is None
    assert "Move to" not in page.by_id("board").text

    # A forged move: refused by the core, nothing changed.
    stages = desk.get("/releases/" + own["id"]).json()["release"]["stage"]
    response = move(desk, own["id"], stage="999")
    assert response.status_code == 403, response.text
    assert "Requesters cannot" in response.text
    response = move(desk, others["id"], stage=str(int(stages["id"]) + 1), comment="x")
    assert response.status_code == 403
    assert stage_of(desk, own["id"]) == ("Submission", "Requested")
    assert stage_of(desk, others["id"]) == ("Submission", "Requested")
