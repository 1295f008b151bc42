"""Listing-page sources: article links picked from an HTML page by a CSS or XPath selector."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin, urlsplit

from cssselect import SelectorError
from lxml.etree import XPathError
from parsel import Selector
from w3lib.url import safe_url_string

if TYPE_CHECKING:
    from scrapy.http import TextResponse

logger = logging.getLogger(__name__)

XPATH_PREFIXES = ("/", "./", "(", "xpath:")


class ListingSelectorError(ValueError):
    """A link selector that is neither valid CSS nor valid XPath."""


def is_xpath(selector: str) -> bool:
    """XPath when it starts like a path or an expression (or says ``xpath:``), else CSS."""
    return selector.strip().startswith(XPATH_PREFIXES)


def _select(doc: Selector, selector: str) -> list[Selector]:
    query = selector.strip()
    try:
        if is_xpath(query):
            return list(doc.xpath(query.removeprefix("xpath:").strip()))
        return list(doc.css(query.removeprefix("css:").strip()))
    except (SelectorError, XPathError, ValueError) as exc:
        kind = "XPath" if is_xpath(query) else "CSS"
        raise ListingSelectorError(
            f"link selector {selector!r} is not valid {kind}: {exc}"
        ) from None


def validate_selector(selector: str) -> str:
    """Check a selector against an empty page so a bad topic file fails at start-up."""
    if not selector.strip():
        raise ListingSelectorError("link selector is empty")
    _select(Selector(text="<html></html>"), selector)
    return selector


def _hrefs(node: Selector) -> list[str]:
    """An attribute or text node is the link itself; an element gives its own or inner hrefs."""
    if isinstance(node.root, str):
        return [node.root]
    own = node.xpath("self::a/@href | self::area/@href").getall()
    return own or node.xpath(".//a/@href | .//area/@href").getall()


def extract_links(response: TextResponse, selector: str) -> list[str]:
    """Absolute http(s) article links in page order, fragments dropped, each once."""
    from scrapy.utils.response import get_base_url

    base = get_base_url(response)
    links: list[str] = []
    seen: set[str] = set()
    for node in _select(response.selector, selector):
        for href in _hrefs(node):
            href = href.strip()
            if not href:
                continue
            url = urldefrag(safe_url_string(urljoin(base, href))).url
            if urlsplit(url).scheme not in ("http", "https") or url in seen:
                continue
            seen.add(url)
            links.append(url)
    logger.debug("listing %s: %d links for %r", response.url, len(links), selector)
    return links
