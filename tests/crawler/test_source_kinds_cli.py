"""Every source kind through `newsmon crawl --once` into the database, then `newsmon sources`."""

from __future__ import annotations

import gzip
from pathlib import Path

from sqlalchemy import select

from monitor.demo.server import FeedItem, Route, rss
from monitor.store import db
from monitor.store.models import Article, Source
from tests.conftest import run_newsmon, write_topic
from tests.crawler.test_gnews import encode_article_id
from tests.crawler.test_source_kinds import NEWS_SITEMAP, URL, site_with_pages


def test_all_source_kinds_are_stored_with_attribution_and_health(tmp_path: Path) -> None:
    with site_with_pages() as site:
        aggregator = f"http://localhost:{site.port}"
        encoded = encode_article_id(site.url("/dnyuz/2025/09/04/russia-wants/"))
        gnews = rss(
            "q",
            site,
            [
                FeedItem(
                    "Russia wants",
                    f"/gnews/rss/articles/{encoded}",
                    "Thu, 04 Sep 2025 09:00:00 GMT",
                )
            ],
        )
        site.add(
            "/gnews/rss/search",
            Route(
                body=gnews.replace(site.url("/gnews/").encode(), f"{aggregator}/gnews/".encode()),
                content_type="application/rss+xml",
            ),
        )
        child = NEWS_SITEMAP.format(
            urls=URL.format(
                loc=site.url("/ledger/news/world/kremlin-repeats"), date="2025-11-06", title="K"
            )
        )
        site.add(
            "/sitemaps/news.xml.gz",
            Route(body=gzip.compress(child.encode()), content_type="application/x-gzip"),
        )
        index = (
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
            f"<loc>{site.url('/sitemaps/news.xml.gz')}</loc></sitemap></sitemapindex>"
        )
        site.add("/sitemap.xml", Route(body=index.encode(), content_type="application/xml"))
        site.add(
            "/world/",
            Route(
                body=b'<ul class="river"><li><a href="/courier/world/why-neutrality/">N</a></li></ul>'
            ),
        )
        site.add(
            "/feeds/broken.xml",
            Route(body=b"<rss><channel><title>half", content_type="application/rss+xml"),
        )
        sources = [
            {
                "name": "gnews",
                "kind": "gnews",
                "url": f"{aggregator}/gnews/rss/search?q=guarantees",
            },
            {"name": "sitemap", "kind": "sitemap", "url": site.url("/sitemap.xml")},
            {
                "name": "listing",
                "kind": "listing",
                "url": site.url("/world/"),
                "link_selector": "ul.river a",
            },
            {"name": "broken", "url": site.url("/feeds/broken.xml")},
        ]
        topic = write_topic(tmp_path / "topic.yaml", site, {}, sources=sources)
        topic.write_text(
            topic.read_text().replace("- 127.0.0.1/32", "- 127.0.0.1/32\n  - localhost")
        )
        database_url = f"sqlite:///{tmp_path / 'n.sqlite3'}"
        env = {"NEWSMON_DATABASE_URL": database_url, "NEWSMON_CONFIG": str(topic)}
        assert run_newsmon("init", env=env).returncode == 0
        crawled = run_newsmon("crawl", "--once", env=env)
        assert crawled.returncode == 0, crawled.stderr
        health = run_newsmon("sources", env=env)
    engine = db.make_engine(database_url)
    with db.session_factory(engine)() as session:
        articles = {a.url.replace(site.url(""), ""): a for a in session.scalars(select(Article))}
        sources_by_name = {s.name: s for s in session.scalars(select(Source))}
    engine.dispose()
    assert set(articles) == {
        "/dnyuz/2025/09/04/russia-wants/",
        "/ledger/news/world/kremlin-repeats",
        "/courier/world/why-neutrality/",
    }
    dnyuz = articles["/dnyuz/2025/09/04/russia-wants/"]
    assert dnyuz.attributed_publisher == "New York Times"
    assert (
        dnyuz.original_url
        == "https://www.nytimes.com/2025/09/04/world/europe/russia-ukraine-security-guarantees.html"
    )
    assert "appeared first on" not in dnyuz.text and dnyuz.language == "en"
    assert articles["/courier/world/why-neutrality/"].attributed_publisher == "The Conversation"
    assert {s.kind for s in sources_by_name.values()} == {"gnews", "sitemap", "listing", "feed"}
    assert sources_by_name["broken"].bozo_error
    assert all(sources_by_name[n].last_success_at for n in ("gnews", "sitemap", "listing"))
    assert health.returncode == 0, health.stderr
    rows = {line.split()[1]: line for line in health.stdout.splitlines() if line.count("│") > 2}
    for name in ("gnews", "sitemap", "listing", "broken"):
        assert name in rows, health.stdout
    assert "listing" in rows["listing"].split("│")[2]  # the kind column
