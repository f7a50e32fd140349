"""What the approval tests share: levels, approvers, sending and deciding over HTTP, more
people in a desk's portal, and the organisational settings the core keeps."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.approvals import links
from releasedesk.core.users import service as users
from releasedesk.db.models import ApprovalLink, OutboxMail
from tests.api.sdp.support import error_of
from tests.helpers import Desk, Person

T = TypeVar("T")
APPROVED = "Your decision has been recorded. Thank you for your cooperation!"


def in_unit_of_work(desk: Desk, action: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        async with desk.database.unit_of_work() as session:
            return await action(session)

    return desk.client.portal.call(run)


def add_people(desk: Desk, count: int, role: str = "technician") -> list[Person]:
    """`count` more people of `role` in the desk's portal, each with an email and a key."""

    async def add(session: AsyncSession) -> list[Person]:
        people: list[Person] = []
        for _ in range(count):
            name = f"Approver {uuid.uuid4().hex[:6]}"
            user = await users.add_user(
                session,
                portal_id=desk.portal_id,
                name=name,
                role=role,
                email_id=f"{name.replace(' ', '.').lower()}@{desk.portal}.example.com",
            )
            people.append(Person(user.id, name, await users.create_api_key(session, user=user)))
        return people

    return in_unit_of_work(desk, add)


def levels_path(release_id: str) -> str:
    return f"/releases/{release_id}/approval_levels"


def approvals_path(release_id: str, level_id: str) -> str:
    return f"{levels_path(release_id)}/{level_id}/approvals"


def add_level(
    desk: Desk,
    release_id: str,
    stage: str = "submission",
    rule: dict[str, Any] | None = None,
    name: str = "CAB",
    approvers: list[Person] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "release_stage": {"name": stage},
        "rule": rule or {"type": "anyone"},
    }
    if approvers:
        body["approvals"] = [{"approver": {"id": str(p.id)}} for p in approvers]
    response = desk.post(levels_path(release_id), input_data={"approval_level": body})
    assert response.status_code == 201, response.text
    return response.json()["approval_level"]  # type: ignore[no-any-return]


def add_approvers(
    desk: Desk, release_id: str, level_id: str, people: list[Person]
) -> list[dict[str, Any]]:
    response = desk.post(
        approvals_path(release_id, level_id),
        input_data={"approvals": [{"approver": {"name": p.name}} for p in people]},
    )
    assert response.status_code == 201, response.text
    return response.json()["approvals"]  # type: ignore[no-any-return]


def send(desk: Desk, release_id: str, level_id: str, approval_id: str) -> httpx.Response:
    return desk.put(
        f"{approvals_path(release_id, level_id)}/{approval_id}/_send_notification",
        input_data={},
    )


def sent(desk: Desk, release_id: str, level_id: str, approval_id: str) -> None:
    response = send(desk, release_id, level_id, approval_id)
    assert response.status_code == 200, response.text


def decide(
    desk: Desk,
    release_id: str,
    level_id: str,
    approval_id: str,
    verdict: str,
    key: str | None = None,
    comments: str | None = "ok",
) -> httpx.Response:
    body = None if comments is None else {"approval": {"comments": comments}}
    return desk.put(
        f"{approvals_path(release_id, level_id)}/{approval_id}/_{verdict}",
        key=key,
        input_data=body,
    )


def decided(
    desk: Desk, release_id: str, level_id: str, approval_id: str, verdict: str, key: str
) -> None:
    response = decide(desk, release_id, level_id, approval_id, verdict, key)
    assert response.status_code == 200, response.text
    assert response.json()["response_status"]["messages"][0]["message"] == APPROVED


def level_of(desk: Desk, release_id: str, level_id: str) -> dict[str, Any]:
    response = desk.get(f"{levels_path(release_id)}/{level_id}")
    assert response.status_code == 200, response.text
    return response.json()["approval_level"]  # type: ignore[no-any-return]


def approval_of(desk: Desk, release_id: str, level_id: str, approval_id: str) -> dict[str, Any]:
    response = desk.get(f"{approvals_path(release_id, level_id)}/{approval_id}")
    assert response.status_code == 200, response.text
    return response.json()["approval"]  # type: ignore[no-any-return]


def refused(response: httpx.Response, status: int, code: int, field: str | None = None) -> str:
    """The refusal's message, after checking its HTTP status, SDP code and field."""
    assert response.status_code == status, response.text
    message = error_of(response)
    assert message["status_code"] == code, message
    if field is not None:
        assert message.get("field") == field, message
    return str(message["message"])


def outbox(desk: Desk) -> list[OutboxMail]:
    """This portal's queued mails, oldest first."""

    async def read(session: AsyncSession) -> list[OutboxMail]:
        result = await session.execute(
            select(OutboxMail).where(OutboxMail.portal_id == desk.portal_id).order_by(OutboxMail.id)
        )
        return list(result.scalars())

    return in_unit_of_work(desk, read)


def link_paths(desk: Desk, approval_id: str) -> list[str]:
    """The paths of the approval's links, oldest first, as the mails carry them."""
    secret: str = desk.client.app.state.settings.secret_key  # type: ignore[attr-defined]

    async def read(session: AsyncSession) -> list[str]:
        result = await session.execute(
            select(ApprovalLink)
            .where(ApprovalLink.approval_id == int(approval_id))
            .order_by(ApprovalLink.id)
        )
        return [links.PATH + links.token(secret, r.id, r.nonce) for r in result.scalars()]

    return in_unit_of_work(desk, read)
