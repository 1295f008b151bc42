"""One sentence's claims: for each stance cue, its negation, the issues it governs, its holder.

The holder is the speaker of the quotation the cue sits in, the speaker a speech verb attributes
the sentence to, or the clause's subject; an analyst's or another side's attribution blocks the
claim, since their view of Russia is not Russia's. Every cue ends as claims or as a reason.
The work is split along its seams: structure (``clauses.py``), holders and claims
(``holders.py``), constructions (``constructions.py``); ``run`` puts them together.
"""

from __future__ import annotations

import re
from dataclasses import replace

from monitor.judge.rules.clauses import _SOFT
from monitor.judge.rules.constructions import Constructions
from monitor.judge.rules.holders import _Blocked, _Holder, _merge_firm
from monitor.judge.rules.loader import StanceInfo
from monitor.judge.rules.matcher import lacks_words
from monitor.judge.rules.results import ClaimFound, SentenceResult

_REFUSAL_CONDITIONS = frozenset(
    {"until", "unless", "only if", "only after", "only when", "only once", "as long as"}
)
_TRUCE = "ceasefire_terms"  # "would consider a truce only after ...": a precondition
_FOR_OTHER_TO = re.compile(
    r"\bfor\s+(?:Kyiv|Kiev|Ukraine|the Ukrainians|the West|Washington)\s+to\s+$"
)
_ONLY_BEFORE = re.compile(r"\bonly\s+$")
_WITHOUT = re.compile(
    r"(?:^|[.,;:“\"]\s*)[Ww]ithout\b|\b(?:impossible|possible|cannot|can't) without\b"
)


# What a speaker denies is no stance of theirs, and a denied willingness is the opposite one:
# "Reports that Russia is prepared to accept Ukraine in NATO are untrue, Peskov said".
_DENIAL_WORDS = (
    r"(?:completely\s+|absolutely\s+|simply\s+|totally\s+)?(?:untrue|false|not\s+true|"
    r"groundless|baseless|unfounded|fake|fiction|nonsense)"
)
_DENIED_REPORT = re.compile(
    r"\b(?:reports?|claims?|allegations?|suggestions?|speculation|rumou?rs?)\s+"
    r"(?:that|claiming|suggesting|saying)\b(?P<body>[^;]*?)\b(?:is|are|was|were)\s+"
    + _DENIAL_WORDS,
    re.IGNORECASE,
)
_DENIAL_OF = re.compile(
    r"\b(?:denied|denies|deny|denying|dismissed|dismisses|dismissing|refuted|refutes|refuting|"
    r"brushed\s+aside|brushes\s+aside|brushing\s+aside|waved\s+away|waved\s+off|"
    r"rebuffed|rebuffs|played\s+down|plays\s+down|rejected|rejects|rejecting)\s+"
    r"(?:the\s+|media\s+|press\s+|western\s+)*(?:reports?|claims?|allegations?|suggestions?|"
    r"speculation|rumou?rs?)\s+(?:that|claiming|suggesting|saying)\b(?P<body>[^;.]*)",
    re.IGNORECASE,
)


# The words each denial regex needs (lower-case stems, looked for at C speed first)
_REPORT_WORDS = ("report", "claim", "allegation", "suggestion", "speculation", "rumo")
_DENIAL_VERBS = ("deni", "deny", "dismiss", "refut")


def _denied_spans(sentence: str) -> list[tuple[int, int]]:
    """What the sentence denies ("reports that ... are untrue"), as offsets in it; found once
    per sentence for all its cues, and only in sentences holding a word a denial needs."""
    if lacks_words(sentence, _REPORT_WORDS + _DENIAL_VERBS):
        return []
    return [
        m.span("body")
        for pattern in (_DENIED_REPORT, _DENIAL_OF)
        for m in pattern.finditer(sentence)
    ]


