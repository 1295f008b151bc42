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

import numpy as np

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
        self.index = {term: i for i, term in enumerate(terms)}
        self.idf = np.asarray(data["idf"], dtype=np.float64)
        self.classes = [(c["issue"], c["stance"]) for c in data["classes"]]
        self.bias = np.asarray([c["bias"] for c in data["classes"]], dtype=np.float64)
        # one row per term, one column per class: a sentence's scores are one small product
        self.weights = np.zeros((len(terms), len(self.classes)), dtype=np.float64)
        for column, c in enumerate(data["classes"]):
            self.weights[c["terms"], column] = c["weights"]
        self.terms = terms
        self.trained_on: dict[str, object] = data["trained_on"]

    def _terms(self, sentence: str) -> list[tuple[int, int]]:
        """(term row, count) of the known words and word pairs; none for a short sentence."""
        words = _TOKEN.findall(sentence.lower())
        if len(words) < MIN_WORDS:
            return []
        counts = Counter(words)
        counts.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
        index = self.index
        return [(index[t], n) for t, n in counts.items() if t in index]

    def judge(self, sentences: list[str]) -> list[list[Opinion]]:
        """Per sentence, the (issue, stance) pairs it states for Russia by the model, if sure.

        All sentences of an article go through one matrix product: sublinear TF times IDF per
        sentence, scaled to unit length, times the weights.
        """
        found: list[list[Opinion]] = [[] for _ in sentences]
        rows: list[int] = []
        counts: list[int] = []
        starts: list[int] = []
        owners: list[int] = []
        for number, sentence in enumerate(sentences):
            terms = self._terms(sentence)
            if terms:
                starts.append(len(rows))
                owners.append(number)
                rows += [row for row, _ in terms]
                counts += [n for _, n in terms]
        if not rows:
            return found
        values = (1.0 + np.log(np.asarray(counts, dtype=np.float64))) * self.idf[rows]
        lengths = np.diff([*starts, len(rows)])
        norms = np.sqrt(np.add.reduceat(values * values, starts))
        values /= np.repeat(norms, lengths)
        pushes = self.weights[rows] * values[:, None]  # each term's push towards each class
        scores = self.bias + np.add.reduceat(pushes, starts, axis=0)
        for segment, column in zip(*np.nonzero(scores > self._logit), strict=True):
            issue, stance = self.classes[column]
            lo, hi = starts[segment], starts[segment] + lengths[segment]
            order = lo + np.argsort(-pushes[lo:hi, column], kind="stable")[:_SHOWN_WORDS]
            top = tuple((self.terms[rows[k]], float(pushes[k, column])) for k in order)
            probability = float(1.0 / (1.0 + np.exp(-scores[segment, column])))
            found[owners[segment]].append(Opinion(issue, stance, probability, top))
        return found


@cache
def load_second_opinion(path: Path, threshold: float) -> SecondOpinion:
    """One model per file and threshold, read once per process."""
    return SecondOpinion(path, threshold)
