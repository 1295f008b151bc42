"""Google-News-style links: encoded ids decoded offline, click links read, landing pages parsed."""

from __future__ import annotations

import base64

import pytest
from scrapy.http import HtmlResponse

from crawler.gnews import decode_article_id, decode_link, is_aggregator_url, publisher_url_from_page

PUBLISHER = "https://eastwire.example/2025/11/03/kremlin-written-guarantees?ref=rss"


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def encode_article_id(url: str, amp: str | None = None) -> str:
    """The classic Google News article id: field 1 = 19, field 4 = URL, field 26 = AMP URL."""
    raw = b"\x08\x13\x22" + _varint(len(url)) + url.encode()
    if amp:
        raw += b"\xd2\x01" + _varint(len(amp)) + amp.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_encoded_id_is_decoded_to_the_publisher_url() -> None:
    article_id = encode_article_id(PUBLISHER, amp="https://eastwire.example/amp/2025/11/03/x")
    assert article_id.startswith("CBM")
    link = f"https://news.google.com/rss/articles/{article_id}?oc=5&hl=en-US"
    assert decode_link(link) == PUBLISHER


def test_long_url_needs_a_two_byte_length() -> None:
    long_url = "https://eastwire.example/" + "a" * 300
    assert decode_article_id(encode_article_id(long_url)) == long_url


def test_opaque_new_style_id_is_left_for_the_fetcher() -> None:
    opaque = (
        base64.urlsafe_b64encode(b"\x08\x13\x22\x0cAU_yqLNxyzab\xd2\x01\x00").decode().rstrip("=")
    )
    assert decode_link(f"https://news.google.com/rss/articles/{opaque}?oc=5") is None
    assert decode_link("https://news.google.com/rss/articles/%%%notbase64") is None
    assert decode_link("https://news.google.com/rss/articles/CBMi") is None  # truncated


def test_click_tracking_url_parameter() -> None:
    link = "http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=1&url=https%3a%2f%2feastwire.example%2fa%2f1&c=1"
    assert decode_link(link) == "https://eastwire.example/a/1"


def test_local_query_feed_host_counts_as_the_aggregator() -> None:
    feed = "http://127.0.0.1:8123/gnews/rss/search?q=security+guarantees"
    article_id = encode_article_id("http://127.0.0.1:8124/eastwire/a/1")
    assert decode_link(f"http://127.0.0.1:8123/gnews/rss/articles/{article_id}", feed) == (
        "http://127.0.0.1:8124/eastwire/a/1"
    )
    assert decode_link("http://127.0.0.1:8123/gnews/redirect/77", feed) is None  # follow it
    assert is_aggregator_url("http://127.0.0.1:8123/x", feed)
    assert not is_aggregator_url("http://127.0.0.1:8124/x", feed)


def test_publisher_link_is_kept_as_is() -> None:
    assert decode_link(PUBLISHER) == PUBLISHER
    assert decode_link("javascript:alert(1)") is None


@pytest.mark.parametrize(
    "body",
    [
        f'<html><body><c-wiz><div jscontroller="x" data-n-au="{PUBLISHER}"></div></c-wiz></body></html>',
        f'<html><head><meta http-equiv="Refresh" content="0; URL=\'{PUBLISHER}\'"></head></html>',
        f'<html><body><noscript><a href="{PUBLISHER}">Opening…</a></noscript></body></html>',
    ],
)
def test_landing_page_forms(body: str) -> None:
    response = HtmlResponse("https://news.google.com/articles/AU_yqLopaque", body=body.encode())
    assert publisher_url_from_page(response) == PUBLISHER


def test_landing_page_off_the_aggregator_is_the_article() -> None:
    response = HtmlResponse(PUBLISHER, body=b"<html><body><p>Story</p></body></html>")
    assert publisher_url_from_page(response) is None


def test_landing_page_without_target() -> None:
    response = HtmlResponse(
        "https://news.google.com/articles/x", body=b"<html><a href='/topics/world'>World</a></html>"
    )
    assert publisher_url_from_page(response) is None
