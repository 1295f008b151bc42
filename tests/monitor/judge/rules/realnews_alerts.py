"""Alerts the rule engine would send on the realistic corpus, against the alerts its labels send.

Precision per (issue, stance) says whether a page's claims are right; an analyst sees something
else: the Slack alerts (new demands, new positions, shifts) that the claims raise once the ledger
has judged them against the baseline and everything said before. This replays a split's pages
through the ledger twice, in statement-date order from the topic's baseline: once with the
engine's Russian claims on the pages the relevance query keeps, once with the labelled claims
(the alerts a perfect reader would send). Each page is its own story.

It prints the alerts of each run, their ratio (the outside target: at most 1.5 alerts per real
one), the engine's alerts that no label on that page supports (false alerts), and its shifts.

    python -m tests.monitor.judge.rules.realnews_alerts [--split dev|heldout] [--prefix w-] [--verbose]
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, field

from monitor.config import DEFAULT_TOPIC, load_topic
from monitor.judge.ledger.decide import (
    Kind,
    LedgerSettings,
    Observation,
    baseline_entries,
    replay,
)
from monitor.judge.ledger.timeline import senior_quote
from monitor.judge.relevance import RelevanceFilter
from monitor.judge.rules import RuleSet, default_ruleset, extract_claims
from monitor.judge.rules.results import ClaimFound
from tests.monitor.judge.rules.realnews_score import article_day, title_and_text
from tests.realnews import Fixture, fixtures

LABEL_CONFIDENCE = 0.9  # a labelled claim is as sure as the engine's surest


def label_date(value: object, fallback: dt.date) -> dt.date:
    """A label's statement date: a day, a month (its first day), else the article's day."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 7:
        return dt.date.fromisoformat(value + "-01")
    return fallback


def labelled_claims(fixture: Fixture) -> list[ClaimFound]:
    """The page's labelled Russian claims in the engine's own shape."""
    day = article_day(fixture)
    return [
        ClaimFound(
            side="russia",
            actor=str(c["holder"]),
            issue=c["issue"],
            stance=c["stance"],
            evidence=c["evidence"],
            statement_date=label_date(c.get("statement_date"), day),
            confidence=LABEL_CONFIDENCE,
            reported=False,
            rule="label",
        )
        for c in fixture.claims
    ]


@dataclass
class AlertReport:
    """The alerts of both runs and the engine's that no label supports."""

    split: str
    engine: list[tuple[str, Kind, str, str]] = field(default_factory=list)
    labels: list[tuple[str, Kind, str, str]] = field(default_factory=list)
    false_alerts: list[tuple[str, Kind, str, str]] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return len(self.engine) / len(self.labels) if self.labels else float("inf")

    def shifts(self, alerts: list[tuple[str, Kind, str, str]]) -> int:
        return sum(kind is Kind.SHIFT for _, kind, _, _ in alerts)

    def render(self, verbose: bool = False) -> str:
        lines = [
            f"split {self.split}: engine {len(self.engine)} alerts "
            f"({self.shifts(self.engine)} SHIFT), labels {len(self.labels)} "
            f"({self.shifts(self.labels)} SHIFT), ratio {self.ratio:.2f}; "
            f"false alerts {len(self.false_alerts)} "
            f"({self.shifts(self.false_alerts)} SHIFT)"
        ]
        if verbose:
            lines += [f"  FALSE {kind} {i}/{s} on {page}" for page, kind, i, s in self.false_alerts]
        return "\n".join(lines)


def _alerts(
    ruleset: RuleSet, pages: list[tuple[Fixture, list[ClaimFound]]], quotes: bool
) -> list[tuple[str, Kind, str, str]]:
    """Replay the pages' claims through the ledger; the alerting decisions as (page, kind, ...)."""
    observations = []
    page_of: dict[int, str] = {}
    for story, (fixture, claims) in enumerate(pages, start=1):
        page_of[story] = fixture.id
        observations += [
            Observation(
                claim=claim,
                story_id=story,
                url=fixture.url,
                order_key=fixture.url,
                senior_quote=quotes and senior_quote(claim, ruleset),
            )
            for claim in claims
        ]
    _, decisions = replay(baseline_entries(ruleset), observations, LedgerSettings.of(ruleset))
    by_claim = {id(o.claim): o.story_id for o in observations}
    return [
        (page_of[by_claim[id(d.claim)]], d.kind, d.claim.issue, d.claim.stance)
        for d in decisions
        if d.alerts
    ]


def alerts(split: str, ruleset: RuleSet | None = None, prefix: str = "") -> AlertReport:
    """Both replays of one split (``prefix`` narrows it to one batch of pages)."""
    ruleset = ruleset or default_ruleset()
    relevance = RelevanceFilter(load_topic(DEFAULT_TOPIC).relevance)
    found, labelled = [], []
    for fixture in fixtures(split):
        if not fixture.id.startswith(prefix):
            continue
        title, text = title_and_text(fixture)
        if relevance.judge(title, text).relevant:
            claims = extract_claims(text, article_day(fixture), ruleset, title=title)
            found.append((fixture, [c for c in claims if c.side == "russia"]))
        labelled.append((fixture, labelled_claims(fixture)))
    report = AlertReport(split)
    report.engine = _alerts(ruleset, found, quotes=True)
    report.labels = _alerts(ruleset, labelled, quotes=False)
    pairs = {f.id: f.pairs for f, _ in labelled}
    report.false_alerts = [a for a in report.engine if (a[2], a[3]) not in pairs[a[0]]]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "heldout"), default="dev")
    parser.add_argument("--prefix", default="", help="only the fixtures whose id starts with it")
    parser.add_argument("--verbose", action="store_true", help="list the false alerts")
    args = parser.parse_args()
    print(alerts(args.split, prefix=args.prefix).render(args.verbose))


if __name__ == "__main__":
    main()
