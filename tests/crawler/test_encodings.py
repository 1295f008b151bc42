"""Legacy encodings: pages decoded the way Scrapy hands them over, feeds by feedparser; language."""

from __future__ import annotations

import feedparser
import pytest
import trafilatura
from scrapy.http import HtmlResponse

from crawler.language import detect_language, normalize_declared

RUSSIAN = [
    "Официальный представитель Кремля заявил в четверг, что размещение войск стран НАТО на территории Украины неприемлемо.",
    "По его словам, Москва рассчитывает, что её озабоченности в сфере безопасности будут закреплены в письменной форме.",
    "Европейские дипломаты обсуждают состав сил поддержки, которые могли бы разместиться вдали от линии фронта после прекращения огня.",
    "Российские официальные лица неоднократно отвергали эту идею, называя её угрозой для собственной безопасности страны.",
]
JAPANESE = [
    "ロシア大統領府の報道官は木曜日、北大西洋条約機構の加盟国の部隊がウクライナ領内に展開することは受け入れられないと述べた。",
    "報道官によると、ロシアは自国の安全保障上の懸念が文書の形で保証されることを期待している。",
    "欧州の外交官らは停戦後に前線から離れた場所に駐留する支援部隊の構成について協議している。",
    "ロシア当局者はこの構想を繰り返し拒否し、自国の安全に対する脅威だと主張している。",
]


def page(title: str, paragraphs: list[str], meta_charset: str | None) -> str:
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>"
        f"<nav><a href='/'>Главная</a></nav><article><h1>{title}</h1>{body}</article></body></html>"
    )


CASES = [
    ("windows-1251", RUSSIAN, "ru", "Кремль о войсках"),
    ("koi8-r", RUSSIAN, "ru", "Кремль о войсках"),
    ("shift_jis", JAPANESE, "ja", "ロシア大統領府の声明"),
]


@pytest.mark.parametrize(("encoding", "paragraphs", "language", "title"), CASES)
@pytest.mark.parametrize("declared", ["header", "meta", "undeclared"])
def test_legacy_encoded_pages_decode_extract_and_detect(
    encoding: str, paragraphs: list[str], language: str, title: str, declared: str
) -> None:
    html = page(title, paragraphs, encoding if declared == "meta" else None)
    headers = {
        "Content-Type": f"text/html; charset={encoding}" if declared == "header" else "text/html"
    }
    response = HtmlResponse("http://127.0.0.1/a", body=html.encode(encoding), headers=headers)
    text = trafilatura.extract(response.text, url=response.url)
    assert text is not None
    for paragraph in paragraphs:
        assert paragraph in text
    assert detect_language(text) == language


@pytest.mark.parametrize(("encoding", "paragraphs", "language", "title"), CASES)
@pytest.mark.parametrize("declared", ["xml", "header"])
def test_legacy_encoded_feeds_decode(
    encoding: str, paragraphs: list[str], language: str, title: str, declared: str
) -> None:
    prolog = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        if declared == "xml"
        else '<?xml version="1.0"?>'
    )
    xml = (
        f'{prolog}<rss version="2.0"><channel><title>{title}</title><link>http://127.0.0.1/</link>'
        f"<item><title>{title}</title><link>http://127.0.0.1/a</link>"
        f"<description>{paragraphs[0]}</description></item></channel></rss>"
    )
    headers = {
        "content-type": f"application/rss+xml; charset={encoding}"
        if declared == "header"
        else "application/rss+xml"
    }
    parsed = feedparser.parse(xml.encode(encoding), response_headers=headers)
    assert parsed.entries[0].title == title
    assert parsed.entries[0].summary == paragraphs[0]


def test_short_text_falls_back_to_declared_language() -> None:
    assert detect_language("Да.", "ru-RU") == "ru"
    assert detect_language("", None) is None
    assert normalize_declared("en_GB") == "en"
    assert normalize_declared("not a language tag!") is None


def test_legacy_encodings_through_a_real_crawl() -> None:
    """A KOI8-R feed lists a windows-1251 page (header charset), a KOI8-R page (meta charset) and
    an undeclared Shift-JIS page; all are decoded, extracted and given the right language."""
    from monitor.demo.server import NewsSite, Route
    from tests.crawler.probe import crawl_sources

    with NewsSite() as site:
        site.add(
            "/ru/1251",
            Route(
                body=page("Кремль о войсках", RUSSIAN, None).encode("windows-1251"),
                content_type="text/html; charset=windows-1251",
            ),
        )
        site.add(
            "/ru/koi8",
            Route(
                body=page("Кремль о войсках", RUSSIAN[::-1], "koi8-r").encode("koi8-r"),
                content_type="text/html",
            ),
        )
        site.add(
            "/ja/sjis",
            Route(
                body=page("ロシア大統領府の声明", JAPANESE, None).encode("shift_jis"),
                content_type="text/html",
            ),
        )
        items = "".join(
            f"<item><title>{t}</title><link>{site.url(p)}</link></item>"
            for t, p in (
                ("Кремль: войска", "/ru/1251"),
                ("Кремль: гарантии", "/ru/koi8"),
                ("Заявление из Токио", "/ja/sjis"),
            )
        )
        feed = f'<?xml version="1.0" encoding="koi8-r"?><rss version="2.0"><channel><title>Лента</title>{items}</channel></rss>'
        site.add("/feed.xml", Route(body=feed.encode("koi8-r"), content_type="application/rss+xml"))
        result = crawl_sources([{"name": "legacy", "url": site.url("/feed.xml")}])
    articles = {
        a["url"].rsplit("/", 2)[-2] + "/" + a["url"].rsplit("/", 1)[-1]: a
        for a in result["articles"]
    }
    assert set(articles) == {"ru/1251", "ru/koi8", "ja/sjis"}
    assert RUSSIAN[1] in articles["ru/1251"]["text"] and articles["ru/1251"]["language"] == "ru"
    assert RUSSIAN[2] in articles["ru/koi8"]["text"] and articles["ru/koi8"]["language"] == "ru"
    assert JAPANESE[0] in articles["ja/sjis"]["text"] and articles["ja/sjis"]["language"] == "ja"
    assert result["polls"][0]["bozo_error"] is None
