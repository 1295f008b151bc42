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

import functools
import re
from collections.abc import Callable, KeysView, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, repeat
from pathlib import Path
from typing import Any, NamedTuple

_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*")
# _TOKEN's words with possessive quantifiers: backing off could only shorten a word that nothing
# follows in the pattern, so the split is the same, without the engine keeping backtrack points
_SPLIT = re.compile(r"(\w++(?:[-'’]\w++)*+)")
_SPLIT_ASCII = re.compile(_SPLIT.pattern, re.ASCII)  # the same on ASCII text, a third cheaper
_JOINER = re.compile(r"[\s\"“”‘’«».\-]*")
_GAP_STOP = re.compile(r"[.;:!?]\s")
_MAX_GAP = 3
_WILD_STEM = 3
_FIRST_STEP_CACHE = 200_000


def _sentence_end(text: str, start: int, end: int, following: int) -> bool:
    """A full stop and a space after a word longer than an abbreviation ("U.N.", "Mr.", "Gen.")
    end the sentence: no cue runs on into the next one ("sending it weapons. To reach ...")."""
    dot = text.find(".", end, following)
    return dot >= 0 and dot + 1 < following and text[dot + 1].isspace() and end - start > 3


@dataclass(frozen=True, slots=True)
class Cue:
    """One phrase of a layer and what it stands for."""

    phrase: str
    label: str
    data: Any = None


class CueMatch(NamedTuple):
    """A cue found in a text, with its character span (a named tuple: a scan makes hundreds per
    article, and one costs half what a frozen dataclass does)."""

    cue: Cue
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        return self.cue.label


# CueMatch(...) without the Python-level __new__ a named tuple has: a scan makes hundreds
_new_match = functools.partial(tuple.__new__, CueMatch)


@dataclass(frozen=True, slots=True)
class Scan:
    """One text's matches per layer, plus where each word starts (to count words cheaply) and
    the lower-cased text the words came from (``lower_text``, for other searches)."""

    matches: dict[str, list[CueMatch]]
    word_starts: list[int]
    lowered: str


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    wild: dict[str, list[tuple[str, _Node]]] = field(default_factory=dict)
    gap: _Node | None = None
    ends: dict[str, Cue] = field(default_factory=dict)


# Letters a case-blind regex takes for s or i that str.lower() does not turn into them
_CASE_ODDITIES = ("\u017f", "\u0131", "\u0130")  # long s, dotless i, capital I with dot


def lacks_words(text: str, fragments: Sequence[str]) -> bool:
    """Whether ``text`` holds none of the lower-case ``fragments`` (words without quote marks)
    in any case: a test at C speed that spares a case-blind regex needing one of them most of
    the texts it would search (map, not a generator: no Python step per fragment)."""
    if not text.isascii() and any(map(text.__contains__, _CASE_ODDITIES)):
        return False
    return not any(map(lower_text(text).__contains__, fragments))


def fragment_starts(text: str, lowered: str, fragments: Sequence[str]) -> list[int] | None:
    """Where the lower-case ``fragments`` (words without quote marks) start in ``text``, in any
    case and in order, found at C speed in ``lowered`` (``lower_text(text)``); None when the
    text holds a letter that case-blind regexes match differently (see ``lacks_words``): such
    a text needs the regex itself."""
    if not text.isascii() and any(map(text.__contains__, _CASE_ODDITIES)):
        return None
    return sorted(start for fragment in fragments for start in find_all(lowered, fragment))


def find_all(text: str, fragment: str) -> list[int]:
    """Where ``fragment`` starts in ``text`` (overlapping ones too), by str.find."""
    starts = []
    found = text.find(fragment)
    while found >= 0:
        starts.append(found)
        found = text.find(fragment, found + 1)
    return starts


def holds_any(text: str, needles: Sequence[str], start: int, end: int) -> bool:
    """Whether one of ``needles`` (one or more) is in ``text[start:end]``: a search for each at C
    speed, several times cheaper than a regex led by a character class, which tests every
    character in turn (a few needles: all searched, by map, not a generator stepping in Python)."""
    return max(map(text.find, needles, repeat(start), repeat(end))) >= 0


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


def _dictionary_form(token: str) -> str:
    """lemminflect's first verb lemma, else its first noun lemma, else the token itself."""
    from lemminflect import getAllLemmas

    forms = getAllLemmas(token)
    for pos in ("VERB", "NOUN"):
        if forms.get(pos):
            return str(forms[pos][0])
    return token


def _build_lemma_table() -> dict[str, str]:
    from lemminflect.core.Lemmatizer import Lemmatizer

    lemmatizer = Lemmatizer()
    words = set(lemmatizer._getLemmaDict()) | set(lemmatizer._getOverridesDict())
    table = {}
    for word in words:
        if len(word) > 3 and word.isalpha() and word.islower():
            found = _dictionary_form(word)
            if found != word:
                table[word] = found
    return table


