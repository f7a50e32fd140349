"""IANA time zones by name, the one way every part of the core reads a zone a client names
(freeze windows, DORA buckets, business hours)."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from releasedesk.core.errors import Invalid


@cache
def zone_names() -> frozenset[str]:
    """The system's tz database's names, without the files that are no zone name
    ("localtime" is this machine's zone, whatever it is)."""
    return (frozenset(available_timezones()) - {"localtime", "posixrules"}) | {"UTC"}


def zone_named(name: str, field: str = "timezone") -> ZoneInfo:
    """The IANA zone `name`; Invalid naming `field` for anything else."""
    try:
        if name not in zone_names():  # "localtime" and file paths open a zone file too
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"'{field}' must be an IANA time zone such as Europe/Berlin, not {name!r}", field
        ) from None
