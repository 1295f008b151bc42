"""Alembic environment: the engine comes from monitor.store.db (or NEWSMON_DATABASE_URL for the CLI)."""

from __future__ import annotations

from alembic import context
from monitor.store.models import Base

config = context.config
target_metadata = Base.metadata


def _engine():  # type: ignore[no-untyped-def]
    engine = config.attributes.get("engine")
    if engine is None:
        from monitor.config import Settings
        from monitor.store.db import make_engine

        engine = make_engine(Settings().database_url)
    return engine


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("newsmon migrations run online only: use `newsmon init`")
run_migrations_online()
