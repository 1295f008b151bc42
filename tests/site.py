"""The fake outside world for crawl tests: the demo news site plus hostile endpoints."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from monitor.demo.server import DEMO_FEEDS, DEMO_PAGES, FeedItem, NewsSite, Route, page, rss

MAX_PAGE_BYTES = 200_000


def _redirect(target: str):  # type: ignore[no-untyped-def]
    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(302)
        request.send_header("Location", target)
        request.send_header("Content-Length", "0")
        request.end_headers()

    return handler


def build_test_site() -> NewsSite:
    """Good feeds and pages, and one of each kind of trouble the crawler must survive."""
    site = NewsSite()
    for path, name in DEMO_PAGES.items():
        site.add(path, Route(body=page(name)))
    for path, (title, items) in DEMO_FEEDS.items():
        site.add(path, Route(body=rss(title, site, items), content_type="application/rss+xml"))
    site.add("/robots.txt", Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"))

    # Hostile feeds.
    site.add(
        "/feeds/error-500.xml", Route(body=b"internal error", status=500, content_type="text/plain")
    )
    site.add("/feeds/slow.xml", Route(body=rss("slow", site, []), delay=4.0))
    site.add(
        "/feeds/not-xml.xml",
        Route(
            body=b"<html><body><h1>Oops</h1><p>This is not a feed at all.", content_type="text/html"
        ),
    )
    # A feed whose entries point at trouble: a 404, an oversized page, a redirect to a good page.
    troubled = [
        FeedItem("Missing article", "/missing/gone.html", "Fri, 05 Sep 2025 12:00:00 GMT"),
        FeedItem("Huge article", "/huge/page.html", "Fri, 05 Sep 2025 12:05:00 GMT"),
        FeedItem("Moved article", "/moved/peskov", "Fri, 05 Sep 2025 12:10:00 GMT"),
    ]
    site.add(
        "/feeds/troubled.xml",
        Route(body=rss("troubled", site, troubled), content_type="application/rss+xml"),
    )
    filler = b"<p>" + b"Moscow Kremlin Ukraine NATO filler text. " * 40 + b"</p>\n"
    huge = (
        b"<html><body><article><h1>Huge</h1>"
        + filler * (MAX_PAGE_BYTES // len(filler) + 50)
        + b"</article></body></html>"
    )
    site.add("/huge/page.html", Route(body=huge))
    site.add(
        "/moved/peskov",
        Route(
            handler=_redirect(
                site.url("/wire/2025/09/05/kremlin-peskov-foreign-troops.html?utm_source=redirect")
            )
        ),
    )
    return site
