"""The crawl worker: only the due sources, never an orphan, counters back, robots.txt kept warm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from monitor.daemon.cycles import parse_result
from monitor.daemon.worker import RESULT_PREFIX
from monitor.demo.server import Route
from monitor.store import db
from monitor.store.models import Source
from tests.growing_site import GrowingSite
from tests.monitor.daemon.daemon_harness import REPO, daemon_env, newsmon, write_topic


def test_worker_crawls_only_the_sources_it_is_given(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newsmon.sqlite3'}"
    with GrowingSite(["wire", "desk"], per_poll=2) as site:
        env = daemon_env(
            url, write_topic(tmp_path / "t.yaml", site, ["wire", "desk"], 60), tmp_path
        )
        assert newsmon(env, "init").returncode == 0
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor.daemon.worker",
                "--source",
                "desk",
                "--parent-pid",
                str(os.getpid()),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        desk_hits = len(site.site.hits_for("/feeds/desk.xml"))
        wire_hits = len(site.site.hits_for("/feeds/wire.xml"))
    assert (desk_hits, wire_hits) == (1, 0)
    line = next(row for row in result.stdout.splitlines() if row.startswith(RESULT_PREFIX))
    counters = json.loads(line[len(RESULT_PREFIX) :])
    assert counters["sources_polled"] == 1 and counters["stored"] == 2
    assert (counters.pop("status"), counters.pop("status_reason")) == ("ok", "")
    assert parse_result(result.stdout) == counters
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session:
        polled = {s.name: s.last_polled_at for s in session.scalars(select(Source))}
    assert polled["desk"] is not None and polled["wire"] is None


def test_worker_refuses_to_start_when_its_parent_is_gone(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "monitor.daemon.worker", "--source", "x", "--parent-pid", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert result.returncode != 0
    assert "parent 1 is gone" in result.stderr


def test_unknown_source_is_refused_by_crawl(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newsmon.sqlite3'}"
    with GrowingSite(["wire"]) as site:
        env = daemon_env(url, write_topic(tmp_path / "t.yaml", site, ["wire"], 60), tmp_path)
        assert newsmon(env, "init").returncode == 0
        result = newsmon(env, "crawl", "--once", "--source", "nope")
    assert result.returncode == 2
    assert "no enabled source named 'nope'" in result.stderr


def test_a_garbled_result_line_yields_no_counters() -> None:
    assert parse_result(f"noise\n{RESULT_PREFIX}{{not json\n") == {}
    assert parse_result("") == {}


ROBOTS = "/robots.txt"


def _cycles(
    env: dict[str, str], names: list[str], pauses: list[float], probe: Callable[[], int]
) -> list[tuple[dict[str, int], int]]:
    """One long-lived worker runs len(pauses) cycles of ``names``, pausing before each;
    each cycle's counters come with what ``probe`` says once it has answered."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "monitor.daemon.worker", "--parent-pid", str(os.getpid())],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )
    assert worker.stdin is not None and worker.stdout is not None
    results = []
    try:
        for pause in pauses:
            time.sleep(pause)
            worker.stdin.write(json.dumps({"sources": names}) + "\n")
            worker.stdin.flush()
            line = worker.stdout.readline()
            while line and not line.startswith(RESULT_PREFIX):
                line = worker.stdout.readline()
            assert line, "the worker ended without answering"
            results.append((parse_result(line), probe()))
        worker.stdin.close()
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    return results


def test_the_worker_asks_for_robots_txt_once_across_its_cycles(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newsmon.sqlite3'}"
    with GrowingSite(["wire"], per_poll=1) as site:
        env = daemon_env(url, write_topic(tmp_path / "t.yaml", site, ["wire"], 60), tmp_path)
        assert newsmon(env, "init").returncode == 0
        results = _cycles(env, ["wire"], [0, 0, 0, 0], lambda: len(site.site.hits_for(ROBOTS)))
    assert [r["stored"] for r, _ in results] == [1, 1, 1, 1]  # every cycle fetched a page
    assert [robots for _, robots in results] == [1, 1, 1, 1]


def test_the_worker_asks_again_once_robots_txt_max_age_passed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newsmon.sqlite3'}"
    with GrowingSite(["wire"], per_poll=1) as site:
        site.site.add(
            ROBOTS,
            Route(
                body=b"User-agent: *\nAllow: /\n",
                content_type="text/plain",
                headers={"Cache-Control": "max-age=2"},
            ),
        )
        env = daemon_env(url, write_topic(tmp_path / "t.yaml", site, ["wire"], 60), tmp_path)
        assert newsmon(env, "init").returncode == 0
        # the second cycle may come within the 2 s or not (a loaded machine); the third comes
        # 3 s after the second answered, past any copy's expiry, and must ask again
        results = _cycles(env, ["wire"], [0, 0, 3.0], lambda: len(site.site.hits_for(ROBOTS)))
    assert [r["stored"] for r, _ in results] == [1, 1, 1]
    robots = [n for _, n in results]
    assert robots[0] == 1 and robots[1] in (1, 2) and robots[2] == robots[1] + 1