@functools.cache
def _lemma_table() -> dict[str, str]:
    """Every lower-case word lemminflect knows whose dictionary form differs from it.

    lemminflect parses its gzipped tables in every process that asks it anything (~0.4 s of
    CPU in each crawl, ingest and worker); the table it amounts to here is kept in the user
    cache and read in ~10 ms. The entry's name follows lemminflect's version and data file.
    """
    from importlib.metadata import version
    from importlib.util import find_spec

    from crawler.user_cache import cached_json

    spec = find_spec("lemminflect")  # not imported: that alone costs ~80 ms
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("lemminflect is not installed")
    data = Path(spec.submodule_search_locations[0]) / "resources" / "lemma_lu.csv.gz"
    stat = data.stat()
    name = f"lemmas-{version('lemminflect')}-{stat.st_size}-{stat.st_mtime_ns}.json"
    return dict(cached_json(name, _build_lemma_table))


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
        # scanned text and cues are lower-cased: the table; a rare capital asks lemminflect
        found = _lemma_table().get(token, token) if token.islower() else _dictionary_form(token)
    if len(_LEMMAS) < _LEMMA_CACHE:
        _LEMMAS[token] = found
    return found


def lower_text(text: str) -> str:
    """``text`` lower-cased with ’ as ', character for character (offsets stay valid); “ and ”
    may come out as " (searches for words and n' see no difference).

    News in English is ASCII but for its curly quotes: with them made straight (they are no
    word characters either way) the text lower-cases as a one-byte string, several times faster.
    """
    plain = text.replace("’", "'").replace("“", '"').replace("”", '"')
    if plain.isascii():
        return plain.lower()
    lowered = text.lower().replace("’", "'")
    if len(lowered) != len(text):  # a few characters change length when lower-cased
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        lowered = lowered.replace("’", "'")
    return lowered


def _words(lowered: str) -> tuple[list[str], list[int], list[int]]:
    """The text's word tokens with their start and end offsets, all found at C speed.

    One split with a capturing group gives separators and words in turn; the running sum of
    their lengths gives every offset, so no Python step runs per word.
    """
    plain = lowered.replace("“", '"').replace("”", '"')  # no word characters either way
    pieces = _SPLIT_ASCII.split(plain) if plain.isascii() else _SPLIT.split(lowered)
    bounds = list(accumulate(map(len, pieces)))
    return pieces[1::2], bounds[0:-1:2], bounds[1::2]


# How a word starts matches, worked out once per word: the cues it ends on its own (each layer's
# first, as the walk would keep it), the trie nodes to walk on from it (marked when a gap or a
# wildcard may follow, else only a child keyed by the next word leads on; each with its
# children's keys), and, when it ends nothing and every node needs such a child, the keys that
# can come next: else it is a dead end.
_StartPlan = tuple[
    tuple[tuple[str, Cue], ...],
    tuple[tuple["_Node", bool, KeysView[str]], ...],
    frozenset[str] | None,
]


def _start_plan(nodes: list[_Node]) -> _StartPlan | tuple[()]:
    if not nodes:
        return ()
    here: dict[str, Cue] = {}
    for node in nodes:
        for layer, cue in node.ends.items():
            here.setdefault(layer, cue)
    onward = tuple(
        (node, bool(node.gap or node.wild), node.children.keys())
        for node in nodes
        if node.children or node.gap or node.wild
    )
    dead_keys = None
    if not here and not any(always for _, always, _ in onward):
        dead_keys = frozenset(key for node in nodes for key in node.children)
    return tuple(here.items()), onward, dead_keys


