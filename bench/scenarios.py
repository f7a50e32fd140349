"""The scenarios: each a name and the Lua that makes its requests (adding one is a few lines).

Lua sees: `first`, `last` (the main portal's seeded release ids), `history_id` (a release
with 50 history entries), `paths_<name>` tables built in Python, and `form(json)` which
url-encodes an input_data body.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from bench import write_pools
from bench.seed import WORDS
from releasedesk.core.portals.reference_data import SERVICES

PRIORITIES = ("Low", "Medium", "Normal", "High")
STAGES = (
    "Submission",
    "Planning",
    "Development",
    "Testing",
    "UAT",
    "Deployment",
    "Training",
    "Review",
    "Closure",
)


def list_path(list_info: dict[str, object]) -> str:
    return "/api/v3/releases?input_data=" + quote(json.dumps({"list_info": list_info}))


# The contains scenario searches a text drawn per request, so it measures texts the server
# has not seen before (a cache keyed by the text would miss on nearly every one): half a
# 3-5 letter piece of a seeded word in random case (it hits titles), half 3-5 random
# letters (it mostly hits none). `paths` holds the words. Each wrk thread skips ahead in
# the shared seed's sequence, so threads do not send the same texts.
CONTAINS_LUA = """
if not skipped then
  skipped = true
  for i = 1, (thread_index or 0) * 9973 do math.random() end
