"""Article HTML -> main text and metadata with trafilatura (no hand-written extractor).

Runs in worker processes (see ``crawler.pipelines``), so it takes and returns plain data.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urljoin

import trafilatura
from dateutil import parser as date_parser
from lxml import html as lxml_html

from crawler.attribution import clean_text, detect_attribution
from crawler.items import ExtractedArticle
from crawler.language import detect_language

logger = logging.getLogger(__name__)

_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "pubdate",
    "publish-date",
    "dc.date.issued",
    "date",
)
# Shorter "main text" is navigation or a teaser that trafilatura fell back to, not an article.
MIN_ARTICLE_CHARS = 120
_MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified", "last-modified")


def _parse_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = date_parser.parse(value)
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _meta_values(tree: lxml_html.HtmlElement) -> dict[str, str]:
    values: dict[str, str] = {}
    for meta in tree.iterfind(".//meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content and key not in values:
            values[key] = content.strip()
    return values


def _canonical(tree: lxml_html.HtmlElement, meta: dict[str, str]) -> str | None:
    for link in tree.iterfind(".//link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return link.get("href").strip()
    return meta.get("og:url")


def extract_article(page: bytes | str, url: str) -> ExtractedArticle | None:
    """Extract one page; returns None (with a debug log) when the page holds no article text."""
    try:
        tree = lxml_html.fromstring(page)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        logger.debug("unparseable HTML at %s: %s", url, exc)
        return None
    doc = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, favor_precision=True, include_tables=False
    )
    if isinstance(doc, dict):  # only with as_dict=True; kept for the type checker
        raise TypeError("trafilatura returned a dict where a Document was asked for")
    if doc is None or len((doc.text or "").strip()) < MIN_ARTICLE_CHARS:
        logger.debug("no article text found at %s", url)
        return None
    meta = _meta_values(tree)
    canonical = _canonical(tree, meta)
    if canonical:
        canonical = urljoin(url, canonical)
    published = next(
        (d for d in (_parse_date(meta.get(k)) for k in _PUBLISHED_META) if d), None
    ) or _parse_date(doc.date)
    updated = next((d for d in (_parse_date(meta.get(k)) for k in _MODIFIED_META) if d), None)
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    attribution = detect_attribution(doc.text or "", tree, url)
    text = clean_text(doc.text or "", attribution).strip()
    declared = tree.get("lang") or meta.get("content-language") or doc.language
    return ExtractedArticle(
        url=url,
        text=text,
        title=doc.title,
        authors=authors,
        published=published,
        updated=updated,
        canonical_url=canonical,
        site_name=doc.sitename or meta.get("og:site_name"),
        language=detect_language(text, declared),
        attributed_publisher=attribution.publisher if attribution else None,
        original_url=attribution.original_url if attribution else None,
    )


def warm_up() -> bool:
    """Load trafilatura and the language model in a fresh worker before the first page arrives."""
    sample = "<html><body><article><p>" + "Warm-up text for the extraction worker. " * 8
    return extract_article(sample + "</p></article></body></html>", "http://warm.up/") is not None
