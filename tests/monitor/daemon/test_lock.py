"""One active scheduler per database, tested with real processes holding real locks."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from monitor.daemon.lock import (
    LockWatch,
    PostgresAdvisoryLock,
    SqliteFileLock,
    advisory_key,
    lock_for,
    wait_for_leadership,
)

PG_ADMIN_URL = os.environ.get(
    "NEWSMON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

HOLDER = textwrap.dedent(
    """
    import sys, threading
    from monitor.daemon.lock import LockWatch, lock_for, wait_for_leadership
    lock = lock_for(sys.argv[1])
    if wait_for_leadership(lock, threading.Event(), retry_every=0.2):
        print("LEADER", flush=True)
        lost = threading.Event()
        LockWatch(lock, lost.set, check_every=0.2).start()
        lost.wait()
        print("LOST", flush=True)
    """
)


class Holder:
    """A child process running the standby loop and reporting LEADER / LOST on stdout."""

    def __init__(self, url: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def expect(self, word: str, within: float) -> float:
        """Wait for ``word`` on stdout; returns the seconds it took."""
        start = time.monotonic()
        try:
            line = self.lines.get(timeout=within)
        except queue.Empty:
            raise AssertionError(f"no {word} within {within}s; stderr: {self._stderr()}") from None
        assert line == word, (line, self._stderr())
        return time.monotonic() - start

    def silent_for(self, seconds: float) -> bool:
        try:
            self.lines.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def _stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read() if self.proc.stderr else ""

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def holders() -> Iterator[list[Holder]]:
    started: list[Holder] = []
    yield started
    for holder in started:
        holder.kill()


def _pg_available() -> bool:
    try:
        engine = create_engine(
            PG_ADMIN_URL, poolclass=NullPool, connect_args={"connect_timeout": 2}
        )
        with engine.connect():
            return True
    except SQLAlchemyError:
        return False


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh schema in the test database; the URL selects it through search_path."""
    if not _pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI and unreachable at {PG_ADMIN_URL}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    schema = f"lock_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'newsmon.sqlite3'}"


def _standby_takes_over(url: str, holders: list[Holder]) -> None:
    first = Holder(url)
    holders.append(first)
    first.expect("LEADER", within=20)
    second = Holder(url)
    holders.append(second)
    assert second.silent_for(2.0), "a second scheduler took the lock while the first held it"
    first.proc.send_signal(signal.SIGKILL)
    took = second.expect("LEADER", within=10)
    assert took < 5, f"standby took {took:.1f}s to take over"


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_standby_takes_over_when_holder_is_killed(
    pg_schema_url: str, holders: list[Holder]
) -> None:
    _standby_takes_over(pg_schema_url, holders)


@pytest.mark.slow
def test_sqlite_standby_takes_over_when_holder_is_killed(
    sqlite_url: str, holders: list[Holder]
) -> None:
    _standby_takes_over(sqlite_url, holders)


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_holder_notices_its_session_was_terminated(
    pg_schema_url: str, holders: list[Holder]
) -> None:
    holder = Holder(pg_schema_url)
    holders.append(holder)
    holder.expect("LEADER", within=20)
    schema = pg_schema_url.rsplit("%3D", 1)[1]
    key = advisory_key(schema) & 0xFFFFFFFFFFFFFFFF
    admin = create_engine(PG_ADMIN_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        backend = conn.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid::bigint = :hi AND objid::bigint = :lo"
            ),
            {"hi": key >> 32, "lo": key & 0xFFFFFFFF},
        ).scalar_one()
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": backend})
    holder.expect("LOST", within=5)


@pytest.mark.postgres
def test_postgres_locks_are_per_schema(pg_schema_url: str) -> None:
    other = pg_schema_url.rsplit("%3D", 1)[0] + "%3Dpublic"
    a, b, c = (
        PostgresAdvisoryLock(pg_schema_url),
        PostgresAdvisoryLock(pg_schema_url),
        PostgresAdvisoryLock(other),
    )
    try:
        assert a.try_acquire()
        assert not b.try_acquire()
        assert c.try_acquire(), "a lock in another schema must not block this one"
        assert a.is_held() and not b.is_held()
        a.release()
        assert not a.is_held()
        assert b.try_acquire() and b.is_held()
    finally:
        for lock in (a, b, c):
            lock.release()


def test_sqlite_lock_lost_when_lock_file_is_deleted(sqlite_url: str, holders: list[Holder]) -> None:
    holder = Holder(sqlite_url)
    holders.append(holder)
    holder.expect("LEADER", within=20)
    lock_path = Path(sqlite_url.removeprefix("sqlite:///") + ".lock")
    assert lock_path.exists()
    lock_path.unlink()
    holder.expect("LOST", within=5)


def test_sqlite_lock_in_process_is_exclusive_and_released(tmp_path: Path) -> None:
    db = tmp_path / "data" / "newsmon.sqlite3"
    first, second = SqliteFileLock(db), SqliteFileLock(db)
    assert first.try_acquire() and first.is_held()
    assert not second.try_acquire()
    first.release()
    assert not first.is_held()
    assert second.try_acquire()
    second.release()


def test_standby_loop_returns_false_when_stopped(tmp_path: Path) -> None:
    db = tmp_path / "newsmon.sqlite3"
    holder = SqliteFileLock(db)
    assert holder.try_acquire()
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    assert wait_for_leadership(SqliteFileLock(db), stop, retry_every=0.1) is False
    assert time.monotonic() - started < 3
    holder.release()


def test_lock_watch_calls_back_once_on_loss(tmp_path: Path) -> None:
    lock = SqliteFileLock(tmp_path / "newsmon.sqlite3")
    assert lock.try_acquire()
    calls: list[float] = []
    watch = LockWatch(lock, lambda: calls.append(time.monotonic()), check_every=0.05)
    watch.start()
    time.sleep(0.3)
    assert calls == []
    lock.path.unlink()
    watch.join(timeout=3)
    assert len(calls) == 1 and not watch.is_alive()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("mysql://u@h/db", "unsupported database backend 'mysql'"),
        ("not a url", "not a database URL"),
    ],
)
def test_lock_for_rejects_what_cannot_be_locked(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        lock_for(url)


def test_unreachable_postgres_is_reported_once_per_outage(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    lock = PostgresAdvisoryLock(f"postgresql://postgres@127.0.0.1:{port}/test")
    caplog.set_level("DEBUG", logger="monitor.daemon.lock")
    assert not lock.try_acquire() and not lock.try_acquire() and not lock.try_acquire()
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "cannot reach the database" in warnings[0].getMessage()
    assert not lock.is_held()
