"""`newsmon init` + `newsmon crawl --once` against the local news site, in real child processes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.demo.server import NewsSite
from monitor.store import db
from monitor.store.models import Article, Run, Source
from tests.conftest import run_newsmon, write_topic

GOOD_FEEDS = {
    "nyt": "/feeds/nyt-world.xml",
    "dnyuz": "/feeds/dnyuz.xml",
    "wire": "/feeds/wire.xml",
}
BAD_FEEDS = {
    "error-500": "/feeds/error-500.xml",
    "slow": "/feeds/slow.xml",
    "not-xml": "/feeds/not-xml.xml",
    "troubled": "/feeds/troubled.xml",
}


def _env(database_url: str, topic: Path) -> dict[str, str]:
    return {"NEWSMON_DATABASE_URL": database_url, "NEWSMON_CONFIG": str(topic)}


def _articles(database_url: str) -> dict[str, Article]:
    engine = db.make_engine(database_url)
    with db.session_factory(engine)() as session:
        rows = {a.url_normalized: a for a in session.scalars(select(Article))}
    engine.dispose()
    return rows


@pytest.mark.slow
def test_crawl_stores_articles_then_gets_304s(
    database_url: str, news_site: NewsSite, tmp_path: Path
) -> None:
    env = _env(database_url, write_topic(tmp_path / "topic.yaml", news_site, GOOD_FEEDS))
    refused = run_newsmon("crawl", "--once", env=env)
    assert refused.returncode == 2
    assert "run `newsmon init`" in refused.stderr

    assert run_newsmon("init", env=env).returncode == 0
    # The spelling: the topic given after the command.
    topic = env.pop("NEWSMON_CONFIG")
    first = run_newsmon("crawl", "--once", "--config", topic, env=env)
    env["NEWSMON_CONFIG"] = topic
    assert first.returncode == 0, first.stderr
    assert (
        "sources polled 3 (not modified 0, failed 0), new entries 5, fetched 5, stored 5, relevant 4"
        in first.stdout
    )

    articles = _articles(database_url)
    assert len(articles) == 5
    dnyuz = next(a for a in articles.values() if a.domain == "dnyuz.com")
    assert "would never tolerate Ukraine inside NATO" in dnyuz.text
    for chrome in ("View All Result", "Green Cards Halted", "SHARES", "Share on Facebook"):
        assert chrome not in dnyuz.text
    nyt = next(
        a
        for a in articles.values()
        if a.title and a.title.startswith("Russia Wants") and a.domain == "nytimes.com"
    )
    assert "utm_" not in nyt.url_normalized
    assert nyt.authors == ["Anatoly Kurmanaev"]
    assert nyt.relevant is True
    storm = next(a for a in articles.values() if a.title and "Portugal" in a.title)
    assert storm.relevant is False

    page_hits = len(
        [h for h in news_site.hits if h.path.startswith(("/nyt/", "/dnyuz/", "/wire/"))]
    )
    feed_hits_before = len([h for h in news_site.hits if h.path.startswith("/feeds/")])
    second = run_newsmon("crawl", "--once", env=env)
    assert second.returncode == 0, second.stderr
    assert "sources polled 3 (not modified 3, failed 0), new entries 0, fetched 0" in second.stdout
    feed_hits = [h for h in news_site.hits if h.path.startswith("/feeds/")][feed_hits_before:]
    assert [h.status for h in feed_hits] == [304, 304, 304]
    assert all(h.headers.get("If-None-Match") for h in feed_hits)
    assert (
        len([h for h in news_site.hits if h.path.startswith(("/nyt/", "/dnyuz/", "/wire/"))])
        == page_hits
    )
    assert len(_articles(database_url)) == 5


@pytest.mark.slow
def test_bad_sources_are_reported_and_the_rest_continues(
    database_url: str, news_site: NewsSite, tmp_path: Path
) -> None:
    env = _env(database_url, write_topic(tmp_path / "topic.yaml", news_site, GOOD_FEEDS))
    assert run_newsmon("init", env=env).returncode == 0
    assert run_newsmon("crawl", "--once", env=env).returncode == 0
    stored_before = _articles(database_url)

    env = _env(
        database_url,
        write_topic(tmp_path / "topic2.yaml", news_site, {**GOOD_FEEDS, **BAD_FEEDS}),
    )
    result = run_newsmon("crawl", "--once", env=env)
    assert result.returncode == 0, result.stderr
    # The troubled feed's redirect leads to the wire article already stored: nothing new there;
    # the 404 and the oversized page are failures; the good feeds answer 304.
    assert "sources polled 5 (not modified 3, failed 2)" in result.stdout
    after = _articles(database_url)
    assert set(stored_before) <= set(after)
    for key, article in stored_before.items():
        assert after[key].text == article.text
    assert not any("huge" in key or "missing" in key for key in after)

    engine = db.make_engine(database_url)
    with db.session_factory(engine)() as session:
        health = {s.name: s for s in session.scalars(select(Source))}
        runs = list(session.scalars(select(Run).order_by(Run.id)))
    engine.dispose()
    assert health["error-500"].last_error == "HTTP 500"
    assert health["error-500"].consecutive_failures == 1
    assert (
        "TimeoutError" in (health["slow"].last_error or "")
        or "timeout" in (health["slow"].last_error or "").lower()
    )
    assert health["not-xml"].last_error and "malformed feed" in health["not-xml"].last_error
    assert health["nyt"].last_error is None and health["nyt"].last_success_at is not None
    assert runs[-1].ok is True and runs[-1].counters["fetch_failed"] >= 2

    table = run_newsmon("sources", env=env)
    assert table.returncode == 0
    assert "error-500" in table.stdout and "HTTP 500" in table.stdout


def test_invalid_topic_fails_at_start_naming_file_line_field(tmp_path: Path) -> None:
    topic = tmp_path / "broken.yaml"
    topic.write_text("name: t\nsources:\n  - name: a\n    url: ftp:/nope\n", encoding="utf-8")
    result = run_newsmon(
        "crawl",
        "--once",
        env={"NEWSMON_CONFIG": str(topic), "NEWSMON_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
    )
    assert result.returncode == 2
    assert f"{topic}:4: field 'sources[0].url'" in result.stderr


@pytest.mark.slow
def test_a_feed_with_an_unfetched_entry_is_read_in_full_next_time(
    database_url: str, news_site: NewsSite, tmp_path: Path
) -> None:
    """Validators are kept only once every entry was handled: a failed page is retried later."""
    from monitor.demo.server import FeedItem, Route, page, rss

    item = FeedItem(
        "Kremlin on peacekeepers", "/flaky/peskov.html", "Wed, 10 Sep 2025 14:05:00 GMT"
    )
    news_site.add(
        "/feeds/flaky.xml",
        Route(body=rss("flaky", news_site, [item]), content_type="application/rss+xml"),
    )
    news_site.add("/flaky/peskov.html", Route(body=b"busy", status=503, content_type="text/plain"))
    env = _env(
        database_url, write_topic(tmp_path / "topic.yaml", news_site, {"flaky": "/feeds/flaky.xml"})
    )
    assert run_newsmon("init", env=env).returncode == 0
    first = run_newsmon("crawl", "--once", env=env)
    assert first.returncode == 0, first.stderr
    assert "fetched 0, stored 0" in first.stdout

    news_site.add("/flaky/peskov.html", Route(body=page("wire-peskov-peacekeepers.html")))
    second = run_newsmon("crawl", "--once", env=env)
    assert second.returncode == 0, second.stderr
    assert "not modified 0" in second.stdout and "stored 1" in second.stdout
    assert [h.status for h in news_site.hits_for("/feeds/flaky.xml")] == [200, 200]

    third = run_newsmon("crawl", "--once", env=env)  # everything handled: now a 304
    assert "not modified 1" in third.stdout
    assert [h.status for h in news_site.hits_for("/feeds/flaky.xml")][-1] == 304
