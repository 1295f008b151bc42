"""Past one machine for real: `newsmon worker` processes share the polling through Redis.

Real Redis (127.0.0.1:6379, a key namespace of the test's own, removed afterwards), real
PostgreSQL, real processes: one leader `newsmon run`, a standby, three workers, 500 feeds.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.daemon.crawlqueue import CrawlQueue
from monitor.store.models import Article
from tests.growing_site import GrowingSite
from tests.monitor.daemon.daemon_harness import (
    REPO,
    DaemonProcess,
    daemon_env,
    engine_for,
    newsmon,
    stored_urls,
    wait_for,
    write_topic,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as err:
        pytest.skip(f"no Redis at {REDIS_URL}: {err}")


@pytest.fixture
def namespace() -> Iterator[str]:
    redis_or_skip()
    name = f"newsmon-test-{uuid.uuid4().hex[:10]}"
    yield name
    CrawlQueue(REDIS_URL, name).purge()


class WorkerProcess:
    """One `newsmon worker`, its log in a file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "worker"],
            env=env,
            stdout=self._log,
            stderr=self._log,
            cwd=REPO,
        )

    def results(self) -> int:
        """Batches this worker finished (one result line each)."""
        return self.log_path.read_text(errors="replace").count("newsmon-worker-result")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def analysed_count(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(Article).where(Article.analysed_at.is_not(None))
            ).scalar_one()
        )


@pytest.mark.timeout(1200)
def test_three_workers_share_500_feeds_survive_a_killed_worker_and_a_dead_leader(
    tmp_path: Path, postgres_url: str, namespace: str
) -> None:
    feeds = [f"f{i:03d}" for i in range(500)]
    with GrowingSite(feeds, per_poll=1) as site:
        # A long interval: every feed is polled once at start (all are overdue), and once more
        # only if a worker died holding it.
        topic = write_topic(tmp_path / "topic.yaml", site, feeds, interval_seconds=3600)
        env = daemon_env(postgres_url, topic, tmp_path / "data")
        env.update(
            NEWSMON_QUEUE_URL=REDIS_URL,
            NEWSMON_QUEUE_NAMESPACE=namespace,
            NEWSMON_QUEUE_HEARTBEAT_SECONDS="5",
        )
        assert newsmon(env, "init").returncode == 0
        leader = DaemonProcess(env, tmp_path / "leader.log")
        workers: list[WorkerProcess] = []
        standby: DaemonProcess | None = None
        try:
            wait_for(lambda: leader.role() == "leader", 60, "the leader")
            standby = DaemonProcess(env, tmp_path / "standby.log")
            wait_for(lambda: standby.role() == "standby", 60, "the standby")
            workers = [WorkerProcess(env, tmp_path / f"worker{i}.log") for i in range(3)]
            engine = engine_for(postgres_url)

            # SIGKILL a worker in the middle of a batch: it has stored something, not finished.
            victim = workers[0]
            wait_for(
                lambda: any(w.results() >= 1 for w in workers[1:]) and victim.results() >= 1,
                240,
                "every worker at work",
            )
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait(timeout=10)

            # The leader dies too: the standby takes over scheduling and analysis.
            leader.kill()
            # (the role turns "leader" once the 500 poll jobs are reconciled in the job store)
            took = wait_for(lambda: standby.role() == "leader", 60, "the standby to take over")
            assert took < 30, f"takeover took {took:.1f}s"

            # Every item any poll listed is stored once, and the new leader analyses them all.
            wait_for(
                lambda: (
                    CrawlQueue(REDIS_URL, namespace).pending() == 0
                    and set(stored_urls(engine)) >= site.all_article_urls()
                ),
                600,
                "every served item stored",
                every=1.0,
            )
            site.growing = False
            served = site.all_article_urls()
            wait_for(lambda: set(stored_urls(engine)) >= served, 120, "the last items", every=1.0)
            wait_for(
                lambda: analysed_count(engine) == len(stored_urls(engine)),
                300,
                "the new leader to analyse everything",
                every=1.0,
            )
            assert standby.stop() == 0
        finally:
            for w in workers:
                w.stop()
            for d in (leader, standby):
                if d is not None and d.proc.poll() is None:
                    d.kill()
        urls = stored_urls(engine)
        assert len(urls) == len(set(urls)), "an item was stored twice"
        assert served <= set(urls)
        assert len(served) >= len(feeds)  # every feed was polled at least once
        assert victim.results() < 25, "the killed worker finished everything alone"
        assert sum(w.results() for w in workers[1:]) >= 1
