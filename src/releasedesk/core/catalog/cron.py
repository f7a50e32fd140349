"""Quartz cron expressions, as FlexDeploy schedules builds with them.

Seconds first, then minutes, hours, day of month, month, day of week and an optional year;
`?` in exactly one of the two day fields; `L`, `W`, `#`; several expressions separated by
`;`. The fields are checked by the `quartz-cron-checker` library; what it gets wrong
against Quartz are settled here first: a day name with `#` (`MON#2`, which it refuses), the
occurrence after `#`, which Quartz takes only from 1 to 5 (it accepts `6#6`), and what may
follow a day with `#` or `L` (it accepts `2#2x`, `5Lfoo`, `8L`). Only ASCII is taken: Python's
digits include other scripts' (`٣`), Quartz's do not.
"""

from __future__ import annotations

import re

from quartz_cron_checker import validate_cron_string
from quartz_cron_checker.exceptions import CronValidationError

from releasedesk.core.errors import Invalid

FIELD = "scheduleBuildExpression"
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # Quartz: SUN = 1
MAX_LENGTH = 1000
_OCCURRENCE = re.compile(r"([A-Za-z]{3}|[0-9]+)#([0-9]+)", re.ASCII)
_LAST = re.compile(r"[0-9]+L", re.ASCII)


def _refused(expression: str, reason: object) -> Invalid:
    return Invalid(f"{FIELD} '{expression}' is not a valid Quartz cron expression: {reason}", FIELD)


def _day_of_week(part: str) -> str:
    """`MON#2` as `2#2`, the form the library reads; the occurrence must be 1 to 5. A value
    with `#` or `L` is the whole field and nothing else (`N#M` or `NL`): the library's own
    check of these is not anchored (it took `2#2x` and `5Lfoo`), and Quartz takes neither
    in a list."""
    if "#" not in part and "L" not in part.upper():
        return part
    if "," in part:
        raise CronValidationError(f"in '{part}' '#' and 'L' cannot be used in a list of days")
    if _LAST.fullmatch(part):
        if not 1 <= int(part[:-1]) <= 7:
            raise CronValidationError(f"in '{part}' the day before 'L' must be 1 to 7")
        return part
    match = _OCCURRENCE.fullmatch(part)
    if match is None:
        raise CronValidationError(
            f"'{part}' is not a day of week: give a day, day#occurrence (1 to 5) or dayL"
        )
    day, occurrence = match.groups()
    if not 1 <= int(occurrence) <= 5:
        raise CronValidationError(f"in '{part}' the occurrence after '#' must be 1 to 5")
    if day.upper() in DAY_NAMES:
        day = str(DAY_NAMES.index(day.upper()) + 1)
    return f"{day}#{occurrence}"


def check_one(expression: str) -> None:
    """One Quartz expression, or an Invalid saying what is wrong with it."""
    if not expression.isascii():
        raise _refused(expression, "it may hold ASCII characters only (digits 0-9)")
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
