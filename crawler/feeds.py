"""Feed bytes -> entries with feedparser; fetching is the spider's job (feedparser has no timeout)."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import feedparser

logger = logging.getLogger(__name__)

# Refuse documents that declare entities: the classic billion-laughs and external-entity tricks.
_ENTITY_DECLARATION = b"<!ENTITY"


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed, reduced to what the crawler needs to decide whether to fetch it."""

    link: str
    title: str | None
    published: dt.datetime | None
    updated: dt.datetime | None
    guid: str | None


@dataclass(frozen=True)
class ParsedFeed:
    """The entries that parsed, and feedparser's complaint when the feed was malformed (bozo)."""

    entries: list[FeedEntry]
    title: str | None
    bozo_error: str | None


# A feed served as text/html or with a mislabelled charset parsed fine: not worth a health warning.
_BENIGN = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)


class UnsafeFeed(ValueError):
    """The document declares XML entities; it is refused, not parsed."""


def _to_datetime(struct: Any) -> dt.datetime | None:
    if not struct:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(struct), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _entry_link(entry: Any) -> str | None:
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links", []) or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    if not link and str(entry.get("id", "")).startswith(("http://", "https://")):
        link = entry["id"]
    return str(link).strip() if link else None


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse feed bytes as far as they go; never raises on malformed input except entity tricks."""
    if _ENTITY_DECLARATION in body[:65536].upper():
        raise UnsafeFeed(f"{url}: the feed declares XML entities; refused (entity-expansion guard)")
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True)
    bozo = None
    exc = parsed.get("bozo_exception")
    if parsed.get("bozo") and not isinstance(exc, _BENIGN):
        bozo = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
    entries = []
    for entry in parsed.get("entries", []):
        link = _entry_link(entry)
        if not link or not link.startswith(("http://", "https://")):
            continue
        entries.append(
            FeedEntry(
                link=link,
                title=entry.get("title"),
                published=_to_datetime(entry.get("published_parsed")),
                # dict.get: feedparser's own .get maps a missing updated to published.
                updated=_to_datetime(dict.get(entry, "updated_parsed")),
                guid=entry.get("id"),
            )
        )
    if bozo and not entries and not parsed.get("feed"):
        logger.debug("feed %s parsed to nothing: %s", url, bozo)
    return ParsedFeed(entries=entries, title=parsed.get("feed", {}).get("title"), bozo_error=bozo)
