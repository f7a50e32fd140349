"""The mail link's page: looking decides nothing; its form's POST decides once, as the
approver via mail link; a used, expired or altered link says so plainly."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.approvals import links, policy
from releasedesk.db.models import ApprovalLink
from tests.api.sdp.approvals_support import (
    add_level,
    approval_of,
    decided,
    in_unit_of_work,
    link_paths,
    sent,
)
from tests.api.sdp.support import history_of
from tests.helpers import Desk


@pytest.fixture
def pending(desk: Desk) -> tuple[str, dict[str, Any], str, str]:
    """A pending approval of the technician: (release id, level, approval id, link path)."""
    rid = desk.create_release(title='Quarterly <script>alert("x")</script> release')["id"]
    level = add_level(desk, rid, approvers=[desk.technician])
    aid = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], aid)
    (path,) = link_paths(desk, aid)
    return rid, level, aid, path


def status(desk: Desk, pending: tuple[str, dict[str, Any], str, str]) -> str:
    rid, level, aid, _ = pending
    return str(approval_of(desk, rid, level["id"], aid)["status"]["name"])


def test_looking_decides_nothing(desk: Desk, pending: tuple[str, dict[str, Any], str, str]) -> None:
    _, _, _, path = pending
    for _ in range(3):  # a mail scanner, a preview, the approver
        page = desk.client.get(path)
        assert page.status_code == 200
    assert desk.client.head(path).status_code == 200
    assert status(desk, pending) == "Pending Approval"
    text = page.text
    assert '<form method="post">' in text
    assert 'value="approve"' in text and 'value="reject"' in text
    # escaped (in whichever entity spelling the template engine uses), never markup
    assert "&lt;script&gt;alert(" in text
    assert 'Quarterly <script>alert("x")</script> release' in html.unescape(text)
    assert "<script>" not in text
    assert page.headers["cache-control"] == "no-store"
    # the link never goes to another site in a Referer; our own form's POST carries its Origin
    assert page.headers["referrer-policy"] == "same-origin"
    assert "Heather Graham" in text and "CAB" in text


def test_the_post_decides_once_as_the_approver_via_mail_link(
    desk: Desk, pending: tuple[str, dict[str, Any], str, str]
) -> None:
    rid, level, aid, path = pending
    decided_page = desk.client.post(path, data={"decision": "reject", "comments": "not now"})
    assert decided_page.status_code == 200, decided_page.text
    assert "Your decision has been recorded. Thank you for your cooperation!" in decided_page.text
    approval = approval_of(desk, rid, level["id"], aid)
    assert (approval["status"]["name"], approval["comments"]) == ("Rejected", "not now")
    entry = next(h for h in history_of(desk, rid) if h["description"].startswith("Rejected by"))
    assert entry["description"] == (
        "Rejected by Heather Graham via mail link (approval level 1, Submission)"
    )
    assert entry["by"]["name"] == "Heather Graham"
    via = next(d for d in entry["diff"] if d["field"]["name"] == "decided_via")
    assert via["current_value"] == "mail_link"

    again = desk.client.post(path, data={"decision": "approve"})
    assert again.status_code == 410
    assert "already been used" in again.text
    assert desk.client.get(path).status_code == 410
    assert status(desk, pending) == "Rejected"


def test_an_expired_link_says_so(desk: Desk, pending: tuple[str, dict[str, Any], str, str]) -> None:
    _, _, aid, path = pending

    async def expire(session: AsyncSession) -> None:
        await session.execute(
            update(ApprovalLink)
            .where(ApprovalLink.approval_id == int(aid))
            .values(expires_on=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )

    in_unit_of_work(desk, expire)
    for response in (desk.client.get(path), desk.client.post(path, data={"decision": "approve"})):
        assert response.status_code == 410
        assert "has expired" in response.text
    assert status(desk, pending) == "Pending Approval"


def test_a_link_lasts_seven_days(desk: Desk, pending: tuple[str, dict[str, Any], str, str]) -> None:
    _, _, aid, _ = pending

    async def lifetime(session: AsyncSession) -> dt.timedelta:
        row = (
            await session.execute(select(ApprovalLink).where(ApprovalLink.approval_id == int(aid)))
        ).scalar_one()
        return row.expires_on - row.created_on

    assert in_unit_of_work(desk, lifetime) == dt.timedelta(days=7)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p[:-1] + ("A" if p[-1] != "A" else "B"),  # the signature changed
        lambda p: p.replace("/approval/", "/approval/9"),  # another link's id
        lambda p: p.split(".")[0],  # the signature cut off
        lambda p: "/approval/not-a-link",
    ],
)
def test_an_altered_link_says_so(
    desk: Desk, pending: tuple[str, dict[str, Any], str, str], tamper: Any
) -> None:
    _, _, _, path = pending
    for response in (
        desk.client.get(tamper(path)),
        desk.client.post(tamper(path), data={"decision": "approve"}),
    ):
        assert response.status_code == 404
        assert "not valid" in response.text
    assert status(desk, pending) == "Pending Approval"
    assert desk.client.get(path).status_code == 200  # the real one still works


def test_a_link_signed_with_another_key_is_not_valid(
    desk: Desk, pending: tuple[str, dict[str, Any], str, str]
) -> None:
    _, _, aid, _ = pending

    async def forged(session: AsyncSession) -> str:
        row = (
            await session.execute(select(ApprovalLink).where(ApprovalLink.approval_id == int(aid)))
        ).scalar_one()
        return links.PATH + links.token("another-secret", row.id, row.nonce)

    response = desk.client.post(in_unit_of_work(desk, forged), data={"decision": "approve"})
    assert response.status_code == 404
    assert status(desk, pending) == "Pending Approval"


def test_a_link_to_an_approval_decided_meanwhile_has_nothing_left(
    desk: Desk, pending: tuple[str, dict[str, Any], str, str]
) -> None:
    rid, level, aid, path = pending
    decided(desk, rid, level["id"], aid, "approve", desk.technician.key)
    page = desk.client.get(path)
    assert page.status_code == 200
    assert "already approved" in page.text and "<form" not in page.text
    refused = desk.client.post(path, data={"decision": "reject"})
    assert refused.status_code == 400
    assert "already approved" in refused.text
    assert status(desk, pending) == "Approved"


def test_a_refused_decision_leaves_the_link_usable(
    desk: Desk, pending: tuple[str, dict[str, Any], str, str]
) -> None:
    _, _, _, path = pending
    too_long = desk.client.post(path, data={"decision": "approve", "comments": "x" * 251})
    assert too_long.status_code == 400
    assert "longer than 250" in too_long.text
    nothing = desk.client.post(path, data={"comments": "which?"})
    assert nothing.status_code == 400
    assert status(desk, pending) == "Pending Approval"
    assert desk.client.post(path, data={"decision": "approve"}).status_code == 200
    assert status(desk, pending) == "Approved"


def test_a_resent_approval_has_a_new_link_and_the_old_one_still_works_once(
    desk: Desk, pending: tuple[str, dict[str, Any], str, str]
) -> None:
    rid, level, aid, first = pending
    sent(desk, rid, level["id"], aid)
    old, new = link_paths(desk, aid)
    assert old == first and new != old
    assert desk.client.post(old, data={"decision": "approve"}).status_code == 200
    leftover = desk.client.get(new)
    assert leftover.status_code == 200 and "nothing left to decide" in leftover.text


def test_the_link_follows_the_self_approval_policy(desk: Desk) -> None:
    rid = desk.create_release(key=desk.technician.key)["id"]  # the technician's own release
    level = add_level(desk, rid, approvers=[desk.technician])
    aid = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], aid)
    (path,) = link_paths(desk, aid)

    async def forbid(session: AsyncSession) -> None:
        await policy.set_self_approval(session, desk.portal, True)

    in_unit_of_work(desk, forbid)
    refused = desk.client.post(path, data={"decision": "approve"})
    assert refused.status_code == 400
    assert "forbids approving one's own release" in html.unescape(refused.text)
    assert desk.client.get(path).status_code == 200  # not used up
