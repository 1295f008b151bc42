"""The daemon behind ``newsmon run``: one scheduler per database, crawl cycles in a worker process.

The daemon stands by for the scheduler lock, then leads: ``monitor.daemon.schedule`` keeps the
jobs (poll each source, dispatch alerts, digest, retention) and ``monitor.daemon.cycles`` crawls
the due sources in a long-lived worker process (or queues them for ``newsmon worker`` processes
past one machine); a cycle that queued alerts starts a dispatch pass at once. deploy/README.md
has the design.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig
from monitor.daemon import housekeeping
from monitor.daemon.crawlqueue import Analyser, CrawlQueue, QueueFeeder
from monitor.daemon.cycles import CycleLimits, CycleResult, CycleRunner
from monitor.daemon.health import HealthServer, HealthState, Metrics, database_check
from monitor.daemon.jobs import AlertJobs
from monitor.daemon.lock import LockWatch, SchedulerLock, lock_for, wait_for_leadership
from monitor.daemon.schedule import (  # noqa: F401  (jobs stored before the split name them here)
    activate,
    build_scheduler,
    digest_job,
    dispatch_job,
    poll_source_job,
    retention_job,
    schedule_jobs,
)
from monitor.deliver.atom import events_feed
from monitor.status import FAILING, CycleStatus, judge_cycle
from monitor.store.db import session_factory

logger = logging.getLogger(__name__)


@dataclass
class DaemonOptions:
    """Knobs of ``newsmon run``; the defaults suit a daemon polling every few minutes."""

    health_port: int | None = None
    health_host: str = "127.0.0.1"
    cycle_timeout: float = 900.0
    worker_stop_grace: float = 10.0
    dispatch_every: float = 5.0
    retention_every_hours: float = 6.0
    lock_retry: float = 1.0
    lock_check: float = 2.0
    batch_window: float = 0.2
    digest_grace_hours: float = 6.0


def cycle_status(result: CycleResult, failed: list[str]) -> CycleStatus:
    """The cycle's verdict: the worker's own, or failing when the worker did not finish."""
    mine = [name for name in failed if name in result.sources]
    if result.outcome != "ok":
        why = f"crawl worker {result.outcome} (exit code {result.returncode})"
        return CycleStatus(FAILING, why, tuple(mine))
    if result.status is not None:
        return CycleStatus(result.status, result.status_reason, tuple(mine))
    return judge_cycle(result.counters, {name: "poll failed" for name in mine})


class Daemon:
    """``newsmon run``: stand by for the lock, then schedule until stopped or the lock is lost."""

    def __init__(
        self,
        config: AppConfig,
        engine: Engine,
        options: DaemonOptions | None = None,
        lock: SchedulerLock | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.options = options or DaemonOptions()
        self.factory: sessionmaker[Session] = session_factory(engine)
        self.lock = lock or lock_for(config.settings.database_url)
        self.metrics = Metrics()
        sources = self.enabled_sources()
        longest = max(sources.values(), default=900.0)
        self.health = HealthState(
            max_cycle_age=3 * longest + self.options.cycle_timeout,
            database_check=database_check(engine),
        )
        self.cycles: CycleRunner | QueueFeeder | None = None
        self.analyser: Analyser | None = None
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._analysis: Any = None  # the AnalysisContext of the shared-queue leader
        self._dispatching = threading.Lock()  # the timer's pass and one started by a cycle
        # Built before taking the lock, so a bad Slack setting fails at start, not mid-run.
        self.alert_jobs = AlertJobs(config, self.factory)

    def enabled_sources(self) -> dict[str, float]:
        """Source name -> polling interval in seconds."""
        return {s.name: s.interval_minutes * 60 for s in self.config.topic.sources if s.enabled}

    # Life cycle

    def request_stop(self, signum: int | None = None, _frame: Any = None) -> None:
        if signum is not None:
            logger.info("received %s: stopping", signal.Signals(signum).name)
        self._stop.set()

    def run(self) -> int:
        """Block until SIGTERM/SIGINT; returns the exit code."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.request_stop)
        server = None
        if self.options.health_port is not None:
            server = HealthServer(
                self.health,
                self.metrics,
                self.options.health_port,
                host=self.options.health_host,
                atom_feed=self._atom_feed(),
            ).start()
        desk = self._start_desk()
        try:
            while not self._stop.is_set():
                self.health.set_role("standby")
                self.metrics.leader.set(0)
                if not wait_for_leadership(self.lock, self._stop, self.options.lock_retry):
                    break
                self._lead()
        finally:
            self.health.set_role("stopping")
            self.lock.release()
            if server is not None:
                server.stop()
            if desk is not None:
                desk.stop()
        logger.info("newsmon daemon stopped")
        return 0

    def _start_desk(self) -> Any:
        """The review desk on a thread when the topic's ``ui.enabled`` says so (standby too)."""
        ui = self.config.topic.ui
        if not ui.enabled:
            return None
        from monitor.desk.server import DeskThread, build_desk

        # No dispatch from here: the leader's dispatch job sends what a correction queued.
        return DeskThread(build_desk(self.config, self.factory, ui.host), ui.host, ui.port).start()

    def _lead(self) -> None:
        self._lost.clear()
        watch = LockWatch(self.lock, self._on_lock_lost, self.options.lock_check)
        limits = CycleLimits(
            timeout=self.options.cycle_timeout,
            stop_grace=self.options.worker_stop_grace,
            batch_window=self.options.batch_window,
        )
        settings = self.config.settings
        if settings.queue_url:
            # Past one machine: `newsmon worker` processes crawl what is queued; judged here.
            queue = CrawlQueue(
                settings.queue_url, settings.queue_namespace, settings.queue_heartbeat_seconds
            )
            self.cycles = QueueFeeder(queue)
            from monitor.store.sources import sync_sources

            with self.factory.begin() as session:  # workers only read it: no insert races
                sync_sources(session, self.config.topic.sources)
            self.analyser = Analyser(self._analyse_stored, self._analysis_done)
        else:
            self.cycles = CycleRunner(
                self._worker_command, self._worker_env(), limits, self._cycle_done
            )
            with self.factory.begin() as session:  # (shared-queue workers' runs stay open)
                housekeeping.abandon_unfinished_runs(session)
        with self.factory() as session:
            overdue = housekeeping.overdue_sources(session, self.enabled_sources())
        self.scheduler = self.build_scheduler()
        self.scheduler.start(paused=True)
        activate(self)
        try:
            self.schedule_jobs(self.scheduler)
            self.cycles.start()
            if self.analyser is not None:
                self.analyser.start()
            self.cycles.mark_due(overdue)
            self.scheduler.resume()
            self.health.scheduler_running = lambda: bool(self.scheduler and self.scheduler.running)
            self.health.set_role("leader")
            self.metrics.leader.set(1)
            watch.start()
            logger.info(
                "scheduling %d source(s); %d overdue now", len(self.enabled_sources()), len(overdue)
            )
            while not self._stop.is_set() and not self._lost.is_set():
                self._stop.wait(0.5)
        finally:
            self.health.set_role("stopping")
            self.metrics.leader.set(0)
            watch.stop()
            # Pause first: APScheduler's loop may otherwise submit a due job to an executor that
            # shutdown() just closed ("Error submitting job", seen once in a PostgreSQL soak).
            self.scheduler.pause()
            # Running jobs (a dispatch pass mid-send) finish, so the outbox is left consistent.
            stopper = threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True})
            stopper.start()
            self.cycles.stop()
            if self.analyser is not None:
                self.analyser.stop()
                self.analyser.join(timeout=self.options.worker_stop_grace + 5)
                self.analyser = None
            stopper.join(timeout=self.options.worker_stop_grace)
            self.cycles.join(timeout=self.options.worker_stop_grace + 5)
            activate(None)
            if self._lost.is_set():
                self.lock.release()
                logger.warning("lost the scheduler lock: back to standby")

    def _atom_feed(self) -> Callable[[], bytes]:
        """``/events.atom``: the latest events for feed readers."""
        title = f"newsmon: {self.config.topic.name}"

        def feed() -> bytes:
            with self.factory() as session:
                return events_feed(session, title=title)

        return feed

    def _on_lock_lost(self) -> None:
        self._lost.set()
        if self.cycles is not None:
            self.cycles.stop()

    # Scheduling

    def build_scheduler(self) -> BackgroundScheduler:
        return build_scheduler(self.engine)

    def schedule_jobs(self, scheduler: BackgroundScheduler) -> None:
        """Make the job store match the configuration, keeping the run times of unchanged jobs."""
        schedule_jobs(self, scheduler)

    # What the jobs do

    def _worker_command(self) -> list[str]:
        return [sys.executable, "-m", "monitor.daemon.worker", "--parent-pid", str(os.getpid())]

    def _worker_env(self) -> dict[str, str]:
        """The worker builds the same configuration from the environment (no secrets in argv)."""
        settings = self.config.settings
        env = dict(os.environ)
        env["NEWSMON_DATABASE_URL"] = settings.database_url
        env["NEWSMON_CONFIG"] = str(self.config.topic_path)
        env["NEWSMON_LOG_LEVEL"] = settings.log_level
        env["NEWSMON_DATA_DIR"] = str(settings.data_dir)
        return env

    def _cycle_done(self, result: CycleResult) -> None:
        if result.outcome == "stopped":
            with self.factory.begin() as session:
                housekeeping.abandon_unfinished_runs(session)
            return
        failed: list[str] = []
        with self.factory.begin() as session:
            if result.outcome != "ok":
                housekeeping.abandon_unfinished_runs(session)
            failed = housekeeping.sources_failed_since(session, result.started_at)
        status = cycle_status(result, failed)
        if status.status != "ok":
            logger.warning("crawl cycle %s: %s", status.status, status.reason)
        outcome = (
            "failed" if status.status == FAILING and result.outcome == "ok" else result.outcome
        )
        self.metrics.record_cycle(outcome, result.duration, result.counters, failed)
        self.metrics.record_status(status, result.sources)
        self.health.record_cycle(status)
        if result.counters.get("alerts_queued"):
            # New alerts go out now, not at the dispatch timer's next tick.
            threading.Thread(target=self.dispatch_alerts, name="dispatch-now", daemon=True).start()

    def _analyse_stored(self) -> dict[str, int]:
        """One pass over what the shared-queue workers stored since the last one."""
        from monitor.pipeline import AnalysisContext, analyse_pending

        if self._analysis is None:
            self._analysis = AnalysisContext.build(self.config, self.factory)
        return dict(analyse_pending(self.factory, self._analysis))

    def _analysis_done(self, counters: dict[str, int]) -> None:
        self.health.mark_cycle_ok()
        if counters.get("analysed"):
            self.metrics.record_cycle("ok", 0.0, counters, [])
        if counters.get("alerts_queued"):
            self.dispatch_alerts()

    def apply_retention(self) -> None:
        days = self.config.topic.retention.irrelevant_text_days
        with self.factory.begin() as session:
            dropped = housekeeping.drop_irrelevant_text(session, days)
        logger.info(
            "retention: dropped the text of %d irrelevant article(s) older than %d days",
            dropped,
            days,
        )

    def dispatch_alerts(self) -> None:
        with self._dispatching:
            result = self.alert_jobs.dispatch()
        self.health.set_paused("alert delivery", result.paused)
        self.metrics.sink_paused.set(1 if result.paused else 0)
        if result.sent:
            self.metrics.alerts_sent.inc(result.sent)
        if result.failed or result.retried:
            self.metrics.alerts_failed.inc(result.failed + result.retried)

    def send_digest(self) -> None:
        """The digest of the local day the trigger fired in."""
        day = dt.datetime.now(ZoneInfo(self.config.topic.digest.timezone)).date()
        self.alert_jobs.digest(day)
