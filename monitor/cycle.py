"""One crawl cycle: poll the sources (or fetch given URLs), store what is new, then judge it.

The one place where ``crawler/`` (collect) and ``monitor/`` (judge) meet in a run: the crawl
writes articles through the store's sink, and :class:`Analyser` takes the stored articles
through the judging flow (:func:`monitor.pipeline.analyse_pending`) while the crawl still
fetches, with a last pass once the crawl has stored everything. ``newsmon crawl --once``,
``ingest`` of URLs, ``demo`` and the daemon's worker all run this.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from crawler.sources import SourceSpec
from monitor.config import AppConfig
from monitor.errors import InputError
from monitor.status import CycleStatus, judge_cycle

if TYPE_CHECKING:
    from monitor.pipeline import AnalysisContext

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


class Analyser:
    """Judges stored articles in a thread while the crawl fetches, so analysis overlaps I/O.

    The crawl runs on Scrapy's reactor and waits on the extraction pool most of the time; the
    judging flow used to start only once the crawl ended, doubling a cycle's wall time. The
    store's writer thread calls :meth:`wake` after each stored batch; :meth:`finish` runs the
    last pass once the crawl has flushed and returns the counters. Articles are analysed one
    transaction each (as before), so the arrival order only changes when, not what, is judged.
    """

    def __init__(
        self, factory: sessionmaker[Session], context: Callable[[], AnalysisContext]
    ) -> None:
        self.factory = factory
        self.counters: Counter[str] = Counter()
        self._context = context
        self._wake = threading.Event()
        self._closing = False
        self._last_pass = True
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="newsmon-analyser", daemon=True)
        self._thread.start()

    def wake(self, _progress: Counter[str] | None = None) -> None:
        """Analyse what is stored now (a sink's ``on_progress`` hook, hence the argument)."""
        self._wake.set()

    def _loop(self) -> None:
        from monitor.pipeline import analyse_pending

        try:
            ctx = self._context()  # rules and story index load while the first pages download
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._closing and not self._last_pass:
                    return
                closing = self._closing
                self.counters.update(analyse_pending(self.factory, ctx))
                if closing:
                    return
        except BaseException as exc:  # handed to the caller in finish()
            self._error = exc

    def finish(self, *, last_pass: bool = True) -> Counter[str]:
        """Analyse what is still pending (unless the crawl failed), wait; a failure is raised."""
        self._last_pass = last_pass
        self._closing = True
        self._wake.set()
        self._thread.join()
        if self._error is not None:
            if not last_pass:  # the crawl's own failure is the one to raise
                logger.error("analysis beside the failed crawl failed too: %s", self._error)
                return self.counters
            raise self._error
        return self.counters


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
    from monitor.pipeline import AnalysisContext
    from monitor.store.sink import StoreSink

    sources = [] if article_urls else due_sources(cfg, only_sources)
    counters: Counter[str] = Counter()
    try:
        run_id = begin_run(cfg, factory, "crawl" if not article_urls else "ingest")
        if only_sources is None:  # paused from the review page; sources named explicitly still run
            sources = unpaused(factory, sources)
    except SQLAlchemyError as exc:
        return CrawlReport(counters, judge_cycle(counters, error=database_error(exc)))
    analyser = Analyser(factory, lambda: AnalysisContext.build(cfg, factory))

    def progress(counters: Counter[str]) -> None:
        analyser.wake()
        if on_progress is not None:
            on_progress(counters)

    sink = StoreSink(factory, on_progress=progress)
    options = cfg.topic.crawl
    if article_urls:  # a few pages named on the command line: no extraction pool to start
        options = options.model_copy(update={"extract_in_process": True})
    error: str | None = None
    scrapy_level = "DEBUG" if cfg.settings.log_level == "DEBUG" else "WARNING"
    try:
        try:
            stats = run_crawl(
                sources, sink, options, log_level=scrapy_level, article_urls=article_urls or []
            )
        except BaseException:
            analyser.finish(last_pass=False)
            raise
        analysed = analyser.finish()
        counters.update(stats.counters())
        for key in ("stored", "store_failed", "unchanged"):
            counters[key] = sink.counters[key]
        counters.update(analysed)
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
