"""Article-level precision/recall of the rule engine on the realistic corpus (tests/data/realnews).

Each fixture's page goes through the pipeline's own entry points: the topic's relevance query
(``RelevanceFilter.judge(title, text)``) and ``extract_claims(text, day, ruleset, title=...)``
with the article's date; the Russian (issue, stance) set it yields is compared with the label.

    python -m tests.monitor.judge.rules.realnews_score [--split dev|heldout] [--prefix g-]\
        [--verbose] [--rules-alone]
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from monitor.config import DEFAULT_TOPIC, load_topic
from monitor.judge.relevance import RelevanceFilter
from monitor.judge.rules import RuleSet, default_ruleset, extract_claims
from monitor.judge.rules.dates import find_date
from tests.realnews import Fixture, fixtures

Pair = tuple[str, str]
FALLBACK_DAY = dt.date(2025, 9, 1)


def article_day(fixture: Fixture) -> dt.date:
    """The label's publication date, else a date in the dateline, else a fixed day."""
    published = fixture.expected.get("published")
    if isinstance(published, dt.datetime):
        return published.date()
    if isinstance(published, dt.date):
        return published
    if fixture.data.get("dateline"):
        found = find_date(str(fixture.data["dateline"]), FALLBACK_DAY)
        if found is not None:
            return found.date
    return FALLBACK_DAY


def title_and_text(fixture: Fixture) -> tuple[str, str]:
    """What the pipeline stores: the headline as title, the paragraphs as text."""
    title, _, text = fixture.article_text().partition("\n\n")
    return title, text


def found_pairs(fixture: Fixture, ruleset: RuleSet) -> set[Pair]:
    """Russian (issue, stance) pairs the engine finds on the page."""
    title, text = title_and_text(fixture)
    claims = extract_claims(text, article_day(fixture), ruleset, title=title)
    return {(c.issue, c.stance) for c in claims if c.side == "russia"}


@dataclass
class Tally:
    """True/false positives and misses, overall and per family."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)

    def add(self, key: str, tp: int, fp: int, fn: int) -> None:
        self.tp[key] += tp
        self.fp[key] += fp
        self.fn[key] += fn

    def precision(self, key: str = "all") -> float:
        total = self.tp[key] + self.fp[key]
        return self.tp[key] / total if total else 1.0

    def recall(self, key: str = "all") -> float:
        total = self.tp[key] + self.fn[key]
        return self.tp[key] / total if total else 1.0

    def line(self, key: str) -> str:
        return (
            f"{key:<15} P {self.precision(key):.3f} R {self.recall(key):.3f} "
            f"(tp {self.tp[key]}, fp {self.fp[key]}, fn {self.fn[key]})"
        )


@dataclass
class Report:
    """A split's claim tally, relevance tally and per-article differences."""

    split: str
    articles: int = 0
    claims: Tally = field(default_factory=Tally)
    relevance: Tally = field(default_factory=Tally)
    diffs: list[str] = field(default_factory=list)
    relevance_missed: list[str] = field(default_factory=list)  # ids of relevant pages let go

    def render(self, verbose: bool = False) -> str:
        lines = [f"split {self.split}: {self.articles} articles"]
        lines.append("claims  " + self.claims.line("all"))
        for key in sorted(k for k in set(self.claims.tp) | set(self.claims.fn) if k != "all"):
            lines.append("  family " + self.claims.line(key))
        lines.append("relevance " + self.relevance.line("all"))
        if verbose:
            lines += self.diffs
        return "\n".join(lines)


def score(split: str, ruleset: RuleSet | None = None, prefix: str = "") -> Report:
    """Score one split (``dev`` or ``heldout``) at article level; ``prefix`` narrows it to the
    fixtures whose id starts with it (a new batch's out-of-sample figure, before any fix)."""
    ruleset = ruleset or default_ruleset()
    relevance = RelevanceFilter(load_topic(DEFAULT_TOPIC).relevance)
    report = Report(split)
    for fixture in fixtures(split):
        if not fixture.id.startswith(prefix):
            continue
        report.articles += 1
        title, text = title_and_text(fixture)
        expected = fixture.pairs
        got = found_pairs(fixture, ruleset)
        tp, fp, fn = len(got & expected), len(got - expected), len(expected - got)
        report.claims.add("all", tp, fp, fn)
        for family in fixture.data.get("families") or []:
            report.claims.add(family, tp, fp, fn)
        verdict = relevance.judge(title, text).relevant
        wanted = bool(fixture.expected.get("relevant", True))
        report.relevance.add(
            "all", int(verdict and wanted), int(verdict and not wanted), int(wanted and not verdict)
        )
        if wanted and not verdict:
            report.relevance_missed.append(fixture.id)
        if got != expected or verdict != wanted:
            extra = ", ".join(f"{i}/{s}" for i, s in sorted(got - expected))
            missed = ", ".join(f"{i}/{s}" for i, s in sorted(expected - got))
            rel = "" if verdict == wanted else f" RELEVANCE got {verdict}"
            report.diffs.append(f"  {fixture.id}: +[{extra}] -[{missed}]{rel}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "heldout"), default="dev")
    parser.add_argument("--prefix", default="", help="only the fixtures whose id starts with it")
    parser.add_argument("--verbose", action="store_true", help="list each article's differences")
    parser.add_argument(
        "--rules-alone", action="store_true", help="without the learned second opinion"
    )
    args = parser.parse_args()
    ruleset = default_ruleset(second_opinion=not args.rules_alone)
    print(score(args.split, ruleset, prefix=args.prefix).render(args.verbose))


if __name__ == "__main__":
    main()
