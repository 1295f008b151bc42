"""`newsmon run` as real processes: one leader per database, takeover, clean stop, crash recovery."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from monitor.demo.server import DEMO_PAGES, page
from monitor.store.models import Alert, Article, Event
from tests.growing_site import GrowingSite
from tests.monitor.daemon.daemon_harness import (
    DaemonProcess,
    article_count,
    daemon_env,
    engine_for,
    marked_pids,
    newsmon,
    open_runs,
    stored_urls,
    wait_for,
    worker_pids,
    write_topic,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        if daemon.proc.poll() is None:
            daemon.kill()


def prepare(
    tmp_path: Path, database_url: str, site: GrowingSite, feeds: list[str], interval: float
):  # type: ignore[no-untyped-def]
    topic = write_topic(tmp_path / "topic.yaml", site, feeds, interval)
    env = daemon_env(database_url, topic, tmp_path / "data")
    init = newsmon(env, "init")
    assert init.returncode == 0, init.stderr
    return env, str(topic)


def test_run_refuses_a_database_without_the_current_schema(tmp_path: Path) -> None:
    with GrowingSite(["wire"]) as site:
        topic = write_topic(tmp_path / "topic.yaml", site, ["wire"], 60)
        env = daemon_env(f"sqlite:///{tmp_path / 'empty.sqlite3'}", topic, tmp_path / "data")
        result = newsmon(env, "run", timeout=60)
    assert result.returncode == 2
    assert "newsmon init" in result.stderr


def test_sigterm_mid_cycle_exits_0_within_15s_and_leaves_no_worker(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    url = f"sqlite:///{tmp_path / 'newsmon.sqlite3'}"
    with GrowingSite(["wire"], per_poll=3) as site:
        env, marker = prepare(tmp_path, url, site, ["wire"], interval=1)
        site.hold_pages(after=1)  # the other pages wait: the cycle is surely in progress
        daemon = DaemonProcess(env, tmp_path / "daemon.log")
        daemons.append(daemon)
        engine = engine_for(url)
        wait_for(lambda: article_count(engine) >= 1, 90, "a first stored article")
        wait_for(lambda: bool(worker_pids(marker)), 30, "a crawl cycle in progress")
        assert open_runs(engine) == 1, "the cycle must still be running at the signal"
        started = time.monotonic()
        daemon.signal(signal.SIGTERM)
        code = daemon.proc.wait(timeout=40)
        took = time.monotonic() - started
    assert code == 0, daemon.log()[-3000:]
    assert took < 15, f"stopping took {took:.1f}s"  # downloads in flight get 3 s, not their timeout
    assert worker_pids(marker) == [], "the crawl worker outlived the daemon"
    assert open_runs(engine) == 0, "the interrupted cycle's run was left open"
    assert "received SIGTERM" in daemon.log()


@pytest.mark.parametrize("stop", ["sigterm", "ctrl_c"])
def test_a_stop_between_cycles_lets_the_worker_close_its_extraction_pool(
    stop: str, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    """The worker dies with its parent *thread* (PR_SET_PDEATHSIG): the daemon must wait for it
    before that thread ends, or the worker is killed before its stop handler runs and its
    extraction pool is orphaned ("leaked semaphore objects" at every stop). A terminal's Ctrl-C
    reaches every process of the group, pool workers included: none may print a traceback."""
    url = f"sqlite:///{tmp_path / 'newsmon.sqlite3'}"
    with GrowingSite(["wire"], per_poll=2) as site:
        env, marker = prepare(tmp_path, url, site, ["wire"], interval=3600)
        daemon = DaemonProcess(env, tmp_path / "daemon.log")
        daemons.append(daemon)
        wait_for(lambda: daemon.metric("newsmon_cycles_total", outcome="ok") >= 1, 90, "a cycle")
        assert worker_pids(marker) and marked_pids(marker, b"forkserver"), "a worker and its pool"
        if stop == "sigterm":
            daemon.signal(signal.SIGTERM)
        else:
            os.killpg(daemon.proc.pid, signal.SIGINT)
        assert daemon.proc.wait(timeout=30) == 0, daemon.log()[-3000:]
        wait_for(lambda: marked_pids(marker) == [], 5, "the worker and its pool to exit")
    log = daemon.log()
    if stop == "sigterm":
        assert log.count("received SIGTERM") == 2, "the worker must handle the stop itself"
    assert "leaked" not in log
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.postgres
def test_two_daemons_on_postgres_one_polls_and_the_standby_takes_over(
    tmp_path: Path, postgres_url: str, daemons: list[DaemonProcess]
) -> None:
    with GrowingSite(["wire", "desk"], per_poll=1) as site:
        env, marker = prepare(tmp_path, postgres_url, site, ["wire", "desk"], interval=1)
        first = DaemonProcess(env, tmp_path / "first.log")
        daemons.append(first)
        wait_for(lambda: first.role() == "leader", 60, "the first daemon to lead")
        second = DaemonProcess(env, tmp_path / "second.log")
        daemons.append(second)
        wait_for(lambda: second.role() == "standby", 60, "the second daemon to stand by")
        wait_for(lambda: first.metric("newsmon_cycles_total", outcome="ok") >= 2, 90, "two cycles")
        time.sleep(3)
        assert second.role() == "standby"
        assert second.metric("newsmon_cycles_total", outcome="ok") == 0, "the standby polled"
        assert second.metric("newsmon_scheduler_leader") == 0
        assert first.metric("newsmon_scheduler_leader") == 1

        first.kill()
        took = wait_for(lambda: second.role() == "leader", 30, "the standby to take over")
        assert took < 10, f"takeover took {took:.1f}s"
        wait_for(
            lambda: worker_pids(marker) == [] or second.role() == "leader", 5, "old worker gone"
        )
        wait_for(
            lambda: second.metric("newsmon_cycles_total", outcome="ok") >= 2, 90, "standby cycles"
        )
        site.growing = False
        engine = engine_for(postgres_url)
        served = site.all_article_urls()
        wait_for(lambda: set(stored_urls(engine)) >= served, 60, "every served item stored")
        assert second.stop() == 0
    urls = stored_urls(engine)
    assert len(urls) == len(set(urls)), "an item was stored twice"
    assert set(urls) == served
    assert "standing by" in second.log()
    assert "took the scheduler lock" in second.log()


def snapshot(url: str) -> dict[str, object]:
    """What a run leaves behind, minus ids and times: articles, events and alerts."""
    engine = engine_for(url)
    with engine.connect() as conn:
        articles = sorted(
            conn.execute(select(Article.url_normalized, Article.title, Article.text_hash)).all()
        )
        events = Counter(
            conn.execute(select(Event.type, Event.side, Event.issue, Event.stance)).all()
        )
        alerts = Counter(conn.execute(select(Alert.kind, Alert.status)).all())
    engine.dispose()
    return {"articles": articles, "events": events, "alerts": alerts}


def unsent_alerts(url: str) -> int:
    engine = engine_for(url)
    with engine.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(Alert).where(Alert.status.in_(["pending", "sending"]))
        ).scalar_one()
    engine.dispose()
    return int(count)


def run_until_stored(env: dict[str, str], log: Path, url: str, expected: int) -> DaemonProcess:
    daemon = DaemonProcess(env, log)
    engine = engine_for(url)
    wait_for(lambda: article_count(engine) >= expected, 120, f"{expected} stored articles")
    wait_for(lambda: open_runs(engine) == 0, 60, "the cycle to finish")
    wait_for(lambda: unsent_alerts(url) == 0, 60, "the outbox to drain")
    return daemon


@contextlib.contextmanager
def slack_server(env: dict[str, str]) -> Iterator[Any]:
    """The fake Slack server, where the alert stage is merged (else alerts stay in the DB)."""
    try:
        from tests.fake_slack import VALID_TOKEN, FakeSlack
    except ImportError:
        yield None
        return
    with FakeSlack() as slack:
        env.update(
            SLACK_BOT_TOKEN=VALID_TOKEN, SLACK_CHANNEL="#newsmon", SLACK_API_URL=slack.api_url
        )
        yield slack


def slack_messages(slack: Any) -> list[str]:
    """Which alerts the channel received: each message's header (event type, side, issue).

    Not the whole text: an alert tells what was known when it was queued (its "previously ...
    (date)" and quote), and which page of a cycle is analysed first depends on which download
    ends first, in an unkilled run too (compared whole, 1 run in ~10 differed in that date).
    """
    if slack is None:
        return []
    return sorted(
        json.dumps(m["blocks"][0]["text"]["text"]) for m in slack.all_messages() if m.get("text")
    )


def test_kill_9_mid_cycle_then_restart_matches_an_unkilled_run(
    tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    generated = 12
    with GrowingSite(["wire"], per_poll=0, initial=generated) as site:
        # The demo articles carry real claims, so events and alerts are compared too.
        for path, name in DEMO_PAGES.items():
            site.add_static_item("wire", name.removesuffix(".html"), path, page(name))
        items = generated + len(DEMO_PAGES)
        reference_url = f"sqlite:///{tmp_path / 'reference.sqlite3'}"
        (tmp_path / "ref").mkdir()
        env, _ = prepare(tmp_path / "ref", reference_url, site, ["wire"], interval=1)
        with slack_server(env) as slack:
            reference = run_until_stored(env, tmp_path / "reference.log", reference_url, items)
            daemons.append(reference)
            assert reference.stop() == 0
            reference_messages = slack_messages(slack)

        killed_url = f"sqlite:///{tmp_path / 'killed.sqlite3'}"
        (tmp_path / "killed").mkdir()
        env, marker = prepare(tmp_path / "killed", killed_url, site, ["wire"], interval=1)
        with slack_server(env) as slack:
            # Two pages answer, the others wait: the kill lands mid-cycle however busy the
            # machine is (the cycle cannot finish while its pages are held).
            site.hold_pages(after=2)
            victim = DaemonProcess(env, tmp_path / "victim.log")
            daemons.append(victim)
            engine = engine_for(killed_url)
            wait_for(lambda: article_count(engine) >= 2, 90, "a cycle half done")
            assert open_runs(engine) == 1, "the killed cycle must still be running"
            victim.kill()
            stored_at_kill = article_count(engine)
            assert stored_at_kill < items
            # the worker dies with the daemon, its forkserver with it, the pool with that
            wait_for(lambda: marked_pids(marker) == [], 10, "the orphaned worker and pool to die")
            site.release_pages()  # a worker that outlived the kill would now crawl on
            time.sleep(1.5)
            assert article_count(engine) == stored_at_kill, "a worker crawled on after the kill"

            restarted = run_until_stored(env, tmp_path / "restarted.log", killed_url, items)
            daemons.append(restarted)
            time.sleep(3)  # a few more cycles: nothing may be stored or sent twice
            assert restarted.stop() == 0
            killed_messages = slack_messages(slack)
    reference_state = snapshot(reference_url)
    assert reference_state["events"], "the demo articles must raise events, or nothing is compared"
    assert snapshot(killed_url) == reference_state
    assert killed_messages == reference_messages
    if slack is not None:
        assert reference_messages, "the reference run sent nothing to Slack"
    assert "abandoned crawl run" in restarted.log()


@pytest.mark.postgres
def test_a_daemon_whose_lock_session_dies_stops_scheduling_then_leads_again(
    tmp_path: Path, postgres_url: str, daemons: list[DaemonProcess]
) -> None:
    with GrowingSite(["wire"]) as site:
        env, _ = prepare(tmp_path, postgres_url, site, ["wire"], interval=1)
        daemon = DaemonProcess(env, tmp_path / "daemon.log")
        daemons.append(daemon)
        wait_for(lambda: daemon.role() == "leader", 60, "the daemon to lead")
        engine = engine_for(postgres_url)
        with engine.connect() as conn:
            terminated = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            ).all()
        assert len(terminated) == 1, "exactly one advisory lock session expected"
        wait_for(
            lambda: "scheduler lock" in daemon.log() and "was lost" in daemon.log(), 20, "loss"
        )
        wait_for(
            lambda: (
                daemon.log().count("took the scheduler lock") >= 2 and daemon.role() == "leader"
            ),
            30,
            "the daemon to take the lock again",
        )
        assert daemon.stop() == 0
