"""SQLite: a title search answered by the ids of its matches when they are few.

`title contains X` compiles on SQLite to `releases.id IN (the FTS5 phrase's rowids)`, and
SQLite's planner then walks the newest-first index probing that list until the page is
full. For a common text that is quick (matches are dense); for a rare one it walks the
whole portal: a text matching nothing took 15.6 ms at 100,000 releases, where asking the
FTS index alone takes 0.03 ms. So each `contains` / `not contains` on the title is first
asked of the FTS index with a bound (`BOUND` + 1 rows, 0.2-0.4 ms for a common text): when
every one has at most BOUND matches, they become conditions on the release id (the same
rows: the phrase is what the statement would test), which SQLite answers by primary key
and a sort of at most BOUND rows; otherwise the list is read as before
(listing._page_ids). Measured on the bench's database, 2026-12-06 (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from releasedesk.core.search.query import Condition, Node, Op, with_conditions
from releasedesk.core.text import unstorable
from releasedesk.db.text_search import TRIGRAM

BOUND = 1000
_TURNED = {Op.CONTAINS: Op.IS, Op.NOT_CONTAINS: Op.IS_NOT}

# The ids of the titles holding a text, at most BOUND + 1 of them (listing.title_matches).
Matches = Callable[[str, int], Awaitable[set[int]]]


async def _turned(matches: Matches, condition: Condition, budget: list[int]) -> Condition | None:
    """The condition on the release id; itself when it is not one this takes; None when a
    text has more matches than BOUND."""
    if condition.op not in _TURNED or len(condition.values) != 1:
        return condition
    text = condition.values[0]
    if not isinstance(text, str) or len(text) < TRIGRAM or unstorable(text) is not None:
        return condition  # a LIKE scan, or refused when compiled, as before
    found = await matches(text, BOUND)
    budget[0] -= len(found)
    if len(found) > BOUND or budget[0] < 0:
        return None  # more than BOUND ids in the whole tree: read as before
    # No match: `id is null`, true of no release (its `is not` of every one).
    values = tuple(sorted(found)) if found else (None,)
    return Condition("id", _TURNED[condition.op], values)


async def by_ids(matches: Matches, node: Node) -> Node | None:
    """`node` with every title `contains` / `not contains` of one text as release ids, or
    None when any of them has more matches than BOUND."""

    budget = [BOUND]  # ids in the whole tree: each one a variable of the statement

    async def turn(item: Condition) -> Node | None:
        return await _turned(matches, item, budget) if item.field == "title" else item

    return await with_conditions(node, turn)
