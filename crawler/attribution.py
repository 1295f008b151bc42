"""Syndication attribution: who first published an article, and text cleaned of the credit line.

Reposts name their source in a credit line ("The post X appeared first on Y."), a wire dateline
("MOSCOW (Reuters) -"), or the page's metadata (``rel=canonical``/``og:url`` on another domain,
``<meta name="original-source">``). Dedup uses the result to choose the original of a story.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import courlan
import lxml.etree
import lxml.html

logger = logging.getLogger(__name__)

# courlan's first lookup builds the public-suffix table (tld's trie) without a lock: every
# extraction thread that arrives before it is ready builds its own copy.
_suffix_table_lock = threading.Lock()
_suffix_table_ready = False


def _registered_domain(url: str) -> str | None:
    """courlan's registered domain; the first call alone builds the suffix table."""
    global _suffix_table_ready
    if _suffix_table_ready:
        domain = courlan.extract_domain(url)
    else:
        with _suffix_table_lock:
            domain = courlan.extract_domain(url)
            _suffix_table_ready = True
    return str(domain) if domain else None


@dataclass(frozen=True)
class Attribution:
    """The attributed original: publisher name and/or URL, the cue that found it, the credit line."""

    publisher: str | None
    original_url: str | None
    cue: str
    line: str | None = None


_PUB = r"(?P<pub>[^\n]+?)"
_END = r"(?:\.\s+[A-Z].*)?\s*[.!]?\s*$"  # a following sentence ("Read the guidelines.") is not the name
# Credit lines, tried on whole lines of the extracted text (case-insensitive, anchored).
_CREDIT_LINES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "appeared-first",
        re.compile(rf"^The post (?P<title>.+) appeared first on {_PUB}{_END}", re.IGNORECASE),
    ),
    (
        "originally-appeared",
        re.compile(
            r"^\W{0,3}(?:This|The) (?:article|story|post|piece|report|column)"
            r"(?: was)? (?:originally|first) (?:appeared|published|ran|posted)"
            rf"(?: (?:in|on|at|by))? {_PUB}{_END}",
            re.IGNORECASE,
        ),
    ),
    (
        "originally-published",
        re.compile(
            rf"^\W{{0,3}}(?:Originally|First) (?:published|posted|appeared) (?:by|in|on|at) {_PUB}{_END}",
            re.IGNORECASE,
        ),
    ),
    (
        "republished-from",
        re.compile(
            rf"^\W{{0,3}}(?:Republished|Reprinted) (?:with permission )?(?:from|by) {_PUB}{_END}",
            re.IGNORECASE,
        ),
    ),
)
# A trailing date or link phrase after the publisher: "Reuters on Sept. 4, 2025", "X (link)".
_PUB_TAIL = re.compile(
    r"(?:,?\s+(?:on|at)\s+(?:\w+\.?\s+\d{1,2}(?:,\s*\d{4})?|\d{4}-\d{2}-\d{2}|\d{1,2}\s+\w+\s+\d{4})"
    r"|,?\s+(?:and is )?(?:republished|reproduced|reprinted) .*|\s*\(.*\)|\s+under .*)$",
    re.IGNORECASE,
)
_WIRES = {
    "reuters": ("Reuters", "reuters.com"),
    "ap": ("Associated Press", "apnews.com"),
    "afp": ("AFP", "afp.com"),
    "bloomberg": ("Bloomberg", "bloomberg.com"),
    "dpa": ("dpa", "dpa.com"),
    "xinhua": ("Xinhua", "news.cn"),
    "tass": ("TASS", "tass.com"),
    "interfax": ("Interfax", "interfax.com"),
}
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’\-]+(?: [A-Z][A-Z.'’\-]+)*(?:,\s*[A-Z][\w.' ]{1,30})?\s*)?"
    r"\((?P<wire>Reuters|AP|AFP|Bloomberg|dpa|Xinhua|TASS|Interfax)\)\s*[-—–]{1,2}\s*\S"
)
_SHARE_WORD = r"(?:Share|Shares|Tweet|Pin|Email|E-mail|Print|Save|WhatsApp|Telegram|Reddit|LinkedIn|Flipboard|Post|Copy link|Comments?)"
_NETWORK = r"(?:Facebook|Twitter|X|LinkedIn|WhatsApp|Telegram|Reddit|Pinterest|Flipboard|Bluesky|Threads|Email|Messenger)"
_RESIDUE = (
    re.compile(rf"^(?:{_SHARE_WORD}\s*(?:\d[\d.,]*[kKmM]?)?\s*)+$"),
    re.compile(
        rf"^(?:(?:Share|Post|Tweet|Send)(?: this)? (?:on|to|via|with) {_NETWORK}\s*)+$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:Share|Share this|Share this (?:article|story|post|page)|Click to share.*|Copy link|Link copied)\s*[:!.]?$",
        re.IGNORECASE,
    ),
    re.compile(r"^\d[\d.,]*[kKmM]?\s*(?:SHARES|VIEWS|Shares|Views|Comments?)$"),
    re.compile(r"^(?:SHARES|VIEWS)$"),
)
_COUNT = re.compile(r"^\d[\d.,]*[kKmM]?$")


