"""What a source is: the part of the topic config the crawler needs to poll it."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from crawler.addresses import AddressPolicy

SourceKind = Literal["feed", "gnews", "sitemap", "listing"]


class SourceSpec(BaseModel):
    """One source: a feed, a Google-News-style query feed, a news sitemap or a listing page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    url: HttpUrl
    kind: SourceKind = "feed"
    interval_minutes: float = Field(default=15.0, gt=0)
    link_selector: str | None = None  # CSS, or XPath when it starts with "/" or "("
    only_urls: str | None = None  # a regular expression article URLs must match
    headers: dict[str, str] = Field(default_factory=dict)
    enabled: bool = True
    max_new_entries: int | None = Field(default=None, ge=1)  # overrides crawl.max_new_entries

    @field_validator("only_urls")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @field_validator("link_selector")
    @classmethod
    def _valid_selector(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from crawler.listing import validate_selector  # parsel/lxml only for listing sources

        return validate_selector(value)

    @model_validator(mode="after")
    def _listing_needs_selector(self) -> SourceSpec:
        if self.kind == "listing" and not self.link_selector:
            raise ValueError("a listing source needs link_selector (CSS or XPath)")
        return self


class CrawlOptions(BaseModel):
    """How politely and how safely the crawler fetches; the defaults suit a long-running daemon."""

    model_config = ConfigDict(extra="forbid")

    user_agent: str = "newsmon/0.1 (+https://github.com/newsmon/newsmon; news monitoring)"
    contact: str | None = None
    obey_robots_txt: bool = True
    autothrottle: bool = True
    download_delay: float = Field(default=1.0, ge=0)
    concurrent_requests: int = Field(default=16, ge=1)
    concurrent_per_domain: int = Field(default=2, ge=1)
    timeout_seconds: float = Field(default=30.0, gt=0)
    retries: int = Field(default=2, ge=0)
    retry_backoff_seconds: float = Field(default=1.0, ge=0)  # doubled on each retry
    retry_after_max_seconds: float = Field(default=120.0, ge=0)  # longer waits: give up this cycle
    max_page_bytes: int = Field(default=5_000_000, gt=0)
    max_feed_bytes: int = Field(default=10_000_000, gt=0)
    # New entries fetched per source and poll, newest first; the rest wait for later polls.
    max_new_entries: int = Field(default=200, ge=1)
    allow_private_networks: list[str] = Field(default_factory=list)  # CIDRs or host names

    @field_validator("allow_private_networks")
    @classmethod
    def _valid_allow_list(cls, value: list[str]) -> list[str]:
        AddressPolicy.from_allow_list(value)  # raises ValueError naming the bad entry
        return value

    extract_workers: int = Field(default=0, ge=0)  # 0: one per core
    # A handful of pages (the demo, ingest of URLs): extract in a thread of the crawl's own
    # process, because starting a worker pool costs more than the pages themselves.
    extract_in_process: bool = False
