"""Soak: `newsmon run` against feeds that gain items every poll, ~1 s interval, N cycles.

Prints one JSON line: errors, items served vs stored (each once), the resident memory of the
daemon, of its long-lived crawl worker alone and of the worker with the extraction pool's
processes, after cycle 30 (the baseline) and after the last cycle as ratios, the memory
curves, cycle outcomes, and cycle time median/p99 with the drift of the last 30 cycles against
the first 30.

    python tests/benchmarks/soak.py [--cycles 300] [--feeds 2] [--interval 1.0] [--database-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.growing_site import GrowingSite
from tests.monitor.daemon.daemon_harness import (
    DaemonProcess,
    daemon_env,
    engine_for,
    newsmon,
    stored_urls,
    wait_for,
    write_topic,
)

BASELINE_CYCLE = 30
CYCLE_LINE = re.compile(r"crawl worker (answered|failed|timeout|stopped) in ([0-9.]+)s")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (the crawl worker, its forkserver and extraction pool)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        below = children(todo.pop())
        found += below
        todo += below
    return found


def tree_rss_kib(pid: int, processes: Callable[[int], list[int]] = descendants) -> int:
    """Resident memory of the processes below the daemon (0 when none runs); with
    ``processes=children``, of the crawl worker alone (without its extraction pool)."""
    total = 0
    for child in processes(pid):
        with contextlib.suppress(OSError, RuntimeError):
            total += rss_kib(child)
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def soak(cycles: int, feeds: int, interval: float, database_url: str | None, workdir: Path) -> dict:
    names = [f"feed{i}" for i in range(1, feeds + 1)]
    url = database_url or f"sqlite:///{workdir / 'soak.sqlite3'}"
    with GrowingSite(names, per_poll=1) as site:
        topic = write_topic(workdir / "topic.yaml", site, names, interval)
        env = daemon_env(url, topic, workdir / "data")
        init = newsmon(env, "init")
        if init.returncode != 0:
            raise SystemExit(f"newsmon init failed: {init.stderr}")
        daemon = DaemonProcess(env, workdir / "daemon.log")
        started = time.monotonic()
        curve: dict[int, int] = {}
        worker_curve: dict[int, int] = {}
        own_curve: dict[int, int] = {}
        done = 0
        try:
            while done < cycles:
                if daemon.proc.poll() is not None:
                    raise SystemExit(f"the daemon exited early: {daemon.log()[-2000:]}")
                counts = [
                    daemon.metric("newsmon_cycles_total", outcome=o)
                    for o in ("ok", "failed", "timeout")
                ]
                if not any(math.isnan(c) for c in counts):  # NaN: health port not up yet
                    done = int(sum(counts))
                step = (done // BASELINE_CYCLE) * BASELINE_CYCLE
                if step and step not in curve:
                    curve[step] = rss_kib(daemon.proc.pid)
                    worker_curve[step] = tree_rss_kib(daemon.proc.pid)
                    own_curve[step] = tree_rss_kib(daemon.proc.pid, children)
                time.sleep(0.1)
            rss_end = rss_kib(daemon.proc.pid)
            worker_end = tree_rss_kib(daemon.proc.pid)
            own_end = tree_rss_kib(daemon.proc.pid, children)
            soak_seconds = time.monotonic() - started
            site.growing = False
            served = site.all_article_urls()
            engine = engine_for(url)
            wait_for(lambda: set(stored_urls(engine)) >= served, 120, "every served item stored")
            code = daemon.stop()
        finally:
            if daemon.proc.poll() is None:
                daemon.kill()
        log = daemon.log()
        urls = stored_urls(engine)
    outcomes = CYCLE_LINE.findall(log)
    durations = [float(d) for o, d in outcomes]
    errors = [
        line for line in log.splitlines() if '"level": "ERROR"' in line or "Traceback" in line
    ]
    rss_base = curve.get(BASELINE_CYCLE)
    worker_base = worker_curve.get(BASELINE_CYCLE)
    own_base = own_curve.get(BASELINE_CYCLE)
    return {
        "benchmark": "soak",
        "database": url.split(":", 1)[0],
        "cycles": len(outcomes),
        "cycles_failed": sum(1 for o, _ in outcomes if o != "answered"),
        "error_log_lines": len(errors),
        "exit_code": code,
        "items_served": len(served),
        "items_stored": len(urls),
        "items_stored_twice": len(urls) - len(set(urls)),
        "items_missing": len(served - set(urls)),
        "rss_kib_after_cycle_30": rss_base,
        f"rss_kib_after_cycle_{cycles}": rss_end,
        "rss_ratio_end_vs_30": round(rss_end / rss_base, 3) if rss_base else None,
        "rss_curve_kib": curve,
        "worker_rss_kib_after_cycle_30": worker_base,
        f"worker_rss_kib_after_cycle_{cycles}": worker_end,
        "worker_rss_ratio_end_vs_30": round(worker_end / worker_base, 3) if worker_base else None,
        "worker_rss_curve_kib": worker_curve,
        # the crawl worker process alone (the figures above add its forkserver and pool)
        "worker_own_rss_kib_after_cycle_30": own_base,
        f"worker_own_rss_kib_after_cycle_{cycles}": own_end,
        "worker_own_rss_ratio_end_vs_30": round(own_end / own_base, 3) if own_base else None,
        "worker_own_rss_curve_kib": own_curve,
        "cycle_outcomes": dict(Counter(o for o, _ in outcomes)),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cycle_seconds_median": round(statistics.median(durations), 3) if durations else None,
        "cycle_seconds_p99": round(percentile(durations, 0.99), 3) if durations else None,
        "cycle_time_drift_last30_vs_first30": (
            round(statistics.median(durations[-30:]) / statistics.median(durations[:30]), 3)
            if len(durations) >= 60
            else None
        ),
        "soak_seconds": round(soak_seconds, 1),
        "first_error": errors[0][:300] if errors else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--feeds", type=int, default=2)
    parser.add_argument("--interval", type=float, default=1.0, help="source interval, seconds")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with tempfile.TemporaryDirectory(prefix="newsmon-soak-") as tmp:
        result = soak(args.cycles, args.feeds, args.interval, args.database_url, Path(tmp))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
