"""The crawl worker: only the due sources, never an orphan, counters back to the daemon."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from monitor.daemon.cycles import parse_result
from monitor.daemon.worker import RESULT_PREFIX
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
