"""The DNYUZ repost of an NYT article (shared seed) folds into its NYT-like original."""

import pytest

from monitor.judge.dedup import Deduplicator, StoredText, fingerprint, verify

from .cases import SEED, seed_texts


@pytest.fixture(scope="module")
def texts() -> tuple[str, str]:
    return seed_texts()


def test_seed_texts_normalise_close_and_verify_as_copy(texts):
    nyt, dnyuz = texts
    verdict = verify(fingerprint(nyt).tokens, fingerprint(dnyuz).tokens)
    assert verdict.is_copy, verdict
    assert verdict.containment > 0.9


@pytest.mark.parametrize("first", ["nyt", "dnyuz"])
def test_either_arrival_order_finds_the_other(texts, first):
    by_name = dict(zip(("nyt", "dnyuz"), texts, strict=True))
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
