"""ingest, export and demo through the real CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from monitor.demo.server import SITE_DIR, NewsSite
from tests.conftest import run_newsmon, write_topic


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One ``newsmon demo`` run for the module: its output and the directory it kept."""
    where = tmp_path_factory.mktemp("demo")
    data = tmp_path_factory.mktemp("demo-data")
    result = run_newsmon("demo", "--keep", str(where / "demo"), env={"NEWSMON_DATA_DIR": str(data)})
    return result, where / "demo"


def _env(database_url: str, topic: Path | None = None) -> dict[str, str]:
    env = {"NEWSMON_DATABASE_URL": database_url}
    if topic:
        env["NEWSMON_CONFIG"] = str(topic)
    return env


def test_ingest_files_and_export_jsonl(database_url: str, tmp_path: Path) -> None:
    env = _env(database_url)
    assert run_newsmon("init", env=env).returncode == 0
    result = run_newsmon(
        "ingest",
        str(SITE_DIR / "nyt-security-guarantees.html"),
        str(SITE_DIR / "portugal-storm.html"),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "ingested 2 article(s), relevant 1" in result.stdout

    exported = run_newsmon("export", "--format", "jsonl", env=env)
    assert exported.returncode == 0, exported.stderr
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(records) == 2
    fields = {
        "id",
        "url",
        "canonical_url",
        "source",
        "title",
        "published",
        "language",
        "relevant",
        "text",
        "story_id",
        "duplicate_of",
        "claims",
        "events",
    }
    assert all(set(r) >= fields for r in records)
    nyt = next(r for r in records if "Security" in r["title"])
    assert (
        nyt["url"]
        == "https://www.nytimes.com/2025/09/04/world/europe/russia-ukraine-security-guarantees.html"
    )
    assert nyt["published"] == "2025-09-04T09:00:12+00:00"
    assert nyt["relevant"] is True and nyt["source"] is None

    assert run_newsmon("export", "--since", "2999-01-01", env=env).stdout == ""
    bad = run_newsmon("export", "--since", "yesterday", env=env)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_ingest_file_without_canonical_needs_url(database_url: str, tmp_path: Path) -> None:
    env = _env(database_url)
    assert run_newsmon("init", env=env).returncode == 0
    page = tmp_path / "saved.html"
    page.write_text(
        "<html><body><article><h1>Peskov on talks</h1><p>"
        + "Kremlin spokesman Dmitry Peskov said Russia rejects any NATO troops in Ukraine. " * 5
        + "</p></article></body></html>",
        encoding="utf-8",
    )
    refused = run_newsmon("ingest", str(page), env=env)
    assert refused.returncode == 2
    assert "saved.html: has no canonical link; give its URL with --url" in refused.stderr
    ok = run_newsmon("ingest", str(page), "--url", "https://example.org/peskov", env=env)
    assert ok.returncode == 0, ok.stderr
    exported = [json.loads(x) for x in run_newsmon("export", env=env).stdout.splitlines()]
    assert [r["url"] for r in exported] == ["https://example.org/peskov"]


def test_ingest_url_uses_the_crawler(
    database_url: str, news_site: NewsSite, tmp_path: Path
) -> None:
    env = _env(database_url, write_topic(tmp_path / "t.yaml", news_site, {}))
    assert run_newsmon("init", env=env).returncode == 0
    url = news_site.url("/wire/2025/09/05/kremlin-peskov-foreign-troops.html")
    result = run_newsmon("ingest", url, env=env)
    assert result.returncode == 0, result.stderr
    assert "ingested 1 article(s), relevant 1" in result.stdout
    assert news_site.hits_for("/wire/2025/09/05/kremlin-peskov-foreign-troops.html")


def test_demo_runs_a_full_cycle_offline(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, kept = demo
    assert result.returncode == 0, result.stderr
    assert (
        "sources polled 3 (not modified 0, failed 0), new entries 5, fetched 5, stored 5, relevant 4"
        in result.stdout
    )
    assert (kept / "demo.sqlite3").exists()
    assert (
        "SHIFT: Russia now accepts foreign troops in Ukraine; previously rejects" in result.stdout
    )
    assert "alerts sent to the console: 1" in result.stdout


def test_global_options_may_follow_the_command() -> None:
    from monitor.cli import hoist_global_options

    assert hoist_global_options(["crawl", "--once", "--config", "t.yaml"]) == [
        "--config",
        "t.yaml",
        "crawl",
        "--once",
    ]
    assert hoist_global_options(
        ["export", "--database-url=sqlite:///x", "--since", "2025-01-01"]
    ) == [
        "--database-url=sqlite:///x",
        "export",
        "--since",
        "2025-01-01",
    ]
    assert hoist_global_options(["ingest", "--", "--config"]) == ["ingest", "--", "--config"]


def test_positions_table_and_history_after_the_demo(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, kept = demo
    assert result.returncode == 0, result.stderr
    env = _env(f"sqlite:///{kept / 'demo.sqlite3'}")
    table = run_newsmon("positions", env=env)
    assert table.returncode == 0, table.stderr
    assert "foreign_troops" in table.stdout and "accepts" in table.stdout
    history = run_newsmon("positions", "--history", "foreign_troops", env={**env, "COLUMNS": "200"})
    assert history.returncode == 0, history.stderr
    assert "BASELINE" in history.stdout and "SHIFT" in history.stdout
    missing = run_newsmon("positions", "--history", "no_such_issue", env=env)
    assert (
        missing.returncode == 2
        and "no recorded position on issue 'no_such_issue'" in missing.stderr
    )
    exported = [json.loads(x) for x in run_newsmon("export", env=env).stdout.splitlines()]
    shifted = [r for r in exported if any(e["type"] == "SHIFT" for e in r["events"])]
    assert len(shifted) == 1
    assert shifted[0]["events"][0] == {
        "type": "SHIFT",
        "side": "russia",
        "issue": "foreign_troops",
        "stance": "accepts",
        "previous_stance": "rejects",
        "statement_date": "2025-09-10",
    }
    assert any(c["issue"] == "foreign_troops" for c in shifted[0]["claims"])
