"""feedparser's own test corpus (~1,750 feeds, well- and ill-formed) through the crawl's feed path.

Every file is served from the local site and polled in ONE real crawl (spider -> read_index ->
parse_feed), so nothing here calls the parsing code on the side. Files are read from
../shared/corpora at test time, never copied into the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest

from crawler.feeds import UnsafeFeed, parse_feed
from monitor.demo.server import NewsSite, Route
from tests.crawler.probe import ROOT, crawl_sources

CORPUS = ROOT.parent / "shared" / "corpora" / "feedparser-feeds"
_HEADER = re.compile(r"^Header:\s+([\w-]+):\s*(.*)$", re.MULTILINE)
_SERVED_HEADERS = {"content-type", "content-language", "etag", "last-modified", "x-foo"}


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "LICENSE")


def served_headers(body: bytes) -> dict[str, str]:
    """The HTTP headers a corpus file asks for in its leading comment (as feedparser's tests do)."""
    head = body[:2000].decode("latin-1")
    return {k: v for k, v in _HEADER.findall(head) if k.lower() in _SERVED_HEADERS and v}


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"feedparser corpus not found at {CORPUS}")
def test_every_corpus_feed_goes_through_the_crawl_without_a_crash() -> None:
    files = corpus_files()
    assert len(files) > 1700
    expected_bozo: set[str] = set()
    expected_refused: set[str] = set()
    with NewsSite() as site:
        sources = []
        for i, path in enumerate(files):
            body = path.read_bytes()
            headers = served_headers(body)
            content_type = headers.pop(
                "Content-type", headers.pop("Content-Type", "application/xml")
            )
            url_path = f"/corpus/{i}.xml"
            site.add(
                url_path,
                Route(body=body, content_type=content_type, headers=headers, conditional=False),
            )
            name = str(path.relative_to(CORPUS))
            sources.append({"name": name, "url": site.url(url_path)})
            # The oracle: what the same parsing function says about the same bytes and type.
            try:
                if parse_feed(body, site.url(url_path), content_type).bozo_error:
                    expected_bozo.add(name)
            except UnsafeFeed:
                expected_refused.add(name)
        result = crawl_sources(
            sources,
            {"concurrent_requests": 64, "concurrent_per_domain": 64, "obey_robots_txt": False},
            fetch=False,
            timeout=600,
        )
    polls = {p["source"]: p for p in result["polls"]}
    assert set(polls) == {s["name"] for s in sources}, "every feed gets exactly one health record"
    assert len(result["polls"]) == len(sources)
    stats = result["stats"]
    assert "spider_exceptions" not in " ".join(stats), {
        k: v for k, v in stats.items() if "exception" in k
    }
    assert "Traceback" not in result["log"]
    refused = {n for n, p in polls.items() if not p["ok"]}
    assert refused == expected_refused  # entity-declaring feeds, and only those
    assert all("entity" in polls[n]["error"] for n in refused)
    bozo = {n for n, p in polls.items() if p["bozo_error"]}
    assert bozo == expected_bozo
    # The malformed ones are reported in source health, not hidden (and still used as parsed).
    assert {"illformed/aaa_illformed.xml", "illformed/rss_incomplete_cdata.xml"} <= bozo
    assert polls["illformed/rss_item_link_corrupted_ampersands.xml"]["entries"] >= 1
    assert stats["newsmon/sources_polled"] == len(sources)


def test_entity_expansion_feed_is_refused_not_parsed() -> None:
    lol = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<rss version="2.0"><channel><title>&lol2;</title>
<item><title>x</title><link>http://127.0.0.1/a</link></item></channel></rss>"""
    with NewsSite() as site:
        site.add("/lol.xml", Route(body=lol, content_type="application/rss+xml"))
        result = crawl_sources([{"name": "lol", "url": site.url("/lol.xml")}], fetch=False)
    (poll,) = result["polls"]
    assert poll["ok"] is False and poll["entries"] == 0
    assert "entity-expansion" in poll["error"]


def test_served_headers_reads_the_corpus_comment() -> None:
    body = b"<!--\nHeader:      Content-Language: en\nHeader:      Content-Location: http://example.com/\n-->"
    assert served_headers(body) == {"Content-Language": "en"}
    assert feedparser.__version__.startswith("6.")
