import pytest

from crawler.feeds import UnsafeFeed, parse_feed

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>One</title><link>https://example.com/one?utm_source=x</link>
<pubDate>Thu, 04 Sep 2025 09:00:12 GMT</pubDate></item>
<item><title>No link</title></item>
<item><title>Relative</title><link>/two</link></item>
</channel></rss>"""


def test_entries_with_links_and_dates() -> None:
    parsed = parse_feed(RSS, "https://example.com/feed.xml")
    links = [e.link for e in parsed.entries]
    assert links == ["https://example.com/one?utm_source=x", "https://example.com/two"]
    assert parsed.entries[0].published is not None
    assert parsed.entries[0].published.isoformat() == "2025-09-04T09:00:12+00:00"
    assert parsed.bozo_error is None


def test_malformed_feed_is_used_as_far_as_it_parsed() -> None:
    broken = RSS.replace(b"</channel></rss>", b"<item><title>cut")
    parsed = parse_feed(broken, "https://example.com/feed.xml")
    assert parsed.bozo_error
    assert parsed.entries[0].link == "https://example.com/one?utm_source=x"


def test_not_a_feed_gives_no_entries_and_a_bozo_reason() -> None:
    parsed = parse_feed(b"<html><body>Oops", "https://example.com/feed.xml", "text/html")
    assert parsed.entries == []
    assert parsed.bozo_error


def test_entity_expansion_is_refused() -> None:
    laughs = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>"""
    with pytest.raises(UnsafeFeed, match="entities"):
        parse_feed(laughs, "https://example.com/feed.xml")
