"""The DNYUZ repost of an NYT article (shared seed) folds into its NYT-like original."""

from pathlib import Path

import pytest

from monitor.dedup import Deduplicator, StoredText, fingerprint, verify

SEED = Path(__file__).resolve().parents[3] / ".." / "shared" / "seeds" / "003_5e2f3c30a176f96b.txt"
NYT_CHROME_TOP = [
    "Skip to content", "Skip to site index", "World", "Europe",
    "Russia Wants \u2018Security Guarantees\u2019 Too. Here\u2019s What They Look Like.",
    "Moscow\u2019s demands would limit Ukraine\u2019s sovereignty and leave it exposed.",
    "By Anatoly Kurmanaev", "Reporting from Berlin", "Sept. 4, 2025, 5:00 a.m. ET",
    "Share full article", "Leer en espa\u00f1ol",
]
NYT_CHROME_BOTTOM = ["A version of this article appears in print on Sept. 5, 2025.", "Order Reprints"]


@pytest.fixture(scope="module")
def texts() -> tuple[str, str]:
    if not SEED.exists():
        pytest.skip(f"seed {SEED} not present")
    dnyuz = SEED.read_text(encoding="utf-8")
    start = dnyuz.index("Diplomatic efforts to end")
    end = dnyuz.index("The post Russia Wants")
    nyt = "\n".join(NYT_CHROME_TOP) + "\n\n" + dnyuz[start:end].strip() + "\n\n" + "\n".join(
        NYT_CHROME_BOTTOM
    )
    return nyt, dnyuz


def test_seed_texts_normalise_close_and_verify_as_copy(texts):
    nyt, dnyuz = texts
    verdict = verify(fingerprint(nyt).tokens, fingerprint(dnyuz).tokens)
    assert verdict.is_copy, verdict
    assert verdict.containment > 0.9


@pytest.mark.parametrize("first", ["nyt", "dnyuz"])
def test_either_arrival_order_finds_the_other(texts, first):
    by_name = dict(zip(("nyt", "dnyuz"), texts))
    second = "dnyuz" if first == "nyt" else "nyt"
    dedup = Deduplicator()
    dedup.add(1, fingerprint(by_name[first]))
    match = dedup.find(
        fingerprint(by_name[second]), lambda ids: {1: StoredText(by_name[first], first)}
    )
    assert match is not None and match.article_id == 1


def test_the_blog_summary_on_the_same_subject_is_not_a_copy(texts):
    blog = SEED.with_name("000_4868d421aa4a8298.txt").read_text(encoding="utf-8")
    assert not verify(fingerprint(texts[0]).tokens, fingerprint(blog).tokens).is_copy
