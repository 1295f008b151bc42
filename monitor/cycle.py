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

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig
from monitor.errors import InputError

logger = logging.getLogger(__name__)

Progress = Callable[[Counter[str]], None]


def crawl_once(
    cfg: AppConfig,
    factory: sessionmaker[Session],
    *,
    article_urls: list[str] | None = None,
    only_sources: list[str] | None = None,
    on_progress: Progress | None = None,
) -> Counter[str]:
    """Poll every enabled source (or ``only_sources``) once, or fetch the given URLs; analyse."""
    from crawler.run import run_crawl
    from monitor.pipeline import AnalysisContext, analyse_pending
    from monitor.store.runs import finish_run, start_run
    from monitor.store.sink import StoreSink
    from monitor.store.sources import sync_sources

    sources = [] if article_urls else [s for s in cfg.topic.sources if s.enabled]
    if only_sources is not None:
        unknown = sorted(set(only_sources) - {s.name for s in sources})
        if unknown:
            raise InputError(f"no enabled source named {', '.join(map(repr, unknown))}")
        sources = [s for s in sources if s.name in only_sources]
    with factory.begin() as session:
        rows = sync_sources(session, cfg.topic.sources)
        paused = {name for name, row in rows.items() if row.paused_at is not None}
        if paused and only_sources is None:  # paused from the review page; named ones still run
            logger.info("skipping paused sources: %s", ", ".join(sorted(paused)))
            sources = [s for s in sources if s.name not in paused]
        run_id = start_run(session, "crawl" if not article_urls else "ingest").id
    sink = StoreSink(factory, on_progress=on_progress)
    options = cfg.topic.crawl
    if article_urls:  # a few pages named on the command line: no extraction pool to start
        options = options.model_copy(update={"extract_in_process": True})
    error: str | None = None
    counters: Counter[str] = Counter()
    scrapy_level = "DEBUG" if cfg.settings.log_level == "DEBUG" else "WARNING"
    try:
        stats = run_crawl(
            sources, sink, options, log_level=scrapy_level, article_urls=article_urls or []
        )
        counters.update({k: v for k, v in vars(stats).items()})
        counters["stored"] = sink.counters["stored"]
        counters.update(analyse_pending(factory, AnalysisContext.build(cfg, factory)))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        with factory.begin() as session:
            finish_run(session, run_id, dict(counters), error)
    return counters
