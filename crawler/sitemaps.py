"""Sitemap sources: news sitemaps, plain urlsets, sitemap indexes and gzip children -> entries.

Sitemaps are untrusted XML, so they are parsed by lxml with entity expansion, network access
and huge trees off, and gzip bodies are decompressed under a size cap (a gzip bomb is refused).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin, urlsplit

import lxml.etree
from dateutil.parser import isoparse
from scrapy.utils.gz import gunzip

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_MAX_SIZE = 50 * 1024 * 1024  # the sitemaps.org limit for one uncompressed file


class SitemapError(ValueError):
    """A body that is not a usable sitemap (not XML, wrong root, or over the size cap)."""


@dataclass(frozen=True)
class SitemapEntry:
    """One <url> (or <sitemap> child of an index) with what the sitemap says about it."""

    url: str
    lastmod: dt.datetime | None = None
    title: str | None = None
    published: dt.datetime | None = None
    language: str | None = None
    publication: str | None = None


@dataclass(frozen=True)
class Sitemap:
    """A parsed sitemap: article entries for a urlset, child sitemaps for an index."""

    kind: Literal["urlset", "sitemapindex", "text"]
    entries: list[SitemapEntry] = field(default_factory=list)
    children: list[SitemapEntry] = field(default_factory=list)


def _parser() -> lxml.etree.XMLParser:
    return lxml.etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child_text(element: lxml.etree._Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def _date(value: str | None, where: str) -> dt.datetime | None:
    """W3C datetime (any precision) as aware UTC; naive times are taken as UTC."""
    if not value:
        return None
    try:
        parsed = isoparse(value)
    except (ValueError, OverflowError):
        logger.debug("sitemap %s: unparseable date %r", where, value)
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _absolute(loc: str | None, base: str) -> str | None:
    if not loc:
        return None
    url = urljoin(base, loc.strip())
    return url if urlsplit(url).scheme in ("http", "https") else None


def decompress(body: bytes, max_size: int = DEFAULT_MAX_SIZE) -> bytes:
    """The body, gunzipped when it is gzip (a ``.xml.gz`` child), refused past ``max_size``."""
    if not body.startswith(GZIP_MAGIC):
        if max_size and len(body) > max_size:
            raise SitemapError(f"sitemap is {len(body)} bytes, over the {max_size}-byte cap")
        return body
    try:
        return gunzip(body, max_size=max_size)
    except ValueError as exc:  # Scrapy's decompression-size error is a ValueError
        raise SitemapError(f"gzip sitemap refused: {exc}") from None
    except (OSError, EOFError) as exc:
        raise SitemapError(f"gzip sitemap is corrupt: {exc}") from None


def parse_sitemap(body: bytes, url: str, max_size: int = DEFAULT_MAX_SIZE) -> Sitemap:
    """Entries (urlset, with <news:news> title/date/language) or children (sitemapindex)."""
    data = decompress(body, max_size)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:4].lower().startswith((b"http", b"/")):
        return _parse_text(stripped, url)
    try:
        root = lxml.etree.fromstring(data, parser=_parser())
    except lxml.etree.XMLSyntaxError as exc:
        raise SitemapError(f"{url}: not XML ({exc})") from None
    if root is None:
        raise SitemapError(f"{url}: empty or unreadable XML")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise SitemapError(
            f"{url}: declares XML entities (possible entity-expansion attack), refused"
        )
    kind = _local(root.tag)
    if kind == "sitemapindex":
        children = [
            SitemapEntry(url=loc, lastmod=_date(_child_text(el, "lastmod"), url))
            for el in root
            if _local(el.tag) == "sitemap" and (loc := _absolute(_child_text(el, "loc"), url))
        ]
        return Sitemap(kind="sitemapindex", children=children)
    if kind == "urlset":
        return Sitemap(kind="urlset", entries=[e for el in root if (e := _url_entry(el, url))])
    raise SitemapError(f"{url}: root element <{kind}> is neither <urlset> nor <sitemapindex>")


def _url_entry(element: lxml.etree._Element, base: str) -> SitemapEntry | None:
    if _local(element.tag) != "url":
        return None
    loc = _absolute(_child_text(element, "loc"), base)
    if loc is None:
        return None
    title = published = language = publication = None
    for child in element:
        if _local(child.tag) != "news":
            continue
        title = _child_text(child, "title")
        published = _date(_child_text(child, "publication_date"), base)
        for pub in child:
            if _local(pub.tag) == "publication":
                language = _child_text(pub, "language")
                publication = _child_text(pub, "name")
    return SitemapEntry(
        url=loc,
        lastmod=_date(_child_text(element, "lastmod"), base),
        title=title,
        published=published,
        language=language,
        publication=publication,
    )


def _parse_text(data: bytes, base: str) -> Sitemap:
    """A text sitemap: one URL per line (sitemaps.org allows it)."""
    lines = data.decode("utf-8", errors="replace").splitlines()
    return Sitemap(
        kind="text", entries=[SitemapEntry(url=u) for line in lines if (u := _absolute(line, base))]
    )
