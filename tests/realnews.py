"""The realistic article corpus (tests/data/realnews): load fixtures, render them as pages.

Each fixture imitates one real page (``modelled_on``) in our own words. ``page_html`` rebuilds
the page the way the real one was laid out: its date signals where the real page had them (and
only there), its chrome around the article, its copyright footer; ``article_text`` is what a good
extractor should keep (headline, then the paragraphs, dateline included).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.paths import DATA

ARTICLES = DATA / "realnews" / "articles"
SECOND_READER = DATA / "realnews" / "second_reader.yaml"  # a blind second reading of 30 pages


def _iso(value: Any) -> str:
    """YAML gives dates and datetimes as objects; pages carry ISO 8601 text."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@dataclass(frozen=True)
class Fixture:
    """One page of the corpus with its labels."""

    id: str
    path: Path
    data: dict[str, Any]

    @property
    def split(self) -> str:
        return str(self.data.get("split", "dev"))

    @property
    def url(self) -> str:
        return str(self.data["url"])

    @property
    def expected(self) -> dict[str, Any]:
        return self.data.get("expected") or {}

    @property
    def claims(self) -> list[dict[str, Any]]:
        return list(self.expected.get("claims") or [])

    @property
    def pairs(self) -> set[tuple[str, str]]:
        """The article-level label: the set of (issue, stance) Russia states on the page."""
        return {(c["issue"], c["stance"]) for c in self.claims}

    def article_text(self) -> str:
        """Headline, a blank line, then the paragraphs (the first carries the dateline)."""
        paragraphs = [str(p) for p in self.data.get("paragraphs") or []]
        dateline = self.data.get("dateline")
        if dateline and paragraphs and not paragraphs[0].startswith(str(dateline)):
            paragraphs[0] = f"{dateline} {paragraphs[0]}"
        return "\n\n".join([str(self.data.get("headline") or ""), *paragraphs]).strip()

    def page_html(self) -> str:
        """The page as served: meta tags, JSON-LD and <time> only where the real page had them."""
        page = self.data.get("page") or {}
        esc = html.escape
        head = [f"<title>{esc(str(self.data.get('headline') or ''))}</title>"]
        if page.get("meta_published"):
            head.append(
                f'<meta property="article:published_time" content="{esc(_iso(page["meta_published"]))}">'
            )
        if page.get("jsonld_published"):
            ld = {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": self.data.get("headline"),
                "datePublished": _iso(page["jsonld_published"]),
            }
            head.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
        head.append(f'<link rel="canonical" href="{esc(self.url)}">')
        before = "".join(
            f"<li><a href='/'>{esc(str(x))}</a></li>" for x in page.get("chrome_before") or []
        )
        after = "".join(
            f"<li><a href='/'>{esc(str(x))}</a></li>" for x in page.get("chrome_after") or []
        )
        date_line = ""
        if page.get("time_tag"):
            shown = esc(str(page.get("visible_date") or _iso(page["time_tag"])))
            date_line = f'<time datetime="{esc(_iso(page["time_tag"]))}">{shown}</time>'
        elif page.get("visible_date"):
            date_line = f'<span class="date">{esc(str(page["visible_date"]))}</span>'
        paragraphs = self.article_text().split("\n\n")[1:]
        body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
        footer = esc(str(page.get("footer") or ""))
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>" + "".join(head) + "</head><body>"
            f"<header><nav><ul>{before}</ul></nav></header>"
            f"<main><article><h1>{esc(str(self.data.get('headline') or ''))}</h1>{date_line}"
            f"{body}</article><aside><ul>{after}</ul></aside></main>"
            f"<footer><p>{footer}</p></footer></body></html>"
        )


@cache
def load_all() -> tuple[Fixture, ...]:
    out = []
    for path in sorted(ARTICLES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.append(Fixture(str(data["id"]), path, data))
    return tuple(out)


def fixtures(split: str | None = None) -> Iterator[Fixture]:
    """Fixtures of one split (``dev`` or ``heldout``), or all."""
    return (f for f in load_all() if split is None or f.split == split)
