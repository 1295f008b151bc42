from crawler.extract import extract_article
from monitor.demo.server import page

NAVIGATION_AND_TEASERS = [
    "View All Result",
    "No Result",
    "Green Cards Halted",
    "Hurricane Lorena",
    "SHARES",
    "Share on Facebook",
    "Copyright ©",
    "Entertainment",
]


def test_dnyuz_repost_main_text_without_chrome() -> None:
    article = extract_article(page("dnyuz-security-guarantees.html"), "https://dnyuz.com/x/")
    assert article is not None
    assert article.text.startswith("Diplomatic efforts to end the largely deadlocked war")
    assert "would never tolerate Ukraine inside NATO" in article.text
    for chrome in NAVIGATION_AND_TEASERS:
        assert chrome not in article.text, chrome
    assert article.title == "Russia Wants ‘Security Guarantees’ Too. Here’s What They Look Like."
    assert article.canonical_url == (
        "https://dnyuz.com/2025/09/04/russia-wants-security-guarantees-too-heres-what-they-look-like/"
    )
    assert article.site_name == "DNYUZ"
    assert (
        article.published is not None
        and article.published.isoformat() == "2025-09-04T09:23:40+00:00"
    )


def test_nyt_like_original_metadata() -> None:
    article = extract_article(page("nyt-security-guarantees.html"), "http://127.0.0.1/nyt/x.html")
    assert article is not None
    assert article.authors == ["Anatoly Kurmanaev"]
    assert article.canonical_url.startswith("https://www.nytimes.com/2025/09/04/")
    assert article.site_name == "The New York Times"
    assert article.language == "en"
    assert "Subscribe" not in article.text
    assert "Europe Readies a Plan" not in article.text


def test_page_without_article_text_gives_none() -> None:
    assert (
        extract_article(
            b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "https://e.com/"
        )
        is None
    )
    assert extract_article(b"", "https://e.com/") is None
