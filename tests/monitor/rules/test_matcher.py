"""One-pass cue layers: longest match, wildcards, gaps, apostrophes, case."""

from __future__ import annotations

from monitor.rules.matcher import Cue, CueLayer


def _found(layer: CueLayer, text: str) -> list[tuple[str, str]]:
    return [(m.label, m.text) for m in layer.find(text)]


def test_longest_cue_wins_where_cues_share_a_start() -> None:
    layer = CueLayer([Cue("tolerate", "accepts"), Cue("never tolerate", "rejects"),
                      Cue("Ukraine", "country"), Cue("Ukraine's", "possessive")])
    assert _found(layer, "It would never tolerate that. Ukraine’s bid, Ukraine.") == [
        ("rejects", "never tolerate"), ("possessive", "Ukraine’s"), ("country", "Ukraine")]


def test_wildcards_gaps_quotes_and_case() -> None:
    layer = CueLayer([Cue("demand*", "demands"), Cue("part of ... security guarantees", "guarantor"),
                      Cue("neutral status", "neutrality")])
    text = "Russia DEMANDED to be part of any international security guarantees and “neutral” status."
    assert _found(layer, text) == [
        ("demands", "DEMANDED"),
        ("guarantor", "part of any international security guarantees"),
        ("neutrality", "neutral” status"),
    ]


def test_whole_words_only_and_an_empty_layer() -> None:
    layer = CueLayer([Cue("accept*", "accepts")])
    assert _found(layer, "That is unacceptable.") == []
    assert list(CueLayer([]).find("anything")) == []
    assert not CueLayer([]).search("anything")