# The writer's hypothesis about a party, in an opening condition: "Should Russia accept a truce,
# talks would move on ...", "If Moscow agreed to it, ...". No one states the stance.
_HYPOTHESIS = re.compile(
    r"\s*(?:Should|Were|If|Even\s+if)\s+(?:Russia|Moscow|the\s+Kremlin|Putin|the\s+Russians)\s+"
    r"[^,;:“”\"]{0,80},"
)
# Part of a plan found acceptable is openness to it, not acceptance of the whole.
_PARTIAL = re.compile(
    r"\b(?:many|some|most|certain|several|parts?)\s+(?:of\s+(?:the\s+)?)?(?:[\w’'.-]+\s+){0,3}"
    r"(?:provisions|points|parts|elements|ideas|clauses)\b",
    re.IGNORECASE,
)
# Acts a holder wants done, named as nouns: what such a holder puts "on the table" it demands.
_UNDOING = re.compile(
    r"\b(?:lifting|return|withdrawal|cancellation|removal|demilitari[sz]ation|recognition)\b",
    re.IGNORECASE,
)
_FRONTED = re.compile(
    r"\s*[“\"]?\s*(?:for|in\s+exchange\s+for|as\s+the\s+price\s+of)\s+"
    r"(?:a|an|the|any)?\s*(?:[\w-]+\s+)?",
    re.IGNORECASE,
)


_BULLET_ONLY = re.compile(r"[\s\-–—•▪️▪︎*·>]*")  # what may stand before an item's first word


