"""An article as comparable sentences: quoted passages dropped, names folded to one spelling.

Independent reports of one event share verbatim quotes, so quotes are no evidence of copying:
only the words outside quotation marks are compared. Transliterated names differ between
copies (Sergey/Sergei, Kiev/Kyiv, Zelenskiy/Zelensky), so every word is folded to ASCII
(``anyascii``) and to a spelling key that ignores the usual variants.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from monitor.judge.dedup.fingerprint import token_hashes
from monitor.judge.dedup.normalize import content_lines

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”»)]*\s+(?=[\"'“«(]?[^\s\"'“«(a-z])")
_QUOTED = re.compile(r"\"[^\"]{0,1200}\"|“[^”]{0,1200}”|«[^»]{0,1200}»|„[^“”]{0,1200}[“”]")
_WORD = re.compile(r"\w+(?:'\w+)*")
MIN_SENTENCE_WORDS = 4
_VARIANTS = (
    (re.compile(r"(?<=[a-z])(?:iy|yy|ij|yi)$"), "i"),  # Zelenskiy / Zelenskyy -> zelenski
    (re.compile(r"(?<=[a-z])y$"), "i"),  # Sergey -> sergei, Zelensky -> zelenski
    (re.compile(r"(?<=[a-z])(?:ie|iy)(?=[a-z])"), "i"),
    (re.compile(r"kiev"), "kyiv"),
    (re.compile(r"(?<=[a-z])(ff|w)$"), "v"),  # Lavroff / Peskow -> v
    (re.compile(r"([a-z])\1"), r"\1"),  # doubled letters
    (re.compile(r"(?<=[a-z])kh"), "h"),
)


@lru_cache(maxsize=1 << 16)
def fold_word(word: str) -> str:
    """One spelling for a word's transliterations: ASCII, lower case, common variants merged."""
    from anyascii import anyascii

    folded = anyascii(word).casefold()
    if not folded.isalpha():
        return folded
    for pattern, repl in _VARIANTS:
        folded = pattern.sub(repl, folded)
    return folded


_FULL_STOP = re.compile(r"(?<!\.\.)[.!?][\"'”»)]*$")


def _is_cut(raw: str) -> bool:
    """A sentence broken off (``...``, or no closing punctuation), as previews end."""
    return _FULL_STOP.search(raw) is None


def _unquote(sentence: str) -> str:
    return _QUOTED.sub(" ", sentence.replace("''", '"'))


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence's folded words outside quotes, and those of the quotes too.

    ``text`` and ``hashes`` (of ``words``) are kept with the split: one article is compared
    with up to a dozen candidates, and its rare-word weights are looked up by hash each time.
    """

    words: tuple[str, ...]  # outside quotation marks
    all_words: tuple[str, ...]
    cut: bool = False  # ends without a full stop or with an ellipsis: a preview's cut-off tail
    text: str = field(default="", compare=False)
    hashes: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64), compare=False)

    @classmethod
    def of(cls, words: tuple[str, ...], all_words: tuple[str, ...], cut: bool = False) -> Sentence:
        return cls(words, all_words, cut, " ".join(words), token_hashes(words))


def split_sentences(text: str, lines: Sequence[str] | None = None) -> list[str]:
    """Sentences of an article's content lines (chrome removed; ``lines`` if already known)."""
    out: list[str] = []
    for line in content_lines(text) if lines is None else lines:
        out += [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]
    return out


def sentences(text: str, lines: Sequence[str] | None = None) -> list[Sentence]:
    """The article as sentences of folded words (quoted passages kept apart)."""
    out = []
    for raw in split_sentences(text, lines):
        all_words = tuple(map(fold_word, _WORD.findall(raw)))
        if all_words:
            unquoted = _unquote(raw)
            words = all_words if unquoted == raw else tuple(map(fold_word, _WORD.findall(unquoted)))
            out.append(Sentence.of(words, all_words, _is_cut(raw)))
    return out


def sentence_cover(
    short: list[Sentence],
    long_: list[Sentence],
    *,
    min_ratio: float = 80.0,
    weigh: Callable[[Sequence[Sentence]], list[float]] | None = None,
) -> tuple[float, float, int]:
    """How much of ``short`` (outside quotes) has a near-equal sentence anywhere in ``long_``.

    Returns (covered share of ``short``, covered share of ``long_``, matched sentences); each
    sentence counts by its words' weights (``weigh(sentences)``, 1 a word by default). Order-free, so
    reordered paragraphs and windows still match; rapidfuzz's ratio tolerates word edits.
    """
    from rapidfuzz import fuzz, process

    s = [x for x in short if len(x.words) >= MIN_SENTENCE_WORDS]
    ll = [x for x in long_ if len(x.words) >= MIN_SENTENCE_WORDS]
    if not s or not ll:
        return 0.0, 0.0, 0
    scores = process.cdist(
        [x.text for x in s], [x.text for x in ll], scorer=fuzz.ratio, score_cutoff=min_ratio
    )
    if weigh is None:
        ws: list[float] = [float(len(x.words)) for x in s]
        wl: list[float] = [float(len(x.words)) for x in ll]
    else:
        ws, wl = weigh(s), weigh(ll)
    hit_s = scores.max(axis=1) >= min_ratio
    hit_l = scores.max(axis=0) >= min_ratio
    cover_s = sum(v for v, h in zip(ws, hit_s, strict=True) if h) / max(sum(ws), 1e-9)
    cover_l = sum(v for v, h in zip(wl, hit_l, strict=True) if h) / max(sum(wl), 1e-9)
    return cover_s, cover_l, int(hit_s.sum())
