"""A list filtered on the title's text, first looked for among the leading rows (SQLite).

listing.search tries `window_page_statement` (the filter on each of the first TEXT_WINDOW
rows of the unfiltered list, the title tested on the row) before the FTS5 read that lists
every match; both must give the forward read's answer exactly: the same rows in the same
order, has_more and total, for ASCII and other titles and texts, every view, requesters,
and when the window is too short for the page. The statement is checked on PostgreSQL too
(it compiles to the same LIKE there), though only SQLite's search uses it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update

from releasedesk.core.actors import Actor, Role
from releasedesk.core.releases import listing, title_ids
from releasedesk.core.releases.views import ReleaseFilter
from releasedesk.core.search.query import Condition, Group, Op, Query, Sort
from releasedesk.db.models import Release
from tests.helpers import Desk, make_desk

TITLES = (
    "Payroll patch",
    "PAYROLL upgrade",
    "payroll",
    "École payroll",
    "ÉCOLE migration",
    "école vpn",
    "Straße PAYroll",
    "\u212aey rotation",  # KELVIN SIGN, which Unicode folds to k
    "Key rotation",
    "vpn payroll patch",
    "Other 100% thing",
    "crm_sap",
)
NEEDLES = ("payroll", "PAY", "école", "ÉCOLE", "key", "roll pat", "100%", "m_s", "vpn", "zzz")


def _actor(desk: Desk, role: Role = Role.ADMIN) -> Actor:
    person = {Role.ADMIN: desk.admin, Role.REQUESTER: desk.requester}[role]
    return Actor(person.id, person.name, desk.portal_id, desk.portal, role)


@pytest.fixture(scope="module")
def titled(client: Any) -> Desk:
    """Each title three times (36 releases), some held by the requester, times that tie."""
    desk = make_desk(client)
    ids = []
    for n in range(3):
        for title in TITLES:
            key = desk.requester.key if n == 1 else None
            ids.append(int(desk.create_release(key=key, title=title)["id"]))
    first = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    async def tie_times() -> None:
        async with desk.database.unit_of_work() as session:
            for n, release_id in enumerate(ids):
                when = first + dt.timedelta(hours=n % 7)
                await session.execute(
                    update(Release).where(Release.id == release_id).values(created_time=when)
                )

    desk.client.portal.call(tie_times)
    return desk


def _read(desk: Desk, actor: Actor, view: ReleaseFilter, query: Query) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        async with desk.database.unit_of_work(writes=False) as session:
            forward = list(
                (await session.execute(listing.page_statement(actor, view, query))).scalars()
            )
            window = list(
                (await session.execute(listing.window_page_statement(actor, view, query))).scalars()
            )
            page = await listing.search(session, actor, view, query)
            return {
                "forward": (forward[: query.limit], len(forward) > query.limit),
                "window": window,
                "searched": ([r.id for r in page.rows], page.has_more),
                "total": page.total,
            }

    return desk.client.portal.call(read)


def _check(desk: Desk, actor: Actor, view: ReleaseFilter, query: Query) -> None:
    got = _read(desk, actor, view, query)
    assert got["searched"] == got["forward"], query
    window = got["window"]
    if len(window) > query.limit:  # the window answered: it is the forward read
        assert (window[: query.limit], True) == got["forward"], query


@pytest.fixture(params=[5, 20, 1000], ids=lambda n: f"window{n}")
def window(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """The stretch of leading rows: short (the later pages fall back), most of the list,
    longer than the list (no bound row: the forward read answers)."""
    monkeypatch.setattr(listing, "TEXT_WINDOW", request.param)
    monkeypatch.setattr(title_ids, "BOUND", 0)  # a text that matches is not read by ids
    return int(request.param)


@pytest.mark.parametrize("needle", NEEDLES)
def test_the_window_answers_as_the_forward_read(titled: Desk, needle: str, window: int) -> None:
    admin, requester = _actor(titled), _actor(titled, Role.REQUESTER)
    for kind in (Op.CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH, Op.NOT_CONTAINS):
        where = Condition("title", kind, (needle,))
        for sorts in listing.INDEXED_ORDERS:
            for offset, limit in ((0, 1), (0, 3), (2, 3), (5, 10), (0, 40)):
                query = Query(filter=where, sorts=sorts, offset=offset, limit=limit)
                _check(titled, admin, ReleaseFilter.ALL, query)
        query = Query(filter=where, sorts=listing.INDEXED_ORDERS[2], limit=2, with_total=True)
        _check(titled, requester, ReleaseFilter.ALL, query)
        _check(titled, admin, ReleaseFilter.OPEN, query)
        _check(titled, admin, ReleaseFilter.TRASH, query)


def test_the_window_answers_within_any_filter(titled: Desk, window: int) -> None:
    either = Group(
        any_of=True,
        children=(
            Condition("title", Op.CONTAINS, ("vpn",)),
            Condition("title", Op.STARTS_WITH, ("key",)),
        ),
    )
    both = Group(any_of=False, children=(either, Condition("title", Op.NOT_CONTAINS, ("école",))))
    for where in (either, both):
        for offset in range(0, 8):
            query = Query(filter=where, sorts=(Sort("created_time", True),), offset=offset, limit=2)
            _check(titled, _actor(titled), ReleaseFilter.ALL, query)


def test_a_common_text_is_answered_by_the_window(
    titled: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "TEXT_WINDOW", 30)
    query = Query(filter=Condition("title", Op.CONTAINS, ("PAYROLL",)), limit=3)
    got = _read(titled, _actor(titled), ReleaseFilter.ALL, query)
    assert len(got["window"]) == 4
    assert (got["window"][:3], True) == got["forward"] == got["searched"]
    monkeypatch.setattr(listing, "TEXT_WINDOW", 3)  # too short: fewer rows, no answer
    got = _read(titled, _actor(titled), ReleaseFilter.ALL, query)
    assert len(got["window"]) <= 3
    assert got["searched"] == got["forward"]


@pytest.mark.parametrize("bound", [0, 2, 1000])
def test_titles_read_by_ids_answer_as_the_forward_read(titled: Desk, bound: int) -> None:
    """core/releases/title_ids: with few matches (up to `bound`) the title text becomes the
    ids of its matches; more, and the list is read as before. Either way, the same page."""
    title_ids.BOUND, before = bound, title_ids.BOUND
    try:
        admin, requester = _actor(titled), _actor(titled, Role.REQUESTER)
        nested = Group(
            any_of=False,
            children=(
                Group(
                    True, (Condition("title", Op.CONTAINS, ("vpn",)), Condition("id", Op.IS, (0,)))
                ),
                Condition("title", Op.NOT_CONTAINS, ("école",)),
                Condition("title", Op.STARTS_WITH, ("key",)),
            ),
        )
        for needle in NEEDLES:
            for kind in (Op.CONTAINS, Op.NOT_CONTAINS):
                where = Condition("title", kind, (needle,))
                for offset, limit in ((0, 3), (4, 10)):
                    query = Query(
                        filter=where,
                        sorts=listing.INDEXED_ORDERS[2],
                        offset=offset,
                        limit=limit,
                        with_total=True,
                    )
                    _check(titled, admin, ReleaseFilter.ALL, query)
                    _check(titled, requester, ReleaseFilter.ALL, query)
        _check(titled, admin, ReleaseFilter.ALL, Query(filter=nested, limit=40, with_total=True))
    finally:
        title_ids.BOUND = before


def test_title_ids_keep_to_one_budget_and_leave_a_nul_to_the_compiler(titled: Desk) -> None:
    """More than BOUND ids across the whole filter (each one a variable of the statement:
    SQLite takes 32,766) and the list is read as before; a NUL is refused as before, a
    400 naming the field, never the FTS engine's error."""
    from releasedesk.core.errors import Invalid

    async def many(_text: str, _bound: int) -> set[int]:
        return set(range(400))

    tree = Group(False, tuple(Condition("title", Op.CONTAINS, (f"text{n}",)) for n in range(3)))
    assert titled.client.portal.call(title_ids.by_ids, many, tree) is None
    two = Group(False, tree.children[:2])
    assert titled.client.portal.call(title_ids.by_ids, many, two) is not None

    nul = Condition("title", Op.CONTAINS, ("abc\x00def",))
    assert titled.client.portal.call(title_ids.by_ids, many, nul) == nul

    async def search() -> None:
        async with titled.database.unit_of_work(writes=False) as session:
            await listing.search(session, _actor(titled), ReleaseFilter.ALL, Query(filter=nul))

    with pytest.raises(Invalid):
        titled.client.portal.call(search)
