"""Freezes where releases are shown (issue 22): the calendar shades a freeze's days and says
so in words, a release scheduled before a window was made is written out under Conflicts with
the next free start after the freeze, the board flags its card, and the release page lists the
window it meets and the exceptions granted to it."""

from __future__ import annotations

import datetime as dt
import re

from tests.api.v1.test_freeze_windows import bearer, create, one_off, v1
from tests.helpers import Desk
from tests.web.web_client import signed_in

START = dt.datetime(2027, 5, 12, 9, tzinfo=dt.UTC)
HOUR = 3_600_000


def _at(hours: int) -> dict[str, str]:
    return {"value": str(int(START.timestamp() * 1000) + hours * HOUR)}


def _text(html: str) -> str:
    """The page's words, tags dropped and spaces folded, as a reader hears them."""
    spaced = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([:.,;)])", r"\1", spaced).replace("&#34;", '"')


def test_a_later_freeze_shows_on_the_calendar_the_board_and_the_release(desk: Desk) -> None:
    rid = int(
        desk.create_release(
            key=desk.requester.key,
            title="Mail relay patch",
            scheduled_start_time=_at(0),
            scheduled_end_time=_at(2),
            services=[{"name": "Email"}],
        )["id"]
    )
    made = create(
        desk,
        one_off(
            name="Audit freeze",
            reason="Auditors on site",
            start="2027-05-12T08:00:00+00:00",
            end="2027-05-13T08:00:00+00:00",
            timezone="UTC",
        ),
    )
    assert made.status_code == 201, made.text
    window_id = made.json()["id"]
    desk.client.post(
        f"{v1(desk)}/freeze_windows",
        json=one_off(
            name="Heads-up",
            reason="Quarter end",
            start="2027-05-20T00:00:00+00:00",
            end="2027-05-21T00:00:00+00:00",
            timezone="UTC",
            effect="warn",
        ),
        headers=bearer(desk.admin.key),
    )
    browser = signed_in(desk, desk.technician.name)

    month = browser.get("calendar?month=2027-05")
    assert month.status_code == 200
    words = _text(month.text)
    assert "Freezes (2)" in words
    assert "Blocks Audit freeze: " in words and "Warns Heads-up: " in words
    assert "Freeze: Audit freeze (blocks releases)" in words  # the shaded days, in words
    assert "Warning: Heads-up (warns)" in words
    assert month.text.count('class=" frozen"') + month.text.count('class="frozen"') >= 1
    assert f"#{rid} Mail relay patch: is in the freeze “Audit freeze”" in words
    assert "Next free: " in words  # the first start after the freeze

    board = _text(browser.get("board").text)
    assert "Freeze Frozen Audit freeze: scheduled inside it" in board

    page = _text(browser.get(f"releases/{rid}").text)
    assert "Frozen The scheduled window meets Audit freeze" in page
    assert "A move to deployment or a new schedule inside it is refused." in page

    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    granted = desk.client.post(
        f"{v1(desk)}/freeze_windows/{window_id}/overrides",
        json={"release_id": rid, "reason": "Security fix", "expires_on": expires},
        headers=bearer(desk.admin.key),
    )
    assert granted.status_code == 201, granted.text
    page = _text(browser.get(f"releases/{rid}").text)
    assert "Exception granted The scheduled window meets Audit freeze" in page
    assert "Exceptions granted to this release" in page and "Security fix" in page
    month = _text(browser.get("calendar?month=2027-05").text)
    assert "Conflicts" not in month  # an exception lets it stand where it is
    assert "Exception granted for Audit freeze" in month


def test_a_month_with_only_a_freeze_still_shows_its_days(desk: Desk) -> None:
    create(
        desk,
        one_off(
            name="Holiday freeze",
            start="2030-02-10T00:00:00+00:00",
            end="2030-02-12T00:00:00+00:00",
            timezone="UTC",
        ),
    )
    words = _text(signed_in(desk, desk.requester.name).get("calendar?month=2030-02").text)
    assert "Nothing scheduled in February 2030" in words
    assert "Freeze: Holiday freeze (blocks releases)" in words
