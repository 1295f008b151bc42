"""Claims from real-looking text: the seeds, negation, quotes, reported speech, non-speakers."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.judge.rules import ClaimFound, RuleSet, default_ruleset, explain, extract_claims
from monitor.judge.rules.explain import render
from tests import paths

SEEDS = paths.SEEDS
ARTICLE = dt.date(2025, 9, 4)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return default_ruleset()


def labels(claims: list[ClaimFound]) -> set[str]:
    return {f"{c.issue}/{c.stance}" for c in claims}


def one(text: str, rules: RuleSet) -> set[str]:
    return labels(extract_claims(text, ARTICLE, rules))


def _seed(prefix: str) -> str:
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"seed {prefix} not available at {SEEDS}")
    return matches[0].read_text(encoding="utf-8")


def test_nyt_seed_claims(rules: RuleSet) -> None:
    claims = extract_claims(
        _seed("003"), ARTICLE, rules, title="Russia Wants ‘Security Guarantees’ Too."
    )
    assert {
        "nato_membership/rejects",
        "eu_membership/accepts",
        "foreign_troops/rejects",
        "guarantor_role/demands",
        "military_limits/demands",
    } <= labels(claims)
    assert all(c.side == "russia" for c in claims)
    # Nothing from the analysts' sentences, nor from Mr. Charap's quote.
    for found in claims:
        assert "Analysts believe" not in found.evidence
        assert "Charap" not in found.evidence and "cart before the horse" not in found.evidence
        assert "supporters of Ukraine" not in found.evidence
    quote = next(c for c in claims if c.evidence.startswith("“We have always been against"))
    assert (quote.actor, quote.how, quote.statement_date) == (
        "Vladimir Putin",
        "quote",
        dt.date(2025, 9, 3),
    )
    june = next(c for c in claims if c.issue == "military_limits" and "Istanbul" in c.evidence)
    assert june.statement_date == dt.date(2025, 6, 1)


def test_blog_seed_claims(rules: RuleSet) -> None:
    found = labels(extract_claims(_seed("000"), dt.date(2025, 9, 1), rules))
    assert {"legally_binding/demands", "nato_expansion/rejects"} <= found


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Moscow does not object to Ukraine joining the EU.", {"eu_membership/accepts"}),
        ("Russia will never accept foreign troops in Ukraine.", {"foreign_troops/rejects"}),
        ("The Kremlin is not against Ukraine's EU membership.", {"eu_membership/accepts"}),
        ("Russia demands Ukraine never join NATO.", {"nato_membership/rejects"}),
        (
            "Russia demands a written pledge of non-membership.",
            {"nato_membership/rejects", "legally_binding/demands"},
        ),
        ("Moscow has never demanded a cap on Ukraine's army.", set()),
        ("Russia is not ready to discuss the status of Crimea.", {"territory/demands"}),
        ("Putin said he did not rule out talks on a ceasefire.", {"ceasefire_terms/open_to"}),
    ],
)
def test_negation(text: str, expected: set[str], rules: RuleSet) -> None:
    assert one(text, rules) == expected


def test_one_sentence_two_claims(rules: RuleSet) -> None:
    text = (
        "He said this week that Russia would accept Ukraine’s admittance into the European "
        "Union, but reiterated that it would never tolerate Ukraine inside NATO."
    )
    assert one("Mr. Putin spoke in Beijing. " + text, rules) == {
        "eu_membership/accepts",
        "nato_membership/rejects",
    }
    assert one("Russia would accept EU membership but never NATO.", rules) == {
        "eu_membership/accepts",
        "nato_membership/rejects",
    }


def test_reported_speech_is_marked_and_trusted_less(rules: RuleSet) -> None:
    direct = extract_claims("Putin demanded that Ukraine give up Donbas.", ARTICLE, rules)
    reported = extract_claims(
        "Putin is demanding that Ukraine give up Donbas, three sources told Reuters.",
        ARTICLE,
        rules,
    )
    memo = extract_claims(
        "According to the Russian memorandum handed over in Istanbul, Russia "
        "wants international recognition of Crimea.",
        ARTICLE,
        rules,
    )
    assert [(c.issue, c.stance, c.reported) for c in reported] == [("territory", "demands", True)]
    assert [(c.issue, c.reported) for c in memo] == [("territory", True)]
    assert not direct[0].reported
    assert reported[0].confidence < direct[0].confidence
    assert "sources told" in reported[0].rule


def test_confidence_orders_quote_then_named_official_then_moscow(rules: RuleSet) -> None:
    quote = extract_claims(
        "“We are categorically against NATO troops in Ukraine,” Lavrov said.", ARTICLE, rules
    )[0]
    named = extract_claims("Lavrov said Russia opposes NATO troops in Ukraine.", ARTICLE, rules)[0]
    summary = extract_claims("Moscow opposes NATO troops in Ukraine.", ARTICLE, rules)[0]
    assert quote.confidence > named.confidence > summary.confidence
    assert summary.confidence < rules.spec.ledger.shift_confidence <= named.confidence


@pytest.mark.parametrize(
    "text",
    [
        "Analysts believe that the Kremlin wants that in writing.",
        "Russia wants to keep Ukraine out of NATO, analysts say.",
        "Zelensky said Russia demands the withdrawal of Ukrainian troops from Donbas.",
        "European leaders insist on legally binding guarantees for Kyiv.",
        "Mr. Trump has said that NATO will not admit Ukraine.",
        "“Moscow will demand full control of Donbas,” said Tatiana Stanovaya, a political analyst.",
        "Russia rejected a 30-day ceasefire proposed by Washington. Washington proposed a truce.",
    ],
)
def test_other_sides_and_analysts_are_not_russian_claims(text: str, rules: RuleSet) -> None:
    assert all(c.stance != "proposes" for c in extract_claims(text, ARTICLE, rules))
    if "rejected" not in text:
        assert extract_claims(text, ARTICLE, rules) == []


def test_every_claim_explains_its_rule_and_spans(rules: RuleSet) -> None:
    text = "Mr. Lavrov said on Tuesday that Ukraine's membership in NATO remained unacceptable."
    (found,) = extract_claims(text, ARTICLE, rules)
    assert found.actor == "Sergey Lavrov" and found.statement_date == dt.date(2025, 9, 2)
    assert "stance cue 'unacceptable'" in found.rule
    assert "issue cue 'Ukraine's membership' (nato_membership)" in found.rule
    assert found.evidence[slice(*found.stance_span)] == "unacceptable"
    assert found.evidence[slice(*found.issue_span)] == "Ukraine's membership"
    assert found.actor_span is not None and found.evidence[slice(*found.actor_span)] == "Mr. Lavrov"


def test_explain_says_why_a_sentence_has_no_claim(rules: RuleSet) -> None:
    text = (
        "Analysts believe that the Kremlin wants that in writing. The weather was fine. "
        "Russia demands a written pledge of non-membership."
    )
    explanations = explain(text, ARTICLE, rules)
    assert len(explanations) == 3
    analysts, weather, pledge = (e.render() for e in explanations)
    assert "no claim" in analysts and "analyst/commentator 'Analysts'" in analysts
    assert "no issue cue" in weather and "no stance cue" in weather
    assert "CLAIM russia/nato_membership/rejects" in pledge
    assert "'non-membership' names the opposite" in pledge
    assert "[written pledge]" in pledge
    assert [line for line in render(explanations).splitlines() if line.startswith("> ")] == [
        f"> {e.sentence}" for e in explanations
    ]


def test_title_is_analysed_and_trusted_slightly_less(rules: RuleSet) -> None:
    claims = extract_claims(
        "Nothing here.", ARTICLE, rules, title="Kremlin rejects NATO troops in Ukraine"
    )
    assert [(c.issue, c.stance) for c in claims] == [("foreign_troops", "rejects")]
    assert claims[0].confidence < 0.8


@pytest.mark.parametrize(
    "text",
    ["", "  \n\n ", "“" * 40, "Mr. " * 200, "Russia " * 3000, "İİ Russia demands neutrality. İ"],
)
def test_odd_input_never_crashes(text: str, rules: RuleSet) -> None:
    found = extract_claims(text, ARTICLE, rules, title=text[:50] or None)
    explained = explain(text[:500], ARTICLE, rules)
    assert all(c.evidence in (text[:50] + "\n" + text) for c in found)
    assert all(e.sentence for e in explained)


def test_offsets_survive_characters_that_change_length_when_lowercased(rules: RuleSet) -> None:
    (found,) = extract_claims("İstanbul İİ: Russia demands neutrality.", ARTICLE, rules)
    assert found.evidence[slice(*found.issue_span)] == "neutrality"


@pytest.mark.parametrize(
    "text",
    [
        (
            "The remarks were the first sign that Russia might soften its opposition to any "
            "foreign military presence after a ceasefire."
        ),
        "It is not clear whether Moscow would accept a ceasefire along the current front line.",
        "If Russia were to drop its demand for the Donbas, a deal could come quickly.",
        "Would Russia accept European peacekeepers if Washington provided a backstop?",
    ],
)
def test_the_writers_speculation_or_question_is_no_claim(text: str, rules: RuleSet) -> None:
    assert one(text, rules) == set()
    reasons = " ".join(r for result in explain(text, ARTICLE, rules) for r in result.reasons)
    assert "speculation" in reasons or "question" in reasons, reasons


def test_a_speaker_answering_after_a_hedge_states_a_position(rules: RuleSet) -> None:
    text = (
        "Asked whether Russia would accept NATO troops, Peskov said Moscow rejects any foreign "
        "troops in Ukraine."
    )
    assert one(text, rules) == {"foreign_troops/rejects"}


def test_a_stance_stated_after_a_hedge_in_another_sentence_still_counts(rules: RuleSet) -> None:
    text = (
        "Whether the talks survive is unclear. "
        "Peskov said the deployment of European troops in Ukraine was out of the question."
    )
    assert one(text, rules) == {"foreign_troops/rejects"}


def test_conditions_and_nominal_stances(rules: RuleSet) -> None:
    assert one(
        "Putin said Russia would halt its offensive only if Ukraine withdrew its troops from "
        "the Donetsk region.",
        rules,
    ) == {"territory/demands"}
    assert one(
        "The demand for Ukraine's demilitarization was repeated by Putin in his speech.", rules
    ) == {"military_limits/demands"}
    assert one(
        "The lifting of sanctions was named by the Russian delegation as a precondition for a "
        "final deal.",
        rules,
    ) == {"sanctions/demands"}  # SPEC: demands = lifting sanctions
    assert one("The demand for new elections was repeated by Zelensky.", rules) == set()


def test_he_after_told_someone_that_is_the_teller(rules: RuleSet) -> None:
    assert one("Putin told Witkoff that he wanted all of the Donbas.", rules) == {
        "territory/demands"
    }
    text = "Zelensky told Putin that he rejected any limits on the size of the Ukrainian army."
    assert one(text, rules) == set()


def test_headline_speaker_before_a_colon(rules: RuleSet) -> None:
    assert one("Lavrov: NATO troops in Ukraine unacceptable", rules) == {"foreign_troops/rejects"}
    assert one("Zelensky: Russian demands for Donbas unacceptable", rules) == set()


def test_a_denied_report_is_explained_and_turned_round(rules: RuleSet) -> None:
    """Issue 10 (polarity): a willingness a spokesman calls untrue is his rejection, and the
    explanation says why (a weeklyblitz copy of Peskov's denial, January 2024)."""
    text = (
        "Reports that Russia is ready to accept Ukraine joining NATO are untrue, Kremlin "
        "spokesman Dmitry Peskov said on January 26."
    )
    assert one(text, rules) == {"nato_membership/rejects"}
    assert "inside a denied report" in render(explain(text, ARTICLE, rules))


def test_numbered_points_of_a_plan_no_tracked_party_tabled(rules: RuleSet) -> None:
    """Issue 10 (false positive): a magazine's numbered plan next to a Kremlin comment gives no
    Russian claim, and explain shows each point as such (a bb-cntv page, 2023)."""
    text = (
        "Peskov said the Kremlin had not seen the plan published in the American press.\n"
        "A day earlier, an American magazine published its own 15-point draft plan.\n"
        "1. Crimea is recognised as Russian territory.\n"
        "2. Russia backs Ukraine's application to join the European Union."
    )
    assert one(text, rules) == set()
    assert "a point of a plan no tracked party put forward" in render(explain(text, ARTICLE, rules))
    tabled = (
        "Russia's memorandum sets out its terms:\n1. Crimea is recognised as Russian territory."
    )
    assert "territory/demands" in one(tabled, rules)


def test_a_softening_told_only_in_the_writers_words_stays_under_the_shift_bar(
    rules: RuleSet,
) -> None:
    """ "Putin agreed to ..." with no words of his is a possible shift for the digest; the same
    softening in his own quoted words is confident enough for a SHIFT alert."""
    bar = rules.spec.ledger.shift_confidence
    narrative = extract_claims(
        "Putin agreed to a partial ceasefire on energy sites.", ARTICLE, rules
    )
    quoted = extract_claims("“We are ready to consider a ceasefire,” Putin said.", ARTICLE, rules)
    assert [(c.issue, c.stance) for c in narrative] == [("ceasefire_terms", "open_to")]
    assert narrative[0].confidence < bar <= quoted[0].confidence, (narrative, quoted)
