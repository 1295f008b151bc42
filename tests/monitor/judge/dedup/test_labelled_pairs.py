"""Precision and recall of the whole dedup path (index + verifier) on the labelled pairs."""

import logging
from collections import Counter

import pytest

from monitor.judge.dedup import Deduplicator, StoredText, fingerprint

from .cases import load_articles, load_pairs

logger = logging.getLogger(__name__)
MERGE_KINDS = {"verbatim_chrome", "attribution_byline", "truncation", "light_edit"}
NO_MERGE_KINDS = {"press_conference", "rewrite_shared_quotes", "update_new_text"}


def _distractors() -> dict[int, str]:
    arts = load_articles()
    texts = [r for a in arts.values() for r in a["reports"]] + [a["rewrite"] for a in arts.values()]
    return {1000 + i: t for i, t in enumerate(texts)}


def _merges(a: str, b: str, same_publisher: bool, distractors: dict[int, str]) -> bool:
    """Store ``a`` among unrelated texts, then ask whether ``b`` is a copy of ``a``."""
    stored = {**{k: v for k, v in distractors.items() if v != a and v != b}, 1: a}
    dedup = Deduplicator()
    for aid, text in stored.items():
        dedup.add(aid, fingerprint(text))
    publisher = "ledger.example" if same_publisher else "aggregator.example"
    match = dedup.find(
        fingerprint(b),
        lambda ids: {i: StoredText(stored[i], "ledger.example") for i in ids},
        publisher=publisher,
    )
    return match is not None and match.article_id == 1


def test_pairs_cover_every_case():
    kinds = Counter((p.label, p.kind) for p in load_pairs())
    assert sum(kinds.values()) >= 60
    assert {k for (label, k) in kinds if label == "merge"} == MERGE_KINDS
    assert {k for (label, k) in kinds if label == "no_merge"} == NO_MERGE_KINDS


@pytest.mark.parametrize("order", ["a_first", "b_first"])
def test_precision_and_recall_on_labelled_pairs(order):
    distractors = _distractors()
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    false_merges = []
    for pair in load_pairs():
        a, b = (pair.a, pair.b) if order == "a_first" else (pair.b, pair.a)
        merged = _merges(a, b, pair.same_publisher, distractors)
        totals[pair.kind] += 1
        if pair.label == "merge" and merged:
            hits[pair.kind] += 1
        if pair.label == "no_merge" and merged:
            false_merges.append(pair.id)
    merge_total = sum(totals[k] for k in MERGE_KINDS)
    recall = sum(hits[k] for k in MERGE_KINDS) / merge_total
    true_pos = sum(hits[k] for k in MERGE_KINDS)
    precision = true_pos / (true_pos + len(false_merges)) if true_pos else 0.0
    logger.warning(
        "dedup labelled pairs (%s): precision %.3f recall %.3f per kind %s",
        order,
        precision,
        recall,
        {k: f"{hits[k]}/{totals[k]}" for k in sorted(MERGE_KINDS)},
    )
    assert not false_merges, f"must-not-merge pairs merged: {false_merges}"
    for kind in MERGE_KINDS:
        assert hits[kind] / totals[kind] >= 0.98, f"recall on {kind}: {hits[kind]}/{totals[kind]}"
