"""Crawl cycles: one worker process at a time for every due source, with a timeout.

Poll jobs mark sources due; the runner batches them into one ``monitor.daemon.worker`` process, kills
it after the cycle timeout (SIGTERM, then SIGKILL), and reports each cycle to the daemon.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from monitor.daemon.worker import RESULT_PREFIX
from monitor.store.models import utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CycleLimits:
    """How long a cycle may run, how long a worker gets to stop, how long due sources gather."""

    timeout: float = 900.0
    stop_grace: float = 10.0
    batch_window: float = 0.5


@dataclass
class CycleResult:
    """One crawl cycle as the daemon saw it."""

    sources: list[str]
    outcome: str  # ok | failed | timeout | stopped
    duration: float
    started_at: dt.datetime
    returncode: int | None
    counters: dict[str, int] = field(default_factory=dict)
    status: str | None = None  # the worker's verdict: ok | degraded | failing
    status_reason: str = ""


class CycleRunner(threading.Thread):
    """Runs one worker process at a time for every source marked due, with a timeout."""

    def __init__(
        self,
        command: Callable[[list[str]], list[str]],
        env: dict[str, str],
        limits: CycleLimits,
        on_done: Callable[[CycleResult], None],
    ) -> None:
        super().__init__(name="newsmon-cycles", daemon=True)
        self._command = command
        self._env = env
        self._limits = limits
        self._on_done = on_done
        self._due: set[str] = set()
        self._mutex = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._proc: subprocess.Popen[str] | None = None

    def mark_due(self, names: list[str]) -> None:
        if not names:
            return
        with self._mutex:
            self._due.update(names)
        self._wake.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(timeout=1.0)
            if self._stopping.is_set():
                break
            with self._mutex:
                pending = bool(self._due)
            if not pending:
                self._wake.clear()
                continue
            # Sources falling due together (start-up, equal intervals) share one worker.
            self._stopping.wait(self._limits.batch_window)
            with self._mutex:
                names, self._due = sorted(self._due), set()
                self._wake.clear()
            if names and not self._stopping.is_set():
                result = self._run_cycle(names)
                try:
                    self._on_done(result)
                except Exception:  # accounting must never stop the cycles
                    logger.exception("recording the cycle failed")

    def _run_cycle(self, names: list[str]) -> CycleResult:
        started_at, t0 = utcnow(), time.monotonic()
        logger.info("crawl cycle starting for %d source(s): %s", len(names), ", ".join(names))
        with self._mutex:
            if self._stopping.is_set():
                return CycleResult(names, "stopped", 0.0, started_at, None)
            self._proc = subprocess.Popen(
                self._command(names), env=self._env, stdout=subprocess.PIPE, stderr=None, text=True
            )
            proc = self._proc
        outcome = "ok"
        try:
            stdout, _ = proc.communicate(timeout=self._limits.timeout)
        except subprocess.TimeoutExpired:
            logger.error("crawl cycle exceeded %.0fs: stopping the worker", self._limits.timeout)
            self._terminate(proc)
            proc.communicate()  # drain and close the pipe
            stdout, outcome = "", "timeout"
        with self._mutex:
            self._proc = None
        if outcome == "ok" and proc.returncode != 0:
            outcome = "stopped" if self._stopping.is_set() else "failed"
        counters = parse_result(stdout)
        duration = time.monotonic() - t0
        logger.info(
            "crawl cycle %s in %.1fs (worker exit %s): %s",
            outcome,
            duration,
            proc.returncode,
            json.dumps(counters, sort_keys=True),
        )
        verdict = parse_status(stdout)
        return CycleResult(
            names, outcome, duration, started_at, proc.returncode, counters, *verdict
        )

    def _terminate(self, proc: subprocess.Popen[str]) -> None:
        """SIGTERM lets Scrapy close cleanly; SIGKILL after the grace period if it will not."""
        if proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=self._limits.stop_grace)
        except subprocess.TimeoutExpired:
            logger.warning("crawl worker %d ignored SIGTERM: killing it", proc.pid)
            proc.kill()
            proc.wait()

    def stop(self) -> None:
        """Stop taking cycles and end a running worker (used on shutdown and on lock loss)."""
        self._stopping.set()
        self._wake.set()
        with self._mutex:
            proc = self._proc
        if proc is not None:
            logger.info("stopping the running crawl worker %d", proc.pid)
            self._terminate(proc)


def parse_result(stdout: str) -> dict[str, int]:
    for line in reversed((stdout or "").splitlines()):
        if line.startswith(RESULT_PREFIX):
            try:
                data = json.loads(line[len(RESULT_PREFIX) :])
            except json.JSONDecodeError:
                break
            return {str(k): int(v) for k, v in data.items() if isinstance(v, int)}
    return {}


def parse_status(stdout: str) -> tuple[str | None, str]:
    """The worker's verdict on its cycle (status, reason), if its result line carries one."""
    for line in reversed((stdout or "").splitlines()):
        if line.startswith(RESULT_PREFIX):
            try:
                data = json.loads(line[len(RESULT_PREFIX) :])
            except json.JSONDecodeError:
                break
            return data.get("status"), str(data.get("status_reason") or "")
    return None, ""
