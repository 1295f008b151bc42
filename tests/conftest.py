"""Shared fixtures: databases (SQLite and real PostgreSQL), the local news site, the CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from monitor.demo.server import NewsSite
from monitor.store import db
from tests.site import MAX_PAGE_BYTES, build_test_site


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first (a stable sort): with ``-n 2`` the long real-process runs start at once
    and the short tests fill in around them, instead of one long run ending the suite alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
pytest_plugins = ["tests.fake_slack"]  # the fake_slack fixture

KEPT_ENV = ("NEWSMON_DATA_DIR", "NEWSMON_CACHE_DIR")  # the test's own folders reach the CLI
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    return os.environ.get("NEWSMON_TEST_POSTGRES_URL", DEFAULT_PG_URL)


@pytest.fixture(autouse=True)
def isolated_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test reads or writes the real user data dir (starter config, default database)."""
    data_dir = tmp_path_factory.mktemp("newsmon-data")
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture(autouse=True, scope="session")
def isolated_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One cache folder for the whole run (every xdist worker and the CLI's subprocesses): the
    sentence encoder is parsed once per run, never read from or left in the user's cache."""
    root = tmp_path_factory.getbasetemp()
    shared = (root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root) / "newsmon-cache"
    before = os.environ.get("NEWSMON_CACHE_DIR")
    os.environ["NEWSMON_CACHE_DIR"] = str(shared)
    yield shared
    if before is None:
        os.environ.pop("NEWSMON_CACHE_DIR", None)
    else:
        os.environ["NEWSMON_CACHE_DIR"] = before


def _postgres_reason() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        engine = create_engine(postgres_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: no PostgreSQL here
        return f"PostgreSQL not reachable at {postgres_admin_url()}: {type(exc).__name__}"


_PG_REASON = _postgres_reason()


def require_postgres() -> None:
    if _PG_REASON is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs PostgreSQL: {_PG_REASON}")
        pytest.skip(_PG_REASON)


@contextmanager
def scratch_postgres(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database (its URL), dropped on exit."""
    require_postgres()
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    with scratch_postgres("newsmon_test") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'newsmon.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per test process; tests get copies of it."""
    path = tmp_path_factory.mktemp("schema") / "head.sqlite3"
    eng = db.make_engine(f"sqlite:///{path}")
    db.upgrade(eng)
    eng.dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """A PostgreSQL database migrated to head once per test process, used only as a template."""
    with scratch_postgres("newsmon_head") as url:
        eng = db.make_engine(url)
        db.upgrade(eng)
        eng.dispose()
        yield str(make_url(url).database)


@pytest.fixture
def engine(database_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a database at head: a copy of one migrated per test process (migrating
    every test's database anew cost ~0.15 s each; tests/monitor/store/test_migrations.py runs
    the migrations themselves)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), str(url.database))
    else:
        template = request.getfixturevalue("migrated_postgres")
        admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{url.database}"'))
            conn.execute(text(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"'))
        admin.dispose()
    eng = db.make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return db.session_factory(engine)


@pytest.fixture
def news_site() -> Iterator[NewsSite]:
    with build_test_site() as site:
        yield site


def write_topic(path: Path, site: NewsSite, feeds: dict[str, str], **extra: Any) -> Path:
    """A topic YAML whose sources are ``feeds`` (name -> path) on the local site."""
    data: dict[str, Any] = yaml.safe_load(
        (REPO / "monitor" / "topics" / "default.yaml").read_text(encoding="utf-8")
    )
    data["sources"] = [{"name": name, "url": site.url(p)} for name, p in feeds.items()]
    data["crawl"] = {
        "allow_private_networks": ["127.0.0.1/32"],
        "autothrottle": False,
        "download_delay": 0,
        "timeout_seconds": 2,
        "retries": 1,
        "max_page_bytes": MAX_PAGE_BYTES,
        # a handful of pages: extract in the crawl's own process, as `ingest` and the demo do
        # (the extraction pool has its tests: tests/crawler/probe.py and the daemon's worker)
        "extract_in_process": True,
    }
    if isinstance(data.get("rules"), str):
        data["rules"] = str((REPO / "monitor" / "topics" / data["rules"]).resolve())
    data["alerts"]["pace_seconds"] = 0  # a fake Slack has no rate limit; pacing has its own test
    data.update(extra)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# Commands that never start Scrapy's reactor run in this process (Typer's runner): they need
# no process of their own, and a child would pay every import again. The others (crawl, run,
# demo, ingest of URLs) start the reactor, which runs once per process, so they get a child.
IN_PROCESS = frozenset(
    {"init", "sources", "positions", "stories", "export", "ingest", "digest", "feed"}
)


def _command(argv: list[str]) -> tuple[str | None, list[str]]:
    """The subcommand of a hoisted argv and its arguments."""
    from monitor.cli.app import GLOBAL_OPTIONS

    i = 0
    while i < len(argv) and argv[i].split("=", 1)[0] in GLOBAL_OPTIONS:
        i += 1 if "=" in argv[i] else 2
    return (argv[i], argv[i + 1 :]) if i < len(argv) else (None, [])


def run_newsmon(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI: in this process when it can, else in a child process."""
    from monitor.cli.app import hoist_global_options

    argv = hoist_global_options([str(a) for a in args])
    command, rest = _command(argv)
    urls = any(a.startswith(("http://", "https://")) for a in rest)
    if command in IN_PROCESS and not (command == "ingest" and urls):
        return _run_in_process(argv, env or {})
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSMON_", "SLACK_")) or k in KEPT_ENV
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=REPO,
    )


def _run_in_process(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``newsmon argv`` through Typer's runner, with the entry point's error handling."""
    from typer.testing import CliRunner

    from monitor.cli import app
    from monitor.cli.app import error_line

    unset: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith(("NEWSMON_", "SLACK_")) and k not in KEPT_ENV
    }
    from monitor.cli.app import console

    # A child reads COLUMNS when it starts; the shared console must too, for this run only.
    columns = env.get("COLUMNS") or os.environ.get("COLUMNS") or ""
    width = console._width
    console.width = int(columns) if columns.isdigit() else 80
    try:
        result = CliRunner().invoke(app, argv, env={**unset, **env}, prog_name="newsmon")
    finally:
        console._width = width
    stderr, code = result.stderr, result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        handled = error_line(result.exception, argv)
        if handled is None:
            raise result.exception
        stderr, code = stderr + handled[0] + "\n", handled[1]
    return subprocess.CompletedProcess(["newsmon", *argv], code, result.stdout, stderr)
