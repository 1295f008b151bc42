"""The one CLI, ``newsmon``: builds the configuration once and hands it down."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor import db, store
from monitor.config import AppConfig, Settings, load_config
from monitor.errors import InputError, NewsmonError
from monitor.pipeline import AnalysisContext, analyse_pending

logger = logging.getLogger("newsmon")
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
            settings = Settings()
            overrides: dict[str, Any] = {}
            if self.database_url:
                overrides["database_url"] = self.database_url
            if self.log_level:
                overrides["log_level"] = self.log_level.upper()
            if self.config_path:
                overrides["config"] = self.config_path
            elif settings.config is None and (settings.data_dir / "topic.yaml").exists():
                overrides["config"] = settings.data_dir / "topic.yaml"
            if overrides:
                settings = settings.model_copy(update=overrides)
            self._config = load_config(settings)
        return self._config

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = db.make_engine(self.config.settings.database_url)
        return self._engine

    def factory(self, *, check: bool = True) -> sessionmaker[Session]:
        if check:
            db.check_schema(self.engine)
        return db.session_factory(self.engine)


def _state(ctx: typer.Context) -> State:
    return ctx.ensure_object(State)


def setup_logging(level: str) -> None:
    """Handlers are configured in entry points only: JSON lines when not on a terminal."""
    from monitor.logs import configure_logging, secrets_of

    configure_logging(level, secrets=secrets_of(Settings()))


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
        str | None, typer.Option("--log-level", help="DEBUG, INFO, WARNING (env NEWSMON_LOG_LEVEL).")
    ] = None,
) -> None:
    state = _state(ctx)
    state.config_path, state.database_url, state.log_level = config, database_url, log_level


def _summary_line(counters: Counter[str]) -> str:
    return (
        f"sources polled {counters['sources_polled']} "
        f"(not modified {counters['not_modified']}, failed {counters['sources_failed']}), "
        f"new entries {counters['new_entries']}, fetched {counters['fetched']}, "
        f"stored {counters['stored']}, relevant {counters['relevant']}, "
        f"failed {counters['fetch_failed'] + counters['sources_failed']}"
    )


@app.command()
def init(ctx: typer.Context) -> None:
    """Create or upgrade the database (Alembic `upgrade head`) and write a starter topic config."""
    state = _state(ctx)
    cfg = state.config
    setup_logging(cfg.settings.log_level)
    db.upgrade(state.engine)
    where = state.engine.url.render_as_string(hide_password=True)
    console.print(f"database ready at {where} (revision {db.current_revision(state.engine)})")
    starter = cfg.settings.data_dir / "topic.yaml"
    if state.config_path is None and cfg.settings.config is None and not starter.exists():
        starter.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cfg.topic_path, starter)
        console.print(f"starter topic config written to {starter}: edit it to change sources")
    else:
        console.print(f"topic config: {cfg.topic_path}")


def crawl_once(
    state: State, article_urls: list[str] | None = None, only_sources: list[str] | None = None
) -> Counter[str]:
    """Poll every enabled source (or ``only_sources``) once, or fetch the given URLs; analyse."""
    from crawler.run import run_crawl

    cfg = state.config
    factory = state.factory()
    sources = [] if article_urls else [s for s in cfg.topic.sources if s.enabled]
    if only_sources is not None:
        unknown = sorted(set(only_sources) - {s.name for s in sources})
        if unknown:
            raise InputError(f"no enabled source named {', '.join(map(repr, unknown))}")
        sources = [s for s in sources if s.name in only_sources]
    with factory.begin() as session:
        store.sync_sources(session, cfg.topic.sources)
        run_id = store.start_run(session, "crawl" if not article_urls else "ingest").id
    status = console.status("crawling…") if console.is_terminal else None
    sink = store.StoreSink(
        factory,
        on_progress=(
            lambda c: status.update(
                f"crawling: {c['polled']}/{len(sources)} sources polled, "
                f"{c['stored']} articles stored, {c['fetch_failed']} failed"
            )
        )
        if status
        else None,
    )
    error: str | None = None
    counters: Counter[str] = Counter()
    scrapy_level = "DEBUG" if cfg.settings.log_level == "DEBUG" else "WARNING"
    try:
        if status:
            status.start()
        try:
            stats = run_crawl(
                sources, sink, cfg.topic.crawl, log_level=scrapy_level,
                article_urls=article_urls or [],
            )
        finally:
            if status:
                status.stop()
        counters.update({k: v for k, v in vars(stats).items()})
        counters["stored"] = sink.counters["stored"]
        counters.update(analyse_pending(factory, AnalysisContext.build(cfg, factory)))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        with factory.begin() as session:
            store.finish_run(session, run_id, dict(counters), error)
    return counters


@app.command()
def crawl(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Poll every source once, then exit.")] = False,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only this source (repeatable).")
    ] = None,
) -> None:
    """Poll every source once, fetch new articles, analyse them, and print a summary."""
    if not once:
        raise InputError("crawl runs one cycle: pass --once (the daemon is `newsmon run`)")
    state = _state(ctx)
    setup_logging(state.config.settings.log_level)
    counters = crawl_once(state, only_sources=source or None)
    typer.echo(_summary_line(counters))


@app.command()
def run(
    ctx: typer.Context,
    health_port: Annotated[
        int | None,
        typer.Option("--health-port", help="Serve /healthz, /metrics and /events.atom on PORT."),
    ] = None,
    health_host: Annotated[
        str,
        typer.Option(
            "--health-host",
            help="Address for the health server; 0.0.0.0 inside a container for Prometheus.",
        ),
    ] = "127.0.0.1",
    cycle_timeout: Annotated[
        float,
        typer.Option("--cycle-timeout", min=1, help="Seconds before a crawl cycle's worker is stopped."),
    ] = 900.0,
) -> None:
    """Run the daemon: poll, analyse, alert and digest until SIGTERM (one active per database)."""
    from monitor.logs import configure_logging, secrets_of
    from monitor.scheduler import Daemon, DaemonOptions

    state = _state(ctx)
    cfg = state.config
    configure_logging(cfg.settings.log_level, secrets=secrets_of(cfg.settings))
    db.check_schema(state.engine)
    options = DaemonOptions(
        health_port=health_port, health_host=health_host, cycle_timeout=cycle_timeout
    )
    raise typer.Exit(Daemon(cfg, state.engine, options).run())


@app.command()
def ingest(
    ctx: typer.Context,
    paths_or_urls: Annotated[list[str], typer.Argument(help="Saved HTML files or http(s) URLs.")],
    url: Annotated[
        str | None,
        typer.Option("--url", help="URL for a file without a canonical link (one file only)."),
    ] = None,
) -> None:
    """Analyse saved HTML files or URLs as if crawled (a file's URL: its canonical link, or --url)."""
    from crawler.extract import extract_article

    state = _state(ctx)
    setup_logging(state.config.settings.log_level)
    urls = [p for p in paths_or_urls if p.startswith(("http://", "https://"))]
    files = [Path(p) for p in paths_or_urls if p not in urls]
    if url and len(files) != 1:
        raise InputError("--url names the URL of exactly one file")
    factory = state.factory()
    extracted_pages = []
    for path in files:  # every file is checked before anything is stored
        try:
            page = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        extracted = extract_article(page, url or path.resolve().as_uri())
        if extracted is None:
            typer.echo(f"{path}: no article text found; skipped", err=True)
            continue
        page_url = url or extracted.canonical_url
        if not page_url or not page_url.startswith(("http://", "https://")):
            raise InputError(f"{path}: has no canonical link; give its URL with --url")
        extracted.url = page_url
        extracted_pages.append(extracted)
    for extracted in extracted_pages:
        with factory.begin() as session:
            store.save_article(session, extracted, source=None)
    stored = len(extracted_pages)
    counters: Counter[str] = Counter(stored=stored)
    if urls:
        counters.update(crawl_once(state, article_urls=urls))
    else:
        counters.update(analyse_pending(factory, AnalysisContext.build(state.config, factory)))
    typer.echo(
        f"ingested {counters['stored']} article(s), relevant {counters['relevant']}, "
        f"failed {counters['fetch_failed']}"
    )


def _parse_date(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} takes a date as YYYY-MM-DD, not {value!r}") from None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc)


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def article_record(article: Any, events: list[Any]) -> dict[str, Any]:
    """One export line (the stable interface in SPEC.md)."""
    return {
        "id": article.id,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "source": article.source.name if article.source else None,
        "title": article.title,
        "published": _iso(article.published),
        "language": article.language,
        "relevant": article.relevant,
        "text": article.text,
        "story_id": article.story_id,
        "duplicate_of": article.duplicate_of,
        "claims": [
            {
                "side": c.side, "actor": c.actor, "issue": c.issue, "stance": c.stance,
                "evidence": c.evidence, "statement_date": _iso(c.statement_date),
            }
            for c in sorted(article.claims, key=lambda c: c.id)
        ],
        "events": [
            {
                "type": e.type, "side": e.side, "issue": e.issue, "stance": e.stance,
                "previous_stance": e.previous_stance, "statement_date": _iso(e.statement_date),
            }
            for e in events
        ],
    }


@app.command()
def export(
    ctx: typer.Context,
    format: Annotated[str, typer.Option("--format", help="Only jsonl.")] = "jsonl",
    since: Annotated[
        str | None, typer.Option("--since", help="Articles fetched on or after YYYY-MM-DD.")
    ] = None,
) -> None:
    """Write one JSON object per article to stdout (id, url, ..., claims, events)."""
    if format != "jsonl":
        raise InputError(f"unknown format {format!r}; the only format is jsonl")
    state = _state(ctx)
    since_dt = _parse_date(since, "--since")
    with state.factory()() as session:
        for article, events in store.articles_for_export(session, since_dt):
            sys.stdout.write(json.dumps(article_record(article, events), ensure_ascii=False) + "\n")


def _ago(value: dt.datetime | None, now: dt.datetime) -> str:
    if value is None:
        return "never"
    seconds = int((now - value).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


@app.command()
def sources(ctx: typer.Context) -> None:
    """Source health: last success, last error, failures in a row, items in 24 h."""
    state = _state(ctx)
    now = dt.datetime.now(dt.timezone.utc)
    with state.factory()() as session:
        rows = store.source_health(session, now)
    table = Table(title="sources")
    for column in ("name", "kind", "last success", "last error", "failures", "items 24h"):
        table.add_column(column)
    for row in rows:
        error = f"{row.last_error} ({_ago(row.last_error_at, now)})" if row.last_error else ""
        table.add_row(
            row.name, row.kind, _ago(row.last_success_at, now), error,
            str(row.consecutive_failures), str(row.items_24h),
        )
    console.print(table)


@app.command()
def stories(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", help="Stories seen on or after YYYY-MM-DD.")
    ] = None,
) -> None:
    """Stories: the original (title, site), the sites its copies appeared on, first/last seen."""
    state = _state(ctx)
    since_dt = _parse_date(since, "--since")
    now = dt.datetime.now(dt.timezone.utc)
    with state.factory()() as session:
        rows = store.stories_since(session, since_dt)
    table = Table(title="stories")
    for column in ("story", "original", "site", "also on", "first seen", "last seen"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id), row.title or "", row.original_domain or "",
            ", ".join(row.copy_domains), _ago(row.first_seen_at, now), _ago(row.last_seen_at, now),
        )
    console.print(table)


