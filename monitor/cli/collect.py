"""Commands that collect: init, crawl, run, ingest, demo."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from monitor.cli.app import (
    State,
    _parse_date,
    _state,
    _summary_line,
    app,
    console,
    setup_logging,
)
from monitor.errors import InputError, OperationFailed

if TYPE_CHECKING:
    from monitor.cycle import CrawlReport


def _crawl(
    state: State, article_urls: list[str] | None = None, only_sources: list[str] | None = None
) -> CrawlReport:
    """One crawl cycle, with a live status line on a terminal."""
    from monitor.cycle import crawl_once

    status = console.status("crawling…") if console.is_terminal else None
    progress = None
    if status is not None:

        def progress(c: Counter[str]) -> None:
            status.update(
                f"crawling: {c['polled']} sources polled, "
                f"{c['stored']} articles stored, {c['fetch_failed']} failed"
            )

        status.start()
    try:
        return crawl_once(
            state.config,
            state.factory(),
            article_urls=article_urls,
            only_sources=only_sources,
            on_progress=progress,
        )
    finally:
        if status is not None:
            status.stop()


@app.command()
def init(ctx: typer.Context) -> None:
    """Create or upgrade the database (Alembic `upgrade head`) and write a starter topic config."""
    import shutil

    from monitor.store import db

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


@app.command()
def crawl(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Poll every source once, then exit.")
    ] = False,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only this source (repeatable).")
    ] = None,
) -> None:
    """Poll every source once, fetch new articles, analyse them, and print a summary."""
    if not once:
        raise InputError("crawl runs one cycle: pass --once (the daemon is `newsmon run`)")
    state = _state(ctx)
    setup_logging(state.config.settings.log_level)
    report = _crawl(state, only_sources=source or None)
    typer.echo(_summary_line(report.counters))
    _verdict("crawl", report)


def _verdict(command: str, report: CrawlReport) -> None:
    """Degraded: one warning line on stderr; failing: one line saying why, exit 1."""
    if report.status.failing:
        raise OperationFailed(f"{command} failed: {report.status.reason}")
    if report.status.reason:
        typer.echo(f"newsmon: warning: {report.status.reason}", err=True)


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
        typer.Option(
            "--cycle-timeout", min=1, help="Seconds before a crawl cycle's worker is stopped."
        ),
    ] = 900.0,
) -> None:
    """Run the daemon: poll, analyse, alert and digest until SIGTERM (one active per database)."""
    from monitor.daemon.scheduler import Daemon, DaemonOptions
    from monitor.logs import configure_logging, secrets_of
    from monitor.store import db

    state = _state(ctx)
    cfg = state.config
    configure_logging(cfg.settings.log_level, secrets=secrets_of(cfg.settings))
    db.check_schema(state.engine)
    options = DaemonOptions(
        health_port=health_port, health_host=health_host, cycle_timeout=cycle_timeout
    )
    raise typer.Exit(Daemon(cfg, state.engine, options).run())


@app.command()
def worker(ctx: typer.Context) -> None:
    """A crawler worker past one machine: poll the sources the leader queues in Redis.

    Needs NEWSMON_QUEUE_URL (redis://HOST:6379/0) and the shared PostgreSQL database; the
    leader (`newsmon run` with the same queue URL) schedules, analyses and alerts.
    """
    from monitor.daemon.worker import run_worker
    from monitor.store import db

    state = _state(ctx)
    cfg = state.config
    if not cfg.settings.queue_url:
        raise InputError("newsmon worker needs NEWSMON_QUEUE_URL (e.g. redis://127.0.0.1:6379/0)")
    db.check_schema(state.engine)
    raise typer.Exit(run_worker(cfg, shared_queue=True))


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
    from monitor.pipeline import AnalysisContext, analyse_pending
    from monitor.store.articles import save_article

    state = _state(ctx)
    setup_logging(state.config.settings.log_level)
    urls = [p for p in paths_or_urls if p.startswith(("http://", "https://"))]
    files = [Path(p) for p in paths_or_urls if p not in urls]
    if url and len(files) != 1:
        raise InputError("--url names the URL of exactly one file")
    if url and not _is_http_url(url):
        raise InputError(f"--url {url!r} is not an http(s) URL (e.g. https://example.org/a.html)")
    factory = state.factory()
    extracted_pages = []
    for path in files:  # every file is checked before anything is stored
        try:
            page = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        if not looks_like_html(page):
            raise InputError(
                f"{path}: not an HTML file (no HTML markup at its start); not ingested"
            )
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
            save_article(session, extracted, source=None)
    stored = len(extracted_pages)
    counters: Counter[str] = Counter(stored=stored)
    if files and not extracted_pages and not urls:
        raise OperationFailed("ingest failed: no article text found in any file given")
    report = None
    if urls:
        report = _crawl(state, article_urls=urls)
        counters.update(report.counters)
    else:
        counters.update(analyse_pending(factory, AnalysisContext.build(state.config, factory)))
    typer.echo(
        f"ingested {counters['stored']} article(s), relevant {counters['relevant']}, "
        f"failed {counters['fetch_failed']}"
    )
    if report is not None:
        _verdict("ingest", report)
    if counters["analysis_failed"] and not counters["analysed"]:
        raise OperationFailed(
            f"ingest failed: {counters['analysis_failed']} article(s) not analysed"
        )


_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<article", b"<meta", b"<title")


def looks_like_html(page: bytes) -> bool:
    """A saved web page starts with HTML markup (after a BOM, comments or whitespace)."""
    start = page[:4096].lower()
    return b"\x00" not in start and any(marker in start for marker in _HTML_MARKERS)


def _is_http_url(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@app.command()
def reanalyse(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only articles published (else fetched) on or after YYYY-MM-DD."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; store nothing.")
    ] = False,
) -> None:
    """Re-run relevance, rules and the ledger over stored articles and print what changed."""
    from monitor.pipeline import AnalysisContext
    from monitor.reanalyse import reanalyse as run_reanalysis

    state = _state(ctx)
    setup_logging(state.config.settings.log_level)
    since_dt = _parse_date(since, "--since")
    factory = state.factory()
    report = run_reanalysis(
        factory, AnalysisContext.build(state.config, factory), since=since_dt, dry_run=dry_run
    )
    for line in report.lines():
        typer.echo(line)
    if dry_run:
        typer.echo("dry run: nothing was stored")


@app.command()
def demo(
    ctx: typer.Context,
    keep: Annotated[
        Path | None, typer.Option("--keep", help="Keep the demo database in this directory.")
    ] = None,
) -> None:
    """Serve bundled sample pages on 127.0.0.1 and run one full cycle against a temporary database."""
    import shutil
    import tempfile

    state = _state(ctx)
    setup_logging(state.log_level or "WARNING")
    workdir = Path(keep or tempfile.mkdtemp(prefix="newsmon-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        _demo_in(state, workdir, keep is not None)
    finally:
        if keep is None:  # the temporary database and topic go with the demo
            if state._engine is not None:
                state._engine.dispose()
            shutil.rmtree(workdir, ignore_errors=True)


def _demo_in(state: State, workdir: Path, keep: bool) -> None:
    """The demo's cycle in ``workdir``: serve the sample site, crawl it, show the results."""
    from monitor.config import Settings, load_config
    from monitor.demo.server import DEMO_FEEDS, demo_site
    from monitor.store import db

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
            "allow_private_networks": ["127.0.0.1/32"],
            "autothrottle": False,
            "download_delay": 0,
            "timeout_seconds": 10,
            "retries": 0,
            "extract_in_process": True,
        }
        if isinstance(data.get("rules"), str):
            data["rules"] = str((Path(base or DEFAULT_TOPIC).parent / data["rules"]).resolve())
        topic.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        state.config_path = topic
        state.database_url = f"sqlite:///{workdir / 'demo.sqlite3'}"
        # The demo never posts anywhere: alerts go to this terminal whatever SLACK_* says.
        state._config = load_config(
            Settings().model_copy(
                update={
                    "config": topic,
                    "database_url": state.database_url,
                    "slack_bot_token": None,
                    "slack_channel": None,
                    "slack_webhook_url": None,
                }
            )
        )
        db.upgrade(state.engine)
        console.print(f"demo site on {site.url('/')}, database {state.database_url}")
        counters = _crawl(state).counters
    typer.echo(_summary_line(counters))
    _show_demo_results(state, keep)


