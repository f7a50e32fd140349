"""Small helpers every test uses: a Desk (portal, people, keys) and HTTP shortcuts."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
from sqlalchemy import func, select
from starlette.testclient import TestClient

from releasedesk.core.portals import service as portals
from releasedesk.core.users import service as users
from releasedesk.db.models import Approval, ApprovalLevel, Release
from releasedesk.db.session import Database


@dataclass
class Person:
    id: int
    name: str
    key: str


@dataclass
class Desk:
    client: TestClient
    portal: str
    portal_id: int
    admin: Person
    technician: Person
    requester: Person
    other_requester: Person
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"/app/{self.portal}/api/v3"

    @property
    def database(self) -> Database:
        return self.client.app.state.database  # type: ignore[attr-defined,no-any-return]

    def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        input_data: Any = None,
        as_: str = "query",
        **kwargs: Any,
    ) -> httpx.Response:
        """Send input_data the way SDP clients do: in the query, a form body or a JSON body."""
        headers = kwargs.pop("headers", {})
        if key is None:
            key = self.admin.key
        if key:
            headers.setdefault("authtoken", key)
        own_path = path.startswith("/") and not path.startswith("/releases")
        url = path if own_path else self.base + path
        if "?" in url:  # keep the path's own query (ids=…) beside input_data
            url, _, query = url.partition("?")
            kwargs["params"] = {**dict(parse_qsl(query)), **kwargs.get("params", {})}
        if input_data is not None:
            text = input_data if isinstance(input_data, str) else json.dumps(input_data)
            if as_ == "query":
                kwargs["params"] = {**kwargs.get("params", {}), "input_data": text}
            elif as_ == "form":
                kwargs["data"] = {"input_data": text}
            else:
                kwargs["content"] = text
                headers.setdefault("content-type", "application/json")
        return self.client.request(method, url, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def create_release(self, key: str | None = None, **fields: Any) -> dict[str, Any]:
        fields.setdefault("title", f"Release {uuid.uuid4().hex[:6]}")
        response = self.post("/releases", key=key, input_data={"release": fields})
        assert response.status_code == 201, response.text
        return response.json()["release"]  # type: ignore[no-any-return]

    def count(self, model: Any, **where: Any) -> int:
        """Rows of `model` in this portal (and matching `where`): rows with a portal of their
        own by it, the rest through their release (an approval through its level's)."""
        query = select(func.count()).select_from(model)
        if hasattr(model, "portal_id"):
            query = query.where(model.portal_id == self.portal_id)
        else:
            if model is Approval:
                query = query.join(ApprovalLevel, ApprovalLevel.id == Approval.level_id)
                release_id = ApprovalLevel.release_id
            elif hasattr(model, "release_id"):
                release_id = model.release_id
            else:
                raise TypeError(f"count() cannot tell the portal of a {model.__name__} row")
            query = query.join(Release, Release.id == release_id).where(
                Release.portal_id == self.portal_id
            )
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)

        async def counting() -> int:
            async with self.database.unit_of_work(writes=False) as session:
                return (await session.execute(query)).scalar_one()

        return self.client.portal.call(counting)


def make_desk(client: TestClient, existing_portal: str | None = None) -> Desk:
    """A fresh portal (or people with unique names in `existing_portal`) and their keys."""
    database: Database = client.app.state.database  # type: ignore[attr-defined]
    name = existing_portal or f"t{uuid.uuid4().hex[:10]}"
    suffix = f" {uuid.uuid4().hex[:6]}" if existing_portal else ""

    async def setup() -> tuple[int, dict[str, Person]]:
        async with database.unit_of_work() as session:
            if existing_portal:
                portal = await portals.get_portal(session, existing_portal)
            else:
                portal = await portals.create_portal(session, name)
            people: dict[str, Person] = {}
            for person, role in (
                ("Ada Admin", "admin"),
                ("Heather Graham", "technician"),
                ("Rita Requester", "requester"),
                ("Otto Requester", "requester"),
            ):
                person = person + suffix
                user = await users.add_user(
                    session,
                    portal_id=portal.id,
                    name=person,
                    role=role,
                    email_id=f"{person.replace(' ', '.').lower()}@{name}.example.com",
                    password="admin-pass" if role == "admin" else None,
                )
                key = await users.create_api_key(session, user=user)
                people[role if role != "requester" or "Rita" in person else "other"] = Person(
                    user.id, person, key
                )
            return portal.id, people

    portal_id, people = client.portal.call(setup)
    return Desk(
        client=client,
        portal=name,
        portal_id=portal_id,
        admin=people["admin"],
        technician=people["technician"],
        requester=people["requester"],
        other_requester=people["other"],
        people=people,
    )
