"""The release field registry is the one list of a release's fields: every place that has
its own list must agree with it, so adding a field in one place and not the others fails."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
import uuid
from types import NoneType, SimpleNamespace

import pytest

from releasedesk.api.flexdeploy.translate import FIELD_NAMES as flexdeploy_field_names
from releasedesk.api.sdp import fields as sdp_fields
from releasedesk.api.sdp import translate as sdp_translate
from releasedesk.api.sdp import wire as sdp_wire
from releasedesk.api.sdp.translate import BUILDERS
from releasedesk.api.sdp.wire import ReleaseIn
from releasedesk.api.ucr import fields as ucr_fields
from releasedesk.core.releases import fields, history, read_repository
from releasedesk.core.releases.fields import FieldKind
from releasedesk.core.releases.schemas import CHANGE_FIELDS, CHANGE_TYPES, ReleaseChanges
from releasedesk.core.releases.search_fields import SEARCHABLE, SORTABLE
from releasedesk.core.releases.views import Release, Template, Workflow
from releasedesk.core.workflow.views import Stage, Status
from releasedesk.db.models import Release as ReleaseRow

NAMES = {f.name for f in fields.FIELDS}


def test_the_change_schema_carries_exactly_the_writable_fields() -> None:
    writable = {f.name for f in fields.FIELDS if f.writable}
    assert CHANGE_FIELDS - {"comment"} == writable


def test_each_change_has_the_type_of_its_fields_kind() -> None:
    """ReleaseChanges is declared (mypy must see its attributes): its types follow the kinds."""
    hints = typing.get_type_hints(ReleaseChanges)
    for field in fields.FIELDS:
        if field.writable:
            assert typing.get_args(hints[field.name]) == (CHANGE_TYPES[field.kind], NoneType), (
                field.name
            )


def test_the_read_model_shows_every_field() -> None:
    view_fields = {f.name for f in dataclasses.fields(Release)}
    on_the_view = {f.name for f in fields.FIELDS if f.kind is not FieldKind.DESCRIPTIVE}
    assert on_the_view <= view_fields
    # What the view has beyond the registry: the portal, and the descriptive texts' records.
    assert view_fields - on_the_view == {"portal_id", "descriptive_fields"}


def test_every_stored_field_has_its_column_and_the_read_model_loads_it() -> None:
    columns = set(ReleaseRow.__table__.c.keys())
    for field in fields.FIELDS:
        if field.kind in (FieldKind.SERVICES, FieldKind.ROLES, FieldKind.DESCRIPTIVE):
            continue
        assert field.column in columns, field.name
    assert {f.name for f in fields.SCALARS} <= set(read_repository._ROW_COLUMNS)


def test_search_and_sort_follow_the_registry() -> None:
    for field in fields.FIELDS:
        assert (field.name in SEARCHABLE) is field.searchable, field.name
        assert (field.name in SORTABLE) is field.sortable, field.name
    # Beyond the registry's names, search knows only subfields (priority.name) and role holders.
    extra = set(SEARCHABLE) - NAMES
    assert all("." in name or name.startswith("release_") for name in extra), extra


def _release() -> Release:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    stage = Stage(1, "Submission", "submission", 1, None)
    return Release(
        id=1,
        portal_id=1,
        uuid=uuid.uuid4(),
        version=1,
        title="t",
        description=None,
        short_description=None,
        emergency=False,
        notes_present=False,
        scheduled_start_time=None,
        scheduled_end_time=None,
        next_review_on=None,
        created_time=now,
        last_updated_time=None,
        completed_time=None,
        deleted_time=None,
        template=Template(1, "General", Workflow(1, "General", "General", True)),
        stage=stage,
        status=Status(1, "Requested", "requested", "In Progress", 1),
        priority=None,
        impact=None,
        urgency=None,
        risk=None,
        release_type=None,
        category=None,
        subcategory=None,
        item=None,
        site=None,
        group=None,
        closure_code=None,
        created_by=None,
    )


def test_history_records_exactly_the_fields_marked_for_it() -> None:
    assert set(history.snapshot(_release())) == {f.name for f in fields.FIELDS if f.in_history}


def test_sdp_shows_every_field_but_those_it_does_not_have() -> None:
    shown = set(BUILDERS) | set(fields.DESCRIPTIVE_KINDS)
    assert shown >= NAMES - sdp_fields.NOT_SHOWN
    assert shown - NAMES == sdp_fields.DERIVED | sdp_fields.ALWAYS_EMPTY
    assert set(fields.LISTED) <= shown
    # Every field SDP's history can show has a display name.
    assert {f.name for f in fields.FIELDS if f.in_history} <= set(sdp_fields.DISPLAY_NAMES)


def test_sdp_input_takes_every_key_a_release_shows() -> None:
    """Add and update take each key (read-only ones only to refuse them with 4014), so a
    client may send back what a GET returned; a registry field missing from the input model
    would be refused as unknown."""
    assert set(ReleaseIn.model_fields) == sdp_fields.RELEASE_KEYS | {"comment"}


def test_sdp_shows_the_registry_fields_in_the_registry_order() -> None:
    shown = [key for key in sdp_fields.KEYS if key in fields.BY_NAME]
    assert shown == [f.name for f in fields.FIELDS if f.name not in sdp_fields.NOT_SHOWN]
    assert [*BUILDERS, *fields.DESCRIPTIVE_KINDS] == list(sdp_fields.KEYS)
    for field, own in sdp_fields.SHOWN_AFTER.items():
        at = sdp_fields.KEYS.index(field) + 1
        assert sdp_fields.KEYS[at : at + len(own)] == own


def test_sdp_input_takes_each_writable_field_as_its_kind_and_refuses_what_is_not() -> None:
    ok = ReleaseIn.model_validate(
        {
            "title": "t",
            "priority": {"name": "High"},
            "services": ["Mail"],
            "emergency": "true",
            "next_review_on": 1592820350370,
            "roll_out_plan": "<p>x</p>",
            "created_time": ["anything: a read-only key is refused by name later"],
        }
    )
    assert ok.model_fields_set >= {"title", "priority", "created_time"}
    for key, wrong in (
        ("title", 1),
        ("priority", True),
        ("services", "Mail"),
        ("emergency", 1),
        ("next_review_on", 1.5),
        ("roll_out_plan", 3),
        ("roles", [{"role": "x"}]),
    ):
        with pytest.raises(ValueError) as refused:
            ReleaseIn.model_validate({key: wrong})
        assert refused.value.errors()[0]["loc"][0] == key  # type: ignore[attr-defined]


def test_a_field_added_to_the_registry_reaches_sdp(monkeypatch: pytest.MonkeyPatch) -> None:
    """SDP's keys, input type, writer and display name of a new field follow from its kind."""
    new = fields.ReleaseField("rollback_window", FieldKind.DATETIME, in_history=True)
    at = [f.name for f in fields.FIELDS].index("scheduled_end_time") + 1
    monkeypatch.setattr(fields, "FIELDS", (*fields.FIELDS[:at], new, *fields.FIELDS[at:]))
    monkeypatch.setitem(fields.BY_NAME, new.name, new)

    keys = sdp_fields._keys()
    assert keys[keys.index("scheduled_end_time") + 1] == "rollback_window"
    assert sdp_wire._input_type("rollback_window") is sdp_wire.TimeIn
    when = dt.datetime(2020, 6, 22, 10, 5, 50, 370000, tzinfo=dt.UTC)
    written = sdp_translate._builder("rollback_window")(SimpleNamespace(rollback_window=when))  # type: ignore[arg-type]
    assert written == sdp_translate.sdp_time(when)
    assert written["value"] == "1592820350370"
    assert sdp_fields.display_name("rollback_window") == "Rollback Window"


def test_ucr_and_flexdeploy_name_registry_fields() -> None:
    assert set(ucr_fields.RELEASE_FIELDS.values()) <= NAMES
    assert all(fields.BY_NAME[ucr_fields.RELEASE_FIELDS[k]].writable for k in ucr_fields.SETTABLE)
    assert ucr_fields.CORE_NAMES == {"title": "name"}
    # FlexDeploy's error names: the registry's fields it calls otherwise, and the deployment's
    # own `name`.
    assert set(flexdeploy_field_names) - {"name"} <= NAMES
