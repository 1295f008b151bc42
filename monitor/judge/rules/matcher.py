"""Precompiled cue matching: every cue of every layer found in one pass over a text's words.

Like spaCy's PhraseMatcher: the text is cut into word tokens once (one C-level regex pass), and
one trie of all cue phrases, keyed by lower-cased token, is walked from each token. A dictionary
miss ends the walk at once, so the cost is about one lookup per word however many cues there are.
Within a layer the longest cue wins and matches do not overlap; layers are independent.

Cue syntax (kept small so a domain expert can write it):
  * words match case-insensitively, across whitespace, quote marks and dots ("U.N.",
    “neutral” status);
  * ``word*`` matches any word starting with ``word`` (at least three letters: ``demand*``);
  * ``...`` between words allows a gap of up to three words within a sentence;
  * a cue word without "'s" also matches the possessive ("Russia" matches "Russia's");
  * an apostrophe matches both ' and ’.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*")
_JOINER = re.compile(r"[\s\"“”‘’«».\-]*")
_GAP_STOP = re.compile(r"[.;:!?]\s")
_MAX_GAP = 3
_WILD_STEM = 3
_FIRST_STEP_CACHE = 200_000


@dataclass(frozen=True, slots=True)
class Cue:
    """One phrase of a layer and what it stands for."""

    phrase: str
    label: str
    data: Any = None


@dataclass(frozen=True, slots=True)
class CueMatch:
    """A cue found in a text, with its character span."""

    cue: Cue
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        return self.cue.label


@dataclass(frozen=True, slots=True)
class Scan:
    """One text's matches per layer, plus where each word starts (to count words cheaply)."""

    matches: dict[str, list[CueMatch]]
    word_starts: list[int]


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    wild: dict[str, list[tuple[str, _Node]]] = field(default_factory=dict)
    gap: _Node | None = None
    ends: dict[str, Cue] = field(default_factory=dict)


def _norm(word: str) -> str:
    return word.lower().replace("’", "'")


def phrase_atoms(phrase: str) -> list[tuple[str, str]]:
    """A cue phrase as (kind, token) atoms: ("word", w), ("wild", stem) or ("gap", "")."""
    atoms: list[tuple[str, str]] = []
    for word in phrase.split():
        if word == "...":
            atoms.append(("gap", ""))
        elif word.endswith("*"):
            stem = _norm(word.rstrip("*"))
            if len(stem) < _WILD_STEM or not _TOKEN.fullmatch(stem):
                raise ValueError(
                    f"cue {phrase!r}: a wildcard needs a stem of {_WILD_STEM}+ letters before '*'"
                )
            atoms.append(("wild", stem))
        else:
            atoms += [("word", _norm(token)) for token in _TOKEN.findall(word)]
    words = [a for a in atoms if a[0] != "gap"]
    if not words:
        raise ValueError(f"cue {phrase!r} has no word in it")
    if atoms[0][0] == "gap" or atoms[-1][0] == "gap":
        raise ValueError(f"cue {phrase!r}: '...' must stand between two words")
    if any(a[0] == "gap" and b[0] == "gap" for a, b in zip(atoms, atoms[1:])):
        raise ValueError(f"cue {phrase!r}: two '...' in a row")
    return atoms


_LEMMAS: dict[str, str] = {}
_LEMMA_MARK = "~"
_LEMMA_CACHE = 200_000


def lemma(token: str) -> str:
    """A word's dictionary form (verb, else noun) from lemminflect's tables, shipped in its wheel.

    Cues and text go through the same function, so a cue matches every inflection of its words;
    names, possessives and hyphenated words stay as they are.
    """
    found = _LEMMAS.get(token)
    if found is not None:
        return found
    found = token
    if len(token) > 3 and token.isalpha():
        from lemminflect import getAllLemmas

        forms = getAllLemmas(token)
        for pos in ("VERB", "NOUN"):
            if forms.get(pos):
                found = forms[pos][0]
                break
    if len(_LEMMAS) < _LEMMA_CACHE:
        _LEMMAS[token] = found
    return found


def _spans(lowered: str, tokens: list[str]) -> list[tuple[int, int]]:
    """Each token's span: tokens come in text order, so a find from the last end locates it
    (cheaper than a second regex pass that builds a match object per word)."""
    spans = []
    find = lowered.find
    position = 0
    for token in tokens:
        start = find(token, position)
        position = start + len(token)
        spans.append((start, position))
    return spans


