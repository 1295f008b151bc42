"""Sentence splitting keeps honorifics, initials, "U.S.-led" and quoted speech together."""

from __future__ import annotations

from monitor.rules.sentences import paragraphs, quote_spans, sentences


def _split(text: str) -> list[str]:
    return [text[s.start : s.end] for p in paragraphs(text) for s in sentences(text, p)]


def test_abbreviations_do_not_end_sentences() -> None:
    text = ("President Vladimir V. Putin of Russia met Mr. Trump. The U.S.-led alliance grew. "
            "Dr. Smith agreed.\nA second paragraph.")
    assert _split(text) == [
        "President Vladimir V. Putin of Russia met Mr. Trump.",
        "The U.S.-led alliance grew.",
        "Dr. Smith agreed.",
        "A second paragraph.",
    ]


def test_a_quote_spanning_sentences_stays_with_its_attribution() -> None:
    text = "“We will never accept it. NATO must stay out!” he said. Then he left."
    parts = _split(text)
    assert parts[0] == "“We will never accept it. NATO must stay out!” he said."
    assert parts[-1] == "Then he left."
    paragraph = next(paragraphs(text))
    quotes = [text[q.start : q.end] for q in quote_spans(text, paragraph)]
    assert quotes == ["“We will never accept it. NATO must stay out!”"]


def test_scare_quotes_are_not_speech() -> None:
    text = "The Kremlin wants “security guarantees” too."
    assert quote_spans(text, next(paragraphs(text))) == []
