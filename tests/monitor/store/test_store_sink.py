"""StoreSink: batched writes on one writer thread, nothing lost at the end of a crawl, known()."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crawler.items import ExtractedArticle
from crawler.sink import PollResult, wanted
from crawler.sources import SourceSpec
from monitor.store import db
from monitor.store.models import Article, Source
from monitor.store.sink import StoreSink
from monitor.store.sources import sync_sources
from tests import paths
from tests.benchmarks.crawl import build_site
from tests.crawler.probe import LOCAL_OPTIONS

ROOT = paths.REPO
T0 = dt.datetime(2025, 9, 4, 9, 0, tzinfo=dt.UTC)


def _article(n: int) -> ExtractedArticle:
    return ExtractedArticle(
        url=f"https://example.org/news/{n}.html",
        text=f"Story number {n}: the harbour wall will be rebuilt before the winter storms. " * 3,
        title=f"Story {n}",
    )


def _save(sink: StoreSink, n: int, source: str | None = "wire") -> None:
    sink.save_article(
        _article(n),
        source=source,
        url_normalized=f"example.org/news/{n}.html",
        entry_updated=T0,
        entry_published=T0,
    )


def _count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count(Article.id))) or 0


@pytest.fixture
def sourced(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with factory.begin() as session:
        sync_sources(session, [SourceSpec(name="wire", url="https://example.org/feed.xml")])
    return factory


def test_articles_wait_for_their_batch_and_flush_stores_every_one(
    sourced: sessionmaker[Session],
) -> None:
    sink = StoreSink(sourced, batch_size=1000, batch_seconds=60)
    for n in range(30):
        _save(sink, n)
    time.sleep(0.3)
    assert _count(sourced) == 0  # buffered: neither the size nor the time limit reached
    sink.flush()
    assert _count(sourced) == 30
    assert sink.counters["stored"] == 30
    with sourced() as session:
        wire = session.scalar(select(Source.id).where(Source.name == "wire"))
        assert set(session.scalars(select(Article.source_id))) == {wire}
    sink.flush()  # idempotent once empty; the writer thread has ended
    assert sink._writer is None


def test_full_batches_and_old_ones_are_written_without_a_flush(
    sourced: sessionmaker[Session],
) -> None:
    by_size = StoreSink(sourced, batch_size=5, batch_seconds=60)
    for n in range(5):
        _save(by_size, n)
    by_time = StoreSink(sourced, batch_size=1000, batch_seconds=0.2)
    _save(by_time, 100)
    deadline = time.monotonic() + 10
    while _count(sourced) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _count(sourced) == 6
    by_size.flush()
    by_time.flush()


def test_a_failing_write_costs_only_itself(sourced: sessionmaker[Session]) -> None:
    sink = StoreSink(sourced, batch_size=1000, batch_seconds=60)
    for n in range(10):
        _save(sink, n)
    sink.record_poll(PollResult(source="no-such-source", ok=True, status=200))  # cannot be stored
    sink.record_poll(PollResult(source="wire", ok=True, status=200, new_entries=12))
    for n in range(10, 12):
        _save(sink, n)
    sink.flush()
    assert _count(sourced) == 12
    assert sink.counters["store_failed"] == 1
    assert sink.counters["polled"] == 1
    with sourced() as session:
        wire = session.scalars(select(Source).where(Source.name == "wire")).one()
        assert (wire.total_polls, wire.total_entries) == (1, 12)


def test_known_answers_a_whole_feed_with_the_single_url_rule(
    sourced: sessionmaker[Session],
) -> None:
    sink = StoreSink(sourced)
    _save(sink, 1)  # entry_updated T0
    sink.save_article(
        _article(2),
        source=None,
        url_normalized="example.org/news/2.html",
        entry_updated=None,
        entry_published=None,
    )
    sink.flush()
    urls = [f"example.org/news/{n}.html" for n in range(1, 1200)]  # more than one IN (...) chunk
    known = sink.known(urls)
    assert set(known) == {"example.org/news/1.html", "example.org/news/2.html"}
    assert known["example.org/news/1.html"] == T0
    fetched_at = known["example.org/news/2.html"]  # no entry time: current as of its fetch
    assert fetched_at is not None and fetched_at > T0

    def decide(n: int, updated: dt.datetime | None) -> bool:
        key = f"example.org/news/{n}.html"
        return wanted(known.get(key), key in known, updated)

    assert decide(3, None) and decide(3, T0)  # new URL: fetched
    assert not decide(1, None) and not decide(1, T0)  # known, not updated since
    assert decide(1, T0 + dt.timedelta(minutes=1))  # known, entry updated later
    assert not decide(2, T0)  # fetched after that entry time
    assert decide(2, fetched_at + dt.timedelta(hours=1))


def _crawl(database_url: str, stop_after: int | None, pages: int) -> tuple[dict, int]:
    site, _bodies, feeds = build_site(pages, 2)
    with site:
        job = {
            "database_url": database_url,
            "sources": [{"name": name, "url": site.url(path)} for name, path in feeds.items()],
            "options": {**LOCAL_OPTIONS, "concurrent_requests": 4, "concurrent_per_domain": 4},
            "stop_after": stop_after,
        }
        done = subprocess.run(
            [sys.executable, "-m", "tests.monitor.store.batched_crawl_child"],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=180,
            cwd=ROOT,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-4000:]
    engine = db.make_engine(database_url)
    stored = _count(db.session_factory(engine))
    engine.dispose()
    return json.loads(done.stdout), stored


@pytest.mark.parametrize("stop_after", [None, 7], ids=["to-the-end", "stopped-abruptly"])
def test_crawl_stores_every_extracted_article_however_it_ends(
    engine: object, database_url: str, stop_after: int | None
) -> None:
    result, stored = _crawl(database_url, stop_after, pages=24)
    if stop_after is None:
        assert result["scraped"] == stored == 24
    else:
        # Nothing was written while the crawl ran (one batch), yet every article handed over
        # before and while the reactor stopped is in the database.
        assert result["stored_before_end"] == 0
        assert result["scraped"] >= stop_after
        assert stored == result["scraped"]
