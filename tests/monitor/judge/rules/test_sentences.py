"""Sentence splitting keeps honorifics, initials, "U.S.-led" and quoted speech together."""

from __future__ import annotations

from monitor.judge.rules.sentences import paragraphs, quote_spans, sentences
from tests import paths


def _split(text: str) -> list[str]:
    return [text[s.start : s.end] for p in paragraphs(text) for s in sentences(text, p)]


def test_abbreviations_do_not_end_sentences() -> None:
    text = (
        "President Vladimir V. Putin of Russia met Mr. Trump. The U.S.-led alliance grew. "
        "Dr. Smith agreed.\nA second paragraph."
    )
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


def _paragraph_texts() -> list[str]:
    import random
    import sys

    import yaml

    root = paths.TESTS
    texts = []
    for seed in sorted(paths.SEEDS.glob("*.txt")):
        texts += seed.read_text(encoding="utf-8").splitlines()
    for name in ("tuning", "heldout"):
        cases = yaml.safe_load((root / "data" / "rules" / f"{name}.yaml").read_text())["cases"]
        texts += [case["text"] for case in cases]
    sys.path.insert(0, str(root / "benchmarks"))
    try:
        import rules as benchmark  # tests/benchmarks/rules.py: the generated article paragraphs
    finally:
        sys.path.pop(0)
    rng = random.Random(3)
    texts += [benchmark._paragraph(rng) for _ in range(400)]
    return [t for t in texts if t.strip()]


def test_fast_path_agrees_with_pysbd_wherever_it_decides() -> None:
    from monitor.judge.rules.sentences import _plain_split, pysbd_sentences

    decided = 0
    for text in _paragraph_texts():
        paragraph = next(paragraphs(text))
        if _plain_split(text[paragraph.start : paragraph.end]) is None:
            continue
        decided += 1
        assert sentences(text, paragraph) == pysbd_sentences(text, paragraph), text
    assert decided > 300
