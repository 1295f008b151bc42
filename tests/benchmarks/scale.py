"""Scale-out: 5,000 feeds on the local site polled by 1, 2 and 3 `newsmon worker` processes.

Each configuration gets a fresh PostgreSQL database and Redis namespace; the workers are
started and idle before the 5,000 sources are queued (batches of 20, as the leader queues them),
and the clock runs until every batch is done. The baseline is one long-lived crawl worker
without Redis (the daemon's own, fed the same batches over its stdin pipe), in the same run:
``queue_overhead`` is 1 worker over Redis against it. Feeds are unchanged-free RSS documents
with no entries, so the figure is the cost of a poll. One JSON line.

    python tests/benchmarks/scale.py [--feeds 5000] [--workers 1,2,3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import create_engine, make_url, text

from monitor.daemon.crawlqueue import CrawlQueue
from tests.conftest import postgres_admin_url
from tests.growing_site import GrowingSite
from tests.monitor.daemon.daemon_harness import REPO, daemon_env, newsmon, write_topic

REDIS_URL = "redis://127.0.0.1:6379/0"
BATCH = 20


def fresh_database() -> tuple[str, str]:
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"newsmon_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(postgres_admin_url()).set(database=name)
    return url.render_as_string(hide_password=False), name


def drop_database(name: str) -> None:
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepared_env(site: GrowingSite, feeds: list[str], workdir: Path) -> tuple[dict[str, str], str]:
    url, name = fresh_database()
    topic = write_topic(workdir / "topic.yaml", site, feeds, 3600)
    env = daemon_env(url, topic, workdir / "data")
    env["NEWSMON_LOG_LEVEL"] = "WARNING"
    if newsmon(env, "init").returncode != 0:
        raise SystemExit("newsmon init failed")
    # The sources table, as the leader keeps it (workers only read it).
    if newsmon(env, "crawl", "--once", "--source", feeds[0], timeout=300).returncode != 0:
        raise SystemExit("the first crawl failed")
    return env, name


def baseline(env: dict[str, str], feeds: list[str]) -> float:
    """Polls per second of one long-lived worker fed the batches over its pipe (no Redis)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor.daemon.worker", "--parent-pid", str(os.getpid())],
        env=env,
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert proc.stdin is not None and proc.stdout is not None

    def one(batch: list[str]) -> None:
        proc.stdin.write(json.dumps({"sources": batch}) + "\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("newsmon-worker-"):
                return
        raise SystemExit("the worker died")

    one(feeds[:1])  # warm
    started = time.monotonic()
    for start in range(0, len(feeds), BATCH):
        one(feeds[start : start + BATCH])
    took = time.monotonic() - started
    proc.stdin.close()
    proc.wait(timeout=60)
    return len(feeds) / took


def over_redis(env: dict[str, str], feeds: list[str], workers: int, workdir: Path) -> float:
    namespace = f"newsmon-bench-{uuid.uuid4().hex[:8]}"
    env = dict(env, NEWSMON_QUEUE_URL=REDIS_URL, NEWSMON_QUEUE_NAMESPACE=namespace)
    queue = CrawlQueue(REDIS_URL, namespace)
    logs = [workdir / f"w{workers}-{i}.log" for i in range(workers)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "monitor", "worker"],
            env=env,
            cwd=REPO,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]

    def done() -> int:
        return sum(log.read_text(errors="replace").count("newsmon-worker-result") for log in logs)

    try:
        queue.enqueue(feeds[:workers], batch=1)  # one warm-up batch each
        while done() < workers:
            time.sleep(0.2)
        started = time.monotonic()
        expected = workers + queue.enqueue(feeds, batch=BATCH)
        while done() < expected:
            if any(p.poll() is not None for p in procs):
                raise SystemExit(f"a worker died: {logs}")
            time.sleep(0.1)
        return len(feeds) / (time.monotonic() - started)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
        queue.purge()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=5000)
    parser.add_argument("--workers", default="1,2,3")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    feeds = [f"s{i:05d}" for i in range(args.feeds)]
    load_before = [round(x, 2) for x in os.getloadavg()]
    result: dict[str, Any] = {"benchmark": "scale", "feeds": args.feeds, "batch": BATCH}
    with tempfile.TemporaryDirectory(prefix="newsmon-scale-") as tmp, GrowingSite(feeds) as site:
        site.growing = False  # empty, unchanging feeds: the cost of a poll
        workdir = Path(tmp)
        env, name = prepared_env(site, feeds, workdir)
        try:
            result["single_process_no_redis_polls_per_s"] = round(baseline(env, feeds), 1)
        finally:
            drop_database(name)
        for n in counts:
            env, name = prepared_env(site, feeds, workdir)
            try:
                result[f"workers_{n}_polls_per_s"] = round(over_redis(env, feeds, n, workdir), 1)
            finally:
                drop_database(name)
    base = result["single_process_no_redis_polls_per_s"]
    if "workers_1_polls_per_s" in result:
        result["queue_overhead"] = round(1 - result["workers_1_polls_per_s"] / base, 3)
    for n in counts:
        result[f"speedup_{n}_vs_single"] = round(result[f"workers_{n}_polls_per_s"] / base, 2)
    result["cores"] = os.cpu_count()
    result["load_average_before"] = load_before
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
