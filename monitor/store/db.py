"""Engines and sessions; the schema is made and checked only through Alembic."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import ConfigError, SchemaOutOfDate

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# The migrations ship inside the package, so a wheel install finds them too.
MIGRATIONS = resources.files("monitor.store") / "migrations"
IN_CHUNK = 500  # bound parameters per IN (...) query; SQLite caps them

T = TypeVar("T")


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` in slices small enough for one ``IN (...)`` each."""
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


# The newest migration; a test holds it equal to Alembic's single head, so commands that only
# check the schema need not import Alembic.
HEAD_REVISION = "0007"
SQLITE_BUSY_TIMEOUT_MS = 30_000


LAST_URL: list[str] = []  # the database this process opened last, for one-line error messages


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets WAL, a busy timeout and foreign keys so CLI reads beside the daemon."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"NEWSMON_DATABASE_URL is not a database URL: {url!r}") from exc
    LAST_URL[:] = [parsed.render_as_string(hide_password=True)]
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """Alembic's single head, read from the scripts (tests and `init`; others use HEAD_REVISION)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    heads = script.get_heads()
    if len(heads) != 1:
        raise SchemaOutOfDate(f"migrations have {len(heads)} heads ({heads}); expected one")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in ``alembic_version``, or None on a database without the schema."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError) as exc:
            if "alembic_version" in str(exc):  # no such table: no schema yet
                return None
            raise
        except DBAPIError as exc:
            if isinstance(exc, DatabaseError) and not isinstance(exc, InterfaceError):
                raise
            return None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def check_schema(engine: Engine) -> None:
    """Refuse to run on a database whose schema is missing or older than the code."""
    current = current_revision(engine)
    head = HEAD_REVISION
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        state = "has no newsmon schema" if current is None else f"is at revision {current}"
        raise SchemaOutOfDate(
            f"the database {where} {state}, this newsmon needs {head}: run `newsmon init`"
        )