end
local text
if math.random() < 0.5 then
  local word = pick(paths)
  local size = math.min(#word, math.random(3, 5))
  local start = math.random(1, #word - size + 1)
  text = (string.gsub(string.sub(word, start, start + size - 1), "%a", function(c)
    if math.random() < 0.5 then return string.upper(c) end
    return c
  end))
else
  local letters = {}
  for i = 1, math.random(3, 5) do letters[i] = string.char(math.random(97, 122)) end
  text = table.concat(letters)
end
return wrk.format("GET", "/api/v3/releases?input_data=" .. form(
  '{"list_info":{"row_count":10,"search_criteria":'
  .. '{"field":"title","condition":"contains","value":"' .. text .. '"}}}'))
"""


def contains_paths() -> list[str]:
    """A search for each seeded word (bench/explain.py shows the plan of one)."""
    return [
        list_path(
            {
                "row_count": 10,
                "search_criteria": {"field": "title", "condition": "contains", "value": word},
            }
        )
        for word in WORDS
    ]


def fresh_text(rng: random.Random) -> tuple[str, bool]:
    """A text as CONTAINS_LUA draws them, and whether it is a piece of a seeded word."""
    if rng.random() < 0.5:
        word = rng.choice(WORDS)
        size = min(len(word), rng.randint(3, 5))
        start = rng.randint(0, len(word) - size)
        piece = word[start : start + size]
        return "".join(c.upper() if rng.random() < 0.5 else c for c in piece), True
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 5))), False


def filtered_paths() -> list[str]:
    return [
        list_path(
            {
                "row_count": 10,
                "sort_field": "created_time",
                "sort_order": "desc",
                "search_criteria": [
                    {"field": "priority.name", "condition": "is", "value": p},
                    {
                        "field": "stage.name",
                        "condition": "is",
                        "value": s,
                        "logical_operator": "AND",
                    },
                ],
            }
        )
        for p in PRIORITIES
        for s in STAGES
    ]


def deep_paths(count: int) -> list[str]:
    """start_index within the last 100 rows of the main portal's list."""
    rng = random.Random(3)
    return [
        list_path({"row_count": 10, "start_index": max(count - rng.randint(10, 100), 1)})
        for _ in range(20)
    ]


def next_free_paths() -> list[str]:
    """The next_free scenario's questions: a four-hour slot for one or two of every portal's
    services (bench/schedule_seed.py links every release to some), from a day drawn over the
    seeded releases' years, within thirty days."""
    rng = random.Random(22)
    paths = []
    for _ in range(200):
        day = dt.datetime(2020, 3, 1, 8, tzinfo=dt.UTC) + dt.timedelta(days=rng.randint(0, 2100))
        services = ",".join(rng.sample(SERVICES, rng.choice((1, 2))))
        paths.append(
            "/api/v1/schedule/next_free?"
            + urlencode(
                {
                    "duration": "PT4H",
                    "services": services,
                    "after": day.isoformat(),
                    "within": "P30D",
                }
            )
        )
    return paths


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    lua: str  # the body of wrk's request()
    paths: Callable[[int], list[str]] | None = None
    list_scenario: bool = False
    writes: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)
    # A one-shot write's pool, made through the running server just before the load
    # (port, key, database URL → paths); the Lua takes them in turn (`next_path()`).
    pool: Callable[[int, str, str], list[str]] | None = None
    # Run apart, on a database seeded with services and freeze windows (BENCH_SCHEDULE_N).
    schedule: bool = False


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "bare_asgi",
        "bare ASGI route, same body (physical limit)",
        'return wrk.format("GET", "/_bench/bare/")',
    ),
    Scenario(
        "ceiling",
        "SDP stack with the cached auth, body from memory",
        'return wrk.format("GET", "/api/v3/_bench/ceiling")',
    ),
    Scenario(
        "ceiling_db_auth",
        "the ceiling with the key looked up in the database (no cache)",
        'return wrk.format("GET", "/api/v3/_bench/ceiling_db_auth")',
    ),
    Scenario(
        "get_by_id",
        "GET /api/v3/releases/{random id}",
        'return wrk.format("GET", "/api/v3/releases/" .. math.random(first, last))',
    ),
    Scenario(
        "list_default",
        "GET /api/v3/releases (first page)",
        'return wrk.format("GET", "/api/v3/releases")',
        list_scenario=True,
    ),
    Scenario(
        "list_contains",
        "list, title contains a text drawn per request (a piece of a word, or letters)",
        CONTAINS_LUA,
        paths=lambda n: list(WORDS),
        list_scenario=True,
    ),
    Scenario(
        "list_filtered",
        "list, priority.name is X AND stage.name is Y, created_time desc",
        'return wrk.format("GET", pick(paths))',
        paths=lambda n: filtered_paths(),
        list_scenario=True,
    ),
    Scenario(
        "list_deep",
        "list, start_index within the last 100 rows",
        'return wrk.format("GET", pick(paths))',
        paths=deep_paths,
        list_scenario=True,
    ),
    Scenario(
        "web_list",
        "GET /ui/releases (the web list's first page: 20 rows, the total, the filters)",
        'return wrk.format("GET", "/ui/releases")',
        list_scenario=True,
    ),
    Scenario(
        "web_list_search",
        "GET /ui/releases?q=word (the web list searching titles)",
        'return wrk.format("GET", pick(paths))',
        paths=lambda _count: ["/ui/releases?q=" + quote(word) for word in WORDS],
        list_scenario=True,
    ),
    Scenario(
        "history_50",
        "GET history of a release with 50 entries (row_count 50)",
        'return wrk.format("GET", "/api/v3/releases/" .. history_id .. "/history?input_data="'
        ' .. form(\'{"list_info":{"row_count":50}}\'))',
    ),
    Scenario(
        "post_add",
        "POST /api/v3/releases (form body)",
        'return wrk.format("POST", "/api/v3/releases", form_headers, "input_data=" .. '
        'form(\'{"release":{"title":"Bench release","priority":{"name":"High"},'
        '"release_type":{"name":"Minor"}}}\'))',
        writes=True,
    ),
    Scenario(
        "put_update",
        "PUT /api/v3/releases/{random id} (priority)",
        'return wrk.format("PUT", "/api/v3/releases/" .. math.random(first, last), '
        'form_headers, "input_data=" .. form(\'{"release":{"priority":{"name":"'
        "' .. priorities[math.random(1, 4)] .. '\"}}}'))",
        writes=True,
    ),
    Scenario(
        "close",
        "PUT /api/v3/releases/{id}/close (each an open release, once; audited)",
        'return wrk.format("PUT", next_path(), form_headers, "input_data=" .. '
        'form(\'{"status":"completed"}\'))',
        writes=True,
        pool=write_pools.close_paths,
    ),
    Scenario(
        "decide",
        "PUT …/approvals/{id}/_approve (each a waiting approval, once; audited)",
        'return wrk.format("PUT", next_path(), form_headers, "input_data=" .. '
        'form(\'{"approval":{"comments":"bench"}}\'))',
        writes=True,
        pool=write_pools.decision_paths,
    ),
    Scenario(
        "conflicts",
        "GET /api/v1/releases/{random id}/conflicts (overlapping releases, freezes met)",
        'return wrk.format("GET", "/api/v1/releases/" .. math.random(first, last) .. "/conflicts")',
        schedule=True,
    ),
    Scenario(
        "next_free",
        "GET /api/v1/schedule/next_free (PT4H, one or two services, a day drawn, P30D)",
        'return wrk.format("GET", pick(paths))',
        paths=lambda _count: next_free_paths(),
        schedule=True,
    ),
)
