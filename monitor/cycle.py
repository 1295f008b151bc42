"""One crawl cycle: poll the sources (or fetch given URLs), store what is new, then judge it.

The one place where ``crawler/`` (collect) and ``monitor/`` (judge) meet in a run: the crawl
writes articles through the store's sink, then :func:`monitor.pipeline.analyse_pending` takes
the stored articles through the judging flow. ``newsmon crawl --once``, ``ingest`` of URLs,
``demo`` and the daemon's worker all run this.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from crawler.sources import SourceSpec
from monitor.config import AppConfig
from monitor.errors import InputError
from monitor.status import CycleStatus, judge_cycle

logger = logging.getLogger(__name__)

Progress = Callable[[Counter[str]], None]


def due_sources(cfg: AppConfig, only_sources: list[str] | None) -> list[SourceSpec]:
    """The enabled sources (or only those named); an unknown name is an input error."""
    sources = [s for s in cfg.topic.sources if s.enabled]
    if only_sources is not None:
        unknown = sorted(set(only_sources) - {s.name for s in sources})
        if unknown:
            raise InputError(f"no enabled source named {', '.join(map(repr, unknown))}")
        sources = [s for s in sources if s.name in only_sources]
    return sources


def unpaused(factory: sessionmaker[Session], sources: list[SourceSpec]) -> list[SourceSpec]:
    """Drop the sources an analyst paused on the review page (they stay configured)."""
    from sqlalchemy import select

    from monitor.store.models import Source

    with factory() as session:
        paused = set(session.scalars(select(Source.name).where(Source.paused_at.is_not(None))))
    if paused & {s.name for s in sources}:
        logger.info("skipping paused sources: %s", ", ".join(sorted(paused)))
    return [s for s in sources if s.name not in paused]


def begin_run(
    cfg: AppConfig, factory: sessionmaker[Session], kind: str, *, sync_sources: bool = True
) -> int:
    """Record the run (and the configured sources, unless the shared-queue leader did)."""
    from monitor.store import runs
    from monitor.store.sources import sync_sources as sync

    with factory.begin() as session:
        if sync_sources:
            sync(session, cfg.topic.sources)
        return runs.start_run(session, kind).id


def end_run(
    factory: sessionmaker[Session], run_id: int, counters: Counter[str], error: str | None
) -> None:
    from monitor.store import runs

    with factory.begin() as session:
        runs.finish_run(session, run_id, dict(counters), error)


@dataclass
class CrawlReport:
    """A cycle's counters and its verdict (ok / degraded / failing, with the reason)."""

    counters: Counter[str]
    status: CycleStatus


def database_error(exc: SQLAlchemyError) -> str:
    """One line for a database failure: the driver's own first line, without SQL or traceback."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return f"database error: {text[0] if text else type(exc).__name__}"


def crawl_once(
    cfg: AppConfig,
    factory: sessionmaker[Session],
    *,
    article_urls: list[str] | None = None,
    only_sources: list[str] | None = None,
    on_progress: Progress | None = None,
) -> CrawlReport:
    """Poll every enabled source (or ``only_sources``) once, or fetch the given URLs; analyse."""
    from crawler.run import run_crawl
    from monitor.pipeline import AnalysisContext, analyse_pending
    from monitor.store.sink import StoreSink

    sources = [] if article_urls else due_sources(cfg, only_sources)
    counters: Counter[str] = Counter()
    try:
        run_id = begin_run(cfg, factory, "crawl" if not article_urls else "ingest")
        if only_sources is None:  # paused from the review page; sources named explicitly still run
            sources = unpaused(factory, sources)
    except SQLAlchemyError as exc:
        return CrawlReport(counters, judge_cycle(counters, error=database_error(exc)))
    sink = StoreSink(factory, on_progress=on_progress)
    options = cfg.topic.crawl
    if article_urls:  # a few pages named on the command line: no extraction pool to start
        options = options.model_copy(update={"extract_in_process": True})
    error: str | None = None
    scrapy_level = "DEBUG" if cfg.settings.log_level == "DEBUG" else "WARNING"
    try:
        stats = run_crawl(
            sources, sink, options, log_level=scrapy_level, article_urls=article_urls or []
        )
        counters.update(stats.counters())
        for key in ("stored", "store_failed", "unchanged"):
            counters[key] = sink.counters[key]
        counters.update(analyse_pending(factory, AnalysisContext.build(cfg, factory)))
    except SQLAlchemyError as exc:
        error = database_error(exc)
        logger.debug("crawl cycle failed on the database", exc_info=True)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        try:
            end_run(factory, run_id, counters, error)
        except SQLAlchemyError as exc:
            error = error or database_error(exc)
    status = judge_cycle(counters, sink.source_failures, sink.fetch_failures, error)
    return CrawlReport(counters, status)
