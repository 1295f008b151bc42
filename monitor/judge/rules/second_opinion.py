"""A learned second opinion beside the rules: words and word pairs weighed by a trained model.

The rules read only the phrasings someone wrote a cue for, and real pages keep finding new
ones. A model trained on the labelled dev pages (``tests/monitor/judge/rules/
second_opinion_train.py``) reads each sentence as a bag of words and word pairs and gives, per
(issue, stance), the probability that the sentence states it for Russia. It is only a second
opinion: it may add a pair the rules found nowhere in the article, when it is very sure, and what
it adds is weak (below the ledger's SHIFT confidence) and shows its evidence: the sentence, the
probability and the words that weighed most.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default, so training and reading agree
_TOKEN = re.compile(TOKEN_PATTERN)
DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "topics" / "default.second_opinion.json"
_SHOWN_WORDS = 4
# A headline of one or two words ("NATO?") is a unit vector on one term and the model would be
# sure of anything that term leans to: it reads only sentences long enough to say something.
MIN_WORDS = 6


@dataclass(frozen=True, slots=True)
class Opinion:
    """The model's reading of one sentence for one (issue, stance)."""

    issue: str
    stance: str
    probability: float
    words: tuple[tuple[str, float], ...]  # the terms that pushed hardest towards it

    def describe(self) -> str:
        weighed = ", ".join(f"'{term}' {weight:+.2f}" for term, weight in self.words)
        return (
            f"second opinion: {self.issue}/{self.stance} with probability "
            f"{self.probability:.2f}; words that weighed most: {weighed}"
        )


class SecondOpinion:
    """A trained word-pair model, read from its JSON file; ``threshold`` is how sure it must be."""

    def __init__(self, path: Path, threshold: float) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.path = path
        self.threshold = threshold
        self._logit = math.log(threshold / (1.0 - threshold))  # the threshold as a score
        terms: list[str] = data["terms"]
        self.idf = dict(zip(terms, data["idf"], strict=True))
        self.classes = [(c["issue"], c["stance"], float(c["bias"])) for c in data["classes"]]
        # term -> (class, weight) pairs: a sentence's few terms touch only the classes they weigh in
        postings: dict[str, list[tuple[int, float]]] = {}
        for index, c in enumerate(data["classes"]):
            for term, weight in zip(c["terms"], c["weights"], strict=True):
                postings.setdefault(terms[term], []).append((index, weight))
        self.postings = {term: tuple(pairs) for term, pairs in postings.items()}
        self.trained_on: dict[str, object] = data["trained_on"]

    def _features(self, sentence: str) -> dict[str, float]:
        """Sublinear TF times IDF over known words and word pairs, scaled to unit length."""
        words = _TOKEN.findall(sentence.lower())
        if len(words) < MIN_WORDS:
            return {}
        counts = Counter(words)
        counts.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
        vector = {
            term: (1.0 + math.log(n)) * self.idf[term]
            for term, n in counts.items()
            if term in self.idf
        }
        norm = math.sqrt(sum(v * v for v in vector.values()))
        return {term: v / norm for term, v in vector.items()} if norm else {}

    def judge(self, sentence: str) -> list[Opinion]:
        """The (issue, stance) pairs this sentence states for Russia, by the model, if sure."""
        vector = self._features(sentence)
        if not vector:
            return []
        scores = [bias for _, _, bias in self.classes]
        for term, value in vector.items():
            for index, weight in self.postings.get(term, ()):
                scores[index] += value * weight
        found = []
        for index, score in enumerate(scores):
            if score > self._logit:
                probability = 1.0 / (1.0 + math.exp(-score))
                issue, stance, _ = self.classes[index]
                pushes = [
                    (term, value * weight)
                    for term, value in vector.items()
                    for i, weight in self.postings.get(term, ())
                    if i == index
                ]
                top = sorted(pushes, key=lambda kv: -kv[1])[:_SHOWN_WORDS]
                found.append(Opinion(issue, stance, probability, tuple(top)))
        return found


@cache
def load_second_opinion(path: Path, threshold: float) -> SecondOpinion:
    """One model per file and threshold, read once per process."""
    return SecondOpinion(path, threshold)
