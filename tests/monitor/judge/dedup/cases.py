"""Builds the texts of the labelled dedup pairs from tests/data/dedup/*.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from tests import paths

DATA = paths.DATA / "dedup"
SEED = paths.SEEDS / "003_5e2f3c30a176f96b.txt"
NYT_CHROME_TOP = [
    "Skip to content",
    "Skip to site index",
    "World",
    "Europe",
    "Russia Wants \u2018Security Guarantees\u2019 Too. Here\u2019s What They Look Like.",
    "Moscow\u2019s demands would limit Ukraine\u2019s sovereignty and leave it exposed.",
    "By Anatoly Kurmanaev",
    "Reporting from Berlin",
    "Sept. 4, 2025, 5:00 a.m. ET",
    "Share full article",
    "Leer en espa\u00f1ol",
]
NYT_CHROME_BOTTOM = [
    "A version of this article appears in print on Sept. 5, 2025.",
    "Order Reprints",
]
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”]?\s+(?=[A-Z\"“])")


@dataclass(frozen=True)
class Pair:
    id: str
    label: str
    kind: str
    a: str
    b: str
    same_publisher: bool


def seed_texts() -> tuple[str, str]:
    """(NYT-like original with NYT chrome, the DNYUZ repost as dumped) from the shared seed."""
    import pytest

    if not SEED.exists():
        pytest.skip(f"seed {SEED} not present")
    dnyuz = SEED.read_text(encoding="utf-8")
    body = dnyuz[dnyuz.index("Diplomatic efforts to end") : dnyuz.index("The post Russia Wants")]
    nyt = "\n".join([*NYT_CHROME_TOP, "", body.strip(), "", *NYT_CHROME_BOTTOM])
    return nyt, dnyuz


def load_articles() -> dict[str, Any]:
    return yaml.safe_load((DATA / "articles.yaml").read_text(encoding="utf-8"))


def _sentences(body: str) -> list[list[str]]:
    """Paragraphs as lists of sentences."""
    paras = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
    out = []
    for p in paras:
        parts, start = [], 0
        for m in _SENTENCE_END.finditer(p):
            parts.append(p[start : m.end()].strip())
            start = m.end()
        parts.append(p[start:].strip())
        out.append([s for s in parts if s])
    return out


def _window(body: str, start: float, end: float) -> str:
    words = re.split(r"( +|\n+)", body.strip())
    tokens_at = [i for i, w in enumerate(words) if w.strip()]
    lo, hi = int(len(tokens_at) * start), int(len(tokens_at) * end)
    return "".join(words[tokens_at[lo] : tokens_at[hi - 1] + 1])


def build_side(spec: dict[str, Any], articles: dict[str, Any], chrome: dict[str, Any]) -> str:
    """One side of a pair, built from its base article and edits (see pairs.yaml header)."""
    base = articles[spec["article"]]
    if "report" in spec:
        body = base["reports"][spec["report"]]
    elif spec.get("rewrite"):
        body = base["rewrite"]
    else:
        body = base["body"]
    if "drop_sentences" in spec or "add_sentence" in spec:
        paras = _sentences(body)
        flat = [(pi, s) for pi, para in enumerate(paras) for s in para]
        drop = set(spec.get("drop_sentences", []))
        add = spec.get("add_sentence")
        rebuilt: list[list[str]] = [[] for _ in paras]
        for i, (pi, s) in enumerate(flat):
            if i not in drop:
                rebuilt[pi].append(s)
            if add and i == add["after"]:
                rebuilt[pi].append(add["text"])
        body = "\n\n".join(" ".join(p) for p in rebuilt if p)
    if "window" in spec:
        body = _window(body, *spec["window"])
    if "replace_tail" in spec:
        body = body + "\n\n" + spec["replace_tail"]
    if "dateline" in spec:
        body = spec["dateline"] + body.lstrip()
    lines = list(spec.get("prepend", [])) + [body] + list(spec.get("append", []))
    if "headline" in spec:
        lines.insert(0, spec["headline"])
    if "chrome" in spec:
        profile = chrome[spec["chrome"]]
        lines = list(profile["before"]) + lines + list(profile["after"])
    return "\n\n".join(lines)


def load_pairs() -> list[Pair]:
    data = yaml.safe_load((DATA / "pairs.yaml").read_text(encoding="utf-8"))
    articles = load_articles()
    return [
        Pair(
            p["id"],
            p["label"],
            p["kind"],
            build_side(p["a"], articles, data["chrome"]),
            build_side(p["b"], articles, data["chrome"]),
            bool(p.get("same_publisher", False)),
        )
        for p in data["pairs"]
    ]
