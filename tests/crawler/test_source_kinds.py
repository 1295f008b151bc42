"""Each source kind crawled for real from the local site: query feeds, sitemaps, listing pages."""

from __future__ import annotations

import gzip
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from scrapy.settings.default_settings import EXTENSIONS_BASE

from monitor.demo.server import FeedItem, NewsSite, Route, rss
from tests.crawler.probe import crawl_sources
from tests.crawler.test_gnews import encode_article_id

SITE_DIR = Path(__file__).resolve().parents[1] / "data" / "site"
DEMO_DIR = Path(__file__).resolve().parents[2] / "monitor" / "demo" / "site"

PAGES = {
    "/dnyuz/2025/09/04/russia-wants/": DEMO_DIR / "dnyuz-security-guarantees.html",
    "/courier/world/why-neutrality/": SITE_DIR / "attribution_conversation_repost.html",
    "/ledger/news/world/kremlin-repeats": SITE_DIR / "attribution_wire_reuters.html",
    "/aggregate/story/88231": SITE_DIR / "attribution_meta_original_source.html",
    "/nyt/2025/09/04/portugal-storm.html": DEMO_DIR / "portugal-storm.html",
}


def site_with_pages(robots: bytes = b"User-agent: *\nAllow: /\n") -> NewsSite:
    site = NewsSite()
    for path, file in PAGES.items():
        site.add(path, Route(body=file.read_bytes()))
    site.add("/robots.txt", Route(body=robots, content_type="text/plain"))
    return site


def by_path(result: dict, site: NewsSite) -> dict[str, dict]:
    prefix = site.url("")
    return {
        a["url"].replace(prefix, "").replace(f"http://localhost:{site.port}", ""): a
        for a in result["articles"]
    }


def _redirect(target: str):
    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(302)
        request.send_header("Location", target)
        request.send_header("Content-Length", "0")
        request.end_headers()

    return handler


def test_gnews_query_feed_links_resolve_to_publisher_pages() -> None:
    """Encoded ids are decoded without asking the aggregator; opaque ones are followed."""
    with site_with_pages() as site:
        aggregator = f"http://localhost:{site.port}"  # another netloc on the same server
        encoded = encode_article_id(site.url("/dnyuz/2025/09/04/russia-wants/"))
        landing = (
            '<html><body><c-wiz><div jscontroller="x" data-n-au="'
            + site.url("/ledger/news/world/kremlin-repeats")
            + '"></div></c-wiz></body></html>'
        ).encode()
        site.add(
            "/gnews/rss/articles/AUopaqueRedirect",
            Route(handler=_redirect(site.url("/courier/world/why-neutrality/"))),
        )
        site.add("/gnews/rss/articles/AUopaqueLanding", Route(body=landing))
        site.add(
            "/gnews/rss/articles/AUopaqueNowhere",
            Route(body=b"<html><body><p>Sorry</p></body></html>"),
        )
        items = [
            FeedItem(
                "Russia wants guarantees - NYT",
                f"/gnews/rss/articles/{encoded}?oc=5",
                "Thu, 04 Sep 2025 09:00:00 GMT",
            ),
            FeedItem(
                "Why neutrality - Courier",
                "/gnews/rss/articles/AUopaqueRedirect?oc=5",
                "Thu, 02 Oct 2025 14:00:00 GMT",
            ),
            FeedItem(
                "Kremlin repeats - Ledger",
                "/gnews/rss/articles/AUopaqueLanding?oc=5",
                "Thu, 06 Nov 2025 10:00:00 GMT",
            ),
            FeedItem(
                "Lost", "/gnews/rss/articles/AUopaqueNowhere", "Thu, 06 Nov 2025 11:00:00 GMT"
            ),
        ]
        feed = rss("security guarantees - Google News", site, items).replace(
            site.url("/gnews/").encode(), f"{aggregator}/gnews/".encode()
        )
        site.add("/gnews/rss/search", Route(body=feed, content_type="application/rss+xml"))
        result = crawl_sources(
            [
                {
                    "name": "gnews",
                    "kind": "gnews",
                    "url": f"{aggregator}/gnews/rss/search?q=security+guarantees",
                }
            ]
        )
        hits = [h.path for h in site.hits]
    articles = by_path(result, site)
    assert set(articles) == {
        "/dnyuz/2025/09/04/russia-wants/",
        "/courier/world/why-neutrality/",
        "/ledger/news/world/kremlin-repeats",
    }
    assert articles["/dnyuz/2025/09/04/russia-wants/"]["attributed_publisher"] == "New York Times"
    assert articles["/courier/world/why-neutrality/"]["url_normalized"] == site.url(
        "/courier/world/why-neutrality/"
    )
    assert not any(
        p.startswith(f"/gnews/rss/articles/{encoded[:10]}") for p in hits
    )  # decoded, not fetched
    assert [f["reason"] for f in result["failures"]] == [
        "aggregator link did not lead to a publisher page"
    ]
    assert result["polls"][0]["ok"] and result["polls"][0]["entries"] == 4


NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}
</urlset>"""
URL = """<url><loc>{loc}</loc><news:news><news:publication><news:name>Local</news:name><news:language>en</news:language></news:publication>
<news:publication_date>{date}</news:publication_date><news:title>{title}</news:title></news:news></url>"""


def test_sitemap_index_with_gzip_child() -> None:
    with site_with_pages() as site:
        fresh = NEWS_SITEMAP.format(
            urls="\n".join(
                [
                    URL.format(
                        loc=site.url("/dnyuz/2025/09/04/russia-wants/"),
                        date="2025-09-04T09:23:40Z",
                        title="Russia wants",
                    ),
                    URL.format(
                        loc="/courier/world/why-neutrality/",
                        date="2025-10-02T14:05:00+00:00",
                        title="Why neutrality",
                    ),
                ]
            )
        )
        older = NEWS_SITEMAP.format(
            urls=URL.format(
                loc=site.url("/ledger/news/world/kremlin-repeats"),
                date="2025-11-06",
                title="Kremlin",
            )
        )
        index = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{site.url("/sitemaps/news-1.xml.gz")}</loc><lastmod>2025-11-06</lastmod></sitemap>
<sitemap><loc>/sitemaps/news-2.xml</loc><lastmod>2025-10-01</lastmod></sitemap>
<sitemap><loc>/sitemaps/broken.xml.gz</loc></sitemap>
</sitemapindex>"""
        site.add("/sitemap_index.xml", Route(body=index.encode(), content_type="application/xml"))
        site.add(
            "/sitemaps/news-1.xml.gz",
            Route(body=gzip.compress(fresh.encode()), content_type="application/x-gzip"),
        )
        site.add(
            "/sitemaps/news-2.xml",
            Route(
                body=gzip.compress(older.encode()),
                content_type="application/xml",
                headers={"Content-Encoding": "gzip"},
            ),
        )
        site.add(
            "/sitemaps/broken.xml.gz",
            Route(body=b"\x1f\x8b\x08\x00not really", content_type="application/x-gzip"),
        )
        result = crawl_sources(
            [{"name": "sitemap", "kind": "sitemap", "url": site.url("/sitemap_index.xml")}]
        )
    articles = by_path(result, site)
    assert set(articles) == {
        "/dnyuz/2025/09/04/russia-wants/",
        "/courier/world/why-neutrality/",
        "/ledger/news/world/kremlin-repeats",
    }
    assert (
        articles["/courier/world/why-neutrality/"]["entry_published"] == "2025-10-02T14:05:00+00:00"
    )
    assert [(f["url"], f["reason"][:23]) for f in result["failures"]] == [
        (site.url("/sitemaps/broken.xml.gz"), "gzip sitemap is corrupt")
    ]
    assert result["polls"] == [dict(result["polls"][0], ok=True, entries=3, new_entries=0)]


def test_listing_page_with_selector_only_urls_and_source_headers() -> None:
    listing = """<html><body><nav><a href="/about">About</a></nav>
<ul class="river">
  <li><a href="/dnyuz/2025/09/04/russia-wants/#comments">Russia wants</a></li>
  <li><a href="/courier/world/why-neutrality/?utm_source=home">Why neutrality</a></li>
  <li><a href="/nyt/2025/09/04/portugal-storm.html">Storm</a></li>
  <li><a href="{other}/ledger/news/world/kremlin-repeats">Elsewhere</a></li>
</ul></body></html>"""
    with site_with_pages() as site:
        other = f"http://localhost:{site.port}"
        site.add("/world/", Route(body=listing.format(other=other).encode()))
        result = crawl_sources(
            [
                {
                    "name": "listing",
                    "kind": "listing",
                    "url": site.url("/world/"),
                    "link_selector": "//ul[@class='river']//a",
                    "only_urls": r"/(dnyuz|courier|ledger)/",
                    "headers": {"X-Api-Key": "k-123"},
                }
            ]
        )
        hits = {h.path: h for h in site.hits}
    articles = by_path(result, site)
    assert set(articles) == {
        "/dnyuz/2025/09/04/russia-wants/",
        "/courier/world/why-neutrality/?utm_source=home",
        "/ledger/news/world/kremlin-repeats",
    }
    assert "/nyt/2025/09/04/portugal-storm.html" not in hits  # only_urls
    assert "/about" not in hits  # outside the selector
    assert result["stats"]["newsmon/skipped_only_urls"] == 1
    assert hits["/world/"].headers.get("X-Api-Key") == "k-123"
    assert hits["/dnyuz/2025/09/04/russia-wants/"].headers.get("X-Api-Key") == "k-123"
    assert "X-Api-Key" not in hits["/ledger/news/world/kremlin-repeats"].headers  # other host


