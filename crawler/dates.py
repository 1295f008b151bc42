"""Publication dates a reader could defend: metadata, then feed, URL, dateline; never a footer.

trafilatura's own date search falls back to any year on the page, and on most news pages the
only year left is the footer's "Copyright 2025", so every undated page would be dated 1 January.
Here only explicit signals count, each with the name of where it came from; a page without one
has no date (``None``), and the caller keeps first-seen time for ordering only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

from dateutil import parser as date_parser
from lxml import html as lxml_html

PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publish-date",
    "publishdate",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
)
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "last-modified")
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# Written dates with a year: "Dec. 17, 2021", "17 December 2021", "2021-12-17", "17.12.2021".
_WRITTEN = [
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I),
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b", re.I),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]?\d)-(?P<day>[0-3]?\d)\b"),
    re.compile(r"\b(?P<day>[0-3]?\d)\.(?P<month>[01]?\d)\.(?P<year>(?:19|20)?\d\d)\b"),
]
# Day/month order of slashed dates differs by country; only an unambiguous one counts.
_SLASHED = re.compile(r"\b(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)/(?P<year>(?:19|20)?\d\d)\b")
_URL_DATE = [
    re.compile(r"/(?P<year>(?:19|20)\d\d)/(?P<month>[01]\d)/(?P<day>[0-3]\d)(?:/|$|[-_])"),
    re.compile(r"[/_-](?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?:[/_.-]|$)"),
    re.compile(r"/(?P<year>(?:19|20)\d\d)(?P<month>[01]\d)(?P<day>[0-3]\d)(?:/|[-_])"),
]
_FOOTERISH = re.compile(r"copyright|©|\(c\)|all rights reserved", re.I)


def parse_timestamp(value: Any) -> dt.datetime | None:
    """An ISO-like timestamp from metadata as aware UTC, or None when it is not one."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    else:
        text = str(value or "").strip()
        if not re.match(r"(?:19|20)\d\d-?[01]\d-?[0-3]\d", text):
            return written_date(text) if text else None  # a bare "2025" is no date
        try:
            parsed = date_parser.parse(text)
        except (ValueError, OverflowError, TypeError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    parsed = parsed.astimezone(dt.UTC)
    return parsed if parsed >= EARLIEST else None


def _day(year: int, month: int, day: int) -> dt.datetime | None:
    if year < 100:
        year += 2000
    try:
        value = dt.datetime(year, month, day, tzinfo=dt.UTC)
    except ValueError:
        return None
    return value if value >= EARLIEST else None


def written_date(text: str) -> dt.datetime | None:
    """The first full date (day, month and year) written in a short text, else None."""
    if _FOOTERISH.search(text):
        return None
    found: list[tuple[int, dt.datetime]] = []
    for pattern in _WRITTEN:
        for match in pattern.finditer(text):
            month_text = match.group("month").lower().rstrip(".")
            month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text[:4])
            if month is None:
                month = _MONTHS.get(month_text[:3])
            value = _day(int(match.group("year")), month or 0, int(match.group("day")))
            if value is not None:
                found.append((match.start(), value))
    for match in _SLASHED.finditer(text):
        a, b = int(match.group("a")), int(match.group("b"))
        if a > 12 >= b:
            value = _day(int(match.group("year")), b, a)
        elif b > 12 >= a:
            value = _day(int(match.group("year")), a, b)
        else:
            value = None  # 4/10/2025: April or October, the page does not say
        if value is not None:
            found.append((match.start(), value))
    return min(found, key=lambda f: f[0])[1] if found else None


def url_date(url: str) -> dt.datetime | None:
    """A full date in the URL's path (/2025/08/24/, -2025-08-24-, /20250824/), else None."""
    path = re.sub(r"^[a-z]+://[^/]+", "", url, flags=re.I)
    for pattern in _URL_DATE:
        match = pattern.search(path)
        if match:
            value = _day(
                int(match.group("year")), int(match.group("month")), int(match.group("day"))
            )
            if value is not None:
                return value
    return None


def dateline_date(first_paragraph: str) -> dt.datetime | None:
    """A full date in the dateline that opens the first paragraph ("Dec. 17, 2021 (EIRNS)—").

    A line holding only a date is the page's shown date (often the site's "today" or a repost
    date), not a dateline: the date must lead into the article's first sentence.
    """
    parts = re.split(r"\s[—–-]\s|—|–|\)\s|:\s", first_paragraph[:120], maxsplit=1)
    if len(parts) < 2 or len(first_paragraph) - len(parts[0]) < 60:
        return None
    return written_date(parts[0][:90])


def _jsonld_dates(tree: lxml_html.HtmlElement) -> Iterator[Any]:
    def walk(node: Any) -> Iterator[Any]:
        if isinstance(node, dict):
            if "datePublished" in node:
                yield node["datePublished"]
            for key in ("@graph", "mainEntity", "mainEntityOfPage"):
                if key in node:
                    yield from walk(node[key])
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for script in tree.iterfind(".//script"):
        if (script.get("type") or "").lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        yield from walk(data)


def meta_values(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """<meta> contents by lower-cased property/name/itemprop (first one wins)."""
    values: dict[str, str] = {}
    for meta in tree.iterfind(".//meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content and key.lower() not in values:
            values[key.lower()] = content.strip()
    return values


def _outside_footer(element: lxml_html.HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.tag in ("footer", "aside", "nav"):
            return False
        if _FOOTERISH.search(" ".join([ancestor.get("class") or "", ancestor.get("id") or ""])):
            return False
    return True


def metadata_date(
    tree: lxml_html.HtmlElement, meta: dict[str, str]
) -> tuple[dt.datetime, str] | None:
    """Publication date the page declares: <meta>, JSON-LD, then <time> outside footers.

    A date merely shown near the headline (a <span class="date">) is not taken: on real pages it is
    as often the site's "today", a repost date or the original's date as the article's own.
    """
    for key in PUBLISHED_META:
        value = parse_timestamp(meta.get(key))
        if value:
            return value, "meta"
    for raw in _jsonld_dates(tree):
        value = parse_timestamp(raw)
        if value:
            return value, "jsonld"
    for element in tree.iter("time"):
        if not _outside_footer(element):
            continue
        value = parse_timestamp(element.get("datetime")) or written_date(element.text_content())
        if value:
            return value, "time"
    return None


def modified_date(meta: dict[str, str]) -> dt.datetime | None:
    """When the page says it was last updated."""
    return next((d for d in (parse_timestamp(meta.get(k)) for k in MODIFIED_META) if d), None)


def choose_published(
    declared: tuple[dt.datetime, str] | None,
    feed: dt.datetime | None,
    url: str,
    first_paragraph: str,
) -> tuple[dt.datetime | None, str | None]:
    """The publication date and where it came from, in order of trust; (None, None) if unknown."""
    if declared:
        return declared
    if feed:
        return feed, "feed"
    found = url_date(url)
    if found:
        return found, "url"
    found = dateline_date(first_paragraph)
    if found:
        return found, "dateline"
    return None, None
