"""One-pass cue layers: longest match, wildcards, gaps, apostrophes, case."""

from __future__ import annotations

import re

import pytest

from monitor.judge.rules import matcher
from monitor.judge.rules.matcher import Cue, CueLayer, PhraseIndex, phrase_atoms
from tests.paths import REPO


def _found(layer: CueLayer, text: str) -> list[tuple[str, str]]:
    return [(m.label, m.text) for m in layer.find(text)]


def test_longest_cue_wins_where_cues_share_a_start() -> None:
    layer = CueLayer(
        [
            Cue("tolerate", "accepts"),
            Cue("never tolerate", "rejects"),
            Cue("Ukraine", "country"),
            Cue("Ukraine's", "possessive"),
        ]
    )
    assert _found(layer, "It would never tolerate that. Ukraine’s bid, Ukraine.") == [
        ("rejects", "never tolerate"),
        ("possessive", "Ukraine’s"),
        ("country", "Ukraine"),
    ]


def test_wildcards_gaps_quotes_and_case() -> None:
    layer = CueLayer(
        [
            Cue("demand*", "demands"),
            Cue("part of ... security guarantees", "guarantor"),
            Cue("neutral status", "neutrality"),
        ]
    )
    text = (
        "Russia DEMANDED to be part of any international security guarantees and “neutral” status."
    )
    assert _found(layer, text) == [
        ("demands", "DEMANDED"),
        ("guarantor", "part of any international security guarantees"),
        ("neutrality", "neutral” status"),
    ]


def test_whole_words_only_and_an_empty_layer() -> None:
    layer = CueLayer([Cue("accept*", "accepts")])
    assert _found(layer, "That is unacceptable.") == []
    assert CueLayer([]).find("anything") == []


def test_layers_are_independent_in_one_pass() -> None:
    index = PhraseIndex(
        {
            "actors": [Cue("Russia", "russia"), Cue("Russian", "russia")],
            "issues": [Cue("Russian speakers", "russian_speakers")],
        }
    )
    found = index.scan("Russia's envoy spoke for Russian speakers.").matches
    assert [(m.text, m.label) for m in found["actors"]] == [
        ("Russia's", "russia"),
        ("Russian", "russia"),
    ]
    assert [m.text for m in found["issues"]] == ["Russian speakers"]


def test_gaps_stay_inside_a_sentence() -> None:
    layer = CueLayer([Cue("part of ... guarantees", "guarantor")])
    assert layer.find("to be part of the guarantees") != []
    assert layer.find("to be part of it. The guarantees") == []


@pytest.mark.parametrize("phrase", ["de*", "... demand", "demand ...", "!!", "a ... ... b"])
def test_bad_cue_phrases_are_refused(phrase: str) -> None:
    with pytest.raises(ValueError):
        phrase_atoms(phrase)


def test_the_cached_lemma_table_gives_lemminflects_own_forms() -> None:
    """Every word of the test corpora: the cached table and lemminflect agree."""
    words: set[str] = set()
    for path in (REPO / "tests" / "data").rglob("*.yaml"):
        words |= set(re.findall(r"[^\W\d_]{4,}", path.read_text(encoding="utf-8").lower()))
    assert len(words) > 5_000
    differ = {w: (matcher.lemma(w), matcher._dictionary_form(w)) for w in sorted(words)}
    assert {w: pair for w, pair in differ.items() if pair[0] != pair[1]} == {}
    assert matcher.lemma("demanded") == "demand" and matcher.lemma("guarantees") == "guarantee"


def test_a_cue_does_not_run_on_into_the_next_sentence() -> None:
    """ "stop sending it weapons. To reach ...": the longer cue "sending ... weapons to" would take
    the next sentence's first word, and the issue would fall outside its own sentence."""
    layer = CueLayer([Cue("sending ... weapons to", "long"), Cue("sending ... weapons", "short")])
    assert _found(layer, "They must stop sending it weapons. To reach peace") == [
        ("short", "sending it weapons")
    ]
    abbreviated = CueLayer([Cue("U.N. Security Council", "unsc"), Cue("Mr. Putin", "putin")])
    assert _found(abbreviated, "the U.N. Security Council heard Mr. Putin") == [
        ("unsc", "U.N. Security Council"),
        ("putin", "Mr. Putin"),
    ]
