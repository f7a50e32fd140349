"""Quartz cron expressions, as FlexDeploy schedules builds with them.

Seconds first, then minutes, hours, day of month, month, day of week and an optional year;
`?` in exactly one of the two day fields; `L`, `W`, `#`; several expressions separated by
`;`. The fields are checked by the `quartz-cron-checker` library; two things it gets wrong
against Quartz are settled here first: a day name with `#` (`MON#2`, which it refuses) and
the occurrence after `#`, which Quartz takes only from 1 to 5 (it accepts `6#6`).
"""

from __future__ import annotations

import re

from quartz_cron_checker import validate_cron_string
from quartz_cron_checker.exceptions import CronValidationError

from releasedesk.core.errors import Invalid

FIELD = "scheduleBuildExpression"
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # Quartz: SUN = 1
MAX_LENGTH = 1000
_OCCURRENCE = re.compile(r"^([A-Za-z]{3}|\d+)#(\d+)$")


def _refused(expression: str, reason: object) -> Invalid:
    return Invalid(f"{FIELD} '{expression}' is not a valid Quartz cron expression: {reason}", FIELD)


def _day_of_week(part: str) -> str:
    """`MON#2` as `2#2`, the form the library reads; the occurrence must be 1 to 5."""
    match = _OCCURRENCE.match(part)
    if match is None:
        return part
    day, occurrence = match.groups()
    if not 1 <= int(occurrence) <= 5:
        raise CronValidationError(f"in '{part}' the occurrence after '#' must be 1 to 5")
    if day.upper() in DAY_NAMES:
        day = str(DAY_NAMES.index(day.upper()) + 1)
    return f"{day}#{occurrence}"


def check_one(expression: str) -> None:
    """One Quartz expression, or an Invalid saying what is wrong with it."""
    parts = expression.split()
    if len(parts) not in (6, 7):
        raise _refused(
            expression,
            "it needs 6 or 7 fields (seconds minutes hours day-of-month month day-of-week "
            f"[year]), not {len(parts)}",
        )
    try:
        parts[5] = _day_of_week(parts[5])
        validate_cron_string(" ".join(parts))
    except (CronValidationError, IndexError) as error:
        raise _refused(expression, error) from None


def check_schedule(text: str) -> str:
    """A schedule of one or more Quartz expressions separated by `;`, trimmed."""
    if len(text) > MAX_LENGTH:
        raise _refused(text[:40] + "…", f"it is longer than {MAX_LENGTH} characters")
    expressions = [part.strip() for part in text.split(";")]
    for expression in expressions:
        if not expression:
            raise _refused(text, "an expression before or after ';' is empty")
        check_one(expression)
    return ";".join(expressions)
