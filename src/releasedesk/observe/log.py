"""The request log: one line per request on the `releasedesk.requests` logger, plain text
or JSON lines (RELEASEDESK_LOG_FORMAT). Only what an Observation holds is written: a route's
template, never its path or query, so no key, password, search text or id reaches the log."""

from __future__ import annotations

import logging

import orjson

from releasedesk.observe.requests import Observation

REQUEST_LOGGER = "releasedesk.requests"
FORMATS = ("plain", "json")


class RequestLog:
    """A sink writing each observation as one line."""

    def __init__(self, format: str = "plain", logger: logging.Logger | None = None) -> None:
        if format not in FORMATS:
            raise ValueError(f"log format {format!r}: use one of {', '.join(FORMATS)}")
        self.json = format == "json"
        self.logger = logger or logging.getLogger(REQUEST_LOGGER)

    def __call__(self, seen: Observation) -> None:
        if not self.logger.isEnabledFor(logging.INFO):
            return  # nothing built for a log nobody reads
        self.logger.info(json_line(seen) if self.json else plain_line(seen))


def plain_line(seen: Observation) -> str:
    user = "-" if seen.user_id is None else str(seen.user_id)
    return (
        f"{seen.method} {seen.route or '-'} {seen.status} {seen.seconds * 1000:.1f}ms"
        f" front={seen.front} user={user} id={seen.request_id}"
    )


def json_line(seen: Observation) -> str:
    return orjson.dumps(
        {
            "request_id": seen.request_id,
            "method": seen.method,
            "route": seen.route or None,
            "front": seen.front,
            "status": seen.status,
            "duration_ms": round(seen.seconds * 1000, 3),
            "user_id": seen.user_id,
        }
    ).decode()
