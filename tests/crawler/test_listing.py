"""Listing pages: links by CSS or XPath, absolute (honouring <base>), fragments dropped, once each."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.listing import ListingSelectorError, extract_links, is_xpath, validate_selector

PAGE = Path(__file__).resolve().parents[1] / "data" / "site" / "listing_world_section.html"
URL = "https://harborcityledger.example/news/world/"

EXPECTED = [
    "https://harborcityledger.example/news/world/kremlin-repeats-objection-foreign-troops?utm_source=river",
    "https://harborcityledger.example/news/world/talks-in-istanbul",
]


def page() -> HtmlResponse:
    return HtmlResponse(URL, body=PAGE.read_bytes())


@pytest.mark.parametrize(
    "selector",
    [
        "article.card h2 a",
        "h2.card-title",  # an element that holds the link
        "css:.card-title a::attr(href)",
        "//article[contains(@class, 'card')]//h2/a",
        "//h2[@class='card-title']/a/@href",
        "xpath: //h2/a",
    ],
)
def test_css_and_xpath_selectors_give_the_same_links(selector: str) -> None:
    assert extract_links(page(), selector) == EXPECTED


def test_whole_page_without_narrow_selector_includes_navigation() -> None:
    links = extract_links(page(), "body")
    assert "https://harborcityledger.example/sports/late-winner" in links
    assert "https://harborcityledger.example/" in links


def test_relative_links_without_base_use_the_page_url() -> None:
    body = (
        b'<html><body><ul class="latest"><li><a href="2025/11/a.html">A</a></li></ul></body></html>'
    )
    response = HtmlResponse("http://127.0.0.1:8080/world/", body=body)
    assert extract_links(response, "ul.latest a") == ["http://127.0.0.1:8080/world/2025/11/a.html"]


def test_no_match_is_an_empty_list() -> None:
    assert extract_links(page(), "div.nothing-here a") == []


@pytest.mark.parametrize(
    ("selector", "kind"), [("a[href", "CSS"), ("//a[", "XPath"), ("   ", None)]
)
def test_invalid_selectors_are_named(selector: str, kind: str | None) -> None:
    with pytest.raises(ListingSelectorError, match=kind or "empty"):
        validate_selector(selector)


def test_is_xpath() -> None:
    assert is_xpath("//a") and is_xpath("(//a)[1]") and is_xpath("./a")
    assert not is_xpath("div > a") and not is_xpath("a[href^='/news']")
