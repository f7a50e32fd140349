"""1,500 different title searches through the app leave the caches and the process's
memory bounded: the search text is a bound parameter, never part of a cache key, so after
the first search of each shape (kind, length under a trigram or not, ASCII or not) no
statement is compiled again, and every cache of the database stays within its bound."""

from __future__ import annotations

import os
import random
import resource
import string
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from tests.helpers import Desk

TEXTS = 1500  # several times every cache's bound, so a cache keyed by text would overflow
SHAPES = ["ab", "abc", "xyz9", "été", "é", "a%_b", 'say "hi"', "Z"]
ALPHABET = string.ascii_lowercase + string.digits + "é_%"
GROWTH_BOUND = 64 * 1024 * 1024  # bytes of resident memory, a generous margin


def resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the high-water mark instead (KiB on Linux, bytes on macOS)
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def search(desk: Desk, text: str) -> list[str]:
    list_info: dict[str, Any] = {
        "row_count": 20,
        "search_criteria": {"field": "title", "condition": "contains", "value": text},
    }
    response = desk.get("/releases", input_data={"list_info": list_info})
    assert response.status_code == 200, (text, response.text[:300])
    return [release["title"] for release in response.json()["releases"]]


def test_new_search_texts_compile_nothing_and_stay_bounded(desk: Desk) -> None:
    for title in ("Alpha abc xyz9", "Été fix", "a%_b literal", 'They say "hi"'):
        desk.create_release(title=title)
    for text in SHAPES:  # every shape compiled once, before counting
        assert search(desk, text) or text == "Z", text
    misses: list[str] = []

    def count_misses(
        _conn: Connection, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if context is not None and context.cache_hit == context.dialect.CACHE_MISS:
            misses.append(statement)

    engine = desk.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count_misses)
    chance = random.Random(20)
    try:
        before = 0
        for n in range(TEXTS):
            if n == TEXTS // 5:
                before = resident_bytes()
            text = "".join(chance.choices(ALPHABET, k=chance.randint(1, 6)))
            found = search(desk, text)
            assert all(text.lower() in title.lower() for title in found), (text, found)
        growth = resident_bytes() - before
    finally:
        event.remove(engine, "before_cursor_execute", count_misses)
    title_searches = [s for s in misses if "LIKE" in s or "MATCH" in s]
    assert not title_searches, f"{len(title_searches)} title searches compiled anew"
    for name, stats in desk.database.caches.stats().items():
        assert stats.size <= stats.bound, name
    assert growth < GROWTH_BOUND, f"resident memory grew {growth / 2**20:.0f} MiB"