class SentenceAnalysis(Constructions):
    """Claims of one sentence; every stance cue either yields claims or a reason why not."""

    def _speaks_for_itself(self) -> bool:
        """A bullet that is a whole report, not a verbless term ("- The Kremlin had promised to
        hand over a memorandum ...", "- Putin has claimed that Moscow is willing ..."): a named
        speaker, or a tracked party opening it as its subject."""
        if any(a.speaker is not None and not a.reported for a in self.attributions):
            return True
        opening = next((m for m in self.mentions if m.kind != "reporter"), None)
        return (
            opening is not None
            and opening.tracked
            and not opening.possessive
            and opening.info is not None
            and opening.info.kind != "document"
            and _BULLET_ONLY.fullmatch(self.text, self.start, opening.start) is not None
        )

    def run(self) -> SentenceResult:
        result = self.result
        if not self.issues:
            result.reasons.append("no issue cue")
        if not self.stances:
            result.reasons.append("no stance cue")
        conditions = self.article.within("conditions", self.start, self.end)
        if self.issues and self.header is not None and not self._speaks_for_itself():
            return self._list_item(self.header)  # an item's stance words are nominal
        loaded = [i for i in self.issues if i.cue.data.stance]
        compared = self.article.found["comparisons"] and self.article.within(
            "comparisons", self.start, self.end
        )
        if not self.issues or not (self.stances or conditions or loaded or compared):
            return result
        previous: _Holder | None = None
        claimed_clauses: dict[int, tuple[str, _Holder]] = {}
        best: dict[tuple[str, str, str], ClaimFound] = {}
        denials = _denied_spans(self.sentence) if self.stances else []
        hypothesis = _HYPOTHESIS.match(self.sentence)
        hypothesis_end = hypothesis.end() if hypothesis is not None else 0
        for index, cue in enumerate(self.stances):
            info: StanceInfo = cue.cue.data
            stance: str | None = info.stance
            if index in self.objects:
                result.reasons.append(
                    f"'{cue.text}' is a proposal on the table (acted on, judged or another "
                    "side's), not a stance"
                )
                continue
            negation = self._negated(cue)
            if negation is not None:
                stance = self.rules.spec.negation.flip.get(info.stance)  # type: ignore[call-overload]
                if stance is None:
                    result.reasons.append(
                        f"'{cue.text}' is negated by '{negation.text}': no stance"
                    )
                    continue
            if cue.start - self.start < hypothesis_end:
                result.reasons.append(f"'{cue.text}' is the writer's speculation: no stance")
                continue
            if any(lo <= cue.start - self.start < hi for lo, hi in denials):
                denied = self.rules.spec.negation.flip.get(stance)  # type: ignore[call-overload]
                if denied is None or negation is not None:
                    result.reasons.append(f"'{cue.text}' is inside a denied report: no stance")
                    continue
                result.reasons.append(f"'{cue.text}' is inside a denied report: {denied}")
                stance = denied
            issues = self._bound_issues(index)
            try:
                holder = self._holder(cue, info, previous)
            except _Blocked as why:
                if issues:
                    result.reasons.append(f"'{cue.text}': {why}")
                else:
                    result.reasons.append(f"stance cue '{cue.text}' governs no issue cue")
                continue
            holder.clause = self.clause_of(cue.start)
            holder.cue_end = cue.end
            previous = holder  # a later cue of this sentence may inherit it ("its demand")
            if not issues:
                result.reasons.append(f"stance cue '{cue.text}' governs no issue cue")
                continue
            assert stance is not None
            if (
                stance == "accepts" or (stance == "open_to" and _TRUCE in {i.label for i in issues})
            ) and any(
                c.start >= cue.end
                and (
                    c.text.lower().startswith("only")
                    or _ONLY_BEFORE.search(self.text, max(self.start, cue.start - 12), cue.start)
                )
                for c in conditions
            ):  # "will agree to a truce only if ...", "would only agree to a truce if ...": a
                stance = "demands"  # precondition
            if stance in _SOFT and _FOR_OTHER_TO.search(
                self.text, max(self.start, cue.start - 40), cue.start
            ):  # "the only way to peace is for Kyiv to accept the realities": what Kyiv must do
                stance = "demands"
            if (
                stance == "open_to"
                and cue.text.lower().endswith("on the table")
                and any(
                    _UNDOING.search(self.text, max(self.start, i.start - 30), i.end) for i in issues
                )
            ):  # "the lifting of sanctions and the return of assets are on the table": its terms
                stance = "demands"
            if stance == "accepts" and _PARTIAL.search(
                self.text, max(self.start, cue.start - 120), cue.start
            ):  # "many of the plan's provisions, though not all, look acceptable"
                stance = "open_to"
            claimed_clauses[self.clause_of(cue.start)] = (stance, holder)
            # "will not agree to a truce until Kyiv ...", "without that a ceasefire is
            # impossible": refusing a truce on a condition sets a precondition for it
            preconditioned = stance == "rejects" and (
                any(
                    c.start >= cue.end and c.text.lower() in _REFUSAL_CONDITIONS for c in conditions
                )
                or ("ithout" in self.sentence and _WITHOUT.search(self.sentence) is not None)
            )
            for issue in issues:
                own = stance
                if preconditioned and issue.label == "ceasefire_terms":
                    own = "demands"
                self._add(best, holder, cue, info, own, negation, issue)
                side = holder.mention.info.side if holder.mention.info is not None else ""
                key = (side, "ceasefire_terms", own)
                made = best.get(key)
                if own != stance and made is not None and "precondition" not in made.rule:
                    best[key] = replace(
                        made,
                        rule=made.rule + "; refused on a condition -> a precondition (demands)",
                    )
        self._fronted_truce(best)
        self._elliptical(best, claimed_clauses)
        self._conditions(best, conditions)
        self._loaded(best, loaded)
        if compared:
            self._compared(best)
        result.claims = _merge_firm(list(best.values()))
        if not result.claims and not result.reasons:
            result.reasons.append("no claim")
        return result

    def _fronted_truce(self, best: dict[tuple[str, str, str], ClaimFound]) -> None:
        """ "For a ceasefire, the memorandum offers two options: ...", "In exchange for a
        ceasefire, it wanted ...": a truce named up front is what the demands are the price of."""
        truce = next(
            (
                i
                for i in self.issues
                if i.label == "ceasefire_terms"
                and _FRONTED.fullmatch(self.text, self.start, i.start) is not None
            ),
            None,
        )
        if truce is None or any(key[1] == "ceasefire_terms" for key in best):
            return
        demand = next(
            (
                c
                for c in best.values()
                if c.stance in ("demands", "rejects") and c.side in self.rules.tracked_sides
            ),
            None,
        )
        if demand is None:
            return
        span = self._span(truce.start, truce.end)
        best[(demand.side, "ceasefire_terms", "demands")] = replace(
            demand,
            issue="ceasefire_terms",
            stance="demands",
            issue_span=span if span is not None else demand.issue_span,
            rule=demand.rule + f"; '{truce.text}' named up front: its preconditions (demands)",
        )