def _show_demo_results(state: State, keep: bool) -> None:
    """What an analyst would see: stories with their copies, events, and the alerts sent."""
    from sqlalchemy import select

    from monitor.deliver.dispatch import make_dispatcher
    from monitor.store.listings import stories_since
    from monitor.store.models import Event

    with state.factory()() as session:
        stories = stories_since(session, None)
        events = list(session.scalars(select(Event).order_by(Event.statement_date, Event.id)))
    table = Table(title="stories")
    for column in ("story", "original", "also on"):
        table.add_column(column)
    for story in stories:
        table.add_row(str(story.id), f"{story.title} ({story.site})", ", ".join(story.copy_sites))
    console.print(table)
    table = Table(title="events")
    for column in ("date", "type", "issue", "stance", "was", "who"):
        table.add_column(column, no_wrap=column != "who")
    for event in events:
        table.add_row(
            str(event.statement_date),
            event.type,
            event.issue,
            event.stance,
            event.previous_stance or "",
            event.actor or "",
        )
    console.print(table)
    write = lambda text: console.print(text, markup=False, highlight=False, end="")
    result = make_dispatcher(state.factory(), state.config, write).dispatch_once()
    console.print(f"alerts sent to the console: {result.sent}")
    if keep:
        console.print(f"explore it: newsmon --database-url {state.database_url} export")
    else:
        console.print("the demo database is removed now; keep it with --keep DIR")
