"""Pure rules and translators, called directly (no HTTP, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from releasedesk.api.sdp.list_info import parse_list_info
from releasedesk.api.sdp.translate import release_to_core, sdp_time, sdp_time_in
from releasedesk.api.sdp.wire import ReleaseIn
from releasedesk.api.wire_values import epoch_ms_to_datetime
from releasedesk.core.actors import Actor, ReleaseAccess, Role, can_edit_release, can_view_release
from releasedesk.core.errors import Invalid, ReadOnly, WrongType
from releasedesk.core.refs import Ref
from releasedesk.core.search.query import Condition, FieldType, Group, Op, Sort
from releasedesk.core.text import html_to_text, plain_line, sanitize_html


def actor(role: Role, user_id: int = 1) -> Actor:
    return Actor(user_id=user_id, user_name="u", portal_id=1, portal_name="p", role=role)


def access(stage: str, requesters: set[int], created_by: int | None = None) -> ReleaseAccess:
    return ReleaseAccess(stage, frozenset(requesters), created_by)


@pytest.mark.parametrize(
    ("who", "stage", "view", "edit"),
    [
        (actor(Role.ADMIN), "planning", True, True),
        (actor(Role.TECHNICIAN), "close", True, True),
        (actor(Role.REQUESTER, 7), "submission", True, True),
        (actor(Role.REQUESTER, 7), "planning", True, False),
        (actor(Role.REQUESTER, 8), "submission", False, False),
    ],
)
def test_permission_rules(who: Actor, stage: str, view: bool, edit: bool) -> None:
    release = access(stage, {7})
    assert can_view_release(who, release) is view
    assert can_edit_release(who, release) is edit


def test_the_creator_of_a_release_counts_as_its_own() -> None:
    assert can_view_release(actor(Role.REQUESTER, 9), access("submission", set(), created_by=9))


def test_times_arrive_as_epoch_milliseconds_in_any_wrapping() -> None:
    expected = dt.datetime(2020, 6, 22, 10, 5, 50, 370000, tzinfo=dt.UTC)
    for value in (1592820350370, "1592820350370", {"value": "1592820350370"}):
        assert sdp_time_in(value, "t") == expected
    assert epoch_ms_to_datetime("1592820350370", "t") == expected
    with pytest.raises(WrongType):
        epoch_ms_to_datetime("soon", "t")
    assert sdp_time(expected) == {
        "display_value": "Jun 22, 2020 10:05 AM",
        "value": "1592820350370",
    }


def test_text_rules() -> None:
    assert plain_line("  Title  ", "title") == "Title"
    with pytest.raises(Invalid):
        plain_line("a\nb", "title")
    cleaned = sanitize_html('<b onmouseover="x()">hi</b><script>bad()</script>')
    assert cleaned == "<b>hi</b>"
    assert html_to_text("<p>Fish &amp; <i>chips</i></p>") == "Fish & chips"


def test_release_translation_keeps_only_what_was_given_and_refuses_read_only() -> None:
    changes = release_to_core(
        ReleaseIn.model_validate(
            {
                "title": "x",
                "priority": "High",
                "services": [{"id": "3", "name": "Email"}],
                "scheduled_start_time": {"value": "1592820350370", "display_value": "…"},
            }
        )
    )
    assert changes.given == {"title", "priority", "services", "scheduled_start_time"}
    assert changes.priority == Ref(name="High")
    assert changes.services == (Ref(id=3),)
    assert changes.scheduled_start_time == dt.datetime(2020, 6, 22, 10, 5, 50, 370000, dt.UTC)
    with pytest.raises(ReadOnly):
        release_to_core(ReleaseIn.model_validate({"created_time": {"value": "1"}}))


def test_list_info_builds_the_core_query() -> None:
    listing = parse_list_info(
        {
            "list_info": {
                "row_count": 5,
                "page": 3,
                "sort_field": "title",
                "sort_order": "desc",
                "search_criteria": [
                    {"field": "title", "condition": "contains", "value": "db"},
                    {
                        "field": "priority.name",
                        "condition": "eq",
                        "values": ["High"],
                        "logical_operator": "or",
                    },
                ],
            }
        },
        searchable={"title": FieldType.TEXT, "priority.name": FieldType.TEXT},
        sortable={"title"},
        returnable={"title"},
        default_sort=Sort("title"),
    )
    query = listing.query
    assert (query.offset, query.limit) == (10, 5)
    assert query.sorts == (Sort("title", descending=True),)
    assert query.filter == Group(
        any_of=True,
        children=(
            Condition("title", Op.CONTAINS, ("db",)),
            Condition("priority.name", Op.IS, ("High",)),
        ),
    )
