"""A cycle in which nothing could be fetched says so: exit codes, one-line reasons, /healthz."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from monitor.daemon.cycles import CycleResult
from monitor.daemon.health import HealthServer, HealthState, Metrics
from monitor.daemon.scheduler import cycle_status
from monitor.demo.server import NewsSite
from monitor.status import DEGRADED, FAILING, OK, judge_cycle
from monitor.store.models import utcnow
from tests.conftest import run_newsmon, write_topic


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp_path: Path, topic: Path) -> dict[str, str]:
    return {
        "NEWSMON_DATABASE_URL": f"sqlite:///{tmp_path}/n.sqlite3",
        "NEWSMON_CONFIG": str(topic),
    }


def test_every_source_failing_exits_1_naming_dns_guard_and_http(
    news_site: NewsSite, tmp_path: Path
) -> None:
    dead = _free_port()
    topic = write_topic(tmp_path / "t.yaml", news_site, {"e500": "/feeds/error-500.xml"})
    import yaml

    data = yaml.safe_load(topic.read_text())
    data["sources"] += [
        {"name": "nxdomain", "url": "http://no-such-host.invalid/feed.xml"},
        {"name": "private", "url": "http://10.255.255.1/feed.xml"},
        {"name": "closed", "url": f"http://127.0.0.1:{dead}/feed.xml"},
    ]
    topic.write_text(yaml.safe_dump(data))
    env = _env(tmp_path, topic)
    assert run_newsmon("init", env=env).returncode == 0
    result = run_newsmon("crawl", "--once", env=env)
    assert result.returncode == 1, result.stderr
    assert "failed 4" in result.stdout
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("newsmon: error: crawl failed: no source could be fetched (4 failed")
    assert "e500: HTTP 500" in line
    assert "nxdomain: DNS lookup failed" in line
    assert "private: refused by the address guard" in line
    assert "closed: connection refused" in line
    assert "Traceback" not in result.stderr


def test_some_sources_failing_is_degraded_and_exits_0(news_site: NewsSite, tmp_path: Path) -> None:
    feeds = {"nyt": "/feeds/nyt-world.xml", "e500": "/feeds/error-500.xml"}
    env = _env(tmp_path, write_topic(tmp_path / "t.yaml", news_site, feeds))
    assert run_newsmon("init", env=env).returncode == 0
    result = run_newsmon("crawl", "--once", env=env)
    assert result.returncode == 0, result.stderr
    assert "newsmon: warning: 1 of 2 source(s) failing: e500: HTTP 500" in result.stderr


def test_ingest_of_an_unreachable_url_exits_1(news_site: NewsSite, tmp_path: Path) -> None:
    env = _env(tmp_path, write_topic(tmp_path / "t.yaml", news_site, {}))
    assert run_newsmon("init", env=env).returncode == 0
    result = run_newsmon("ingest", news_site.url("/missing/page.html"), env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ingest failed: nothing could be fetched" in result.stderr
    assert "HTTP 404" in result.stderr


def test_crawl_on_a_corrupted_database_exits_1_in_one_line(
    news_site: NewsSite, tmp_path: Path
) -> None:
    env = _env(
        tmp_path, write_topic(tmp_path / "t.yaml", news_site, {"nyt": "/feeds/nyt-world.xml"})
    )
    assert run_newsmon("init", env=env).returncode == 0
    path = tmp_path / "n.sqlite3"
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # every page past the first is garbage
    path.write_bytes(bytes(data))
    result = run_newsmon("crawl", "--once", env=env)
    assert result.returncode in (1, 2), result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "database" in result.stderr and "Traceback" not in result.stderr


def test_judge_cycle_verdicts() -> None:
    assert judge_cycle({"sources_polled": 2}).status == OK
    degraded = judge_cycle({"sources_polled": 1, "sources_failed": 1}, {"a": "HTTP 500"})
    assert (degraded.status, degraded.failing_sources) == (DEGRADED, ("a",))
    failing = judge_cycle({"sources_failed": 2}, {"a": "HTTP 500", "b": "DNS lookup failed"})
    assert failing.status == FAILING and "a: HTTP 500; b: DNS lookup failed" in failing.reason
    assert judge_cycle({"stored": 0, "store_failed": 3}).status == FAILING


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.mark.parametrize("failing", [True, False])
def test_healthz_is_503_after_a_failing_cycle_and_names_degraded_sources(failing: bool) -> None:
    state = HealthState(max_cycle_age=3600, database_check=lambda: True)
    state.scheduler_running = lambda: True
    state.set_role("leader")
    metrics = Metrics()
    server = HealthServer(state, metrics, 0).start()
    try:
        counters = {"sources_failed": 2} if failing else {"sources_failed": 1, "sources_polled": 1}
        result = CycleResult(["a", "b"], "ok", 1.0, utcnow(), 0, counters)
        status = cycle_status(result, ["a", "b"] if failing else ["b"])
        state.record_cycle(status)
        metrics.record_status(status, ["a", "b"])
        code, body = _get(f"http://127.0.0.1:{server.port}/healthz")
        text = metrics.render().decode()
    finally:
        server.stop()
    if failing:
        assert (code, body["status"]) == (503, "failing")
        assert "no source could be fetched" in body["reason"]
        assert 'newsmon_cycle_status{status="failing"} 1.0' in text
    else:
        assert (code, body["status"], body["failing_sources"]) == (200, "degraded", ["b"])
        assert 'newsmon_cycle_status{status="degraded"} 1.0' in text
        assert 'newsmon_source_failing{source="b"} 1.0' in text
        assert 'newsmon_source_failing{source="a"} 0.0' in text


def test_dropped_requests_are_counted_by_reason(news_site: NewsSite, tmp_path: Path) -> None:
    from sqlalchemy import select

    from monitor.demo.server import FeedItem, Route, rss
    from monitor.store import db
    from monitor.store.models import Run
    from tests.site import _redirect

    wire = "/wire/2025/09/10/kremlin-peskov-peacekeepers.html"
    for n in range(8):  # /loop/0 -> /loop/1 -> ... : more redirects than allowed
        news_site.add(f"/loop/{n}", Route(handler=_redirect(news_site.url(f"/loop/{n + 1}"))))
    news_site.add("/again", Route(handler=_redirect(news_site.url(wire))))
    items = [
        FeedItem("direct", wire, "Wed, 10 Sep 2025 14:05:00 GMT"),
        FeedItem("loop", "/loop/0", "Wed, 10 Sep 2025 13:00:00 GMT"),
        FeedItem("to a URL requested already", "/again", "Wed, 10 Sep 2025 12:00:00 GMT"),
        FeedItem("huge", "/huge/page.html", "Wed, 10 Sep 2025 11:00:00 GMT"),
        FeedItem("missing", "/missing/x.html", "Wed, 10 Sep 2025 10:00:00 GMT"),
    ]
    news_site.add("/feeds/drops.xml", Route(body=rss("drops", news_site, items)))
    env = _env(tmp_path, write_topic(tmp_path / "t.yaml", news_site, {"d": "/feeds/drops.xml"}))
    assert run_newsmon("init", env=env).returncode == 0
    result = run_newsmon("crawl", "--once", env=env)
    assert result.returncode == 0, result.stderr
    engine = db.make_engine(env["NEWSMON_DATABASE_URL"])
    with db.session_factory(engine)() as session:
        counters = session.scalars(select(Run.counters).order_by(Run.id.desc())).first()
    engine.dispose()
    assert counters["dropped_redirect_loop"] == 1
    assert counters["dropped_duplicate_request"] == 1
    assert counters["dropped_size_cap"] == 1
    assert counters["dropped_http_error"] == 1
    assert counters["stored"] == 1
