"""The engine on the realistic corpus, and the two alert accidents of issue 10 made impossible."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.judge.rules import RuleSet, default_ruleset, extract_claims
from tests.monitor.judge.rules.realnews_alerts import alerts
from tests.monitor.judge.rules.realnews_score import score

# A little under what the rules reach on dev; raise as they improve, never lower for the same
# pages. Rebased when dev pages from sites never tuned on came in: the m-* and n-* pages (the
# rules stood at P 0.907, R 0.771 on the 197 dev pages before any change for them), then the
# q-* and r-* pages (P 0.73-0.83, R 0.40-0.50 on them before any change), then the s-* and
# t-* pages (P 0.59-0.74, R 0.48-0.61), then the u-* and v-* pages (P 0.62, R 0.40), then the
# w-* and x-* pages (each batch whole, before any change for it: w P 0.84 R 0.64, x P 0.67
# R 0.65), then the z-* pages (P 0.64, R 0.60) and a label audit (20 pages brought in line
# with the README's conventions). On 2026-12-03 the k-, l-, o- and p- batches came in (each
# scored whole before any change for it: k P 0.76 R 0.66, l P 0.47 R 0.29, o P 0.57 R 0.43,
# p P 0.76 R 0.56; o and p with the session's final rules). On 2026-12-03 (later) the i- and
# j- batches (i P 0.74 R 0.56, j P 0.80 R 0.55, before any change). The floors hold the rules
# alone: the learned second opinion was trained on these very pages. On 2026-12-03 (third
# session) seven batches came in, aa- to ag- (scored whole before any change for them: aa P 0.68
# R 0.50, ab P 0.73 R 0.49, ac P 0.67 R 0.65; ad P 0.78 R 0.46 and ae P 0.75 R 0.56 with that
# session's rules so far; af P 0.68 R 0.49 and ag P 0.67 R 0.58 before its last fixes); their
# dev pages pulled the dev figure down, so the floors moved down with them (the drop is the new
# pages: on dev the session's rule changes gained about 30 right pairs and lost 2). On
# 2026-12-03 (fourth session) the ah-, ai- and aj- batches (each whole, before any change for
# it: ah P 0.82 R 0.40, ai P 0.85 R 0.70, aj P 0.63 R 0.56) took dev recall from 0.737 to 0.727,
# and the ak-, al- and am- batches (ak P 0.69 R 0.35, al P 0.50 R 0.33, am P 0.96 R 0.72) to
# 0.723, with the session's rule changes in. On 2026-12-03 (fifth session) twelve batches came
# in, an- to ay- (three rounds, each scored whole before any change for it: P 0.75 R 0.58, P 0.78
# R 0.46, P 0.68 R 0.54); that session's rules, each change checked page by page, took the 753
# dev pages from P 0.870 R 0.694 to P 0.896 R 0.731 (68 more right pairs, 34 fewer wrong).
DEV_PRECISION_FLOOR = 0.89
DEV_RECALL_FLOOR = 0.725

# Relevant dev pages the topic's query lets go, each for a reason that a looser query would pay
# for elsewhere. Any other miss fails.
KNOWN_RELEVANCE_MISSES = {
    # Two sentences of a think tank's press cutting on "Putin's ceasefire demands" that never
    # name Ukraine, Kyiv or NATO: taking "ceasefire" with a Kremlin name alone would let in
    # Moscow's words on Gaza or Karabakh, whose ceasefire sentences would read as Ukraine's.
    "aj-rusi-2025-03-18-savill-bold-ceasefire-demands",
    # Nebenzia welcoming a US resolution at the UN Security Council: "resolution", "peace" and
    # "security" alone, no term of a settlement; taking "resolution" would let in every UN vote.
    "as-dailytelegraphnz-2025-02-25-nebenzia-welcomes-us-resolution",
}


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return default_ruleset()


def test_dev_precision_and_recall_floors() -> None:
    report = score("dev", default_ruleset(second_opinion=False))
    print("\n" + report.render())
    assert report.claims.precision() >= DEV_PRECISION_FLOOR, report.render()
    assert report.claims.recall() >= DEV_RECALL_FLOOR, report.render()
    assert set(report.relevance_missed) <= KNOWN_RELEVANCE_MISSES, report.render(verbose=True)


def test_dev_pages_replayed_through_the_ledger_send_no_false_shift(rules: RuleSet) -> None:
    """A false SHIFT is the costliest alert: on the dev pages, replayed in statement-date order
    from the baseline, every SHIFT the engine's claims raise is one their labels support."""
    report = alerts("dev", rules)
    print("\n" + report.render(verbose=True))
    assert report.engine, "the replay raised no alert at all"
    assert report.shifts(report.false_alerts) == 0, report.render(verbose=True)
    assert len(report.engine) <= 1.5 * len(report.labels), report.render()


def test_no_objection_to_the_eu_bid_is_never_read_as_nato(rules: RuleSet) -> None:
    """Issue 10: "aspirations to join" + "European Union" became a NATO SHIFT alert."""
    text = (
        "MOSCOW, June 17 - Asked about Kyiv's aspirations to join the European Union, Kremlin "
        "spokesman Dmitry Peskov said Russia had no objection.\n"
        "“We have no objection to Ukraine's aspirations to join the European Union, it is their "
        "sovereign right,” Peskov said.\n"
        "Russia has no objection to Ukraine's wish to join the European Union, Mr. Peskov said."
    )
    claims = extract_claims(text, dt.date(2025, 6, 17), rules, title="Kremlin on the EU bid")
    russian = {(c.issue, c.stance) for c in claims if c.side == "russia"}
    assert ("eu_membership", "accepts") in russian
    assert not any(issue == "nato_membership" for issue, _ in russian), claims


def test_no_objection_to_the_eu_and_refusal_of_nato_in_one_sentence_stay_apart(
    rules: RuleSet,
) -> None:
    """An intellinews page put both in one sentence, ", and again said that ...": the EU's
    acceptance reached NATO (a SHIFT to "accepts NATO") and NATO's refusal reached the EU."""
    text = (
        "During his trip to China this week Putin repeated that Moscow does not oppose Ukraine's "
        "possible accession to the European Union, and again said that Nato membership for Kyiv "
        "is unacceptable to the Kremlin."
    )
    claims = extract_claims(text, dt.date(2025, 9, 3), rules, title="Putin in China")
    russian = {(c.issue, c.stance) for c in claims if c.side == "russia"}
    assert russian == {("eu_membership", "accepts"), ("nato_membership", "rejects")}, claims


def test_ukraines_foreign_ministry_is_never_the_russian_one(rules: RuleSet) -> None:
    """Issue 10: Kyiv's rejection of Russia as a guarantor was stored as a Russian claim."""
    text = (
        "KYIV, August 20 - Ukraine's foreign ministry on Wednesday rejected any role for Russia "
        "as a guarantor of a settlement.\n"
        "The Ukrainian Foreign Ministry said security guarantees must not depend on Moscow."
    )
    claims = extract_claims(text, dt.date(2025, 8, 20), rules, title="Kyiv rejects Moscow's role")
    assert [c for c in claims if c.side == "russia"] == []
