"""Run real `newsmon run` daemons against a growing local site (shared by daemon tests and soak)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.pool import NullPool

from monitor.store.models import Article, Run
from tests import paths
from tests.growing_site import GrowingSite

REPO = paths.REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_topic(path: Path, site: GrowingSite, feeds: list[str], interval_seconds: float) -> Path:
    data: dict[str, Any] = yaml.safe_load((REPO / "monitor/topics/default.yaml").read_text("utf-8"))
    data["sources"] = [
        {"name": name, "url": site.feed_url(name), "interval_minutes": interval_seconds / 60}
        for name in feeds
    ]
    data["crawl"] = {
        "allow_private_networks": ["127.0.0.1/32"],
        "autothrottle": False,
        "download_delay": 0,
        "timeout_seconds": 10,
        "retries": 1,
        "concurrent_per_domain": 2,
        "extract_workers": 1,
    }
    data["alerts"]["pace_seconds"] = 0  # a fake Slack has no rate limit
    if isinstance(data.get("rules"), str):
        data["rules"] = str((REPO / "monitor/topics" / data["rules"]).resolve())
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def daemon_env(database_url: str, topic: Path, data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSMON_", "SLACK_")) or k == "NEWSMON_CACHE_DIR"
    }
    env.update(
        NEWSMON_DATABASE_URL=database_url,
        NEWSMON_CONFIG=str(topic),
        NEWSMON_DATA_DIR=str(data_dir),
        NEWSMON_LOG_LEVEL="INFO",
    )
    return env


def newsmon(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        check=False,
    )


class DaemonProcess:
    """One `newsmon run` child with its health port; its log goes to a file for post-mortems."""

    def __init__(self, env: dict[str, str], log_path: Path, *extra: str) -> None:
        self.port = free_port()
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--health-port", str(self.port), *extra],
            env=env,
            stdout=self._log,
            stderr=self._log,
            cwd=REPO,
            start_new_session=True,  # a process group of its own, as under a terminal
        )

    def healthz(self) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=3) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as err:
            return json.loads(err.read())
        except OSError:
            return None

    def metric(self, name: str, **labels: str) -> float:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=3) as r:
                text = r.read().decode()
        except OSError:
            return float("nan")
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and sample.labels == labels:
                    return float(sample.value)
        return 0.0

    def role(self) -> str | None:
        body = self.healthz()
        return body["role"] if body else None

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, timeout: float = 40) -> int:
        self.signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_for(check: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> float:
    """Poll ``check`` until true; returns seconds waited; fails with ``what`` on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def engine_for(url: str) -> Engine:
    return create_engine(url, poolclass=NullPool)


def stored_urls(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(Article.url)).scalars())


def article_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Article)).scalar_one())


def open_runs(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(Run).where(Run.finished_at.is_(None))
            ).scalar_one()
        )


def marked_pids(marker: str, command: bytes = b"") -> list[int]:
    """Processes whose environment carries ``marker`` (the test's topic path) and whose command
    line holds ``command``: the daemon, its worker, the worker's forkserver and pool workers."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if command in cmdline and marker.encode() in environ:
            found.append(int(entry.name))
    return found


def worker_pids(marker: str) -> list[int]:
    """Crawl worker processes of the test's daemon."""
    return marked_pids(marker, b"monitor.daemon.worker")