class PhraseIndex:
    """All cue layers in one token trie; ``scan`` returns each layer's matches in text order."""

    def __init__(
        self, layers: Mapping[str, Sequence[Cue]], lemma_layers: frozenset[str] = frozenset()
    ) -> None:
        self.layers = list(layers)
        self.lemmas = bool(lemma_layers)
        self._root = _Node()
        self._first_steps: dict[str, list[_Node]] = {}  # token -> trie nodes it starts
        for layer, cues in layers.items():
            for cue in cues:
                node = self._root
                for kind, token in phrase_atoms(cue.phrase):
                    if kind == "word" and layer in lemma_layers:
                        token = _LEMMA_MARK + lemma(token)  # its own key: other layers stay exact
                    node = self._step(node, kind, token)
                node.ends.setdefault(layer, cue)  # the same phrase twice: the first one wins

    @staticmethod
    def _step(node: _Node, kind: str, token: str) -> _Node:
        if kind == "gap":
            if node.gap is None:
                node.gap = _Node()
            return node.gap
        if kind == "wild":
            bucket = node.wild.setdefault(token[:_WILD_STEM], [])
            for stem, child in bucket:
                if stem == token:
                    return child
            child = _Node()
            bucket.append((token, child))
            return child
        return node.children.setdefault(token, _Node())

    @staticmethod
    def _next(node: _Node, token: str) -> list[_Node]:
        found = []
        child = node.children.get(token)
        if child is not None:
            found.append(child)
        key = _LEMMAS.get(token)
        if key is not None:  # "admitted" walks on as "~admit" (cues of the lemma layers)
            child = node.children.get(_LEMMA_MARK + key)
            if child is not None:
                found.append(child)
        if token.endswith("'s"):
            for bare in (token[:-2], _LEMMA_MARK + token[:-2]):
                child = node.children.get(bare)
                if child is not None:
                    found.append(child)
        if node.wild:
            for stem, child in node.wild.get(token[:_WILD_STEM], ()):
                if token.startswith(stem):
                    found.append(child)
        return found

    def scan(self, text: str) -> Scan:
        """Every layer's longest, non-overlapping cue matches in ``text``, and its word starts."""
        lowered = text.lower().replace("’", "'")
        if len(lowered) != len(text):  # a few characters change length when lower-cased
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
            lowered = lowered.replace("’", "'")
        tokens = _TOKEN.findall(lowered)
        spans = _spans(lowered, tokens)
        if self.lemmas:  # fill the cache: _next also tries each word's dictionary form
            for token in set(tokens).difference(_LEMMAS):
                lemma(token)
        results: dict[str, list[CueMatch]] = {layer: [] for layer in self.layers}
        free = dict.fromkeys(self.layers, 0)
        first_steps = self._first_steps
        for token in set(tokens).difference(first_steps):
            starts = self._next(self._root, token)
            if len(first_steps) < _FIRST_STEP_CACHE or starts:
                first_steps[token] = starts
        for index in [i for i, token in enumerate(tokens) if first_steps.get(token)]:
            starts = first_steps[tokens[index]]
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            best: dict[str, tuple[int, Cue]] = {}
            for node in starts:
                if not (
                    node.ends
                    or node.gap
                    or node.wild
                    or following in node.children
                    or _LEMMA_MARK + _LEMMAS.get(following, following) in node.children
                    or (
                        following.endswith("'s")
                        and (
                            following[:-2] in node.children
                            or _LEMMA_MARK + following[:-2] in node.children
                        )
                    )
                ):
                    continue  # a dead end at the next word: most starts ("the", "in") end here
                self._walk(node, index, tokens, spans, text, best)
            if not best:
                continue
            for layer, (last, cue) in best.items():
                if index < free[layer]:
                    continue
                start, end = spans[index][0], spans[last][1]
                results[layer].append(CueMatch(cue, start, end, text[start:end]))
                free[layer] = last + 1
        return Scan(results, [span[0] for span in spans])

    def _walk(
        self,
        node: _Node,
        index: int,
        tokens: list[str],
        spans: list[tuple[int, int]],
        text: str,
        best: dict[str, tuple[int, Cue]],
    ) -> None:
        """Follow the trie from ``node`` (which consumed token ``index``), keeping longest ends."""
        for layer, cue in node.ends.items():
            if layer not in best or best[layer][0] < index:
                best[layer] = (index, cue)
        following = index + 1
        if following >= len(tokens):
            return
        if node.children or node.wild:
            nexts = self._next(node, tokens[following])
            if nexts and _JOINER.fullmatch(text, spans[index][1], spans[following][0]):
                for child in nexts:
                    self._walk(child, following, tokens, spans, text, best)
        if node.gap is not None:
            for skip in range(0, _MAX_GAP + 1):
                target = following + skip
                if target >= len(tokens):
                    break
                if _GAP_STOP.search(text, spans[index][1], spans[target][0]):
                    break
                for child in self._next(node.gap, tokens[target]):
                    self._walk(child, target, tokens, spans, text, best)


class CueLayer:
    """A single layer, for callers that need just one (and for tests)."""

    def __init__(self, cues: Sequence[Cue]) -> None:
        self._index = PhraseIndex({"layer": cues})

    def find(self, text: str) -> list[CueMatch]:
        """Longest, non-overlapping matches of this layer's cues in ``text``."""
        return self._index.scan(text).matches["layer"]
