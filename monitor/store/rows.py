"""Read results as plain data, shared by the CLI listings, the digest and the alerts.

No SQLAlchemy here, so the pure builders (digest model, message blocks) can use them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CopyRef:
    """Another site carrying the same story."""

    site: str
    url: str


@dataclass(frozen=True)
class StoryRow:
    """A story: its original (title, address, site) and the copies folded into it."""

    title: str | None
    url: str | None
    site: str | None
    copies: tuple[CopyRef, ...] = ()
    claims: int = 0
    id: int | None = None
    first_seen_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None

    @property
    def copy_sites(self) -> list[str]:
        """The other sites the story appeared on, each once, without the original's own."""
        return sorted({c.site for c in self.copies if c.site} - {self.site})


@dataclass(frozen=True)
class SourceHealth:
    """How one source is doing: last success, last error, failures in a row, items in 24 h."""

    name: str
    url: str
    kind: str = ""
    consecutive_failures: int = 0
    failing_since: dt.datetime | None = None
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    items_24h: int = 0

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0
