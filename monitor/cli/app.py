"""The one CLI, ``newsmon``: global options, the lazily built configuration, and the entry point.

Commands live in the modules beside this one and import what they use inside their functions,
so ``newsmon --help`` and the read commands do not pay for Scrapy, trafilatura or Alembic.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from monitor.errors import InputError, NewsmonError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.config import AppConfig

console = Console(soft_wrap=True)  # piped output is not hard-wrapped

app = typer.Typer(
    name="newsmon",
    help="Watch the news on one topic, fold syndicated copies, track stated positions, alert.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@dataclass
class State:
    """Global options; the configuration and engine are built on first use, once."""

    config_path: Path | None = None
    database_url: str | None = None
    log_level: str | None = None
    _config: AppConfig | None = None
    _engine: Engine | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def config(self) -> AppConfig:
        if self._config is None:
            from monitor.config import load_config, settings_from_env

            settings = settings_from_env()
            overrides: dict[str, Any] = {}
            if self.database_url:
                overrides["database_url"] = self.database_url
            if self.log_level:
                overrides["log_level"] = self.log_level
            if self.config_path:
                overrides["config"] = self.config_path
            elif settings.config is None and (settings.data_dir / "topic.yaml").exists():
                overrides["config"] = settings.data_dir / "topic.yaml"
            if overrides:
                settings = settings_from_env(**overrides)
            self._config = load_config(settings)
        return self._config

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from monitor.store import db

            self._engine = db.make_engine(self.config.settings.database_url)
        return self._engine

    def close(self) -> None:
        """Release the engine's connections when the command ends (in-process runs reuse us)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def factory(self, *, check: bool = True) -> sessionmaker[Session]:
        from monitor.store import db

        if check:
            db.check_schema(self.engine)
        return db.session_factory(self.engine)


def _state(ctx: typer.Context) -> State:
    return ctx.ensure_object(State)


def setup_logging(level: str) -> None:
    """Handlers are configured in entry points only: JSON lines when not on a terminal."""
    from monitor.config import settings_from_env
    from monitor.logs import configure_logging, secrets_of

    if level.upper() not in LOG_LEVELS:
        raise InputError(f"--log-level takes {', '.join(LOG_LEVELS)}, not {level!r}")
    configure_logging(level.upper(), secrets=secrets_of(settings_from_env()))


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", help="Topic YAML (env NEWSMON_CONFIG).")
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="SQLAlchemy URL (env NEWSMON_DATABASE_URL)."),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option("--log-level", help="DEBUG, INFO, WARNING (env NEWSMON_LOG_LEVEL)."),
    ] = None,
) -> None:
    state = _state(ctx)
    state.config_path, state.database_url, state.log_level = config, database_url, log_level
    ctx.call_on_close(state.close)


def _summary_line(counters: Counter[str]) -> str:
    return (
        f"sources polled {counters['sources_polled']} "
        f"(not modified {counters['not_modified']}, failed {counters['sources_failed']}), "
        f"new entries {counters['new_entries']}, fetched {counters['fetched']}, "
        f"stored {counters['stored']}, relevant {counters['relevant']}, "
        f"failed {counters['fetch_failed'] + counters['sources_failed']}"
        + (
            f", left for later polls {counters['deferred_entries']}"
            if counters["deferred_entries"]
            else ""
        )
    )


def _parse_date(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} takes a date as YYYY-MM-DD, not {value!r}") from None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _ago(value: dt.datetime | None, now: dt.datetime) -> str:
    if value is None:
        return "never"
    seconds = int((now - value).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def _clip(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


GLOBAL_OPTIONS = ("--config", "--database-url", "--log-level")


def hoist_global_options(argv: list[str]) -> list[str]:
    """Let global options stand after the command too (`newsmon crawl --once --config t.yaml`)."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            if "=" in arg:
                front.append(arg)
            else:
                front.extend(argv[i : i + 2])
                i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


def main() -> None:
    """Console-script entry: our own errors print as one clear message, exit 2."""
    import monitor.cli  # noqa: F401  (registers every command on ``app``)

    argv = hoist_global_options(sys.argv[1:])
    try:
        app(args=argv, prog_name="newsmon")
    except Exception as exc:  # one line; the traceback only when debugging
        handled = error_line(exc, argv)
        if handled is None:
            raise
        typer.echo(handled[0], err=True)
        raise SystemExit(handled[1]) from None


def error_line(exc: BaseException, argv: list[str]) -> tuple[str, int] | None:
    """The one line and exit code for an error, or None to let it raise (--log-level DEBUG)."""
    if isinstance(exc, NewsmonError):
        return f"newsmon: error: {exc}", exc.exit_code
    if _debugging(argv):
        return None
    return f"newsmon: error: {unexpected_error(exc)}", 2 if _is_database_error(exc) else 1


def _debugging(argv: list[str]) -> bool:
    """--log-level DEBUG (or NEWSMON_LOG_LEVEL=DEBUG) keeps tracebacks."""
    import os

    level = os.environ.get("NEWSMON_LOG_LEVEL", "")
    for i, arg in enumerate(argv):
        if arg == "--log-level" and i + 1 < len(argv):
            level = argv[i + 1]
        elif arg.startswith("--log-level="):
            level = arg.split("=", 1)[1]
    return level.upper() == "DEBUG"


def _is_database_error(exc: BaseException) -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(exc, SQLAlchemyError)


def unexpected_error(exc: BaseException) -> str:
    """One line for an error we did not raise on purpose; database errors name the database."""
    if _is_database_error(exc):
        from monitor.cycle import database_error

        where = ""
        state_url = _database_url_hint()
        if state_url:
            where = f" ({state_url})"
        return f"{database_error(exc)}{where}"  # type: ignore[arg-type]
    text = str(exc).strip().splitlines()
    detail = text[0] if text else ""
    return f"{type(exc).__name__}: {detail} (run with --log-level DEBUG for the traceback)"


def _database_url_hint() -> str | None:
    """The database URL in use, password hidden, for error lines."""
    from monitor.store.db import LAST_URL

    return LAST_URL[0] if LAST_URL else None
