"""/healthz, /metrics and /events.atom served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from monitor.daemon.health import HealthServer, HealthState, Metrics, database_check


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state(clock: Clock) -> HealthState:
    db_up = {"ok": True}
    st = HealthState(
        max_cycle_age=600, database_check=lambda: db_up["ok"], clock=clock, started_at=clock.now
    )
    st.db_up = db_up  # type: ignore[attr-defined]
    return st


@pytest.fixture
def server(state: HealthState) -> Iterator[HealthServer]:
    srv = HealthServer(state, Metrics(), port=0).start()
    yield srv
    srv.stop()


def healthz(server: HealthServer) -> tuple[int, dict]:
    status, ctype, body = get(f"http://127.0.0.1:{server.port}/healthz")
    assert ctype == "application/json"
    return status, json.loads(body)


def test_leader_with_recent_cycle_is_healthy_then_goes_stale(
    server: HealthServer, state: HealthState, clock: Clock
) -> None:
    running = {"yes": True}
    state.scheduler_running = lambda: running["yes"]
    state.set_role("leader")
    status, body = healthz(server)
    assert status == 200, body  # fresh start: no cycle yet, within the allowed age
    assert body["last_successful_cycle_age_seconds"] is None

    clock.now += 30
    state.mark_cycle_ok()
    clock.now += 12.5
    status, body = healthz(server)
    assert (status, body["status"]) == (200, "ok")
    assert body["last_successful_cycle_age_seconds"] == 12.5
    assert body["scheduler_alive"] and body["database_reachable"]

    clock.now += 600
    status, body = healthz(server)
    assert (status, body["status"]) == (503, "unhealthy")

    state.mark_cycle_ok()
    assert healthz(server)[0] == 200
    running["yes"] = False
    status, body = healthz(server)
    assert status == 503 and body["scheduler_alive"] is False


def test_leader_that_never_succeeds_becomes_unhealthy(
    server: HealthServer, state: HealthState, clock: Clock
) -> None:
    state.scheduler_running = lambda: True
    state.set_role("leader")
    clock.now += 601
    status, body = healthz(server)
    assert status == 503 and body["last_successful_cycle_age_seconds"] is None


def test_standby_is_healthy_without_cycles_but_not_without_database(
    server: HealthServer, state: HealthState, clock: Clock
) -> None:
    state.set_role("standby")
    clock.now += 10_000
    status, body = healthz(server)
    assert status == 200 and body["role"] == "standby"
    state.db_up["ok"] = False  # type: ignore[attr-defined]
    status, body = healthz(server)
    assert status == 503 and body["database_reachable"] is False


def test_starting_and_stopping_are_not_healthy(server: HealthServer, state: HealthState) -> None:
    assert healthz(server)[0] == 503
    state.set_role("stopping")
    assert healthz(server)[1]["role"] == "stopping"


def test_a_raising_check_reads_as_unhealthy(server: HealthServer, state: HealthState) -> None:
    def broken() -> bool:
        raise RuntimeError("probe exploded")

    state.set_role("standby")
    state.database_check = broken
    status, body = healthz(server)
    assert status == 503 and body["database_reachable"] is False


def _metric_values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def test_metrics_count_cycles_items_and_source_failures(server: HealthServer) -> None:
    metrics = server.metrics
    metrics.record_cycle(
        "ok",
        2.0,
        {"fetched": 5, "relevant": 3, "duplicates": 1, "claims": 4, "events": 2},
        finished_at=1234.0,
    )
    metrics.record_cycle("failed", 40.0, {"fetched": 1}, failed_sources=["tass", "tass", "ria"])
    metrics.record_cycle("timeout", 900.0)
    metrics.alerts_sent.inc(3)
    metrics.alerts_failed.inc()
    metrics.leader.set(1)

    status, ctype, body = get(f"http://127.0.0.1:{server.port}/metrics")
    assert status == 200 and ctype.startswith("text/plain")
    v = _metric_values(body.decode())
    assert v[("newsmon_cycles_total", (("outcome", "ok"),))] == 1
    assert v[("newsmon_cycles_total", (("outcome", "failed"),))] == 1
    assert v[("newsmon_cycles_total", (("outcome", "timeout"),))] == 1
    assert v[("newsmon_items_fetched_total", ())] == 6
    assert v[("newsmon_articles_relevant_total", ())] == 3
    assert v[("newsmon_duplicates_total", ())] == 1
    assert v[("newsmon_claims_total", ())] == 4
    assert v[("newsmon_events_total", ())] == 2
    assert v[("newsmon_alerts_sent_total", ())] == 3
    assert v[("newsmon_alerts_failed_total", ())] == 1
    assert v[("newsmon_source_failures_total", (("source", "tass"),))] == 2
    assert v[("newsmon_source_failures_total", (("source", "ria"),))] == 1
    assert v[("newsmon_cycle_duration_seconds_count", ())] == 3
    assert v[("newsmon_cycle_duration_seconds_sum", ())] == 942.0
    assert v[("newsmon_cycle_duration_seconds_bucket", (("le", "5.0"),))] == 1
    assert v[("newsmon_last_successful_cycle_timestamp_seconds", ())] == 1234.0
    assert v[("newsmon_scheduler_leader", ())] == 1


def test_unknown_cycle_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown cycle outcome 'weird'"):
        Metrics().record_cycle("weird", 1.0)


def test_two_metric_sets_do_not_share_a_registry() -> None:
    a, b = Metrics(), Metrics()
    a.record_cycle("ok", 1.0)
    assert b'newsmon_cycles_total{outcome="ok"} 0.0' in b.render()


def test_events_atom_hook(state: HealthState) -> None:
    feed = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>'
    calls = []

    def build() -> bytes:
        calls.append(1)
        return feed

    srv = HealthServer(state, Metrics(), port=0, atom_feed=build).start()
    try:
        status, ctype, body = get(f"http://127.0.0.1:{srv.port}/events.atom")
        assert (status, body, len(calls)) == (200, feed, 1)
        assert ctype.startswith("application/atom+xml")
    finally:
        srv.stop()


def test_events_atom_absent_or_failing(server: HealthServer, state: HealthState) -> None:
    assert get(f"http://127.0.0.1:{server.port}/events.atom")[0] == 404
    assert get(f"http://127.0.0.1:{server.port}/nothing")[0] == 404

    def broken() -> bytes:
        raise RuntimeError("no feed today")

    srv = HealthServer(state, Metrics(), port=0, atom_feed=broken).start()
    try:
        assert get(f"http://127.0.0.1:{srv.port}/events.atom")[0] == 500
    finally:
        srv.stop()


def test_database_check_against_real_databases(tmp_path: Path) -> None:
    assert database_check(create_engine(f"sqlite:///{tmp_path / 'ok.sqlite3'}"))() is True
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = create_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/test", connect_args={"connect_timeout": 1}
    )
    assert database_check(dead, timeout=3)() is False


def test_server_binds_loopback_only(server: HealthServer) -> None:
    assert server.host == "127.0.0.1"


def test_a_standby_that_takes_over_gets_a_fresh_grace_period(
    server: HealthServer, state: HealthState, clock: Clock
) -> None:
    state.scheduler_running = lambda: True
    state.set_role("standby")
    clock.now += 5_000  # hours as a standby
    state.set_role("leader")
    assert healthz(server)[0] == 200
    clock.now += 601
    assert healthz(server)[0] == 503


def test_health_host_binds_where_asked(state: HealthState) -> None:
    """--health-host 0.0.0.0 (containers): reachable through loopback as through any interface."""
    srv = HealthServer(state, Metrics(), port=0, host="0.0.0.0").start()
    try:
        assert srv.host == "0.0.0.0"
        status, _, _ = get(f"http://127.0.0.1:{srv.port}/metrics")
        assert status == 200
    finally:
        srv.stop()
