"""The crawler's hand-off item: what extraction yields for one page (light: no trafilatura).

``monitor/`` stores these; importing this module costs nothing, so the store and the CLI's read
commands need not load the extraction stack.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

# Dates the page itself declares; a feed entry's date outranks every other kind.
DECLARED_DATE_SOURCES = frozenset({"meta", "jsonld", "time"})


@dataclass
class ExtractedArticle:
    """What extraction yields for one page; the crawler's hand-off item to monitor/."""

    url: str
    text: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: dt.datetime | None = None
    # meta | jsonld | time | feed | url | dateline; None: the page gives no date
    published_from: str | None = None
    updated: dt.datetime | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    language: str | None = None
    attributed_publisher: str | None = None
    original_url: str | None = None

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()
