"""An approval naming an organisational role keeps only its path in the release's history;
SDP shows the role's display name beside it, the same for rows stored before, which kept
SDP's display name in the history itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.api.sdp.translate_history import diff_json, value_json
from releasedesk.core.releases.history import FieldChange
from releasedesk.db.models import ReleaseHistory
from releasedesk.web.release_words import value_text
from tests.api.sdp.approvals_support import add_level, approvals_path, in_unit_of_work
from tests.api.sdp.support import history_of
from tests.helpers import Desk

PATH = "release_requester.reporting_to"
SHOWN = {"path": PATH, "display_name": "Reporting Manager of the Release Requester"}


def _approval_added(desk: Desk, release_id: str) -> dict[str, Any]:
    entries = [h for h in history_of(desk, release_id) if h["operation"]["name"] == "approval_add"]
    assert len(entries) == 1, entries
    (diff,) = entries[0]["diff"]
    return diff  # type: ignore[no-any-return]


def _stored(desk: Desk, release_id: str) -> list[ReleaseHistory]:
    async def read(session: AsyncSession) -> list[ReleaseHistory]:
        rows = await session.scalars(
            select(ReleaseHistory).where(
                ReleaseHistory.release_id == int(release_id),
                ReleaseHistory.subject == "approval",
            )
        )
        return list(rows)

    return in_unit_of_work(desk, read)


def test_history_stores_the_path_and_sdp_shows_its_display_name(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    level = add_level(desk, rid)
    response = desk.post(
        approvals_path(rid, level["id"]), input_data={"approval": {"xpath": {"path": PATH}}}
    )
    assert response.status_code == 201, response.text

    (row,) = _stored(desk, rid)
    (change,) = row.diff
    assert change["current"]["xpath"] == {"path": PATH}  # no dialect's words stored

    shown = _approval_added(desk, rid)
    assert shown["current_value"]["xpath"] == SHOWN


def test_rows_stored_with_sdps_display_name_are_shown_as_before(desk: Desk) -> None:
    rid = desk.create_release()["id"]
    level = add_level(desk, rid)
    response = desk.post(
        approvals_path(rid, level["id"]), input_data={"approval": {"xpath": {"path": PATH}}}
    )
    assert response.status_code == 201, response.text
    before = _approval_added(desk, rid)

    async def store_the_old_shape(session: AsyncSession) -> None:
        row = (
            await session.scalars(
                select(ReleaseHistory).where(
                    ReleaseHistory.release_id == int(rid), ReleaseHistory.subject == "approval"
                )
            )
        ).one()
        (change,) = row.diff
        current = {**change["current"], "xpath": dict(SHOWN)}
        row.diff = [{**change, "current": current}]

    in_unit_of_work(desk, store_the_old_shape)
    (row,) = _stored(desk, rid)
    assert row.diff[0]["current"]["xpath"] == SHOWN  # the old shape is what is stored now
    assert _approval_added(desk, rid) == before


OLD = {"id": 7, "xpath": dict(SHOWN), "approver": None, "status": "to_be_sent"}
NEW = {"id": 7, "xpath": {"path": PATH}, "approver": None, "status": "to_be_sent"}


def test_sdp_renders_both_stored_shapes_alike() -> None:
    assert value_json(OLD) == value_json(NEW)
    assert value_json(NEW)["xpath"] == SHOWN
    assert list(value_json(NEW)["xpath"]) == ["path", "display_name"]  # SDP's key order
    old = diff_json((FieldChange("xpath", None, OLD["xpath"]),))
    new = diff_json((FieldChange("xpath", None, NEW["xpath"]),))
    assert old == new
    assert new[0]["current_value"] == SHOWN and new[0]["previous_value"] is None


def test_the_web_names_the_role_in_both_shapes() -> None:
    name = SHOWN["display_name"]
    assert value_text(OLD) == value_text(NEW) == name
    assert value_text(OLD["xpath"]) == value_text(NEW["xpath"]) == name
