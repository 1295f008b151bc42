"""A small threaded HTTP news site: feeds with ETag/Last-Modified, article pages, scripted endpoints.

Used by ``newsmon demo`` and, with hostile endpoints added, by the test suite's fake outside world.
"""

from __future__ import annotations

import email.utils
import hashlib
import html
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SITE_DIR = Path(__file__).parent / "site"


@dataclass
class Route:
    """What one path answers: a body with headers, or a handler for scripted behaviour."""

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    conditional: bool = True  # answer If-None-Match / If-Modified-Since with 304
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None
    gate: Callable[[], None] | None = None  # called before answering: a test can hold a page


class _QuietServer(ThreadingHTTPServer):
    """A client hanging up early (timeouts, size caps) is expected here, not an error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            logger.debug("site: client %s went away: %s", client_address, exc)
            return
        super().handle_error(request, client_address)


@dataclass
class Hit:
    path: str
    status: int
    headers: dict[str, str]


class _QuietServer6(_QuietServer):
    """The same server on an IPv6 address (a source at ``http://[::1]:port``)."""

    address_family = socket.AF_INET6


class NewsSite:
    """Serve routes on 127.0.0.1 (port 0 by default) in a background thread."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.last_modified = email.utils.formatdate(time.time() - 3600, usegmt=True)
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("site: " + format, *args)

            def do_GET(self) -> None:
                site._serve(self)

            def do_HEAD(self) -> None:
                site._serve(self, head=True)

        server_class = _QuietServer6 if ":" in host else _QuietServer
        self._server = server_class((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def start(self) -> NewsSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> NewsSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def hits_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def _serve(self, request: BaseHTTPRequestHandler, head: bool = False) -> None:
        path = request.path.split("?", 1)[0]
        route = self.routes.get(path)
        if route is None:
            self._send(request, path, 404, {"Content-Type": "text/plain"}, b"not found", head)
            return
        if route.delay:
            time.sleep(route.delay)
        if route.gate is not None:
            route.gate()
        if route.handler is not None:
            self.hits.append(Hit(path, 0, dict(request.headers)))
            route.handler(request)
            return
        etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.conditional and route.status == 200:
            headers.setdefault("ETag", etag)
            headers.setdefault("Last-Modified", self.last_modified)
            if request.headers.get("If-None-Match") == headers["ETag"] or (
                request.headers.get("If-Modified-Since") == headers["Last-Modified"]
                and not request.headers.get("If-None-Match")
            ):
                self._send(request, path, 304, {"ETag": headers["ETag"]}, b"", head)
                return
        self._send(request, path, route.status, headers, route.body, head)

    def _send(
        self,
        request: BaseHTTPRequestHandler,
        path: str,
        status: int,
        headers: dict[str, str],
        body: bytes,
        head: bool,
    ) -> None:
        self.hits.append(Hit(path, status, dict(request.headers)))
        request.send_response(status)
        for name, value in headers.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if not head and status != 304:
            request.wfile.write(body)


@dataclass(frozen=True)
class FeedItem:
    title: str
    path: str
    published: str  # RFC 822 date
    guid: str | None = None
    updated: str | None = None


def rss(title: str, site: NewsSite, items: list[FeedItem]) -> bytes:
    """A plain RSS 2.0 document whose links point at ``site``."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
        f"<title>{html.escape(title)}</title><link>{site.url('/')}</link>",
        "<description>sample feed</description>",
    ]
    for item in items:
        parts.append(
            "<item>"
            f"<title>{html.escape(item.title)}</title>"
            f"<link>{html.escape(site.url(item.path))}</link>"
            f'<guid isPermaLink="false">{html.escape(item.guid or item.path)}</guid>'
            f"<pubDate>{item.published}</pubDate>"
            + (f"<atom:updated>{item.updated}</atom:updated>" if item.updated else "")
            + "</item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


def page(name: str) -> bytes:
    return (SITE_DIR / name).read_bytes()


DEMO_FEEDS: dict[str, tuple[str, list[FeedItem]]] = {
    "/feeds/nyt-world.xml": (
        "NYT-like World",
        [
            FeedItem(
                "Russia Wants ‘Security Guarantees’ Too. Here’s What They Look Like.",
                "/nyt/2025/09/04/world/europe/russia-ukraine-security-guarantees.html"
                "?utm_source=rss&utm_medium=feed",
                "Thu, 04 Sep 2025 09:00:12 GMT",
            ),
            FeedItem(
                "Storm Batters Coastal Towns in Northern Portugal",
                "/nyt/2025/09/04/world/europe/portugal-storm.html",
                "Thu, 04 Sep 2025 11:30:00 GMT",
            ),
        ],
    ),
    "/feeds/dnyuz.xml": (
        "DNYUZ-like News",
        [
            FeedItem(
                "Russia Wants ‘Security Guarantees’ Too. Here’s What They Look Like.",
                "/dnyuz/2025/09/04/russia-wants-security-guarantees-too-heres-what-they-look-like/",
                "Thu, 04 Sep 2025 09:23:40 GMT",
            ),
        ],
    ),
    "/feeds/wire.xml": (
        "Wire-like Russia desk",
        [
            FeedItem(
                "Kremlin says European troops in Ukraine would be legitimate targets",
                "/wire/2025/09/05/kremlin-peskov-foreign-troops.html",
                "Fri, 05 Sep 2025 10:15:00 GMT",
            ),
            FeedItem(
                "Kremlin signals it could accept unarmed peacekeepers under a UN mandate",
                "/wire/2025/09/10/kremlin-peskov-peacekeepers.html",
                "Wed, 10 Sep 2025 14:05:00 GMT",
            ),
        ],
    ),
}

DEMO_PAGES: dict[str, str] = {
    "/nyt/2025/09/04/world/europe/russia-ukraine-security-guarantees.html": "nyt-security-guarantees.html",
    "/nyt/2025/09/04/world/europe/portugal-storm.html": "portugal-storm.html",
    "/dnyuz/2025/09/04/russia-wants-security-guarantees-too-heres-what-they-look-like/": "dnyuz-security-guarantees.html",
    "/wire/2025/09/05/kremlin-peskov-foreign-troops.html": "wire-peskov-foreign-troops.html",
    "/wire/2025/09/10/kremlin-peskov-peacekeepers.html": "wire-peskov-peacekeepers.html",
}


def demo_site(port: int = 0, host: str = "127.0.0.1") -> NewsSite:
    """The bundled sample site: three feeds, five article pages (one off-topic)."""
    site = NewsSite(port, host)
    for path, name in DEMO_PAGES.items():
        site.add(path, Route(body=page(name)))
    for path, (title, items) in DEMO_FEEDS.items():
        feed = rss(title, site, items)  # the port is bound already, so links are absolute
        site.add(path, Route(body=feed, content_type="application/rss+xml; charset=utf-8"))
    site.add("/robots.txt", Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"))
    return site
