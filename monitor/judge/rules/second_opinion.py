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
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from pathlib import Path

import numpy as np

TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default, so training and reading agree
_SEPARATOR = "\x00"  # joins an article's sentences: not a word character, so no token spans two
_TOKEN_OR_SEPARATOR = re.compile(f"{TOKEN_PATTERN}|{_SEPARATOR}")
_BREAK = -2  # the separator's word number; -1 is a word no term uses
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
        # Terms by word number, so a whole article is looked up in a few array operations: every
        # word any term uses gets a number; a single word maps to its term row (-1 if it is only
        # part of pairs), a pair "a b" to its row through the sorted code a * len(words) + b.
        words = {w: i for i, w in enumerate(dict.fromkeys(w for t in terms for w in t.split(" ")))}
        self._words = {**words, _SEPARATOR: _BREAK}
        self._unigram = np.full(len(words), -1, dtype=np.int64)
        pair_codes, pair_rows = [], []
        for row, term in enumerate(terms):
            parts = term.split(" ")
            if len(parts) == 1:
                self._unigram[words[term]] = row
            else:
                first, second = parts  # words and word pairs only, as trained
                pair_codes.append(words[first] * len(words) + words[second])
                pair_rows.append(row)
        order = np.argsort(pair_codes)
        # a last code above any pair's, so a search never runs past the end
        self._pair_codes = np.append(np.asarray(pair_codes, dtype=np.int64)[order], len(words) ** 2)
        self._pair_rows = np.append(np.asarray(pair_rows, dtype=np.int64)[order], -1)

    def _terms(self, sentences: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Known term rows, their counts and their sentences; none for a short sentence.

        One findall reads the whole article: the sentences, each lowered alone, are joined by a
        separator that is no word character (so no word or pair spans two) and that the pattern
        also returns (so it marks where each sentence ends). The terms come in the order a
        Counter per sentence gave them (by sentence, its words then its pairs, each by first
        use), so the sums in ``judge`` add up in the same order, float for float.
        """
        lowered = [sentence.lower() for sentence in sentences]
        text = _SEPARATOR.join(lowered)
        if text.count(_SEPARATOR) != len(sentences) - 1:  # one inside a sentence: a mere non-word
            text = _SEPARATOR.join(sentence.replace(_SEPARATOR, " ") for sentence in lowered)
        tokens = _TOKEN_OR_SEPARATOR.findall(text)
        ids = np.fromiter(map(self._words.get, tokens, repeat(-1)), np.int64, len(tokens))
        breaks = ids == _BREAK
        owner = np.cumsum(breaks)  # each token's sentence
        sizes = np.bincount(owner[~breaks], minlength=len(sentences))
        known = (ids >= 0) & (sizes >= MIN_WORDS)[owner]
        word_at = np.flatnonzero(known)
        word_rows = self._unigram[ids[word_at]]
        word_at, word_rows = word_at[word_rows >= 0], word_rows[word_rows >= 0]
        # both words known: neither is the separator, so both are in one sentence
        pair_at = np.flatnonzero(known[:-1] & known[1:])
        codes = ids[pair_at] * len(self._unigram) + ids[pair_at + 1]
        slots = np.searchsorted(self._pair_codes, codes)  # the sentinel keeps it in range
        paired = self._pair_codes[slots] == codes
        pair_at, pair_rows = pair_at[paired], self._pair_rows[slots[paired]]
        rows = np.concatenate([word_rows, pair_rows])
        uses = np.concatenate([word_at, pair_at + len(tokens)])  # a pair ranks after any word
        owners = np.concatenate([owner[word_at], owner[pair_at]])
        _, first, counts = np.unique(
            owners * len(self.terms) + rows, return_index=True, return_counts=True
        )
        order = np.argsort(owners[first] * (2 * len(tokens)) + uses[first])
        first = first[order]
        return rows[first], counts[order], owners[first]

    def judge(self, sentences: list[str]) -> list[list[Opinion]]:
        """Per sentence, the (issue, stance) pairs it states for Russia by the model, if sure.

        All sentences of an article go through one matrix product: sublinear TF times IDF per
        sentence, scaled to unit length, times the weights.
        """
        found: list[list[Opinion]] = [[] for _ in sentences]
        if not sentences:
            return found
        rows, counts, owned_by = self._terms(sentences)
        if not len(rows):
            return found
        owners, starts = np.unique(owned_by, return_index=True)
        values = (1.0 + np.log(counts.astype(np.float64))) * self.idf[rows]
        lengths = np.diff(np.append(starts, len(rows)))
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
