"""Digest renderers: structure, golden Markdown, hostile feed HTML never becomes active content."""

from __future__ import annotations

import dataclasses
import os
import re

import lxml.etree
import lxml.html
import pytest

from monitor.deliver.digest.render import (
    md_escape,
    render_charts,
    render_html,
    render_markdown,
    safe_href,
)
from monitor.deliver.digest.summary import build_digest_blocks
from tests import paths
from tests.monitor.deliver.digest.fixture_day import fixture_day

REPO = paths.REPO
GOLDEN = REPO / "tests" / "data" / "golden"
SANITIZE = REPO.parent / "shared" / "corpora" / "feedparser-feeds" / "wellformed" / "sanitize"
UPDATE = os.environ.get("NEWSMON_UPDATE_GOLDEN") == "1"


def active_content(html: str) -> list[str]:
    """Every script, event-handler attribute and javascript:-like URL in a page."""
    doc = lxml.html.document_fromstring(html)
    found = [
        f"<{el.tag}>" for el in doc.iter("script", "iframe", "object", "embed", "base", "form")
    ]
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{el.tag}@{name}")
            compact = re.sub(r"[\s\x00-\x1f]+", "", value).lower()
            if compact.startswith(("javascript:", "vbscript:", "data:text/html")):
                found.append(f"{el.tag}@{name}={value[:40]}")
    return found


def test_html_digest_has_every_part() -> None:
    html = render_html(fixture_day())
    doc = lxml.html.document_fromstring(html)
    assert len(doc.cssselect("#events article.event")) == 2
    assert len(doc.cssselect("#possible-shifts article.event")) == 1
    shift = doc.cssselect("#events article.SHIFT")[0].text_content()
    assert (
        "Russia now accepts Ukraine's EU membership; previously rejects (2022-03-04)"
        in " ".join(shift.split())
    )
    rows = doc.cssselect("#positions tbody tr")
    assert len(rows) == 5 and len(doc.cssselect("#positions tr.changed")) == 2
    assert len(doc.cssselect("#positions figure.chart svg")) == 4
    assert [a.get("href") for a in doc.cssselect("#stories li")[0].cssselect("a")] == [
        "https://paper.example.com/putin-eu",
        "https://repost.example.net/a",
        "https://aggregator.example/b",
    ]
    assert "Broken blog" in doc.cssselect("#sources")[0].text_content()
    # self-contained: nothing is loaded from elsewhere
    assert not doc.cssselect("link, img[src^=http], script")
    assert doc.cssselect('meta[name="viewport"]')


def _hostile_samples() -> list[tuple[str, str]]:
    """(file name, raw text of every element) for each feedparser sanitize sample, unescaped."""
    if not SANITIZE.is_dir():
        pytest.skip(f"feedparser corpus not found at {SANITIZE}")
    samples = []
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    for path in sorted(SANITIZE.glob("*.xml")):
        root = lxml.etree.fromstring(path.read_bytes(), parser)
        if root is None:
            continue
        raw = " ".join(t for t in root.itertext() if t.strip())
        attrs = " ".join(
            v for el in root.iter() if isinstance(el.tag, str) for v in el.attrib.values()
        )
        samples.append((path.name, f"{raw} {attrs}".strip()))
    assert len(samples) > 700
    return samples


def test_hostile_feed_html_never_becomes_active_in_the_html_digest() -> None:
    charts = render_charts(fixture_day())
    samples = _hostile_samples()
    assert any("<script" in raw for _, raw in samples), "corpus should contain scripts"
    for n, (name, raw) in enumerate(samples):
        url = [
            raw,
            "javascript:alert(1)",
            " JaVaScRiPt:alert(1)",
            "data:text/html,<script>x</script>",
        ][n % 4]
        html = render_html(fixture_day(text=raw, url=url), charts)
        assert active_content(html) == [], name
        if "<script" in raw:
            assert "&lt;script" in html, name  # shown as text, not dropped silently


def test_hostile_feed_html_is_inert_in_markdown() -> None:
    for n, (name, raw) in enumerate(_hostile_samples()[::7]):
        md = render_markdown(fixture_day(text=raw, url="javascript:alert(1)" if n % 2 else raw))
        assert not re.search(r"(?<!\\)<(script|img|a|iframe|style)", md, re.I), name
        assert "](javascript:" not in md and "(<javascript:" not in md, name


def test_markdown_digest_matches_golden_file() -> None:
    md = render_markdown(fixture_day())
    path = GOLDEN / "digest_2025-06-18.md"
    if UPDATE or not path.exists():
        path.write_text(md, encoding="utf-8")
        if not UPDATE:
            pytest.fail("golden digest was missing and has been written; check it in")
    assert md == path.read_text(encoding="utf-8")


def test_escaping_helpers() -> None:
    assert safe_href("javascript:alert(1)") is None
    assert safe_href("https:/missing-host") is None
    assert safe_href(" https://ok.example/a?b=1 ") == "https://ok.example/a?b=1"
    assert (
        md_escape("[x](javascript:y) <b> *a* | AT&T")
        == r"\[x\](javascript:y) \<b\> \*a\* \| AT&amp;T"
    )


def test_slack_summary_is_within_limits_and_escaped() -> None:
    message = build_digest_blocks(fixture_day(text="<!channel> <https://evil.example|click>"))
    assert message.needs_attachment
    assert message.blocks[0]["type"] == "header" and len(message.blocks) <= 50
    body = str(message.blocks)
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    assert "<https://evil.example|click>" not in body
    assert (
        "*SHIFT*: Russia *accepts* Ukraine's EU membership; previously *rejects* (2022-03-04)"
        in body
    )
    assert "failing sources" in body


def test_slack_summary_of_a_busy_day_stays_within_one_message() -> None:
    day = fixture_day()
    many = tuple(dataclasses.replace(day.events[0], evidence="x" * 5000) for _ in range(120))
    message = build_digest_blocks(dataclasses.replace(day, events=many))
    assert len(message.blocks) <= 50 and message.needs_attachment
    assert "106 more event(s)" in message.blocks[-1]["elements"][0]["text"]
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks if b["type"] == "section")


def test_backfilled_events_get_one_section_and_baseline_rows_are_marked() -> None:
    day = fixture_day()
    old = dataclasses.replace(day.events[0], backfilled=True, evidence="an old statement")
    positions = tuple(
        dataclasses.replace(p, baseline_only=p.issue == "nato_membership") for p in day.positions
    )
    digest = dataclasses.replace(day, backfilled=(old,), positions=positions)
    markdown = render_markdown(digest)
    assert "## Found in history (1)" in markdown
    assert "(baseline)" in markdown and "shipped baseline" in markdown
    html = render_html(digest)
    doc = lxml.html.document_fromstring(html)
    (section,) = doc.xpath("//section[@id='backfilled']")
    assert len(section.xpath(".//li")) == 1
    assert "(baseline)" in html
    blocks = build_digest_blocks(digest)
    assert "found in history" in str(blocks)
