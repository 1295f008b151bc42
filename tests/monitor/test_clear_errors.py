"""Every error a user can cause is one line naming the file, setting or input, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from monitor.store import db
from tests.conftest import run_newsmon
from tests.paths import REPO


def _topic(tmp_path: Path, **changes: object) -> Path:
    data = yaml.safe_load((REPO / "monitor" / "topics" / "default.yaml").read_text())
    if isinstance(data.get("rules"), str):
        data["rules"] = str((REPO / "monitor" / "topics" / data["rules"]).resolve())
    data.update(changes)
    path = tmp_path / "topic.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ok.sqlite3'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    return url


def _one_line(result, code: int = 2) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_topic_file_not_utf8(tmp_path: Path) -> None:
    topic = tmp_path / "t.yaml"
    topic.write_bytes(b"name: t\nsources: []\n# caf\xe9\n")
    line = _one_line(run_newsmon("--config", str(topic), "sources"))
    assert f"{topic}:3: not UTF-8 text" in line


@pytest.mark.parametrize("where", ["env", "option"])
def test_unknown_log_level(where: str, tmp_path: Path) -> None:
    if where == "env":
        result = run_newsmon("sources", env={"NEWSMON_LOG_LEVEL": "LOUD"})
        assert "NEWSMON_LOG_LEVEL: unknown log level 'LOUD'" in _one_line(result)
    else:
        result = run_newsmon("--log-level", "LOUD", "crawl", "--once")
        assert "--log-level: unknown log level 'LOUD'" in _one_line(result)


def test_database_url_at_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\n" * 200)
    for command in (["export"], ["init"], ["crawl", "--once"]):
        result = run_newsmon(*command, env={"NEWSMON_DATABASE_URL": f"sqlite:///{path}"})
        line = _one_line(result)
        assert "file is not a database" in line and str(path) in line


def test_corrupted_database_in_export(tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    path = tmp_path / "ok.sqlite3"
    data = bytearray(path.read_bytes())
    data[4096:] = b"\x5a" * (len(data) - 4096)
    path.write_bytes(bytes(data))
    line = _one_line(run_newsmon("export", env={"NEWSMON_DATABASE_URL": url}))
    assert "database error: database disk image is malformed" in line


def test_crawl_once_rejects_a_broken_template_as_run_does(tmp_path: Path) -> None:
    topic = _topic(tmp_path, alerts={"templates": {"SHIFT": "{{ side "}})
    env = {"NEWSMON_CONFIG": str(topic), "NEWSMON_DATABASE_URL": _migrated(tmp_path)}
    for command in (["crawl", "--once"], ["run"], ["alerts", "send"]):
        line = _one_line(run_newsmon(*command, env=env))
        assert f"{topic}: alerts.templates.SHIFT: not a valid Jinja2 template" in line


def test_misspelled_top_level_key_on_its_own_line(tmp_path: Path) -> None:
    topic = tmp_path / "t.yaml"
    topic.write_text("name: t\nsourcs:\n  - name: a\n    url: https://a.example/feed\n")
    line = _one_line(run_newsmon("--config", str(topic), "sources"))
    assert f"{topic}:2: field 'sourcs': unknown key 'sourcs' (did you mean 'sources'?)" in line


def test_ingest_inputs(tmp_path: Path) -> None:
    env = {"NEWSMON_DATABASE_URL": _migrated(tmp_path)}
    page = REPO / "monitor" / "demo" / "pages"
    html = next(page.glob("*.html")) if page.exists() else None
    target = html or (tmp_path / "a.html")
    if html is None:
        target.write_text("<html><body><p>x</p></body></html>")
    line = _one_line(run_newsmon("ingest", str(target), "--url", "not-a-url", env=env))
    assert "--url 'not-a-url' is not an http(s) URL" in line
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    line = _one_line(run_newsmon("ingest", str(passwd), "--url", "https://a.example/", env=env))
    assert f"{passwd}: not an HTML file" in line


def test_read_commands_say_what_they_found(tmp_path: Path) -> None:
    env = {"NEWSMON_DATABASE_URL": _migrated(tmp_path)}
    line = _one_line(run_newsmon("positions", "--side", "bogus", env=env))
    assert "--side: no side 'bogus'" in line and "russia" in line
    same = run_newsmon("positions", "--side", "Russia", env=env)
    assert same.returncode == 0 and "no positions recorded yet for side 'russia'" in same.stderr
    line = _one_line(run_newsmon("rules", "explain", "", env=env))
    assert "nothing to explain" in line
    dry = run_newsmon("alerts", "send", "--dry-run", env=env)
    assert dry.returncode == 0 and "no pending alerts" in dry.stderr and dry.stdout == ""


def test_demo_removes_its_temporary_directory(tmp_path: Path) -> None:
    env = {"TMPDIR": str(tmp_path)}
    result = run_newsmon("demo", env=env)
    assert result.returncode == 0, result.stderr
    assert "Russia" in result.stdout
    assert "*" not in "".join(line for line in result.stdout.splitlines() if "now" in line)
    assert not list(tmp_path.glob("newsmon-demo-*"))
