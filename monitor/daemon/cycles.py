"""Crawl cycles: every due source goes to one long-lived worker process, with a timeout.

Poll jobs mark sources due; the runner batches them into a cycle for the ``monitor.daemon.worker``
process it keeps running (one cycle at a time, a JSON line in, a result line out), and reports
each cycle to the daemon. The worker is replaced when it fails, when a cycle passes the timeout
(SIGTERM, then SIGKILL), after ``max_cycles`` cycles or when its memory passes ``max_rss_mib``:
cheap insurance against leaks in a process that lives for months.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from monitor.daemon.worker import FAILED_PREFIX, RESULT_PREFIX
from monitor.store.models import utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CycleLimits:
    """How long a cycle may run, how long a worker gets to stop, how long due sources gather."""

    timeout: float = 900.0
    stop_grace: float = 10.0
    batch_window: float = 0.2
    max_cycles: int = 500
    max_rss_mib: float = 1024.0


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
    """Runs the due sources' cycles, one at a time, in a worker process it keeps between cycles."""

    def __init__(
        self,
        command: Callable[[], list[str]],
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
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._served = 0  # cycles the current worker has run
        self._signalled: subprocess.Popen[str] | None = None  # the worker sent SIGTERM
        self._signal_lock = threading.Lock()
        self.workers_started = 0

    def mark_due(self, names: list[str]) -> None:
        if not names:
            return
        with self._mutex:
            self._due.update(names)
        self._wake.set()

    def run(self) -> None:
        try:
            self._serve()
        finally:
            # This thread ends the worker itself: the worker asked Linux to SIGKILL it when its
            # parent *thread* exits (PR_SET_PDEATHSIG), so returning first would kill it before
            # its stop handler ran, orphaning its extraction pool (the "leaked semaphore
            # objects" warning at every daemon stop).
            with self._mutex:
                proc = self._proc
            if proc is not None:
                self._terminate(proc)

    def _serve(self) -> None:
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

    def _worker(self) -> subprocess.Popen[str]:
        """The running worker, started anew when it died, aged out or grew past the ceiling."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            rss = rss_mib(proc.pid)
            if self._served < self._limits.max_cycles and rss < self._limits.max_rss_mib:
                return proc
            logger.info(
                "replacing the crawl worker %d after %d cycle(s) at %.0f MiB",
                proc.pid,
                self._served,
                rss,
            )
            self._retire(proc)
        proc = subprocess.Popen(
            self._command(),
            env=self._env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            text=True,
            bufsize=1,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(
            target=_pump, args=(proc, lines), name=f"worker-{proc.pid}-stdout", daemon=True
        ).start()
        self._proc, self._lines, self._served = proc, lines, 0
        self.workers_started += 1
        return proc

    def _retire(self, proc: subprocess.Popen[str]) -> None:
        """Close the worker's stdin (it stops after its cycle) and wait; kill it if it will not."""
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=self._limits.stop_grace)
        except (OSError, subprocess.TimeoutExpired):
            self._terminate(proc)

    def _run_cycle(self, names: list[str]) -> CycleResult:
        started_at, t0 = utcnow(), time.monotonic()
        logger.info("crawl cycle starting for %d source(s): %s", len(names), ", ".join(names))
        with self._mutex:
            if self._stopping.is_set():
                return CycleResult(names, "stopped", 0.0, started_at, None)
            proc = self._worker()
            lines = self._lines
        outcome, counters, result_line = "failed", {}, ""
        try:
            assert proc.stdin is not None
            proc.stdin.write(json.dumps({"sources": names}) + "\n")
            proc.stdin.flush()
            deadline = t0 + self._limits.timeout
            while True:
                try:
                    line = lines.get(timeout=min(1.0, max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    # Exited without a word; its pipe may stay open while children it left
                    # behind hold it, so the exit itself ends the wait, not the end of output.
                    if proc.poll() is not None:
                        break
                    if time.monotonic() >= deadline:
                        raise
                    continue
                if line is None:  # the worker exited
                    proc.wait()
                    break
                if line.startswith(RESULT_PREFIX):
                    outcome, counters, result_line = "ok", parse_result(line), line
                    break
                if line.startswith(FAILED_PREFIX):
                    break
        except queue.Empty:
            logger.error("crawl cycle exceeded %.0fs: stopping the worker", self._limits.timeout)
            self._terminate(proc)
            outcome = "timeout"
        except OSError:  # the worker died before it read the command
            proc.wait()
        self._served += 1
        if outcome != "ok":
            if self._stopping.is_set():
                outcome = "stopped"
            self._terminate(proc)  # a worker that failed a cycle is not trusted with the next
        duration = time.monotonic() - t0
        verdict = parse_status(result_line)
        # The worker answering is not the cycle succeeding: log its own verdict when it gave one.
        logger.info(
            "crawl worker %s in %.1fs (worker %d%s, cycle %s): %s",
            "answered" if outcome == "ok" else outcome,
            duration,
            proc.pid,
            "" if proc.returncode is None else f", exit {proc.returncode}",
            verdict[0] or "not judged",
            json.dumps(counters, sort_keys=True),
        )
        return CycleResult(
            names, outcome, duration, started_at, proc.returncode, counters, *verdict
        )

    def _terminate(self, proc: subprocess.Popen[str]) -> None:
        """SIGTERM lets Scrapy close cleanly; SIGKILL after the grace period if it will not."""
        if proc.poll() is not None:
            return
        self._ask_to_stop(proc)
        try:
            proc.wait(timeout=self._limits.stop_grace)
        except subprocess.TimeoutExpired:
            logger.warning("crawl worker %d ignored SIGTERM: killing it", proc.pid)
            proc.kill()
            proc.wait()

    def stop(self) -> None:
        """Stop taking cycles and ask the worker to stop (on shutdown and on lock loss); the
        cycles thread waits for it, and kills it after the grace period (``join`` to wait)."""
        self._stopping.set()
        self._wake.set()
        with self._mutex:
            proc = self._proc
        if proc is not None:
            self._ask_to_stop(proc)

    def _ask_to_stop(self, proc: subprocess.Popen[str]) -> None:
        """SIGTERM, once per worker: ``stop()`` and the cycles thread may both ask at once."""
        with self._signal_lock:
            if proc is self._signalled or proc.poll() is not None:
                return
            self._signalled = proc
            logger.info("stopping the crawl worker %d", proc.pid)
            proc.send_signal(signal.SIGTERM)


def _pump(proc: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    """The worker's stdout, line by line, into a queue the cycle can wait on with a timeout."""
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


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
