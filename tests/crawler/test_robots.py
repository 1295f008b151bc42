"""How long a robots.txt copy is kept, and the cache that keeps it (a fake clock)."""

from __future__ import annotations

from scrapy.robotstxt import ProtegoRobotParser

from crawler.robots import DEFAULT_KEEP_SECONDS, MAX_KEEP_SECONDS, RobotsCache, keep_seconds


def test_keep_seconds_follows_cache_control() -> None:
    assert keep_seconds(None) == DEFAULT_KEEP_SECONDS
    assert keep_seconds("public") == DEFAULT_KEEP_SECONDS
    assert keep_seconds("public, max-age=600") == 600
    assert keep_seconds('s-maxage="30"') == 30
    assert keep_seconds("max-age=31536000") == MAX_KEEP_SECONDS  # at most a day (RFC 9309)
    assert keep_seconds("no-cache") == 0
    assert keep_seconds("max-age=600, no-store") == 0


def test_cache_forgets_a_copy_at_its_expiry() -> None:
    now = [100.0]
    cache = RobotsCache(clock=lambda: now[0])
    parser = ProtegoRobotParser(b"User-agent: *\nDisallow: /private\n", None)
    cache.put("http://a.example", parser, 60)
    cache.put("http://b.example", parser, 0)  # not kept at all
    assert cache.get("http://a.example") is parser
    assert cache.get("http://b.example") is None
    now[0] = 159.9
    assert cache.get("http://a.example") is parser
    now[0] = 160.0
    assert cache.get("http://a.example") is None
    assert len(cache) == 0


def test_expired_copies_are_dropped_as_new_ones_arrive() -> None:
    now = [0.0]
    cache = RobotsCache(clock=lambda: now[0])
    parser = ProtegoRobotParser(b"", None)
    for n in range(100):
        cache.put(f"http://host{n}.example", parser, 10)
    now[0] = 11.0
    cache.put("http://fresh.example", parser, 10)
    assert len(cache) == 1
