"""One active scheduler per database: a lock the daemon holds for its lifetime, and a standby loop.

PostgreSQL: a session-level advisory lock on a dedicated connection; the server drops it when the
session ends (process killed, connection lost), so a standby can take over. SQLite: an exclusive
``flock`` on a file beside the database; the kernel drops it when the process dies.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import filelock
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

logger = logging.getLogger(__name__)

LOCK_NAME = "newsmon.scheduler"
# libpq: detect a dead server or network within ~10-15 s instead of the kernel's hours.
PG_KEEPALIVE_ARGS = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
    "connect_timeout": 5,
}


class SchedulerLock(Protocol):
    """What the daemon needs from a lock: try to take it, check it is still ours, give it back."""

    description: str

    def try_acquire(self) -> bool: ...

    def is_held(self) -> bool: ...

    def release(self) -> None: ...


def advisory_key(namespace: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock, distinct per schema within one database."""
    digest = hashlib.blake2b(f"{LOCK_NAME}:{namespace}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresAdvisoryLock:
    """A session-level advisory lock held on a connection of its own for the process lifetime."""

    def __init__(self, url: str | URL) -> None:
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.description = f"advisory lock on {parsed.render_as_string(hide_password=True)}"
        self._engine: Engine = create_engine(
            parsed, poolclass=NullPool, connect_args=dict(PG_KEEPALIVE_ARGS)
        )
        self._conn: Connection | None = None
        self._key: int | None = None
        self._mutex = threading.Lock()
        self._unreachable = False

    def try_acquire(self) -> bool:
        """Take the lock if free; False if another session holds it or the server is unreachable."""
        with self._mutex:
            if self._conn is not None:
                return True
            try:
                conn = self._engine.connect()
            except SQLAlchemyError as exc:
                # Said once per outage: the standby loop retries every second.
                log = logger.debug if self._unreachable else logger.warning
                log("cannot reach the database for the scheduler lock: %s", _first_line(exc))
                self._unreachable = True
                return False
            self._unreachable = False
            try:
                # Autocommit: a session-level lock must not sit inside a transaction that stays open.
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                schema = conn.execute(text("SELECT current_schema()")).scalar_one()
                key = advisory_key(str(schema))
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one()
            except SQLAlchemyError as exc:
                conn.close()
                logger.warning("scheduler lock query failed: %s", _first_line(exc))
                return False
            if not got:
                conn.close()
                return False
            self._conn, self._key = conn, key
            return True

    def is_held(self) -> bool:
        """Ask the server whether our session still holds the lock; a dead connection means no."""
        with self._mutex:
            if self._conn is None or self._key is None:
                return False
            key = self._key & 0xFFFFFFFFFFFFFFFF
            try:
                held = self._conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                        " AND pid = pg_backend_pid() AND granted"
                        " AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1"
                    ),
                    {"hi": key >> 32, "lo": key & 0xFFFFFFFF},
                ).scalar_one()
            except SQLAlchemyError as exc:
                logger.error("lost the scheduler lock connection: %s", _first_line(exc))
                self._drop_connection()
                return False
            if not held:
                self._drop_connection()
            return bool(held)

    def release(self) -> None:
        with self._mutex:
            if self._conn is None:
                return
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            except SQLAlchemyError as exc:
                logger.debug("unlock failed (the session end releases it anyway): %s", exc)
            self._drop_connection()

    def _drop_connection(self) -> None:
        conn, self._conn, self._key = self._conn, None, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except SQLAlchemyError:
                logger.debug("closing a dead lock connection failed", exc_info=True)


class SqliteFileLock:
    """An exclusive flock on ``<database>.lock``; released by the kernel when the process dies."""

    def __init__(self, database_path: Path) -> None:
        self.path = Path(str(database_path) + ".lock")
        self.description = f"lock file {self.path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # No soft-lock fallback: a soft lock outlives a killed process and would block takeover.
        self._lock = filelock.FileLock(
            self.path,
            timeout=0,
            thread_local=False,
            fallback_to_soft=False,
            preserve_lock_file=True,
        )
        self._inode: tuple[int, int] | None = None

    def try_acquire(self) -> bool:
        if self._inode is not None:
            return True
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        st = os.stat(self.path)
        self._inode = (st.st_dev, st.st_ino)
        return True

    def is_held(self) -> bool:
        """Still ours while the lock file at the path is the inode we locked (not deleted/replaced)."""
        if self._inode is None or not self._lock.is_locked:
            return False
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            logger.error("the scheduler lock file %s was deleted", self.path)
            return False
        if (st.st_dev, st.st_ino) != self._inode:
            logger.error("the scheduler lock file %s was replaced", self.path)
            return False
        return True

    def release(self) -> None:
        if self._inode is None:
            return
        self._inode = None
        self._lock.release(force=True)


def lock_for(database_url: str) -> SchedulerLock:
    """The lock that fits the database: advisory for PostgreSQL, a lock file for SQLite."""
    try:
        parsed = make_url(database_url)
    except ArgumentError as exc:
        raise ValueError(f"NEWSMON_DATABASE_URL is not a database URL: {database_url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return PostgresAdvisoryLock(parsed)
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError(
                "newsmon run needs a database file or server; an in-memory SQLite database "
                "cannot be shared with the crawl worker"
            )
        return SqliteFileLock(Path(parsed.database).expanduser().resolve())
    raise ValueError(f"unsupported database backend {backend!r}: use sqlite or postgresql")


def wait_for_leadership(
    lock: SchedulerLock, stop: threading.Event, retry_every: float = 1.0
) -> bool:
    """Standby loop: try the lock every ``retry_every`` seconds until it is ours or ``stop`` is set."""
    announced = False
    while not stop.is_set():
        if lock.try_acquire():
            logger.info("took the scheduler lock (%s): this process schedules", lock.description)
            return True
        if not announced:
            logger.info("another newsmon scheduler holds the %s; standing by", lock.description)
            announced = True
        stop.wait(retry_every)
    return False


class LockWatch(threading.Thread):
    """Checks every few seconds that the lock is still ours; calls ``on_lost`` once if not."""

    def __init__(
        self, lock: SchedulerLock, on_lost: Callable[[], None], check_every: float = 2.0
    ) -> None:
        super().__init__(name="newsmon-lock-watch", daemon=True)
        self._lock = lock
        self._on_lost = on_lost
        self._check_every = check_every
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self._check_every):
            if not self._lock.is_held():
                logger.error(
                    "the scheduler lock (%s) was lost: stopping scheduling", self._lock.description
                )
                self._on_lost()
                return

    def stop(self) -> None:
        self._stop_event.set()


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
