"""The sentence-level copy check on short texts: one shared stock sentence is not a copy."""

from __future__ import annotations

from monitor.judge.dedup import verify_sentences
from monitor.judge.dedup.sentences import sentences

SHARED = (
    "The ministry did not say how many officials had been briefed or when the plan would be "
    "put to a vote in parliament."
)
FIRST = (
    "Officials in Warsaw said on Monday that the new border crossing for freight lorries would "
    "open at the start of next month after two years of building work."
)
SECOND = (
    "A regional court in Gdansk ordered the port authority on Tuesday to pay compensation to "
    "three shipping firms over delays to the dredging of the main channel."
)
THIRD = (
    "Lorry drivers had complained for months about queues of up to thirty hours at the old "
    "crossing, the transport ministry said in a statement."
)


def test_two_short_reports_sharing_one_sentence_stay_apart():
    verdict = verify_sentences(sentences(FIRST + "\n" + SHARED), sentences(SECOND + "\n" + SHARED))
    assert not verdict.is_copy
    assert verdict.reason == "low_overlap"


def test_a_two_sentence_preview_of_a_longer_article_is_a_copy():
    preview = FIRST + " " + THIRD
    article = "\n".join([FIRST, THIRD, SHARED])
    verdict = verify_sentences(sentences(preview), sentences(article))
    assert verdict.is_copy, verdict


def test_a_one_sentence_preview_still_needs_only_its_sentence():
    long_first = FIRST[:-1] + ", and customs officers from both countries would work side by side."
    verdict = verify_sentences(sentences(long_first), sentences("\n".join([long_first, THIRD])))
    assert verdict.is_copy, verdict


def test_a_preview_cut_off_mid_sentence_needs_only_its_whole_sentence():
    preview = FIRST + " Lorry drivers had complained for months about queues of ..."
    verdict = verify_sentences(sentences(preview), sentences("\n".join([FIRST, THIRD, SHARED])))
    assert verdict.is_copy, verdict
