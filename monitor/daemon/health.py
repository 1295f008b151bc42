"""Health and Prometheus metrics on localhost, so a supervisor or Prometheus can watch the daemon.

``/healthz`` answers 200 or 503 with a JSON body; ``/metrics`` is the Prometheus text format from
prometheus-client; ``/events.atom`` is served when a feed builder is plugged in.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from monitor.status import DEGRADED, FAILING, OK, STATUSES, CycleStatus

logger = logging.getLogger(__name__)

ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
CYCLE_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)

# Run.counters key -> metric attribute; counters the pipeline does not report stay at zero.
COUNTER_KEYS = {
    "fetched": "items_fetched",
    "relevant": "relevant",
    "duplicates": "duplicates",
    "claims": "claims",
    "events": "events",
}


class Metrics:
    """The daemon's Prometheus metrics, on a registry of their own (several daemons in one test)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.cycles = Counter(
            "newsmon_cycles",
            "Crawl cycles run, by outcome (ok, failed, timeout).",
            ["outcome"],
            registry=r,
        )
        self.items_fetched = Counter("newsmon_items_fetched", "Article pages fetched.", registry=r)
        self.relevant = Counter(
            "newsmon_articles_relevant", "Fetched articles found relevant.", registry=r
        )
        self.duplicates = Counter(
            "newsmon_duplicates", "Articles folded as duplicates.", registry=r
        )
        self.claims = Counter("newsmon_claims", "Claims extracted.", registry=r)
        self.events = Counter("newsmon_events", "Ledger events raised.", registry=r)
        self.alerts_sent = Counter("newsmon_alerts_sent", "Alerts delivered.", registry=r)
        self.alerts_failed = Counter(
            "newsmon_alerts_failed", "Alert delivery attempts that failed.", registry=r
        )
        self.source_failures = Counter(
            "newsmon_source_failures", "Failed polls per source.", ["source"], registry=r
        )
        self.cycle_duration = Histogram(
            "newsmon_cycle_duration_seconds",
            "Wall time of one crawl cycle.",
            buckets=CYCLE_BUCKETS,
            registry=r,
        )
        self.last_success = Gauge(
            "newsmon_last_successful_cycle_timestamp_seconds",
            "Unix time of the last crawl cycle that finished without error.",
            registry=r,
        )
        self.leader = Gauge(
            "newsmon_scheduler_leader", "1 while this process holds the scheduler lock.", registry=r
        )
        self.cycle_status = Gauge(
            "newsmon_cycle_status",
            "1 for the last crawl cycle's status (ok, degraded, failing), 0 for the others.",
            ["status"],
            registry=r,
        )
        self.source_failing = Gauge(
            "newsmon_source_failing",
            "1 while a source's last poll failed, 0 once it succeeds again.",
            ["source"],
            registry=r,
        )
        self.dropped = Counter(
            "newsmon_dropped_items",
            "Requests that ended without a stored page, by reason (dns, http_error, ...).",
            ["reason"],
            registry=r,
        )
        self.sink_paused = Gauge(
            "newsmon_alert_sink_paused",
            "1 while alert delivery is paused (e.g. Slack answered invalid_auth).",
            registry=r,
        )
        for outcome in ("ok", "failed", "timeout"):
            self.cycles.labels(outcome)
        for status in STATUSES:
            self.cycle_status.labels(status)

    def record_status(self, status: CycleStatus, sources: list[str]) -> None:
        """One-hot the cycle's status; mark the cycle's sources failing or not."""
        for name in STATUSES:
            self.cycle_status.labels(name).set(1 if name == status.status else 0)
        for name in sources:
            self.source_failing.labels(name).set(1 if name in status.failing_sources else 0)

    def record_cycle(
        self,
        outcome: str,
        duration: float,
        counters: Mapping[str, int] | None = None,
        failed_sources: list[str] | None = None,
        finished_at: float | None = None,
    ) -> None:
        """Account one finished cycle: its outcome, duration, the Run's counters and failing sources."""
        if outcome not in ("ok", "failed", "timeout"):
            raise ValueError(f"unknown cycle outcome {outcome!r}")
        self.cycles.labels(outcome).inc()
        self.cycle_duration.observe(duration)
        for key, attr in COUNTER_KEYS.items():
            value = (counters or {}).get(key, 0)
            if value:
                getattr(self, attr).inc(value)
        for name in failed_sources or []:
            self.source_failures.labels(name).inc()
        for key, value in (counters or {}).items():
            if key.startswith("dropped_") and value:
                self.dropped.labels(key[len("dropped_") :]).inc(value)
        if outcome == "ok":
            self.last_success.set(finished_at if finished_at is not None else time.time())

    def render(self) -> bytes:
        return generate_latest(self.registry)


