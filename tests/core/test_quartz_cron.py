"""The Quartz cron check, table-tested against what Quartz's CronExpression accepts."""

from __future__ import annotations

import pytest

from releasedesk.core.catalog.cron import check_schedule
from releasedesk.core.errors import Invalid

pytestmark = pytest.mark.one_database  # nothing here depends on the database

VALID = [
    "0 0 12 * * ?",
    "0 15 10 ? * *",
    "0 15 10 * * ? 2005",
    "0 * 14 * * ?",
    "0 0/5 14,18 * * ?",
    "0 0-5 14 * * ?",
    "0 10,44 14 ? 3 WED",
    "0 15 10 ? * MON-FRI",
    "0 15 10 15 * ?",
    "0 15 10 L * ?",
    "0 15 10 L-2 * ?",
    "0 15 10 ? * 6L",
    "0 15 10 ? * 6L 2002-2005",
    "0 15 10 ? * 6#3",
    "0 0 12 1/5 * ?",
    "0 11 11 11 11 ?",
    "0 15 10 15W * ?",
    "0 15 10 LW * ?",
    "0 0 12 ? JAN-MAR MON",
    "0 0 0 ? * SUN#1",
    "0 0 0 ? * mon#5",
    "0 0 0 1 jan ?",
    "* * * ? * *",
    "0 0 12 * * ?;0 30 18 ? * FRI",
    " 0 0 12 * * ? ; 0 0 6 * * ? ",
]
INVALID = [
    "",
    ";",
    "nonsense",
    "* * * * *",  # Unix cron: no seconds
    "0 0 12 * * *",  # both day fields given
    "0 0 12 ? * ?",  # neither
    "60 0 12 * * ?",
    "0 60 12 * * ?",
    "0 0 24 * * ?",
    "0 0 12 32 * ?",
    "0 0 12 0 * ?",
    "0 0 12 * 13 ?",
    "0 0 12 ? * 8",
    "0 0 12 ? * 6#6",
    "0 0 12 ? * MON#0",
    "0 0 12 ? * 2#2x",  # garbage after a day of week
    "0 0 12 ? * 2#2#2",
    "0 0 12 ? * 5Lfoo",
    "0 0 12 ? * 6#3foo",
    "0 0 12 ? * 6L#2",
    "0 0 12 ? * 6L-2",  # an offset is day-of-month only (L-2)
    "0 0 12 ? * 6L,2",  # Quartz: no L or # in a list of days
    "0 0 12 ? * 2#1,3",
    "0 0 12 ? * 8L",
    "\u0663 0 12 * * ?",  # Arabic-Indic three: Python's int() takes it, Quartz does not
    "0 0 12 ? * MON#\u0662",
    "0 0 12 ? * 2#\u0662",
    "0 \uff10 12 * * ?",  # fullwidth zero
    "0 0 12 32W * ?",
    "0 0 12 L-31 * ?",
    "0 0/0 12 * * ?",
    "0 0 12 ? * FOO",
    "0 0 12 ? * 1,,2",
    "0 0 12 * * ? 1969",
    "0 0 12 * * ? 2005 1",
    "0 0 12 * * ?;",
    "0 0 12 * * ?;;0 0 6 * * ?",
    "0 0 12 * * ? x" * 100,
]


@pytest.mark.parametrize("expression", VALID)
def test_valid(expression: str) -> None:
    assert check_schedule(expression) == ";".join(p.strip() for p in expression.split(";"))


@pytest.mark.parametrize("expression", INVALID)
def test_invalid(expression: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_schedule(expression)
    assert refused.value.field == "scheduleBuildExpression"
    assert "is not a valid Quartz cron expression" in refused.value.message
