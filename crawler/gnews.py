"""Google-News-style query feeds: turn an aggregator item link into the publisher's article URL.

Their item links are either encoded article links (``news.google.com/rss/articles/CBMi...``: a
base64 protobuf with the publisher URL inside), click-tracking links carrying the target in a
``url=`` parameter, or plain redirects. The first two are decoded here without a request; the
rest are followed by the fetcher, and a landing page on the aggregator is read for its target.
"""

from __future__ import annotations

import base64
import binascii
import logging
from urllib.parse import parse_qs, urlsplit

from scrapy.http import TextResponse

logger = logging.getLogger(__name__)

AGGREGATOR_HOSTS = frozenset({"news.google.com", "news.url.google.com", "www.bing.com", "bing.com"})
_TARGET_PARAMS = ("url", "u", "q")
_ARTICLE_PATH_MARKERS = ("/articles/", "/read/")


def is_aggregator_url(url: str, feed_url: str | None = None) -> bool:
    """True for links on a news aggregator or on the query feed's own host (not the publisher)."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() in AGGREGATOR_HOSTS:
        return True
    return feed_url is not None and parts.netloc.lower() == urlsplit(feed_url).netloc.lower()


def _http_url(value: str, feed_url: str | None) -> str | None:
    value = value.strip()
    parts = urlsplit(value)
    if (
        parts.scheme in ("http", "https")
        and parts.hostname
        and not is_aggregator_url(value, feed_url)
    ):
        return value
    return None


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _protobuf_strings(data: bytes) -> list[bytes]:
    """Length-delimited field values of a protobuf message, in order (other fields skipped)."""
    values: list[bytes] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        wire = key & 0x7
        if wire == 0:
            _, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ValueError("truncated field")
            values.append(data[pos : pos + length])
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
    return values


def decode_article_id(article_id: str, feed_url: str | None = None) -> str | None:
    """Publisher URL inside a Google News article id (``CBMi...``), None for the opaque form."""
    padded = article_id + "=" * (-len(article_id) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded)
        fields = _protobuf_strings(raw)
    except (binascii.Error, ValueError) as exc:
        logger.debug("gnews: article id %s… not decodable: %s", article_id[:16], exc)
        return None
    for value in fields:
        url = _http_url(value.decode("utf-8", errors="replace"), feed_url)
        if url:
            return url
    return None  # newer ids (decoding to "AU_yqL…") need Google's servers: follow the link


def decode_link(link: str, feed_url: str | None = None) -> str | None:
    """The publisher URL a query feed's item link carries, when readable without a request.

    A link already off the aggregator is the publisher's own and is returned unchanged.
    """
    if not is_aggregator_url(link, feed_url):
        return _http_url(link, feed_url)
    parts = urlsplit(link)
    params = parse_qs(parts.query)
    for name in _TARGET_PARAMS:
        for value in params.get(name, []):
            if url := _http_url(value, feed_url):
                return url
    for marker in _ARTICLE_PATH_MARKERS:
        if marker in parts.path:
            article_id = parts.path.split(marker, 1)[1].split("/", 1)[0]
            if article_id:
                return decode_article_id(article_id, feed_url)
    return None


def publisher_url_from_page(response: TextResponse, feed_url: str | None = None) -> str | None:
    """Where an aggregator landing page sends the reader (data-n-au, meta refresh, noscript link)."""
    if not is_aggregator_url(response.url, feed_url):
        return None
    candidates = response.xpath("//*[@data-n-au]/@data-n-au").getall()
    refresh = response.xpath(
        "//meta[translate(@http-equiv, 'REFSH', 'refsh')='refresh']/@content"
    ).get()
    if refresh and "url=" in refresh.lower():
        candidates.append(refresh[refresh.lower().index("url=") + 4 :].strip(" '\""))
    candidates += response.xpath("//noscript//a/@href | //c-wiz//a/@href").getall()
    for candidate in candidates:
        if url := _http_url(response.urljoin(candidate), feed_url):
            return url
    return None
