"""Attribution: credit lines, wire datelines and metadata; cleaning of credit and share residue."""

from __future__ import annotations

from pathlib import Path

import pytest
import trafilatura

from crawler.attribution import Attribution, clean_text, detect_attribution, site_of

SITE = Path(__file__).resolve().parents[1] / "data" / "site"
DEMO_SITE = Path(__file__).resolve().parents[2] / "monitor" / "demo" / "site"


def extracted(name: str, url: str) -> tuple[str, str]:
    path = SITE / name if (SITE / name).exists() else DEMO_SITE / name
    html = path.read_text(encoding="utf-8")
    text = trafilatura.extract(html, url=url)
    assert text, f"trafilatura found no text in {name}"
    return text, html


def test_dnyuz_repost_names_the_times_and_links_the_original() -> None:
    url = "https://dnyuz.com/2025/09/04/russia-wants-security-guarantees-too-heres-what-they-look-like/"
    text, html = extracted("dnyuz-security-guarantees.html", url)
    found = detect_attribution(text, html, url)
    assert found == Attribution(
        publisher="New York Times",
        original_url="https://www.nytimes.com/2025/09/04/world/europe/russia-ukraine-security-guarantees.html",
        cue="appeared-first",
        line="The post Russia Wants ‘Security Guarantees’ Too. Here’s What They Look Like. "
        "appeared first on New York Times.",
    )
    cleaned = clean_text(text, found)
    assert "appeared first on" not in cleaned
    assert "Share on Facebook" not in cleaned and "SHARES" not in cleaned
    assert "Green Cards Halted" not in cleaned  # teasers stay out (trafilatura's job, checked here)
    assert cleaned.rstrip().endswith("following the invasion of Ukraine.")
    assert "would never tolerate Ukraine inside NATO" in cleaned


def test_originally_published_line_with_trailing_sentence_and_share_counts() -> None:
    url = "https://lakesidecourier.example/world/2025/10/02/why-neutrality-keeps-returning/"
    text, html = extracted("attribution_conversation_repost.html", url)
    found = detect_attribution(text, html, url)
    assert found is not None
    assert (found.publisher, found.cue) == ("The Conversation", "originally-appeared")
    assert found.original_url == (
        "https://theconversation.example/why-neutrality-keeps-returning-to-the-negotiating-table-240117"
    )
    cleaned = clean_text(text, found)
    assert "originally published" not in cleaned
    lines = cleaned.splitlines()
    assert not {"Share", "198", "Tweet"} & set(lines)
    assert any(line.startswith("That is why the debate") for line in lines)


def test_wire_dateline_on_a_newspaper_site() -> None:
    url = "https://harborcityledger.example/news/world/kremlin-repeats-objection-foreign-troops"
    text, html = extracted("attribution_wire_reuters.html", url)
    assert detect_attribution(text, html, url) == Attribution("Reuters", None, "wire-dateline")
    assert clean_text(text) == text  # the dateline is part of the story, not removed


def test_wire_dateline_on_the_wire_itself_is_not_syndication() -> None:
    text = "MOSCOW (Reuters) - The Kremlin said on Thursday that talks would continue."
    assert detect_attribution(text, None, "https://www.reuters.com/world/europe/x") is None


def test_meta_original_source_wins_over_own_og_url() -> None:
    url = "https://dailyaggregate.example/story/88231"
    text, html = extracted("attribution_meta_original_source.html", url)
    found = detect_attribution(text, html, url)
    assert found == Attribution(
        "eastwire.example",
        "https://eastwire.example/2025/11/03/foreign-ministry-conditions-talks",
        "original-source",
    )


def test_canonical_on_another_domain() -> None:
    html = (
        '<html><head><link rel="canonical" href="https://www.origin.example/a/1.html"></head>'
        "<body><p>Body.</p></body></html>"
    )
    found = detect_attribution("Body.", html, "https://mirror.example/copy/1")
    assert found == Attribution(
        "origin.example", "https://www.origin.example/a/1.html", "canonical"
    )
    assert detect_attribution("Body.", html, "https://origin.example/a/1.html") is None


def test_og_url_on_another_domain_when_no_canonical() -> None:
    html = '<html><head><meta property="og:url" content="/relative/ignored"></head></html>'
    assert detect_attribution("Body.", html, "https://mirror.example/x") is None
    html = '<html><head><meta property="og:url" content="https://first.example/s/2"></head></html>'
    found = detect_attribution("Body.", html, "https://mirror.example/x")
    assert found is not None and (found.cue, found.publisher) == ("og:url", "first.example")


@pytest.mark.parametrize(
    ("line", "publisher"),
    [
        ("This article originally appeared in Foreign Affairs.", "Foreign Affairs"),
        ("This story first appeared on Meduza", "Meduza"),
        ("Originally published by Reuters on Sept. 4, 2025.", "Reuters"),
        ("*Originally published at Kyiv Independent.", "Kyiv Independent"),
        ("Republished with permission from The Moscow Times.", "The Moscow Times"),
        ("The post Talks stall again appeared first on Eastwire.", "Eastwire"),
    ],
)
def test_credit_line_forms(line: str, publisher: str) -> None:
    text = f"First paragraph of the story.\nSecond paragraph.\n{line}"
    found = detect_attribution(text)
    assert found is not None and found.publisher == publisher and found.line == line
    assert clean_text(text, found) == "First paragraph of the story.\nSecond paragraph."


def test_dateline_forms() -> None:
    found = detect_attribution("KYIV, Ukraine (AP) — Ukrainian officials said on Friday ...")
    assert found == Attribution("Associated Press", None, "wire-dateline")
    assert detect_attribution("Reuters reported that (AP) - nothing") is None


def test_residue_cleaner_keeps_prose_that_mentions_sharing() -> None:
    text = (
        "Share198Tweet124Share\nShare on FacebookShare on Twitter\n495\nSHARES\n1.4k VIEWS\n"
        "Share this article\nThe two sides share a long border.\nTweet\nPrint\nEmail"
    )
    assert clean_text(text) == "The two sides share a long border."


def test_plain_article_has_no_attribution() -> None:
    text = "The ministry said on Monday that it would publish its proposals.\nMore talks are due."
    assert (
        detect_attribution(text, "<html><body><p>x</p></body></html>", "https://a.example/x")
        is None
    )


def test_site_of() -> None:
    assert site_of("https://www.nytimes.com/2025/x.html") == "nytimes.com"
    assert site_of("http://127.0.0.1:8123/a") == "127.0.0.1:8123"
    assert site_of("mailto:x@y.z") is None
    assert site_of(None) is None
