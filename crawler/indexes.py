"""A source's index document (feed, query feed, sitemap, listing page) -> entries to fetch.

One function per source kind behind ``read_index``, so the spider stays a dispatcher and each
kind can be tested on bytes alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from scrapy.http import Response, TextResponse

from crawler.feeds import FeedEntry, parse_feed
from crawler.listing import extract_links
from crawler.sitemaps import DEFAULT_MAX_SIZE, parse_sitemap
from crawler.sources import SourceSpec

logger = logging.getLogger(__name__)


class UnusableIndex(ValueError):
    """An index document the source kind cannot use (e.g. a listing that is not HTML)."""


@dataclass(frozen=True)
class IndexPage:
    """Entries found in one index document, child sitemaps to follow, and a bozo complaint."""

    entries: list[FeedEntry] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    bozo_error: str | None = None


def _content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None


def read_feed(response: Response) -> IndexPage:
    """RSS/Atom/RDF/CDF bytes through feedparser (also the ``gnews`` kind's query feed)."""
    parsed = parse_feed(response.body, response.url, _content_type(response))
    return IndexPage(entries=parsed.entries, bozo_error=parsed.bozo_error)


def read_sitemap(response: Response, max_size: int = DEFAULT_MAX_SIZE) -> IndexPage:
    """A news sitemap's entries, or an index's children newest first."""
    sitemap = parse_sitemap(response.body, response.url, max_size)
    if sitemap.kind == "sitemapindex":
        ordered = sorted(
            sitemap.children,
            key=lambda c: c.lastmod.timestamp() if c.lastmod else float("-inf"),
            reverse=True,
        )
        return IndexPage(children=[c.url for c in ordered])
    entries = [
        FeedEntry(link=e.url, title=e.title, published=e.published, updated=e.lastmod, guid=None)
        for e in sitemap.entries
    ]
    return IndexPage(entries=entries)


def read_listing(response: Response, selector: str) -> IndexPage:
    """Links picked from an HTML listing page by the source's CSS or XPath selector."""
    if not isinstance(response, TextResponse):
        raise UnusableIndex(f"{response.url}: listing page is not text/HTML")
    links = extract_links(response, selector)
    return IndexPage(
        entries=[
            FeedEntry(link=u, title=None, published=None, updated=None, guid=None) for u in links
        ]
    )


def read_index(
    source: SourceSpec, response: Response, max_size: int = DEFAULT_MAX_SIZE
) -> IndexPage:
    """Dispatch on the source kind; raises UnsafeFeed, SitemapError, UnusableIndex or
    ListingSelectorError for documents that cannot be used at all."""
    if source.kind in ("feed", "gnews"):
        return read_feed(response)
    if source.kind == "sitemap":
        return read_sitemap(response, max_size)
    if source.kind == "listing":
        assert source.link_selector is not None  # SourceSpec validates this
        return read_listing(response, source.link_selector)
    raise UnusableIndex(f"source kind {source.kind!r} is not supported")
