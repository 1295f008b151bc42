"""reanalyse, positions and export through the real CLI: dates, baseline rows, idempotence."""

from __future__ import annotations

import json
from pathlib import Path

from monitor.demo.server import SITE_DIR
from tests.conftest import run_newsmon

UNDATED = """<html><head><title>Peskov on peacekeepers</title>
<link rel="canonical" href="https://undated.example.org/world/peskov-peacekeepers"></head><body>
<article><h1>Peskov on peacekeepers</h1>
<p>Kremlin spokesman Dmitry Peskov said on Sunday that Russia categorically rejects any
deployment of European peacekeepers in Ukraine, whatever mandate they might be given.</p>
<p>European ministers are due to meet again next week to discuss a reassurance force for Ukraine
and how it would be financed.</p></article>
<footer><p>Copyright 2025 Undated Example News. All rights reserved.</p></footer></body></html>"""


def test_reanalyse_prints_what_changed_and_a_second_run_nothing(
    database_url: str, tmp_path: Path
) -> None:
    env = {"NEWSMON_DATABASE_URL": database_url}
    assert run_newsmon("init", env=env).returncode == 0
    undated = tmp_path / "undated.html"
    undated.write_text(UNDATED, encoding="utf-8")
    result = run_newsmon(
        "ingest", str(SITE_DIR / "nyt-security-guarantees.html"), str(undated), env=env
    )
    assert result.returncode == 0, result.stderr

    records = [json.loads(line) for line in run_newsmon("export", env=env).stdout.splitlines()]
    page = next(r for r in records if "undated.example.org" in r["url"])
    assert page["published"] is None  # only a copyright line: no date
    assert page["claims"] and all(c["statement_date"] is None for c in page["claims"])

    dry = run_newsmon("reanalyse", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "nothing changed" in dry.stdout and "dry run" in dry.stdout
    again = run_newsmon("reanalyse", env=env)
    assert again.returncode == 0 and "nothing changed" in again.stdout, again.stdout

    table = run_newsmon("positions", env={**env, "COLUMNS": "250"})
    assert table.returncode == 0 and "(baseline)" in table.stdout

    bad = run_newsmon("reanalyse", "--since", "last week", env=env)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    assert "Traceback" not in bad.stderr
