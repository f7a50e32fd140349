"""The web UI's "My approvals" page over HTTP: what waits on the signed-in user with its rule's
arithmetic, deciding with a comment (the page and its htmx row), a delegate deciding on
behalf of someone away, refusals beside their control (decided meanwhile, a comment too
long, the self-approval policy) that change nothing, and a forged form refused.

Levels and approvers are set up over the SDP API as the approval tests do; what was decided
is read back over it too (the approval, the release's history)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.approvals import policy
from releasedesk.db.models import Release
from tests.api.sdp.approvals_support import (
    add_level,
    add_people,
    approval_of,
    decided,
    in_unit_of_work,
    sent,
)
from tests.api.sdp.support import history_of
from tests.api.sdp.test_approvals_delegation import away
from tests.helpers import Desk, Person
from tests.web.html_tree import Node
from tests.web.html_tree import parse as dom
from tests.web.web_client import WebUser, signed_in

HTMX = {"HX-Request": "true"}

# --- reading the HTML (just enough of a DOM to find things by id, role and label) ----------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


# --- the scene -------------------------------------------------------------------------------


@dataclass
class Ask:
    """One approval asked of someone: its release, level and id (as the API gives them)."""

    release_id: str
    level_id: str
    approval_id: str
    title: str

    @property
    def form(self) -> dict[str, str]:
        return {"release_id": self.release_id, "level_id": self.level_id}

    @property
    def path(self) -> str:
        return f"approvals/{self.approval_id}/decide"

    @property
    def row(self) -> str:
        return f"approval-{self.approval_id}"


def ask(
    desk: Desk,
    approvers: list[Person],
    rule: str = "everyone",
    title: str = "Payroll 4.2",
    key: str | None = None,
) -> list[Ask]:
    """A release with a level of `approvers` under `rule`, every approval sent."""
    rid = desk.create_release(key=key, title=title)["id"]
    level = add_level(desk, rid, rule={"type": rule}, approvers=approvers)
    asks = []
    for approval in level["approvals"]:
        sent(desk, rid, level["id"], approval["id"])
        asks.append(Ask(rid, level["id"], approval["id"], title))
    return asks


def page_of(browser: WebUser) -> Node:
    response = browser.get("approvals")
    assert response.status_code == 200, response.text
    return dom(response.text)


def decide(
    browser: WebUser, item: Ask, decision: str, comment: str = "", **kwargs: Any
) -> httpx.Response:
    return browser.post(
        item.path,
        {**item.form, "decision": decision, "comment": comment},
        via="approvals",
        **kwargs,
    )


def status_of(desk: Desk, item: Ask) -> str:
    return str(
        approval_of(desk, item.release_id, item.level_id, item.approval_id)["status"]["name"]
    )


def decisions_in_history(desk: Desk, item: Ask) -> list[str]:
    return [
        h["description"]
        for h in history_of(desk, item.release_id)
        if h["description"] and h["description"].startswith(("Approved by", "Rejected by"))
    ]


def version_of(desk: Desk, release_id: str) -> int:
    async def read(session: AsyncSession) -> int:
        found = await session.execute(select(Release.version).where(Release.id == int(release_id)))
        return int(found.scalar_one())

    return in_unit_of_work(desk, read)


def nav_link(page: Node) -> Node:
    (link,) = [
        a for a in page.one("nav", aria_label="Main").all("a") if a.text.startswith("My approvals")
    ]
    return link


# --- what waits --------------------------------------------------------------------------------


def test_what_waits_shows_the_rule_in_numbers_and_a_form_per_approval(desk: Desk) -> None:
    first, second, third = add_people(desk, 3)
    mine = ask(desk, [first, second, third])
    decided(desk, mine[0].release_id, mine[0].level_id, mine[0].approval_id, "approve", first.key)
    other = ask(desk, [second], rule="anyone", title="VPN <gateway> & co")

    page = page_of(signed_in(desk, second.name))
    assert page.one("h1").text == "My approvals"
    assert page.by_id("waiting-heading").text == "Waiting for you (2)"
    row = page.one("article", id=mine[1].row)
    title = page.by_id(row.attrs["aria-labelledby"])
    assert title.text == f"R-{mine[1].release_id} Payroll 4.2"
    assert title.one("a").attrs["href"].endswith(f"/ui/releases/{mine[1].release_id}")
    facts = {dt.text: dd.text for dt, dd in zip(row.all("dt"), row.all("dd"), strict=True)}
    assert facts["Stage"] == "Submission"
    assert facts["Level"] == "1 — CAB"
    assert facts["Rule"] == "Everyone — 1 of 3 approved"
    assert facts["Requested by"] == desk.admin.name
    assert facts["Waiting since"] in ("just now", "1 minute ago")
    waiting_since = row.one("time")
    assert waiting_since.attrs["title"].endswith("UTC")  # the precise moment beside the words

    comment = row.field("Comment")  # the accessible name is exactly "Comment"
    assert (comment.tag, comment.attrs["name"], comment.attrs["maxlength"]) == (
        "input",
        "comment",
        "250",
    )
    counter = comment.attrs["data-count"]
    assert counter in comment.attrs["aria-describedby"].split()
    assert row.by_id(counter).text == "250 characters left"
    approve, reject = row.button("Approve"), row.button("Reject")
    assert (approve.attrs["name"], approve.attrs["value"]) == ("decision", "approve")
    assert (reject.attrs["name"], reject.attrs["value"]) == ("decision", "reject")
    form = row.one("form")
    assert form.attrs["action"].endswith(f"/ui/{mine[1].path}")
    assert form.attrs["hx-target"] == f"#{mine[1].row}" and form.attrs["hx-swap"] == "outerHTML"
    hidden = {i.attrs["name"]: i.attrs["value"] for i in form.all("input", type="hidden")}
    assert hidden["release_id"] == mine[1].release_id
    assert hidden["level_id"] == mine[1].level_id
    assert "csrf_token" in hidden

    # Escaped, the longest waiting first, and nobody else's.
    rows = page.all("article")
    assert [r.attrs["id"] for r in rows] == [mine[1].row, other[0].row]
    assert "R-" + other[0].release_id + " VPN <gateway> & co" in rows[1].text
    assert not page.has_id(mine[0].row) and not page.has_id(mine[2].row)
    assert nav_link(page).text == "My approvals, 2 waiting"


def test_the_nav_counts_what_waits_on_every_page(desk: Desk) -> None:
    (approver,) = add_people(desk, 1)
    browser = signed_in(desk, approver.name)
    link = nav_link(dom(browser.get("releases").text))
    assert link.text == "My approvals" and link.one("span", id="nav-waiting").children == []
    ask(desk, [approver])
    ask(desk, [approver], title="Another")
    assert nav_link(dom(browser.get("releases").text)).text == "My approvals, 2 waiting"


def test_nothing_waiting_says_so(desk: Desk) -> None:
    page = page_of(signed_in(desk, desk.technician.name))
    assert page.by_id("waiting-heading").text == "Nothing waits for you"
    assert page.all("article") == [] and page.all("form", **{"class": "decision"}) == []
    assert "You have not decided any approval yet." in page.by_id("decided-recently").text


# --- deciding ----------------------------------------------------------------------------------


def test_approving_with_a_comment_is_recorded_and_moves_to_decided_recently(desk: Desk) -> None:
    approver, other = add_people(desk, 2)
    (item, _) = ask(desk, [approver, other])
    browser = signed_in(desk, approver.name)

    done = decide(browser, item, "approve", "Looks good — ship it")
    assert done.status_code == 303
    assert done.headers["location"].endswith("/ui/approvals")
    page = page_of(browser)
    flash = page.by_id("status").text
    assert flash == (
        f"You approved R-{item.release_id} “Payroll 4.2” (Submission, level 1 — CAB). "
        "Your comment: “Looks good — ship it”."
    )
    assert not page.has_id(item.row)
    assert page.by_id("waiting-heading").text == "Nothing waits for you"
    (decided_row,) = page.by_id("decided-recently").one("tbody").all("tr")
    release, decision, comment_cell = decided_row.all("td")
    assert release.one("a").text == f"R-{item.release_id} Payroll 4.2"
    assert release.one("span").text == "Submission, level 1 — CAB"
    assert decision.one("strong").text == "Approved"  # the status in words (a tag)
    assert decision.one("time").text in ("just now", "1 minute ago")
    assert comment_cell.text == "Looks good — ship it"

    assert status_of(desk, item) == "Approved"
    assert approval_of(desk, item.release_id, item.level_id, item.approval_id)["comments"] == (
        "Looks good — ship it"
    )
    entry = next(
        h for h in history_of(desk, item.release_id) if h["description"].startswith("Approved by")
    )
    assert entry["description"] == f"Approved by {approver.name} (approval level 1, Submission)"
    comment = next(d for d in entry["diff"] if d["field"]["name"] == "comments")
    assert comment["current_value"] == "Looks good — ship it"


def test_rejecting_with_htmx_swaps_the_row_for_a_focused_confirmation(desk: Desk) -> None:
    (approver,) = add_people(desk, 1)
    (item,) = ask(desk, [approver], title="Billing 7")
    (later,) = ask(desk, [approver], title="Still waiting")
    browser = signed_in(desk, approver.name)

    response = decide(browser, item, "reject", "Not during the freeze", headers=HTMX)
    assert response.status_code == 200
    fragment = dom(response.text)
    row = fragment.one("article", id=item.row)
    note = row.one("p", **{"data-focus": ""})
    assert note.text == (
        f"You rejected R-{item.release_id} “Billing 7” (Submission, level 1 — CAB). "
        "Your comment: “Not during the freeze”."
    )
    assert row.all("form") == []
    # The decided list and the nav's count come along, out of band.
    decided_list = fragment.by_id("decided-recently")
    assert decided_list.attrs["hx-swap-oob"] == "true"
    assert "Rejected" in decided_list.one("tbody").text
    heading = fragment.by_id("waiting-heading")
    assert heading.attrs["hx-swap-oob"] == "true" and heading.text == "Waiting for you (1)"
    count = fragment.by_id("nav-waiting")
    assert count.attrs["hx-swap-oob"] == "true" and count.text == ", 1 waiting"
    assert "<html" not in response.text  # a fragment, not a page

    assert status_of(desk, item) == "Rejected"
    assert decisions_in_history(desk, item) == [
        f"Rejected by {approver.name} (approval level 1, Submission)"
    ]
    assert [a.attrs["id"] for a in page_of(browser).all("article")] == [later.row]
    last = dom(decide(browser, later, "approve", headers=HTMX).text)
    assert last.by_id("waiting-heading").text == "Nothing else waits for you"
    assert last.by_id("nav-waiting").children == []


def test_a_requester_who_approves_decides_from_the_page(desk: Desk) -> None:
    (requester,) = add_people(desk, 1, role="requester")
    (item,) = ask(desk, [requester])
    browser = signed_in(desk, requester.name)
    page = page_of(browser)
    assert page.one("article", id=item.row).button("Approve")
    assert decide(browser, item, "approve").status_code == 303
    assert status_of(desk, item) == "Approved"


def test_a_delegate_sees_and_decides_on_behalf_of_someone_away(desk: Desk) -> None:
    approver, deputy = add_people(desk, 2)
    (item,) = ask(desk, [approver])
    assert away(desk, approver, deputy).status_code == 200
    browser = signed_in(desk, deputy.name)
    row = page_of(browser).one("article", id=item.row)
    assert row.one("p", **{"class": "on-behalf"}).text == f"On behalf of {approver.name} (away)"

    done = decide(browser, item, "approve", "for Ada's team")
    assert done.status_code == 303
    page = page_of(browser)
    assert page.by_id("status").text.startswith(
        f"You approved R-{item.release_id} “Payroll 4.2” (Submission, level 1 — CAB) "
        f"on behalf of {approver.name}."
    )
    (decided_row,) = page.by_id("decided-recently").one("tbody").all("tr")
    decision = decided_row.all("td")[1]
    assert decision.one("span", **{"class": "decided-for"}).text == f"on behalf of {approver.name}"
    assert decisions_in_history(desk, item) == [
        f"Approved by {deputy.name} as delegate of {approver.name} (approval level 1, Submission)"
    ]


# --- refusals ----------------------------------------------------------------------------------


def test_a_level_another_approver_settled_says_who_and_when(desk: Desk) -> None:
    quick, slow = add_people(desk, 2)
    (theirs, mine) = ask(desk, [quick, slow], rule="anyone")
    slow_browser = signed_in(desk, slow.name)
    assert page_of(slow_browser).has_id(mine.row)  # loaded before the other decides
    assert decide(signed_in(desk, quick.name), theirs, "approve").status_code == 303

    refused = decide(slow_browser, mine, "reject", "too late?")
    assert refused.status_code == 422
    page = dom(refused.text)
    expected = (
        f"Level 1 (CAB) was already approved by {quick.name} just now; it takes no more decisions."
    )
    row = page.one("article", id=mine.row)
    message = row.one("p", **{"class": "approval-settled"})
    assert message.text == expected
    assert message.one("time").attrs["title"].endswith("UTC")
    assert row.all("form") == []  # nothing left to decide
    summary = page.one("div", **{"class": "error-summary"})
    assert summary.one("a").attrs["href"] == f"#{mine.row}"
    assert summary.one("a").text == expected
    assert "<title>Error: My approvals" in refused.text
    assert status_of(desk, mine) == "Pending Approval"  # refused: still undecided
    assert decisions_in_history(desk, mine) == [
        f"Approved by {quick.name} (approval level 1, Submission)"
    ]


def test_an_approval_decided_meanwhile_by_a_delegate_says_who_with_htmx(desk: Desk) -> None:
    approver, deputy = add_people(desk, 2)
    (item,) = ask(desk, [approver])
    assert away(desk, approver, deputy).status_code == 200
    approver_browser = signed_in(desk, approver.name)
    assert page_of(approver_browser).has_id(item.row)  # still asked of them too
    assert decide(signed_in(desk, deputy.name), item, "approve").status_code == 303

    refused = decide(approver_browser, item, "approve", headers=HTMX)
    assert refused.status_code == 422  # swapped by htmx (the page's responseHandling)
    row = dom(refused.text).one("article", id=item.row)
    message = row.one("p", **{"class": "approval-settled"})
    assert message.text == f"Already approved by {deputy.name} just now."
    assert "data-focus" in message.attrs
    assert len(decisions_in_history(desk, item)) == 1


def test_a_comment_over_250_characters_is_refused_beside_it_and_nothing_is_kept(
    desk: Desk,
) -> None:
    (approver,) = add_people(desk, 1)
    (item,) = ask(desk, [approver])
    browser = signed_in(desk, approver.name)
    history_before = history_of(desk, item.release_id)
    too_long = "x" * 251

    refused = decide(browser, item, "approve", too_long)
    assert refused.status_code == 422
    page = dom(refused.text)
    row = page.one("article", id=item.row)
    comment = row.field("Comment")
    assert comment.attrs["value"] == too_long  # what was typed, kept
    assert comment.attrs["aria-invalid"] == "true"
    error = row.by_id(f"comment-{item.approval_id}-error")
    assert error.text == "Error: The comment is longer than 250 characters"
    assert error.attrs["id"] in comment.attrs["aria-describedby"].split()
    assert row.by_id(comment.attrs["data-count"]).text == "1 character too many"
    assert row.button("Approve")  # still to decide
    summary_link = page.one("div", **{"class": "error-summary"}).one("a")
    assert summary_link.attrs["href"] == f"#comment-{item.approval_id}"
    assert summary_link.text == "The comment is longer than 250 characters"

    assert status_of(desk, item) == "Pending Approval"
    assert history_of(desk, item.release_id) == history_before

    assert decide(browser, item, "approve", "x" * 250).status_code == 303
    assert status_of(desk, item) == "Approved"


def test_the_self_approval_policy_refusal_shows_beside_the_buttons(desk: Desk) -> None:
    (item,) = ask(desk, [desk.technician], key=desk.technician.key)  # their own release

    async def forbid(session: AsyncSession) -> None:
        await policy.set_self_approval(session, desk.portal, True)

    in_unit_of_work(desk, forbid)
    browser = signed_in(desk, desk.technician.name)
    refused = decide(browser, item, "approve", "mine, but fine", headers=HTMX)
    assert refused.status_code == 422
    row = dom(refused.text).one("article", id=item.row)
    error = row.by_id(f"decision-{item.approval_id}-error")
    assert error.text == (
        f"Error: '{desk.technician.name}' created or requested this release, and this portal "
        "forbids approving one's own release"
    )
    assert "data-focus" in error.attrs
    assert error.attrs["id"] == row.button("Approve").attrs["aria-describedby"]
    assert row.field("Comment").attrs["value"] == "mine, but fine"
    assert status_of(desk, item) == "Pending Approval"
    # The policy is about approving: rejecting one's own release stays possible.
    assert decide(browser, item, "reject").status_code == 303
    assert status_of(desk, item) == "Rejected"


def test_a_forged_decision_on_someone_elses_approval_is_refused_and_changes_nothing(
    desk: Desk,
) -> None:
    (approver,) = add_people(desk, 1)
    (item,) = ask(desk, [approver])
    version = version_of(desk, item.release_id)
    history_before = history_of(desk, item.release_id)
    for person in (desk.requester, desk.technician):
        browser = signed_in(desk, person.name)
        assert not page_of(browser).has_id(item.row)
        for headers in ({}, HTMX):
            forged = decide(browser, item, "approve", "forged", headers=headers)
            assert forged.status_code == 403
            assert "Only the approver, their delegate or an administrator" in forged.text
    assert status_of(desk, item) == "Pending Approval"
    assert version_of(desk, item.release_id) == version
    assert history_of(desk, item.release_id) == history_before


def test_unknown_ids_and_a_mangled_form_get_error_pages(desk: Desk) -> None:
    (approver,) = add_people(desk, 1)
    (item,) = ask(desk, [approver])
    browser = signed_in(desk, approver.name)
    missing = Ask(item.release_id, item.level_id, "99999999", item.title)
    assert decide(browser, missing, "approve").status_code == 404
    wrong_level = Ask(item.release_id, "99999999", item.approval_id, item.title)
    assert decide(browser, wrong_level, "approve").status_code == 404
    unknown_release = Ask("99999999", item.level_id, item.approval_id, item.title)
    assert decide(browser, unknown_release, "approve").status_code == 404
    huge = Ask(item.release_id, item.level_id, "9" * 30, item.title)
    assert decide(browser, huge, "approve").status_code == 404
    no_ids = browser.post(item.path, {"decision": "approve"}, via="approvals")
    assert no_ids.status_code == 400
    assert "reload the page" in no_ids.text
    assert browser.get("approvals/x/decide").status_code in (404, 405)
    no_verdict = decide(browser, item, "maybe")
    assert no_verdict.status_code == 422
    assert re.search(r"Error:</span> Choose Approve or Reject", no_verdict.text)
    assert status_of(desk, item) == "Pending Approval"


def test_a_stranger_is_sent_to_sign_in(desk: Desk) -> None:
    browser = WebUser(desk)
    response = browser.get("approvals")
    assert response.status_code == 303
    assert "/sign-in?next=" in response.headers["location"]