def test_listing_that_is_not_html_is_a_source_error() -> None:
    with site_with_pages() as site:
        site.add("/img.png", Route(body=b"\x89PNG\r\n\x1a\n\x00\x00", content_type="image/png"))
        result = crawl_sources(
            [
                {
                    "name": "listing",
                    "kind": "listing",
                    "url": site.url("/img.png"),
                    "link_selector": "a",
                }
            ]
        )
    assert result["polls"][0]["ok"] is False
    assert "not text/HTML" in result["polls"][0]["error"]


def test_robots_txt_disallowing_articles_is_obeyed() -> None:
    with site_with_pages(robots=b"User-agent: *\nDisallow: /dnyuz/\nDisallow: /courier/\n") as site:
        items = [
            FeedItem("a", "/dnyuz/2025/09/04/russia-wants/", "Thu, 04 Sep 2025 09:00:00 GMT"),
            FeedItem("b", "/courier/world/why-neutrality/", "Thu, 04 Sep 2025 09:00:00 GMT"),
            FeedItem("c", "/ledger/news/world/kremlin-repeats", "Thu, 04 Sep 2025 09:00:00 GMT"),
        ]
        site.add("/feed.xml", Route(body=rss("f", site, items), content_type="application/rss+xml"))
        result = crawl_sources(
            [{"name": "f", "url": site.url("/feed.xml")}], {"obey_robots_txt": True}
        )
        paths = {h.path for h in site.hits}
    assert set(by_path(result, site)) == {"/ledger/news/world/kremlin-repeats"}
    assert (
        "/dnyuz/2025/09/04/russia-wants/" not in paths
        and "/courier/world/why-neutrality/" not in paths
    )
    assert result["stats"]["robotstxt/forbidden"] == 2
    assert (
        sorted(f["reason"] for f in result["failures"])
        == ["IgnoreRequest: Forbidden by robots.txt"] * 2
    )


def test_429_with_retry_after_is_waited_out() -> None:
    calls: list[float] = []
    body = PAGES["/ledger/news/world/kremlin-repeats"].read_bytes()

    def limited(request: BaseHTTPRequestHandler) -> None:
        calls.append(time.monotonic())
        first = len(calls) == 1
        request.send_response(429 if first else 200)
        request.send_header("Content-Type", "text/plain" if first else "text/html; charset=utf-8")
        if first:
            request.send_header("Retry-After", "2")
        payload = b"slow down" if first else body
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def too_long(request: BaseHTTPRequestHandler) -> None:
        request.send_response(503)
        request.send_header("Retry-After", "86400")
        request.send_header("Content-Length", "0")
        request.end_headers()

    with site_with_pages() as site:
        site.add("/limited/story", Route(handler=limited))
        site.add("/closed/story", Route(handler=too_long))
        items = [
            FeedItem("a", "/limited/story", "Thu, 04 Sep 2025 09:00:00 GMT"),
            FeedItem("b", "/closed/story", "Thu, 04 Sep 2025 09:00:00 GMT"),
        ]
        site.add("/feed.xml", Route(body=rss("f", site, items), content_type="application/rss+xml"))
        result = crawl_sources([{"name": "f", "url": site.url("/feed.xml")}], {"retries": 2})
        closed_hits = len(site.hits_for("/closed/story"))
    assert len(calls) == 2 and calls[1] - calls[0] >= 1.9
    assert set(by_path(result, site)) == {"/limited/story"}
    assert result["stats"]["newsmon/retry_after_honoured"] == 1
    assert closed_hits == 1  # a day-long Retry-After is not waited out inside one crawl
    assert result["failures"] == [
        {"source": "f", "url": site.url("/closed/story"), "reason": "HTTP 503"}
    ]
    assert "over the 120s cap" in result["log"]