@app.command()
def demo(
    ctx: typer.Context,
    keep: Annotated[
        Path | None, typer.Option("--keep", help="Keep the demo database in this directory.")
    ] = None,
) -> None:
    """Serve bundled sample pages on 127.0.0.1 and run one full cycle against a temporary database."""
    from monitor.demo.server import DEMO_FEEDS, demo_site

    state = _state(ctx)
    setup_logging(state.log_level or "WARNING")
    workdir = Path(keep or tempfile.mkdtemp(prefix="newsmon-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    with demo_site() as site:
        topic = workdir / "demo-topic.yaml"
        base = state.config_path or Settings().config
        import yaml

        from monitor.config import DEFAULT_TOPIC

        data = yaml.safe_load(Path(base or DEFAULT_TOPIC).read_text(encoding="utf-8"))
        data["sources"] = [
            {"name": title, "url": site.url(path)} for path, (title, _) in DEMO_FEEDS.items()
        ]
        data["crawl"] = {
            "allow_private_networks": ["127.0.0.1/32"], "autothrottle": False,
            "download_delay": 0, "timeout_seconds": 10, "retries": 0,
        }
        if isinstance(data.get("rules"), str):
            data["rules"] = str((Path(base or DEFAULT_TOPIC).parent / data["rules"]).resolve())
        topic.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        state.config_path = topic
        state.database_url = f"sqlite:///{workdir / 'demo.sqlite3'}"
        # The demo never posts anywhere: alerts go to this terminal whatever SLACK_* says.
        state._config = load_config(
            Settings().model_copy(update={
                "config": topic, "database_url": state.database_url, "slack_bot_token": None,
                "slack_channel": None, "slack_webhook_url": None,
            })
        )
        db.upgrade(state.engine)
        console.print(f"demo site on {site.url('/')}, database {state.database_url}")
        counters = crawl_once(state)
    typer.echo(_summary_line(counters))
    _show_demo_results(state)


GLOBAL_OPTIONS = ("--config", "--database-url", "--log-level")


rules_app = typer.Typer(help="Inspect the topic's rules.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@rules_app.command("explain")
def rules_explain(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Sentence(s) to analyse, as in an article.")],
    date: Annotated[
        str | None, typer.Option("--date", help="Article date YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Print each claim found with its rule, cue and actor spans, or why a sentence has none."""
    from monitor.rules import topic_ruleset
    from monitor.rules.explain import explain, render

    config = _state(ctx).config
    ruleset = topic_ruleset(config.topic.rules, config.topic_path)
    parsed = _parse_date(date, "--date")
    article_date = parsed.date() if parsed else dt.date.today()
    typer.echo(render(explain(text, article_date, ruleset)))


# -- alerts, digest, feed ------------------------------------------------------------------------

alerts_app = typer.Typer(
    help="The alert outbox: `list` (default), `send` what is pending once, `retry ID`.",
    invoke_without_command=True,
)
app.add_typer(alerts_app, name="alerts")


def _dispatcher(state: State) -> Any:
    from monitor.dispatch import make_dispatcher

    write = lambda text: console.print(text, markup=False, highlight=False, end="")  # noqa: E731
    return make_dispatcher(state.factory(), state.config, write)


@alerts_app.callback()
def alerts_main(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        alerts_list(ctx)


@alerts_app.command("list")
def alerts_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only pending, sending, sent or failed.")] = None,
    limit: Annotated[int, typer.Option(help="Newest N alerts.")] = 50,
) -> None:
    """Alerts in the outbox, newest first, with their errors."""
    from sqlalchemy import select

    from monitor.models import Alert

    if status is not None and status not in ("pending", "sending", "sent", "failed"):
        raise InputError(f"--status must be pending, sending, sent or failed, not {status!r}")
    state = _state(ctx)
    setup_logging(state.log_level or state.config.settings.log_level)
    table = Table(title="alerts")
    for column in ("id", "kind", "status", "tries", "channel", "what", "sent / next try", "error"):
        table.add_column(column)
    with state.factory()() as session:
        query = select(Alert).order_by(Alert.id.desc()).limit(limit)
        if status:
            query = query.where(Alert.status == status)
        for alert in session.scalars(query):
            view = (alert.payload or {}).get("view") or {}
            what = " ".join(filter(None, [view.get("event_type"), view.get("side"), view.get("issue"),
                                          view.get("stance")])) or (alert.payload or {}).get("day", "")
            when = alert.sent_at if alert.status == "sent" else alert.next_attempt_at
            table.add_row(str(alert.id), alert.kind + (f"→{alert.parent_id}" if alert.parent_id else ""),
                          alert.status, str(alert.tries), alert.channel or "(default)", what,
                          _iso(when) or "", (alert.last_error or "")[:120])
    console.print(table)


@alerts_app.command("send")
def alerts_send(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the messages, mark nothing.")] = False,
) -> None:
    """Dispatch what is pending once and exit (for cron-style use and scripts)."""
    state = _state(ctx)
    setup_logging(state.log_level or state.config.settings.log_level)
    if dry_run:
        from sqlalchemy import select

        from monitor.alerts.blocks import AlertTemplates
        from monitor.dispatch import build_message
        from monitor.models import Alert

        templates = AlertTemplates(state.config.topic.alerts.templates)
        with state.factory()() as session:
            for alert in session.scalars(select(Alert).where(Alert.status == "pending").order_by(Alert.id)):
                typer.echo(json.dumps({"alert": alert.id, "channel": alert.channel,
                                       **build_message(alert, templates)}, ensure_ascii=False))
        return
    result = _dispatcher(state).dispatch_once()
    typer.echo(f"alerts sent {result.sent}, retry later {result.retried}, failed {result.failed}, "
               f"recovered after a crash {result.reconciled}")
    if result.failed or result.retried:
        raise typer.Exit(1)


@alerts_app.command("retry")
def alerts_retry(ctx: typer.Context, alert_id: Annotated[int, typer.Argument(help="Alert id.")]) -> None:
    """Queue a failed alert again with a fresh try budget."""
    from monitor.dispatch import retry_alert

    state = _state(ctx)
    try:
        with state.factory().begin() as session:
            retry_alert(session, alert_id)
    except (LookupError, ValueError) as exc:
        raise InputError(str(exc)) from None
    typer.echo(f"alert {alert_id} queued again; `newsmon alerts send` delivers it")


@app.command()
def digest(
    ctx: typer.Context,
    date: Annotated[str | None, typer.Option("--date", help="Local day YYYY-MM-DD (default today).")] = None,
    send: Annotated[bool, typer.Option("--send", help="Post the summary to Slack (once per day).")] = False,
) -> None:
    """Build the digest of one local day: HTML and Markdown files, and the Slack summary with --send."""
    from monitor.digest.collect import local_today, produce_digest

    state = _state(ctx)
    setup_logging(state.log_level or state.config.settings.log_level)
    config = state.config
    day = _parse_date(date, "--date").date() if date else local_today(config.topic.digest.timezone)
    run = produce_digest(state.factory(), config, day, send=send,
                         dispatcher=_dispatcher(state) if send else None)
    digest = run.written.digest
    typer.echo(f"digest {day}: {len(digest.events)} event(s), {len(digest.stories)} stories")
    typer.echo(f"  {run.written.html_path}\n  {run.written.markdown_path}")
    if not send:
        return
    if run.queued == 0:
        typer.echo("the Slack summary for this day was already queued or sent; not sending it again")
    typer.echo(f"Slack summary sent at {_iso(run.sent_at)}" if run.sent_at else
               f"Slack summary not sent yet ({'; '.join(run.errors) or 'pending'})")


@app.command()
def feed(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Where to write the Atom feed.")] = Path("events.atom"),
    limit: Annotated[int, typer.Option(help="Newest N events.")] = 100,
) -> None:
    """Write an Atom feed of the latest events, for feed readers."""
    from monitor.atom import events_feed

    state = _state(ctx)
    with state.factory()() as session:
        xml = events_feed(session, title=f"newsmon: {state.config.topic.name}", limit=limit)
    out.write_bytes(xml)
    typer.echo(f"wrote {out}")


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


def _clip(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@app.command()
def positions(
    ctx: typer.Context,
    history: Annotated[
        str | None, typer.Option("--history", help="Every recorded stance on this ISSUE instead.")
    ] = None,
    side: Annotated[str | None, typer.Option("--side", help="Only this side (e.g. russia).")] = None,
) -> None:
    """The current position table (issue, stance, since, last stated, times stated, last evidence)."""
    from monitor import positions as ledger_store

    state = _state(ctx)
    with state.factory()() as session:
        if history:
            rows = ledger_store.position_history(session, history, side)
            if not rows:
                raise InputError(f"no recorded position on issue {history!r}")
            table = Table(title=f"history of {history}")
            for column in ("date", "side", "stance", "kind", "evidence", "source"):
                table.add_column(column, no_wrap=column not in ("evidence", "source"))
            for row in rows:
                table.add_row(
                    str(row.statement_date), row.side, row.stance, row.kind,
                    _clip(row.evidence), row.url or "",
                )
        else:
            table = Table(title="current positions")
            for column in ("side", "issue", "stance", "since", "last stated", "times", "last evidence"):
                table.add_column(column, no_wrap=column != "last evidence")
            for summary in ledger_store.current_positions(session, side):
                table.add_row(
                    summary.side, summary.issue, summary.stance, str(summary.since),
                    str(summary.last_stated), str(summary.times_stated),
                    _clip(summary.last_evidence),
                )
    console.print(table)


def _show_demo_results(state: State) -> None:
    """What an analyst would see: stories with their copies, events, and the alerts sent."""
    from sqlalchemy import select

    from monitor.dispatch import make_dispatcher
    from monitor.models import Event

    with state.factory()() as session:
        stories = store.stories_since(session, None)
        events = list(session.scalars(select(Event).order_by(Event.statement_date, Event.id)))
    table = Table(title="stories")
    for column in ("story", "original", "also on"):
        table.add_column(column)
    for story in stories:
        table.add_row(str(story.id), f"{story.title} ({story.original_domain})", ", ".join(story.copy_domains))
    console.print(table)
    table = Table(title="events")
    for column in ("date", "type", "issue", "stance", "was", "who"):
        table.add_column(column, no_wrap=column != "who")
    for event in events:
        table.add_row(
            str(event.statement_date), event.type, event.issue, event.stance,
            event.previous_stance or "", event.actor or "",
        )
    console.print(table)
    write = lambda text: console.print(text, markup=False, highlight=False, end="")  # noqa: E731
    result = make_dispatcher(state.factory(), state.config, write).dispatch_once()
    console.print(f"alerts sent to the console: {result.sent}")
    console.print(f"explore it: newsmon --database-url {state.database_url} export")


def main() -> None:
    """Console-script entry: our own errors print as one clear message, exit 2."""
    try:
        app(args=hoist_global_options(sys.argv[1:]), prog_name="newsmon")
    except NewsmonError as exc:
        typer.echo(f"newsmon: error: {exc}", err=True)
        raise SystemExit(2) from None
