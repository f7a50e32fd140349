"""Before any load: check a sample of responses is right, so speed never hides a wrong answer."""

from __future__ import annotations

import datetime as dt
import json
import random
from urllib.parse import parse_qs, urlparse

import httpx

from bench.scenarios import fresh_text, next_free_paths
from bench.seed import WORDS


def _list(client: httpx.Client, list_info: dict[str, object]) -> dict[str, object]:
    response = client.get(
        "/api/v3/releases", params={"input_data": json.dumps({"list_info": list_info})}
    )
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def verify(
    port: int,
    key: str,
    first: int,
    last: int,
    history_id: int,
    main_count: int,
    web_cookie: str = "",
) -> list[str]:
    """What was checked; raises AssertionError on the first wrong answer."""
    checked: list[str] = []
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"authtoken": key}, timeout=60
    ) as client:
        for release_id in (first, (first + last) // 2, last):
            body = client.get(f"/api/v3/releases/{release_id}").json()
            assert body["release"]["id"] == str(release_id), body
        checked.append("get_by_id returns the release asked for")

        for word in WORDS[:5]:
            rows = _list(
                client,
                {
                    "row_count": 100,
                    "search_criteria": {"field": "title", "condition": "contains", "value": word},
                },
            )["releases"]
            assert rows and all(word in r["title"].lower() for r in rows), word  # type: ignore[union-attr,index]
        checked.append("contains returns only titles holding the word")

        rng = random.Random(7)
        for _ in range(10):  # texts as the contains scenario draws them, in any case
            text, of_a_word = fresh_text(rng)
            rows = _list(
                client,
                {
                    "row_count": 100,
                    "search_criteria": {"field": "title", "condition": "contains", "value": text},
                },
            )["releases"]
            assert rows or not of_a_word, text
            assert all(text.lower() in r["title"].lower() for r in rows), text  # type: ignore[union-attr,index]
        checked.append("contains with drawn texts returns only titles holding the text")

        rows = _list(
            client,
            {
                "row_count": 100,
                "sort_field": "created_time",
                "sort_order": "desc",
                "search_criteria": [
                    {"field": "priority.name", "condition": "is", "value": "High"},
                    {"field": "stage.name", "condition": "is", "value": "Planning"},
                ],
            },
        )["releases"]
        assert rows
        assert all(
            r["priority"]["name"] == "High" and r["stage"]["name"] == "Planning"  # type: ignore[index]
            for r in rows
        )  # type: ignore[union-attr]
        times = [int(r["created_time"]["value"]) for r in rows]  # type: ignore[index,union-attr]
        assert times == sorted(times, reverse=True)
        checked.append("filtered list matches both fields, newest first")

        info = _list(client, {"row_count": 1, "get_total_count": True})["list_info"]
        total = info["total_count"]  # type: ignore[index]
        # At least the seeded rows; an earlier run's write scenarios may have added some.
        assert total >= main_count, info
        deep = _list(client, {"row_count": 10, "start_index": total - 4})
        assert len(deep["releases"]) == 5 and deep["list_info"]["has_more_rows"] is False  # type: ignore[arg-type,index]
        checked.append("deep page returns the last rows and no more")

        history = client.get(
            f"/api/v3/releases/{history_id}/history",
            params={"input_data": json.dumps({"list_info": {"row_count": 50}})},
        ).json()["history"]
        assert len(history) == 50
        checked.append("history of the long release has 50 entries")

        created = client.post(
            "/api/v3/releases",
            data={"input_data": json.dumps({"release": {"title": "Bench verify"}})},
        )
        assert created.status_code == 201 and created.json()["release"]["title"] == "Bench verify"
        checked.append("add answers 201 with the release")

    if web_cookie:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Cookie": web_cookie}, timeout=60
        ) as browser:
            page = browser.get("/ui/releases", params={"state": "all"})
            caption = page.text.split("<caption", 1)[1].split("</caption>", 1)[0]
            said = caption.rsplit(" of ", 1)[1].split()[0]
            shown = int(said.rstrip("+").replace(",", ""))
            # The add above made one more; past its cap the page counts no further.
            exact = shown == total + 1 and not said.endswith("+")
            assert page.status_code == 200 and (exact or shown < total + 1), caption
            assert page.text.count("<tr>") == 21, "20 rows and the header"
            word = WORDS[0]
            found = browser.get("/ui/releases", params={"q": word})
            assert found.status_code == 200 and found.text.lower().count(word) >= 20
        checked.append("the web list shows 20 rows with the total, and finds a title word")
    return checked


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def verify_schedule(port: int, key: str, first: int, last: int) -> list[str]:
    """The schedule scenarios' answers (a database seeded with services and freeze windows):
    conflicts overlap the release's window and share something, freezes met overlap it;
    slots are as long as asked, in order, apart, within the range. Some answers must hold
    conflicts, freezes and slots, so the load does not measure empty answers."""
    checked: list[str] = []
    rng = random.Random(5)
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"authtoken": key}, timeout=60
    ) as client:
        releases = freezes = 0
        for release_id in rng.sample(range(first, last + 1), 30):
            response = client.get(f"/api/v1/releases/{release_id}/conflicts")
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["release_id"] == release_id, body
            start, end = _when(body["scheduled"]["start"]), _when(body["scheduled"]["end"])
            for other in body["releases"]:
                other_start = _when(other["scheduled"]["start"])
                other_end = _when(other["scheduled"]["end"])
                assert other_start < end and start < other_end and other["shared"], body
            for met in body["freeze_windows"]:
                assert _when(met["start"]) < end and start < _when(met["end"]), body
            releases += bool(body["releases"])
            freezes += bool(body["freeze_windows"])
        assert releases and freezes, (releases, freezes)
        checked.append(
            f"conflicts overlap the release's window ({releases} of 30 with releases,"
            f" {freezes} with freeze windows)"
        )
        slots = 0
        for path in rng.sample(next_free_paths(), 20):
            response = client.get(path)
            assert response.status_code == 200, response.text
            body = response.json()
            after = _when(parse_qs(urlparse(path).query)["after"][0])
            ends = after
            for slot in body["slots"]:
                slot_start, slot_end = _when(slot["start"]), _when(slot["end"])
                assert slot_end - slot_start == dt.timedelta(hours=4), body
                assert ends <= slot_start and slot_end <= after + dt.timedelta(days=30), body
                ends = slot_end
            assert len(body["slots"]) == 3 or body["reason"], body
            slots += len(body["slots"])
        assert slots, "no slot found anywhere"
        checked.append(f"next_free gives 4-hour slots in order within 30 days ({slots} of 60)")
    return checked