def site_of(url: str | None) -> str | None:
    """Registered domain of a URL (host:port for addresses without one, e.g. the test site)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    domain = _registered_domain(url)
    if domain:
        return domain.lower()
    host = parts.hostname.lower().removeprefix("www.")
    return f"{host}:{parts.port}" if parts.port else host


def _clean_publisher(raw: str) -> str | None:
    pub = _PUB_TAIL.sub("", raw.strip()).strip(" .:;,\"“”'‘’*_[]")
    if not pub or len(pub) > 80:
        return None
    return pub


def _credit_line(text: str) -> tuple[str, str, str] | None:
    """(cue, publisher, line) for the first credit line in the text's head or tail."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines[-12:] + lines[:4]:
        for cue, pattern in _CREDIT_LINES:
            match = pattern.match(line)
            if match and (pub := _clean_publisher(match.group("pub"))):
                return cue, pub, line
    return None


def _parse_html(html: str | bytes | lxml.html.HtmlElement | None) -> lxml.html.HtmlElement | None:
    if html is None or isinstance(html, lxml.etree._Element):
        return html
    if not html:
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError) as exc:
        logger.debug("attribution: HTML not parsed: %s", exc)
        return None


def _link_in_credit(doc: lxml.html.HtmlElement, line: str, page_url: str | None) -> str | None:
    """The first off-site deep link inside the element whose text is the credit line."""
    wanted = " ".join(line.split())
    for element in doc.iter("p", "div", "em", "i", "span", "footer", "small"):
        if " ".join(element.text_content().split()) != wanted:
            continue
        for anchor in element.iter("a"):
            href = urljoin(page_url or "", (anchor.get("href") or "").strip())
            if (
                site_of(href)
                and site_of(href) != site_of(page_url)
                and urlsplit(href).path not in ("", "/")
            ):
                return href
    return None


def _meta(doc: lxml.html.HtmlElement, xpath: str, page_url: str | None) -> str | None:
    values = doc.xpath(xpath)
    for value in values:
        href = urljoin(page_url or "", str(value).strip())
        if site_of(href):
            return href
    return None


def detect_attribution(
    text: str, html: str | bytes | lxml.html.HtmlElement | None = None, url: str | None = None
) -> Attribution | None:
    """Find who originally published a page: credit line, metadata, or a wire dateline."""
    doc = _parse_html(html)
    page_site = site_of(url)
    original_source = canonical = None
    if doc is not None:
        original_source = _meta(
            doc, "//meta[@name='original-source' or @name='syndication-source']/@content", url
        )
        for cue, xpath in (
            (
                "canonical",
                "//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href",
            ),
            ("og:url", "//meta[@property='og:url']/@content"),
        ):
            candidate = _meta(doc, xpath, url)
            if candidate and page_site and site_of(candidate) != page_site:
                canonical = (cue, candidate)
                break

    credit = _credit_line(text)
    if credit:
        cue, publisher, line = credit
        link = _link_in_credit(doc, line, url) if doc is not None else None
        original = link or original_source or (canonical[1] if canonical else None)
        return Attribution(publisher=publisher, original_url=original, cue=cue, line=line)
    if original_source and site_of(original_source) != page_site:
        return Attribution(
            publisher=site_of(original_source), original_url=original_source, cue="original-source"
        )
    if canonical:
        return Attribution(
            publisher=site_of(canonical[1]), original_url=canonical[1], cue=canonical[0]
        )
    head = [line.strip() for line in text.splitlines() if line.strip()][:3]
    dateline = next((m for line in head if (m := _DATELINE.match(line))), None)
    if dateline:
        name, domain = _WIRES[dateline.group("wire").lower()]
        if page_site != domain:
            return Attribution(publisher=name, original_url=None, cue="wire-dateline")
    return None


def clean_text(text: str, attribution: Attribution | None = None) -> str:
    """Text without the credit line and share-button residue ("Share198Tweet124Share", counters)."""
    kept: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if attribution and attribution.line and line == attribution.line:
            continue
        if any(pattern.match(line) for pattern in _RESIDUE):
            if kept and _COUNT.match(kept[-1].strip()):
                kept.pop()  # "495" on the line before "SHARES"
            continue
        kept.append(raw.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept)
