"""`/metrics` in Prometheus' text format (prometheus-client).

Per request (a sink of observe/requests.py): `releasedesk_requests_total` by front, method,
route template and status, and `releasedesk_request_duration_seconds` by front and route
template. Per scrape, read then: the mail outbox's backlog and its oldest mail's age and the
approvals waiting (core/gauges.py). Per worker: its pool's connections in use and waiters
(gauges summed over the live workers), and its caches' hits, misses and evictions
(`releasedesk_cache_events_total`, the auth cache among them, pushed at most once a second).

Several workers: `releasedesk serve` points PROMETHEUS_MULTIPROC_DIR at a directory of its
own for the run (settings.metrics.multiprocess_dir), where each worker's counters live; a
scrape answered by any worker sums them all (prometheus-client's multiprocess mode). The
database gauges are read from the database itself, so every worker answers them alike.

Who may read it: metrics name routes, users' activity and backlogs, so by default only
loopback clients (a Prometheus on the same host, or behind the same proxy that sets the
client address with --forwarded-allow-ips); RELEASEDESK_METRICS_ALLOWED_NETWORKS names other
networks, and RELEASEDESK_METRICS_TOKEN lets a scraper anywhere in with
`Authorization: Bearer <token>`. Anyone else: 403.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from releasedesk.core.gauges import Gauges, read_gauges
from releasedesk.core.users.cache import auth_cache
from releasedesk.db.session import Database
from releasedesk.observe.requests import Observation

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)

# The process's request metrics; in multiprocess mode their values live in files.
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "releasedesk_requests",
    "HTTP requests answered, by front, method, route template and status.",
    ["front", "method", "route", "status"],
    registry=REGISTRY,
)
DURATION = Histogram(
    "releasedesk_request_duration_seconds",
    "Time from a request's arrival to its answer's end, by front and route template.",
    ["front", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


# Each worker's pool, summed over the live workers (set after every request, and at scrape).
POOL_IN_USE = Gauge(
    "releasedesk_db_pool_in_use",
    "Database connections checked out of the pools, summed over live workers.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
POOL_WAITING = Gauge(
    "releasedesk_db_pool_waiting",
    "Requests waiting for a database connection, summed over live workers.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)


CACHE_EVENTS = Counter(
    "releasedesk_cache_events",
    "Lookups of the process caches (the auth cache, compiled statements, …) by outcome.",
    ["cache", "outcome"],
    registry=REGISTRY,
)
CACHE_PUSH_SECONDS = 1.0  # how often a worker adds its caches' new counts to the metrics


class RequestMetrics:
    """The metrics' sink: each observation counted and timed, the pool's gauges refreshed,
    and at most once a second the caches' counts since the last time."""

    def __init__(self, database: Database) -> None:
        self.pool = database.engine.pool
        self.caches = database.caches
        self.pushed: dict[tuple[str, str], int] = {}
        self.pushed_at = 0.0

    def __call__(self, seen: Observation) -> None:
        route = seen.route or "unrouted"
        REQUESTS.labels(seen.front, seen.method, route, str(seen.status)).inc()
        DURATION.labels(seen.front, route).observe(seen.seconds)
        self.refresh_pool()
        if time.monotonic() - self.pushed_at >= CACHE_PUSH_SECONDS:
            self.push_caches()

    def push_caches(self) -> None:
        """Add what each cache counted since the last push (counters per worker: summed by
        the multiprocess collector)."""
        self.pushed_at = time.monotonic()
        stats = {"auth": auth_cache(self.caches).stats(), **self.caches.stats()}
        for name, counted in stats.items():
            for outcome, total in (
                ("hit", counted.hits),
                ("miss", counted.misses),
                ("eviction", counted.evictions),
            ):
                before = self.pushed.get((name, outcome), 0)
                if total > before:
                    CACHE_EVENTS.labels(name, outcome).inc(total - before)
                self.pushed[(name, outcome)] = total

    def refresh_pool(self) -> None:
        checked_out = getattr(self.pool, "checkedout", None)
        POOL_IN_USE.set(checked_out() if callable(checked_out) else 0)
        POOL_WAITING.set(getattr(self.pool, "waiting", 0))


@dataclass(frozen=True, slots=True)
class MetricsAccess:
    """Who may scrape: clients in `networks`, or anyone presenting `token`."""

    networks: tuple[Network, ...] = LOOPBACK
    token: str | None = field(default=None, repr=False)

    def allows(self, request: Request) -> bool:
        if self.token:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                given.strip().encode(), self.token.encode()
            ):
                return True
        client = request.client
        try:
            address = ipaddress.ip_address(client.host if client else "")
        except ValueError:
            return False  # a client we cannot place (a test client, a unix socket peer)
        return any(address in network for network in self.networks)


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated CIDRs (`10.0.0.0/8, 192.168.1.7`); ValueError names the bad one."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            networks.append(ipaddress.ip_network(part, strict=False))
    return tuple(networks)


class _Snapshot(Collector):
    """Metrics read once for this scrape."""

    def __init__(self, metrics: Sequence[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self.metrics


def _gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, help_text, value=value)


def _scraped(gauges: Gauges) -> Iterator[Metric]:
    yield _gauge(
        "releasedesk_outbox_backlog", "Mails waiting to be delivered.", gauges.outbox_backlog
    )
    yield _gauge(
        "releasedesk_outbox_oldest_age_seconds",
        "How long the oldest undelivered mail has waited.",
        gauges.outbox_oldest_seconds,
    )
    yield _gauge(
        "releasedesk_approvals_pending",
        "Approvals sent and awaiting a decision.",
        gauges.approvals_pending,
    )


def metrics_endpoint(
    database: Database, sink: RequestMetrics, access: MetricsAccess, multiprocess_dir: str | None
) -> Callable[[Request], Awaitable[Response]]:
    """The /metrics endpoint over `database`, for the clients `access` allows."""

    async def metrics(request: Request) -> Response:
        if not access.allows(request):
            return PlainTextResponse(
                "metrics are answered to loopback clients, the networks in"
                " RELEASEDESK_METRICS_ALLOWED_NETWORKS and RELEASEDESK_METRICS_TOKEN's holder",
                403,
                headers={"Cache-Control": "no-store"},
            )
        async with database.unit_of_work(writes=False) as session:
            gauges = await read_gauges(session, dt.datetime.now(dt.UTC))
        sink.refresh_pool()
        sink.push_caches()
        scrape = CollectorRegistry(auto_describe=False)
        if multiprocess_dir:
            MultiProcessCollector(scrape, path=multiprocess_dir)
        else:
            scrape.register(_Snapshot(list(REGISTRY.collect())))
        scrape.register(_Snapshot(list(_scraped(gauges))))
        return Response(
            generate_latest(scrape),
            media_type=CONTENT_TYPE_LATEST,
            headers={"Cache-Control": "no-store"},
        )

    return metrics
