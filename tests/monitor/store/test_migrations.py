"""Alembic is the only way the schema is made: one head, up and down, models equal to the DDL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from monitor.errors import SchemaOutOfDate
from monitor.store import db
from monitor.store.models import Base


def test_single_head() -> None:
    assert len(ScriptDirectory(str(db.MIGRATIONS)).get_heads()) == 1


def test_upgrade_matches_models_and_downgrades_to_base(database_url: str) -> None:
    engine = db.make_engine(database_url)
    with pytest.raises(SchemaOutOfDate, match="has no newsmon schema.*newsmon init"):
        db.check_schema(engine)
    db.upgrade(engine)
    db.check_schema(engine)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
    db.downgrade(engine, "base")
    assert db.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_sqlite_uses_wal_and_busy_timeout(tmp_path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x' / 'n.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_head_revision_constant_is_alembics_single_head() -> None:
    """Commands check the schema against HEAD_REVISION without importing Alembic; it must not drift."""
    assert db.head_revision() == db.HEAD_REVISION
