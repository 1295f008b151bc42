import pytest

from crawler.urls import domain_of, normalize_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://WWW.Example.COM/a/B.html", "https://www.example.com/a/B.html"),
        ("https://example.com:443/x", "https://example.com/x"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("https://example.com/x?utm_source=rss&utm_medium=feed", "https://example.com/x"),
        ("https://example.com/x?fbclid=abc&id=7&gclid=z", "https://example.com/x?id=7"),
        ("https://example.com/x?b=2&a=1#comments", "https://example.com/x?a=1&b=2"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com./x", "https://example.com/x"),
    ],
)
def test_normalize_url_drops_decorations(raw: str, expected: str) -> None:
    assert normalize_url(raw) == expected


def test_tracking_variants_share_one_key() -> None:
    a = normalize_url("https://nytimes.com/2025/09/04/a.html?smid=tw-share#top")
    b = normalize_url("https://NYTIMES.com/2025/09/04/a.html?utm_campaign=x")
    assert a == b


def test_domain_of_strips_www() -> None:
    assert domain_of("https://www.nytimes.com/x") == "nytimes.com"
    assert domain_of("https://dnyuz.com/x") == "dnyuz.com"
    assert domain_of(None) is None
