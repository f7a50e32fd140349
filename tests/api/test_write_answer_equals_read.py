"""A write's answer is the next GET's answer, byte for byte, for every writable field of every
dialect: SDP's PUT, UCR's PUT, FlexDeploy's PUT and PATCH.

The writable fields come from each dialect's own tables: SDP's from the field registry
(core/releases/fields.py, under the names api/sdp/fields.py gives them), UCR's and
FlexDeploy's from their input models (api/*/wire.py). A field added there without a value
below fails `test_every_writable_field_has_a_value`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import JsonValue
from sqlalchemy import select

from releasedesk.api.flexdeploy import wire as flex_wire
from releasedesk.api.sdp.fields import SDP_FIELDS
from releasedesk.api.ucr import wire as ucr_wire
from releasedesk.core.releases import fields
from releasedesk.db.models import (
    LOOKUP_MODELS,
    Category,
    Item,
    ReleaseStatus,
    ReleaseTemplate,
    Service,
    Subcategory,
)
from tests.api.flexdeploy.support import Flex, flex_for
from tests.api.ucr.support import DEFAULT_LIFECYCLE, SAMPLE_TEAM, Ucr
from tests.helpers import Desk

SDP_WRITABLE = sorted(f.name for f in fields.FIELDS if f.writable and f.name in SDP_FIELDS)
UCR_WRITABLE = sorted(
    f.alias or name
    for name, f in ucr_wire.ReleaseIn.model_fields.items()
    if f.annotation is not JsonValue  # the keys a GET answers, accepted to be ignored
)
# FlexDeploy's input model has no table of the attributes it accepts only to ignore; its
# docstring names them (the projects' ones sit inside `projects`).
FLEX_IGNORED = {"releaseId", "startDate", "endDate"}
FLEX_WRITABLE = sorted(set(flex_wire.ReleaseIn.model_fields) - FLEX_IGNORED)


MODELS: dict[str, Any] = {"template": ReleaseTemplate}


def _first(desk: Desk, statement: Any) -> Any:
    async def read() -> Any:
        async with desk.database.unit_of_work() as session:
            return (await session.execute(statement.limit(1))).scalar_one()

    return desk.client.portal.call(read)


def _tree(desk: Desk) -> dict[str, dict[str, str]]:
    """A category, a subcategory under it and an item under that, by id."""
    item = _first(
        desk,
        select(Item)
        .join(Subcategory, Subcategory.id == Item.parent_id)
        .where(Subcategory.portal_id == desk.portal_id)
        .order_by(Item.id),
    )
    subcategory = _first(desk, select(Subcategory).where(Subcategory.id == item.parent_id))
    category = _first(desk, select(Category).where(Category.id == subcategory.parent_id))
    return {
        "category": {"id": str(category.id)},
        "subcategory": {"id": str(subcategory.id)},
        "item": {"id": str(item.id)},
    }


def _lookup(name: str) -> Callable[[Desk, dict[str, Any]], dict[str, Any]]:
    """The first value of the lookup the registry names for `name` in the portal."""

    def value(desk: Desk, release: dict[str, Any]) -> dict[str, Any]:
        model = MODELS.get(name) or LOOKUP_MODELS[fields.BY_NAME[name].lookup or name]
        row = _first(desk, select(model).where(model.portal_id == desk.portal_id))
        return {name: {"id": str(row.id)}}

    return value


def _status(desk: Desk, release: dict[str, Any]) -> dict[str, Any]:
    """Another status of the release's stage."""
    row = _first(
        desk,
        select(ReleaseStatus).where(
            ReleaseStatus.stage_id == int(release["stage"]["id"]),
            ReleaseStatus.id != int(release["status"]["id"]),
        ),
    )
    return {"status": {"id": str(row.id)}}


def _services(desk: Desk, release: dict[str, Any]) -> dict[str, Any]:
    row = _first(desk, select(Service).where(Service.portal_id == desk.portal_id))
    return {"services": [{"id": str(row.id)}]}


def _roles(desk: Desk, release: dict[str, Any]) -> dict[str, Any]:
    holder = {"role": {"name": "Release Engineer"}, "user": {"id": str(desk.technician.id)}}
    return {"roles": [holder]}


def _tree_part(*names: str) -> Callable[[Desk, dict[str, Any]], dict[str, Any]]:
    """A subcategory is written with its category, an item with both (the tree is checked)."""

    def value(desk: Desk, release: dict[str, Any]) -> dict[str, Any]:
        tree = _tree(desk)
        return {n: tree[n] for n in names}

    return value