class PhraseIndex:
    """All cue layers in one token trie; ``scan`` returns each layer's matches in text order."""

    def __init__(
        self, layers: Mapping[str, Sequence[Cue]], lemma_layers: frozenset[str] = frozenset()
    ) -> None:
        self.layers = list(layers)
        self.lemmas = bool(lemma_layers)
        self._root = _Node()
        self._first_steps: dict[str, _StartPlan | tuple[()]] = {}  # token -> how it starts
        self._keys: dict[str, tuple[str, ...]] = {}  # token -> the trie keys it may walk by
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
    def _keys_of(token: str) -> tuple[str, ...]:
        """The keys a text word walks the trie by, in order: itself, its dictionary form
        ("admitted" as "~admit", for cues of the lemma layers), and without a possessive 's."""
        keys = [token]
        key = _LEMMAS.get(token)
        if key is not None:
            keys.append(_LEMMA_MARK + key)
        if token.endswith("'s"):
            keys += [token[:-2], _LEMMA_MARK + token[:-2]]
        return tuple(keys)

    def _next(self, node: _Node, token: str) -> list[_Node]:
        keys = self._keys.get(token) or self._keys_of(token)
        children = node.children
        found = [children[key] for key in keys if key in children]
        if node.wild:
            for stem, child in node.wild.get(token[:_WILD_STEM], ()):
                if token.startswith(stem):
                    found.append(child)
        return found

    def scan(self, text: str) -> Scan:
        """Every layer's longest, non-overlapping cue matches in ``text``, and its word starts."""
        lowered = lower_text(text)
        tokens, starts, ends = _words(lowered)
        first_steps = self._first_steps
        # words seen before have their dictionary form, keys and plan cached (up to the caps)
        new = set(tokens).difference(first_steps)
        if self.lemmas:  # fill the cache: a word walks by its dictionary form too
            for token in new.difference(_LEMMAS):
                lemma(token)
        keys = self._keys
        for token in new.difference(keys):
            if len(keys) >= _FIRST_STEP_CACHE:
                break  # past the cap, _next works the keys out for each word
            keys[token] = self._keys_of(token)
        for token in new:
            plan = _start_plan(self._next(self._root, token))
            if len(first_steps) < _FIRST_STEP_CACHE or plan:
                first_steps[token] = plan
        token_keys: list[tuple[str, ...]] = list(map(keys.get, tokens))  # type: ignore[arg-type]
        if len(keys) >= _FIRST_STEP_CACHE:  # past the cap some words have no cached keys
            token_keys = [found or self._keys_of(token) for found, token in zip(token_keys, tokens)]
        token_keys.append(())  # what follows the last word: nothing
        results: dict[str, list[CueMatch]] = {layer: [] for layer in self.layers}
        free = dict.fromkeys(self.layers, 0)
        walk = self._walker(tokens, token_keys, starts, ends, text)
        new_match = _new_match
        plans = list(map(first_steps.get, tokens))
        for index, starting in compress(enumerate(plans), plans):  # words that start something
            assert starting
            here, onward, dead_keys = starting
            best: dict[str, tuple[int, Cue]] | None = None  # made when a walk goes on
            if onward:
                following = token_keys[index + 1]
                if dead_keys is not None and dead_keys.isdisjoint(following):
                    continue  # a dead end at the next word: most starts ("the", "in") end here
                for node, always, child_keys in onward:
                    if always or not child_keys.isdisjoint(following):
                        if best is None:
                            best = {layer: (index, cue) for layer, cue in here}
                        walk(node, index, best)
            if best is None:  # the word's own cues only ("said", "Kyiv"): no tie to break
                for layer, cue in here:
                    if index >= free[layer]:
                        start, end = starts[index], ends[index]
                        results[layer].append(new_match((cue, start, end, text[start:end])))
                        free[layer] = index + 1
                continue
            for layer, (last, cue) in best.items():
                if index < free[layer]:
                    continue
                start, end = starts[index], ends[last]
                results[layer].append(new_match((cue, start, end, text[start:end])))
                free[layer] = last + 1
        return Scan(results, starts, lowered)

    def _walker(
        self,
        tokens: list[str],
        token_keys: list[tuple[str, ...]],
        starts: list[int],
        ends: list[int],
        text: str,
    ) -> Callable[[_Node, int, dict[str, tuple[int, Cue]]], None]:
        """The trie walk over one text: from ``node`` (which consumed word ``index``), every
        layer's longest end is kept in ``best`` (the first path to reach it wins a tie)."""
        step = self._next
        count = len(tokens)

        def walk(node: _Node, index: int, best: dict[str, tuple[int, Cue]]) -> None:
            if node.ends:
                for layer, cue in node.ends.items():
                    held = best.get(layer)
                    if held is None or held[0] < index:
                        best[layer] = (index, cue)
            following = index + 1
            if following >= count:
                return
            children = node.children
            if children or node.wild:
                nexts = []  # a loop, not a comprehension: no function call per step
                for key in token_keys[following]:
                    if key in children:
                        nexts.append(children[key])
                if node.wild:
                    token = tokens[following]
                    for stem, child in node.wild.get(token[:_WILD_STEM], ()):
                        if token.startswith(stem):
                            nexts.append(child)
                if nexts and (
                    text[ends[index] : starts[following]] == " "  # the usual joiner, no regex
                    or (
                        _JOINER.fullmatch(text, ends[index], starts[following])
                        and not _sentence_end(text, starts[index], ends[index], starts[following])
                    )
                ):
                    for child in nexts:
                        walk(child, following, best)
            if node.gap is not None:
                for target in range(following, min(following + _MAX_GAP + 1, count)):
                    if _GAP_STOP.search(text, ends[index], starts[target]):
                        break
                    for child in step(node.gap, tokens[target]):
                        walk(child, target, best)

        return walk


class CueLayer:
    """A single layer, for callers that need just one (and for tests)."""

    def __init__(self, cues: Sequence[Cue]) -> None:
        self._index = PhraseIndex({"layer": cues})

    def find(self, text: str) -> list[CueMatch]:
        """Longest, non-overlapping matches of this layer's cues in ``text``."""
        return self._index.scan(text).matches["layer"]
