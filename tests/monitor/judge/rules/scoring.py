"""Precision/recall of the rule engine over the labelled sentence sets in tests/data/rules."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml

from monitor.judge.rules import RuleSet, extract_claims
from tests import paths

DATA = paths.DATA / "rules"


@dataclass
class Score:
    """Counts per stance and overall; precision/recall derived from them."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    cases: int = 0

    def precision(self, stance: str | None = None) -> float:
        tp = self.tp[stance] if stance else sum(self.tp.values())
        fp = self.fp[stance] if stance else sum(self.fp.values())
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, stance: str | None = None) -> float:
        tp = self.tp[stance] if stance else sum(self.tp.values())
        fn = self.fn[stance] if stance else sum(self.fn.values())
        return tp / (tp + fn) if tp + fn else 1.0

    def report(self, name: str) -> str:
        lines = [
            f"{name}: {self.cases} cases, precision {self.precision():.3f}, "
            f"recall {self.recall():.3f}"
        ]
        stances = sorted(set(self.tp) | set(self.fp) | set(self.fn))
        for stance in stances:
            lines.append(
                f"  {stance:<9} precision {self.precision(stance):.3f} recall "
                f"{self.recall(stance):.3f} (tp {self.tp[stance]}, fp {self.fp[stance]}, "
                f"fn {self.fn[stance]})"
            )
        return "\n".join(lines)


def combined(*scores: Score) -> Score:
    """One score over several sets, counted as if they were one set."""
    total = Score()
    for part in scores:
        total.tp.update(part.tp)
        total.fp.update(part.fp)
        total.fn.update(part.fn)
        total.errors += part.errors
        total.cases += part.cases
    return total


def load_cases(name: str) -> tuple[dt.date, list[dict[str, Any]]]:
    document = yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))
    return document["article_date"], document["cases"]


def found_labels(case: dict[str, Any], article_date: dt.date, ruleset: RuleSet) -> set[str]:
    """Russia's claims in a case's text (a ``context`` sentence before it only helps resolve)."""
    context = case.get("context", "")
    offset = len(context) + 1 if context else 0
    text = f"{context}\n{case['text']}" if context else case["text"]
    return {
        f"{claim.issue}/{claim.stance}"
        for claim in extract_claims(text, article_date, ruleset)
        if claim.sentence_start >= offset
    }


def score(name: str, ruleset: RuleSet) -> Score:
    article_date, cases = load_cases(name)
    result = Score()
    for case in cases:
        result.cases += 1
        gold = set(case.get("claims") or [])
        found = found_labels(case, article_date, ruleset)
        for label in found & gold:
            result.tp[label.split("/")[1]] += 1
        for label in found - gold:
            result.fp[label.split("/")[1]] += 1
        for label in gold - found:
            result.fn[label.split("/")[1]] += 1
        if found != gold:
            result.errors.append(
                f"{case['text']}\n    expected {sorted(gold)}, found {sorted(found)}"
            )
    return result