def _fixed(value: Any) -> Callable[[Desk, dict[str, Any]], dict[str, Any]]:
    return lambda desk, release: value


SDP_VALUES: dict[str, Callable[[Desk, dict[str, Any]], dict[str, Any]]] = {
    "title": _fixed({"title": "A new title"}),
    "description": _fixed({"description": "<p>A <b>new</b> description</p>"}),
    "template": _lookup("template"),
    "stage": _fixed({"stage": {"name": "Planning"}}),
    "status": _status,
    "category": _tree_part("category"),
    "subcategory": _tree_part("category", "subcategory"),
    "item": _tree_part("category", "subcategory", "item"),
    "services": _services,
    "roles": _roles,
    "emergency": _fixed({"emergency": True}),
    "next_review_on": _fixed({"next_review_on": {"value": "1700000000000"}}),
    "scheduled_start_time": _fixed({"scheduled_start_time": {"value": "1700000000000"}}),
    "scheduled_end_time": _fixed({"scheduled_end_time": {"value": "1800000000000"}}),
    **{
        name: _lookup(name)
        for name in ("priority", "impact", "urgency", "risk", "release_type", "site", "group")
    },
    "closure_code": _lookup("closure_code"),
    **{
        kind: _fixed({kind: {"description": f"<p>{kind}</p>"}}) for kind in fields.DESCRIPTIVE_KINDS
    },
}

UCR_VALUES: dict[str, Any] = {
    "name": "Renamed",
    "description": "A new description",
    "team": {"id": SAMPLE_TEAM},
    "lifecycleModel": {"id": DEFAULT_LIFECYCLE},
    "milestones": [{"name": "GA", "date": 1800000000000}],
    "version": 1,  # the optimistic lock, at the version the release was made with
}

_PROJECTS = [{"projectId": 33442, "projectStreamId": 3502, "packageName": "Package 1"}]
# Each attribute with what it needs beside it (a started release has a project; a pipeline
# property, a pipeline).
FLEX_VALUES: dict[str, dict[str, Any]] = {
    "releaseName": {"releaseName": "Renamed"},
    "releaseStatus": {"releaseStatus": "STARTED", "projects": _PROJECTS},
    "description": {"description": "A new description"},
    "pipelineId": {"pipelineId": 12345},
    "pipelineName": {"pipelineName": "Pipeline 1"},
    "scheduleBuildExpression": {"scheduleBuildExpression": "0 0 12 * * ?"},
    "projects": {"projects": _PROJECTS},
    "cmsDetails": {"cmsDetails": {"cmsInstanceId": 1010, "overrideSettings": False}},
    "properties": {
        "pipelineId": 12345,
        "properties": [{"propertyName": "TESTPROPERTY", "propertyValue": "3"}],
    },
}


def test_every_writable_field_has_a_value() -> None:
    assert sorted(SDP_VALUES) == SDP_WRITABLE
    assert sorted(UCR_VALUES) == UCR_WRITABLE
    assert sorted(FLEX_VALUES) == FLEX_WRITABLE


@pytest.mark.parametrize("name", SDP_WRITABLE)
def test_sdp_put_answers_what_the_next_get_reads(desk: Desk, name: str) -> None:
    created = desk.post("/releases", input_data={"release": {"title": "Written"}})
    assert created.status_code == 201, created.text
    release = created.json()["release"]
    path = f"/releases/{release['id']}"
    change = SDP_VALUES[name](desk, release)
    written = desk.put(path, input_data={"release": change})
    assert written.status_code == 200, written.text
    read = desk.get(path)
    assert read.status_code == 200, read.text
    assert written.content == read.content


@pytest.mark.parametrize("name", UCR_WRITABLE)
def test_ucr_put_answers_what_the_next_get_reads(desk: Desk, name: str) -> None:
    ucr = Ucr(desk)
    made = ucr.create(name="Written")
    path = f"/releases/{made['id']}"
    written = ucr.put(path, {name: UCR_VALUES[name]})
    assert written.status_code == 200, written.text
    read = ucr.get(path)
    assert read.status_code == 200, read.text
    assert written.content == read.content


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("name", FLEX_WRITABLE)
def test_flexdeploy_write_answers_what_the_next_get_reads(
    desk: Desk, name: str, method: str
) -> None:
    flex: Flex = flex_for(desk)
    made = flex.create(releaseName="Written")
    path = f"/releases/{made['releaseId']}"
    body = {"releaseName": "Written", **FLEX_VALUES[name]}
    written = flex.request(method, path, body)
    assert written.status_code == 200, written.text
    read = flex.get(path)
    assert read.status_code == 200, read.text
    assert written.content == read.content