def test_feed_items_pointing_inside_the_network_are_refused() -> None:
    with site_with_pages() as site:
        targets = [
            "http://10.0.0.1/admin",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:9/x",
            "http://127.0.0.2:9/x",
            f"http://localhost:{site.port}/ledger/news/world/kremlin-repeats",
            "file:///etc/passwd",
            f"http://localhost:{site.port}/to-metadata",
        ]
        feed = rss(
            "f",
            site,
            [
                FeedItem(f"t{i}", f"/item{i}", "Thu, 04 Sep 2025 09:00:00 GMT")
                for i in range(len(targets))
            ],
        )
        for i, target in enumerate(targets):
            feed = feed.replace(site.url(f"/item{i}").encode(), target.encode())
        site.add("/feed.xml", Route(body=feed, content_type="application/rss+xml"))
        site.add(
            "/to-metadata", Route(handler=_redirect("http://169.254.169.254/computeMetadata/v1/"))
        )
        result = crawl_sources(
            [{"name": "f", "url": f"http://localhost:{site.port}/feed.xml"}],
            {"allow_private_networks": ["localhost"]},
        )
        hits = [h.path for h in site.hits]
    # Only the allowed host name is fetched: the feed and the article it names on localhost.
    assert set(hits) <= {
        "/feed.xml",
        "/robots.txt",
        "/ledger/news/world/kremlin-repeats",
        "/to-metadata",
    }
    assert [a["url"] for a in result["articles"]] == [
        f"http://localhost:{site.port}/ledger/news/world/kremlin-repeats"
    ]
    stats = result["stats"]
    assert stats["guard/refused/private"] == 1
    assert stats["guard/refused/link-local"] == 2  # the item, and the redirect from /to-metadata
    assert stats["guard/refused/loopback"] == 2  # [::1] and 127.0.0.2
    log = result["log"]
    assert "address guard refused http://169.254.169.254/latest/meta-data/: link-local" in log
    assert "address guard refused http://127.0.0.2:9/x: loopback" in log
    assert f"redirected from http://localhost:{site.port}/to-metadata" in log


def test_gzip_bomb_page_is_refused_by_the_decompression_cap() -> None:
    """A small compressed body that inflates past max_page_bytes is dropped, not decompressed."""
    bomb = gzip.compress(b"<html><body><p>" + b"A" * 20_000_000 + b"</p></body></html>")
    assert len(bomb) < 100_000
    with site_with_pages() as site:
        site.add("/bomb.html", Route(body=bomb, headers={"Content-Encoding": "gzip"}))
        items = [
            FeedItem("bomb", "/bomb.html", "Thu, 04 Sep 2025 09:00:00 GMT"),
            FeedItem("fine", "/ledger/news/world/kremlin-repeats", "Thu, 04 Sep 2025 09:00:00 GMT"),
        ]
        site.add("/feed.xml", Route(body=rss("f", site, items), content_type="application/rss+xml"))
        result = crawl_sources(
            [{"name": "f", "url": site.url("/feed.xml")}], {"max_page_bytes": 1_000_000}
        )
    assert set(by_path(result, site)) == {"/ledger/news/world/kremlin-repeats"}
    (failure,) = result["failures"]
    assert failure["url"] == site.url("/bomb.html")
    assert "exceeded DOWNLOAD_MAXSIZE (1000000 B) during decompression" in failure["reason"]


def test_no_crawl_opens_scrapys_remote_code_execution_port() -> None:
    """Scrapy 2.19 runs Python sent to an HTTP port it opens in every crawl unless told not to."""
    with site_with_pages() as site:
        items = [FeedItem("a", "/dnyuz/2025/09/04/russia-wants/", "Thu, 04 Sep 2025 09:00:00 GMT")]
        site.add("/feed.xml", Route(body=rss("f", site, items), content_type="application/rss+xml"))
        sources = [{"name": "wire", "url": site.url("/feed.xml")}]
        ours = crawl_sources(sources)
        theirs = crawl_sources(  # Scrapy's own defaults
            sources,
            extra_settings={"REMOTE_CONTROL_ENABLED": True, "EXTENSIONS_BASE": EXTENSIONS_BASE},
        )
    assert ours["polls"] and ours["polls"][0]["ok"]
    assert "Remote control HTTP server listening" in theirs["log"]  # what the check looks for
    assert "Remote control" not in ours["log"]
