"""Article HTML -> main text and metadata with trafilatura (no hand-written extractor).

Runs in worker processes (see ``crawler.pipelines``), so it takes and returns plain data.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urljoin

import trafilatura
from lxml import html as lxml_html

from crawler.attribution import clean_text, detect_attribution
from crawler.dates import choose_published, meta_values, metadata_date, modified_date
from crawler.items import ExtractedArticle
from crawler.language import detect_language

logger = logging.getLogger(__name__)

# Shorter "main text" is navigation or a teaser that trafilatura fell back to, not an article.
MIN_ARTICLE_CHARS = 120
# trafilatura's date search stays on the page's declared dates (no free-text year hunting, where
# a footer's "Copyright 2025" wins); its answer is not used anyway: crawler.dates decides.
_DATE_SEARCH = {"extensive_search": False, "original_date": True}


def _canonical(tree: lxml_html.HtmlElement, meta: dict[str, str]) -> str | None:
    for link in tree.iterfind(".//link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return link.get("href").strip()
    return meta.get("og:url")


def extract_article(
    page: bytes | str, url: str, feed_published: dt.datetime | None = None
) -> ExtractedArticle | None:
    """Extract one page; returns None (with a debug log) when the page holds no article text.

    ``feed_published``: the feed entry's date, which outranks the URL's and a dateline's.
    """
    try:
        tree = lxml_html.fromstring(page)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        logger.debug("unparseable HTML at %s: %s", url, exc)
        return None
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        favor_precision=True,
        include_tables=False,
        date_extraction_params=_DATE_SEARCH,
    )
    if isinstance(doc, dict):  # only with as_dict=True; kept for the type checker
        raise TypeError("trafilatura returned a dict where a Document was asked for")
    if doc is None or len((doc.text or "").strip()) < MIN_ARTICLE_CHARS:
        logger.debug("no article text found at %s", url)
        return None
    meta = meta_values(tree)
    canonical = _canonical(tree, meta)
    if canonical:
        canonical = urljoin(url, canonical)
    attribution = detect_attribution(doc.text or "", tree, url)
    text = clean_text(doc.text or "", attribution).strip()
    title = (doc.title or "").strip()
    first_paragraph = next((p for p in text.split("\n") if p.strip() and p.strip() != title), "")
    published, published_from = choose_published(
        metadata_date(tree, meta), feed_published, canonical or url, first_paragraph
    )
    updated = modified_date(meta)
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    declared = tree.get("lang") or meta.get("content-language") or doc.language
    return ExtractedArticle(
        url=url,
        text=text,
        title=doc.title,
        authors=authors,
        published=published,
        published_from=published_from,
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
