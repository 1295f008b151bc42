"""A local news site whose feeds gain new items every time they are polled (daemon tests, soak)."""

from __future__ import annotations

import hashlib
import html
import random
import threading
from http.server import BaseHTTPRequestHandler
from typing import Self

from monitor.demo.server import FeedItem, NewsSite, Route, rss

ACTORS = ["Dmitry Peskov", "Sergei Lavrov", "Maria Zakharova", "Yuri Ushakov", "the Kremlin"]
ISSUES = [
    "Ukraine's membership in NATO",
    "foreign troops on Ukrainian soil",
    "limits on Ukraine's armed forces",
    "sanctions relief",
    "legally binding security guarantees",
    "the status of Russian speakers",
]
PLACES = ["Moscow", "Geneva", "Istanbul", "Riyadh", "Minsk", "Helsinki", "Vienna", "Ankara"]
FILLER = [
    "Diplomats from several European capitals said the talks would continue next week.",
    "Officials in Kyiv did not respond to a request for comment on the remarks.",
    "Analysts cautioned that public statements often differ from negotiating positions.",
    "The remarks came a day after a round of consultations ended without a joint statement.",
    "Western officials said they were studying the proposal carefully before responding.",
    "The ministry published a transcript of the briefing on its website later that evening.",
]


def article_page(n: int, feed: str) -> tuple[str, bytes]:
    """A distinct, relevant, extractable article (seeded by its number); returns title and HTML."""
    rng = random.Random(f"{feed}:{n}")
    actor, issue, place = rng.choice(ACTORS), rng.choice(ISSUES), rng.choice(PLACES)
    title = f"{actor} speaks on {issue} in {place} (report {feed}-{n})"
    paragraphs = [
        (
            f"{place} — {actor} said on day {n} of the consultations that Russia's position on "
            f"{issue} remained a central question for any settlement of the war in Ukraine."
        ),
        (
            f"Speaking to reporters in {place}, {actor} added that the Kremlin expected written "
            f"answers from Washington and its allies before meeting number {n + 1} could be held."
        ),
        *rng.sample(FILLER, 4),
        f"This is report {n} in the {feed} series, filed from {place} by the wire desk.",
    ]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>{body}</article>"
        "<footer>Copyright Growing Wire</footer></body></html>"
    )
    return title, page.encode("utf-8")


class GrowingSite:
    """Feeds at ``/feeds/<name>.xml``; each poll adds ``per_poll`` items while growing is on."""

    def __init__(self, feeds: list[str], per_poll: int = 1, initial: int = 0) -> None:
        self.site = NewsSite()
        self.per_poll = per_poll
        self.growing = True
        self.items: dict[str, list[FeedItem]] = {name: [] for name in feeds}
        self._mutex = threading.Lock()
        self._served = 0
        self._hold_after: int | None = None
        self._pages_open = threading.Event()
        self._pages_open.set()
        for name in feeds:
            self.site.add(f"/feeds/{name}.xml", Route(handler=self._feed_handler(name)))
            for _ in range(initial):
                self._add_item(name)
        self.site.add(
            "/robots.txt", Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")
        )

    def __enter__(self) -> Self:
        self.site.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release_pages()
        self.site.stop()

    def feed_url(self, name: str) -> str:
        return self.site.url(f"/feeds/{name}.xml")

    def all_article_urls(self) -> set[str]:
        with self._mutex:
            return {self.site.url(i.path) for items in self.items.values() for i in items}

    def add_static_item(self, feed: str, title: str, path: str, page: bytes) -> None:
        """Put an existing page (e.g. a demo article with real claims) in ``feed``."""
        with self._mutex:
            self.site.add(path, Route(body=page, gate=self._page_gate))
            n = len(self.items[feed]) + 1
            self.items[feed].append(
                FeedItem(title, path, f"Sun, 05 Oct 2025 {8 + n % 12:02d}:00:00 GMT")
            )

    def _add_item(self, feed: str) -> None:
        n = len(self.items[feed]) + 1
        path = f"/news/{feed}/{n}.html"
        title, page = article_page(n, feed)
        self.site.add(path, Route(body=page, gate=self._page_gate))
        minute = n % 60
        hour = 8 + (n // 60) % 12
        published = f"Mon, 06 Oct 2025 {hour:02d}:{minute:02d}:00 GMT"
        self.items[feed].append(FeedItem(title, path, published))

    def hold_pages(self, after: int) -> None:
        """From now on answer ``after`` article pages, then hold every other one until released:
        a crawl is then certainly still running (mid-cycle) for as long as a test needs."""
        with self._mutex:
            self._served, self._hold_after = 0, after
            self._pages_open.clear()

    def release_pages(self) -> None:
        with self._mutex:
            self._hold_after = None
            self._pages_open.set()

    def _page_gate(self) -> None:
        with self._mutex:
            self._served += 1
            held = self._hold_after is not None and self._served > self._hold_after
        if held:
            self._pages_open.wait(timeout=120)

    def _feed_handler(self, feed: str):  # type: ignore[no-untyped-def]
        def handle(request: BaseHTTPRequestHandler) -> None:
            with self._mutex:
                if self.growing:
                    for _ in range(self.per_poll):
                        self._add_item(feed)
                body = rss(f"Growing {feed}", self.site, list(reversed(self.items[feed][-50:])))
            send_feed(request, body)

        return handle


def send_feed(request: BaseHTTPRequestHandler, body: bytes) -> None:
    """Answer a feed poll with conditional GET: 304 when the client's ETag still matches."""
    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
    if request.headers.get("If-None-Match") == etag:
        request.send_response(304)
        request.send_header("ETag", etag)
        request.send_header("Content-Length", "0")
        request.end_headers()
        return
    request.send_response(200)
    request.send_header("Content-Type", "application/rss+xml; charset=utf-8")
    request.send_header("ETag", etag)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)
