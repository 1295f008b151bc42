"""Precompiled cue matching: every phrase of one layer in a single trie-shaped regex pass.

A layer (stance cues, issue cues, actor names...) is compiled once into one regular expression
whose alternatives share prefixes, so a text is scanned once per layer however many cues there
are. Each phrase ends in an empty named group, so a match says exactly which cue produced it.

Cue syntax (kept small so a domain expert can write it):
  * words separated by spaces match any run of whitespace (and a stray quote mark);
  * ``word*`` matches any word starting with ``word`` (``demand*``: demands, demanded...);
  * ``...`` between words allows a gap of up to three words;
  * an apostrophe matches both ' and ’; matching ignores case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

_QUOTE_CHARS = "\"“”‘’«»"
_SEPARATOR = rf"[{_QUOTE_CHARS}]?\s+[{_QUOTE_CHARS}]?"
_GAP = r"(?:\s+[^\s.;:!?]+){0,3}?"
_END = "\x00"


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


def _atoms(phrase: str) -> list[str]:
    """Regex atoms for one cue phrase: one per word (gap markers stay as ``...``)."""
    words = phrase.strip().split()
    if not words:
        raise ValueError("an empty cue phrase")
    atoms: list[str] = []
    for word in words:
        if word == "...":
            atoms.append("...")
            continue
        wildcard = word.endswith("*")
        core = word.rstrip("*")
        if not core:
            raise ValueError(f"cue {phrase!r}: a wildcard needs a word before '*'")
        escaped = re.sub("['’]", "['’]", re.escape(core))
        atoms.append(escaped + (r"[\w'’-]*" if wildcard else ""))
    if atoms[0] == "..." or atoms[-1] == "...":
        raise ValueError(f"cue {phrase!r}: '...' must stand between two words")
    return atoms


def _trie_regex(node: dict[str, Any], first: bool) -> str:
    """Regex for a trie node: longer continuations first, the phrase end (a marker) last."""
    branches: list[str] = []
    end_marker: str | None = None
    # Longer atoms first: "Ukraine['’]s" must be tried before "Ukraine" (re takes the first fit).
    for atom, child in sorted(node.items(), key=lambda item: (-len(item[0]), item[0])):
        if atom == _END:
            end_marker = child
            continue
        if atom == "...":
            prefix = _GAP + r"\s+"
        else:
            prefix = ("" if first else _SEPARATOR) + atom
        branches.append(prefix + _trie_regex(child, first=False) if atom != "..." else
                        prefix + _trie_regex_after_gap(child))
    if end_marker is not None:
        branches.append(f"(?P<{end_marker}>)")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def _trie_regex_after_gap(node: dict[str, Any]) -> str:
    """After a gap the next word needs no separator: the gap already ate the whitespace."""
    branches = []
    for atom, child in sorted(node.items(), key=lambda item: (-len(item[0]), item[0])):
        if atom in (_END, "..."):
            raise ValueError("'...' must be followed by a word")
        branches.append(atom + _trie_regex(child, first=False))
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


class CueLayer:
    """All cues of one layer compiled into one regex; ``find`` scans a text once."""

    def __init__(self, cues: Sequence[Cue]) -> None:
        self.cues = list(cues)
        trie: dict[str, Any] = {}
        self._by_group: dict[str, Cue] = {}
        for index, cue in enumerate(self.cues):
            node = trie
            for atom in _atoms(cue.phrase):
                node = node.setdefault(atom, {})
            group = f"c{index}"
            if _END in node:  # the same phrase twice: the first definition wins
                continue
            node[_END] = group
            self._by_group[group] = cue
        if not trie:
            self._regex: re.Pattern[str] | None = None
            return
        body = _trie_regex(trie, first=True)
        self._regex = re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.IGNORECASE)

    def find(self, text: str, start: int = 0, end: int | None = None) -> Iterator[CueMatch]:
        """Non-overlapping, longest-first matches of this layer's cues in ``text[start:end]``."""
        if self._regex is None:
            return
        stop = len(text) if end is None else end
        for match in self._regex.finditer(text, start, stop):
            group = match.lastgroup
            if group is None:
                continue
            yield CueMatch(self._by_group[group], match.start(), match.end(), match.group(0))

    def search(self, text: str) -> bool:
        """True when any cue of the layer occurs in the text (a cheap pre-filter)."""
        return self._regex is not None and self._regex.search(text) is not None