@dataclass
class HealthState:
    """What ``/healthz`` reports; the scheduler updates it, the HTTP thread reads it."""

    max_cycle_age: float
    database_check: Callable[[], bool]
    started_at: float = field(default_factory=time.time)
    role: str = "starting"  # starting | standby | leader | stopping
    scheduler_running: Callable[[], bool] = lambda: False
    last_success_at: float | None = None
    clock: Callable[[], float] = time.time
    cycle: CycleStatus | None = None  # the last finished cycle's verdict
    paused: dict[str, str] = field(default_factory=dict)  # what is paused -> why
    _mutex: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_cycle(self, status: CycleStatus, at: float | None = None) -> None:
        """A finished cycle: a failing one never counts as a success."""
        with self._mutex:
            self.cycle = status
            if status.status != FAILING:
                self.last_success_at = at if at is not None else self.clock()

    def set_paused(self, what: str, reason: str | None) -> None:
        """Pause (with a reason) or resume (``None``) a part such as alert delivery."""
        with self._mutex:
            if reason is None:
                self.paused.pop(what, None)
            else:
                self.paused[what] = reason

    def mark_cycle_ok(self, at: float | None = None) -> None:
        with self._mutex:
            self.last_success_at = at if at is not None else self.clock()

    def set_role(self, role: str) -> None:
        with self._mutex:
            if role == "leader" and self.role != "leader":
                self.started_at = self.clock()  # a standby that takes over gets a fresh grace
            self.role = role

    def report(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, body): a leader must be scheduling with a recent good cycle; all need the DB."""
        now = self.clock()
        with self._mutex:
            role, last, cycle, paused = (
                self.role,
                self.last_success_at,
                self.cycle,
                dict(self.paused),
            )
        db_ok = _safe(self.database_check)
        alive = role == "standby" or (role == "leader" and _safe(self.scheduler_running))
        age = None if last is None else round(now - last, 3)
        # Before the first good cycle, the age counts from start-up so a fresh daemon is healthy.
        stale = (
            role == "leader"
            and (now - (last if last is not None else self.started_at)) > self.max_cycle_age
        )
        failing = role == "leader" and cycle is not None and cycle.status == FAILING
        healthy = alive and db_ok and not stale and not failing
        status = "unhealthy" if not healthy else OK
        reasons = []
        if failing and cycle is not None:
            status = FAILING
            reasons.append(cycle.reason)
        elif not healthy:
            reasons += [r for bad, r in _FAULTS if bad(alive, db_ok, stale)]
        elif role == "leader" and cycle is not None and cycle.status == DEGRADED:
            status = DEGRADED
            reasons.append(cycle.reason)
        if paused:
            status = DEGRADED if status == OK else status
            reasons += [f"{what} paused: {why}" for what, why in sorted(paused.items())]
        body = {
            "status": status,
            "reason": "; ".join(reasons),
            "failing_sources": list(cycle.failing_sources) if cycle else [],
            "role": role,
            "scheduler_alive": alive,
            "last_successful_cycle_age_seconds": age,
            "max_cycle_age_seconds": self.max_cycle_age,
            "database_reachable": db_ok,
        }
        return healthy, body


_FAULTS: tuple[tuple[Callable[[bool, bool, bool], bool], str], ...] = (
    (lambda alive, db_ok, stale: not alive, "the scheduler is not running"),
    (lambda alive, db_ok, stale: not db_ok, "the database is unreachable"),
    (lambda alive, db_ok, stale: stale, "no successful crawl cycle for too long"),
)


def _safe(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:  # a health probe must answer, whatever the check raised
        logger.warning("health check %r raised", check, exc_info=True)
        return False


class HealthServer:
    """A threaded HTTP server on 127.0.0.1 serving /healthz, /metrics and optionally /events.atom."""

    def __init__(
        self,
        state: HealthState,
        metrics: Metrics,
        port: int,
        host: str = "127.0.0.1",
        atom_feed: Callable[[], bytes] | None = None,
    ) -> None:
        self.state = state
        self.metrics = metrics
        self.atom_feed = atom_feed
        handler = _make_handler(self)
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="newsmon-health", daemon=True
        )

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        logger.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _make_handler(server: HealthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                healthy, body = server.state.report()
                status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
                self._send(status, "application/json", json.dumps(body).encode())
            elif path == "/metrics":
                self._send(HTTPStatus.OK, CONTENT_TYPE_LATEST, server.metrics.render())
            elif path == "/events.atom" and server.atom_feed is not None:
                try:
                    feed = server.atom_feed()
                except Exception:
                    logger.exception("building the Atom feed of events failed")
                    self._send(
                        HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain", b"feed unavailable\n"
                    )
                    return
                self._send(HTTPStatus.OK, ATOM_CONTENT_TYPE, feed)
            else:
                self._send(HTTPStatus.NOT_FOUND, "text/plain", b"not found\n")

        def _send(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("health request: " + format, *args)

    return Handler


def database_check(engine: Engine, timeout: float = 3.0) -> Callable[[], bool]:
    """A ``SELECT 1`` probe for ``/healthz``; bounded so a hung server cannot hang the probe."""

    def check() -> bool:
        result: list[bool] = []

        def probe() -> None:
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                result.append(True)
            except SQLAlchemyError as exc:
                logger.warning("database health probe failed: %s", exc)

        worker = threading.Thread(target=probe, daemon=True)
        worker.start()
        worker.join(timeout)
        return bool(result)

    return check
