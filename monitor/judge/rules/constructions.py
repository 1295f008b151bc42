"""Constructions beyond "holder + stance cue + issue": list items under a header, conditions a
holder sets ("we will stop firing as soon as Kyiv withdraws ..."), and elliptical issues
("would accept EU membership but never NATO").
"""

from __future__ import annotations

import re

from monitor.judge.rules.clauses import _SOFT
from monitor.judge.rules.holders import HolderRules, _Blocked, _Holder, _merge_firm
from monitor.judge.rules.loader import UNCHANGED, StanceInfo
from monitor.judge.rules.matcher import CueMatch
from monitor.judge.rules.results import ClaimFound, SentenceResult

_CONDITION_REACH = 80
_HEDGE_REACH = 10  # words from a forecast ("is unlikely to accept ...") to the "if" it frames
_BARE_NEGATIONS = frozenset({"not", "never", "no", "nor", "neither", "not even"})
_ELLIPSIS_GAP = 2  # "merely refusing to admit Kyiv is not enough" is a clause of its own
_MAIN_CLAUSE = re.compile(
    r",\s+(?:(?:we|Russia|Moscow|the Kremlin|he|it|they|Putin)\s+(?:will|would|could|can|is|are)"
    # "..., an order to cease fire and begin talks will follow": a subject of a few words
    r"|(?:an?|the)\s+(?:[\w'’-]+\s+){1,8}?(?:will|would)\s+(?:follow|come|start|begin|stop|end))\b",
    re.IGNORECASE,
)


# The holder's own ceasefire promised on terms: "would order a ceasefire", "will immediately
# stop hostilities", "is ready to agree to a truce" (the issue phrase follows the modal).
_OFFER_BEFORE = re.compile(
    r"\b(?:will|would|shall|(?:be|is|are|was|were) (?:ready|prepared) to|promis\w* to)\s+"
    r"(?!(?:\w+\s+)?(?:consider|discuss|study|examine|think|look)\b)(?:\w+,?\s+){0,7}$",
    re.IGNORECASE,
)
# The order itself promised after the truce: "an order to cease fire and begin negotiations will
# follow from our side immediately"
_ORDER_FOLLOWS = re.compile(
    r"(?:\s+\w+){0,4}\s+(?:will|would)\s+(?:follow|come|be given|be issued)\b"
)
_CLAUSE_END = re.compile(r"[.?!]")
# The promise inside the issue phrase itself: "the fighting would stop as soon as ..."
_OWN_MODAL = re.compile(r"\b(?:will|would)\b", re.IGNORECASE)
# "would agree to a ceasefire only after ...", "not until ...": a precondition, no offer
_RESTRICTIVE = frozenset({"only if", "only after", "only when", "only once", "unless", "until"})
# "Russia's principled position on Crimea and Donbas had not changed": what is restated
_POSITION_ON = re.compile(r"\b(?:positions?|stance|line)\s+on\b", re.IGNORECASE)
_RESTATED_REACH = 4  # words from the issue to "remains unchanged" when no "position on" names it

_ONLY = re.compile(r"\bonly\b", re.IGNORECASE)
_NEGATED_OFFER = re.compile(r"\b(?:not|never|no)\b|n['’]t\b", re.IGNORECASE)


class Constructions(HolderRules):
    """Claims a sentence makes through its construction rather than one cue's clause."""

    def _list_item(self, header: CueMatch) -> SentenceResult:
        """A verbless item under "The memorandum sets out:": the header's stance and holder."""
        result = self.result
        carried = self.header_holder or self.article.carried_holder(self.start)
        if carried is None or not carried.tracked:
            result.reasons.append("list item under a header with no tracked holder")
            return result
        holder = _Holder(carried, "list", bool(self.reported_anywhere))
        cue = CueMatch(header.cue, self.start, self.start, header.text)
        best: dict[tuple[str, str, str], ClaimFound] = {}
        for issue in self.issues:
            if not self._excluded(issue):
                self._add(best, holder, cue, header.cue.data, "demands", None, issue)
        result.claims = _merge_firm(list(best.values()))
        return result

    def _conditions(
        self,
        best: dict[tuple[str, str, str], ClaimFound],
        conditions: list[CueMatch],
    ) -> None:
        """ "we will order a ceasefire as soon as Kyiv withdraws ...": the condition is demanded.

        The issues inside a condition a tracked holder sets are demands (an exclusion issue's
        demand is a rejection); a ceasefire or talks in the main clause is a precondition on it.
        """
        if not conditions:
            return
        if any(  # "Russia is unlikely to accept guarantees even if Ukraine gives up land":
            h.start < conditions[0].start  # the writer's forecast, not a condition Russia sets
            and self.article.words(h.end, conditions[0].start) <= _HEDGE_REACH
            and self.quote_of(h.start) is self.quote_of(conditions[0].start)
            and not any(h.end <= a.start < conditions[0].start for a in self.attributions)
            for h in self.hedges
        ):
            return
        holder = self._condition_holder(best, conditions[0])
        if holder is None:
            return
        in_condition: list[CueMatch] = []
        for condition in conditions:
            _, hi = self.clause_bounds(condition.end)
            hi = self._condition_end(condition.end, hi)
            in_condition += [i for i in self.issues if condition.end <= i.start and i.end <= hi]
        others = (
            [
                m
                for m in self.mentions
                if m.info is not None
                and not m.info.tracked
                and m.info.side != holder.mention.info.side
            ]
            if holder.mention.info is not None
            else []
        )
        in_condition = [
            i
            for i in in_condition
            if i.cue.data.demand_means
            or i.label == "territory"
            or any(abs(m.start - i.start) < _CONDITION_REACH for m in others)
        ]
        taken = {id(i) for i in in_condition}
        offered = [
            i
            for i in self.issues
            if i.label == "ceasefire_terms"
            and id(i) not in taken
            and not any(c.text.lower() in _RESTRICTIVE for c in conditions)
            and self._offered(i)
        ]
        if not in_condition and not offered:
            return
        cue = conditions[0]
        info = StanceInfo("demands", 0.9, False)
        claimed = {key[1] for key in best}
        for issue in in_condition:
            if issue.label in claimed or issue.label == "ceasefire_terms" or self._excluded(issue):
                continue
            self._add(best, holder, cue, info, "demands", None, issue)
        if offered:  # "would agree to a ceasefire if ...": an offer on terms, not openness
            for key in [k for k in best if k[1] == "ceasefire_terms" and k[2] in _SOFT]:
                del best[key]
        for issue in self.issues:
            if (
                issue.label == "ceasefire_terms"
                and id(issue) not in taken
                and not any(key[1] == "ceasefire_terms" for key in best)
            ):
                self._add(best, holder, cue, info, "demands", None, issue)
        for issue in offered[:1]:
            offer = StanceInfo("proposes", 0.9, False)
            self._add(best, holder, cue, offer, "proposes", None, issue)

    def _offered(self, issue: CueMatch) -> bool:
        """ "Russia would order a ceasefire", "will stop hostilities at once": the holder's own
        ceasefire in the main clause of a condition (a modal just before it, no negation)."""
        lo, _ = self.clause_bounds(issue.start)
        before = self.text[max(lo, issue.start - 60) : issue.start]
        promised = (
            _OFFER_BEFORE.search(before) is not None
            or _OWN_MODAL.search(issue.text) is not None
            or _ORDER_FOLLOWS.match(self.text, issue.end, self.end) is not None
        )
        end = _CLAUSE_END.search(self.text, issue.end, self.end)
        asked = end is not None and end.group(0) == "?"  # "Who will give the order to stop ...?"
        hedged = any(  # "would probably agree to a truce once ...": the writer's guess
            lo <= h.start < issue.start and self.quote_of(h.start) is self.quote_of(issue.start)
            for h in self.hedges
        )
        only = _ONLY.search(before) is not None  # "would only agree to a ceasefire if ...": terms
        return (
            promised and not asked and not hedged and not only and not _NEGATED_OFFER.search(before)
        )

    def _condition_end(self, start: int, hi: int) -> int:
        """Where a condition stops: at ", we will" / ", Russia would" (the main clause)."""
        match = _MAIN_CLAUSE.search(self.text, start, hi)
        return match.start() if match else hi

    def _condition_holder(
        self, best: dict[tuple[str, str, str], ClaimFound], condition: CueMatch
    ) -> _Holder | None:
        """Who sets the condition: a claim's holder here, the quoted or attributed speaker."""
        for quote in self.quotes:
            if quote.start <= condition.start < quote.end:
                speaker = self.article.quote_speaker(quote, self.paragraph)
                if speaker is not None and speaker.tracked:
                    return _Holder(speaker, "quote", bool(self.reported_anywhere))
                return None
        _, hi = self.clause_bounds(condition.end)
        inside = (condition.start, self._condition_end(condition.end, hi))
        spoken = sorted(  # "Once Kyiv ..., Russia will order a ceasefire, the president said"
            (
                a
                for a in self.attributions
                if a.speaker is not None and not inside[0] <= a.start < inside[1]
            ),  # "once Kyiv says it is ready": the condition's own verb speaks for no one
            key=lambda a: (a.start > condition.start, a.start),
        )
        for attribution in spoken[:1]:
            if attribution.speaker is not None:
                if not attribution.speaker.tracked:
                    return None
                return _Holder(attribution.speaker, "attribution", attribution.reported)
        for claim in best.values():
            if claim.side in self.rules.tracked_sides and claim.actor_span is not None:
                start, end = claim.actor_span
                for mention in self.mentions:
                    if mention.start == self.start + start and mention.info is not None:
                        return _Holder(mention, "subject", claim.reported)
        first = next(
            (m for m in self.mentions if m.kind != "reporter" and m.end <= condition.start), None
        )
        if first is not None and first.tracked and not first.possessive:
            return _Holder(self._resolve(first) or first, "subject", bool(self.reported_anywhere))
        return None

    def _loaded(
        self,
        best: dict[tuple[str, str, str], ClaimFound],
        loaded: list[CueMatch],
    ) -> None:
        """ "his own illegitimacy", "declares an Easter truce": the issue phrase is the stance.

        Such a phrase needs no stance cue, only a holder found as for one; an issue the
        sentence already claimed keeps that claim.
        """
        for issue in loaded:
            if any(key[1] == issue.label and key[2] == issue.cue.data.stance for key in best):
                continue
            info = StanceInfo(issue.cue.data.stance, 0.9, False)
            governing = self._governing(issue)
            try:
                if governing is not None and governing.speaker is not None:
                    # "Zelensky knows his own illegitimacy, Zakharova said": the speaker holds it,
                    # not the one the phrase is about.
                    if not governing.speaker.tracked:
                        raise _Blocked(f"attributed to '{governing.speaker.text}'")
                    if self.quote_of(issue.start) is None:
                        holder = _Holder(governing.speaker, "attribution", governing.reported)
                    else:
                        holder = self._holder(issue, info, None)
                else:
                    holder = self._holder(issue, info, None)
            except _Blocked as why:
                self.result.reasons.append(f"'{issue.text}': {why}")
                continue
            self._add(best, holder, issue, info, info.stance, None, issue)

    def _compared(self, best: dict[tuple[str, str, str], ClaimFound]) -> None:
        """ "Our position on EU membership is now the same as on NATO": the issue before the
        comparison takes the stance held (in this sentence or earlier in the article) on the
        issue after it."""
        for cue in self.article.within("comparisons", self.start, self.end):
            if cue.label == UNCHANGED:
                self._restated(best, cue)
                continue
            lo, hi = self.clause_bounds(cue.start)
            before = [i for i in self.issues if lo <= i.start and i.end <= cue.start]
            after = [
                *[i for i in self.issues if cue.end <= i.start and i.end <= hi],
                *self.article.within("elliptical", cue.end, hi),
            ]
            if not before or not after:
                continue
            model = next(
                (c for c in best.values() if c.issue == after[0].label and c.side in self._tracked),
                None,
            ) or self.known.get(after[0].label)
            if model is None:
                self.result.reasons.append(f"'{cue.text}': no stance known on the issue compared")
                continue
            borrowed = self._borrowed(
                cue,
                model.stance,
                0.9,
                f"'{cue.text}': the stance on {model.issue} ({model.stance}) from "
                f"'{' '.join(model.evidence.split())[:80]}'",
            )
            if borrowed is None:
                continue
            info, holder = borrowed
            for issue in before:
                if issue.label != model.issue and not any(k[1] == issue.label for k in best):
                    self._add(best, holder, cue, info, model.stance, None, issue)

    def _restated(self, best: dict[tuple[str, str, str], ClaimFound], cue: CueMatch) -> None:
        """ "Russia's position on NATO troops has not changed": the stance held on the issue
        earlier in the article, restated (nothing when the article has not said it)."""
        lo, hi = self.clause_bounds(cue.start)
        after = _POSITION_ON.match(self.text, cue.end - len("position"), hi)
        if after is not None:  # "has not changed its position on NATO troops"
            named = [i for i in self.issues if after.end() <= i.start and i.end <= hi]
        else:
            # the last "position on" before the cue names what is restated
            topics = list(_POSITION_ON.finditer(self.text, lo, cue.start))
            topic = topics[-1] if topics else None
            start = topic.end() if topic is not None else lo
            named = [
                i
                for i in self.issues
                if start <= i.start
                and i.end <= cue.start
                and (topic is not None or self.article.words(i.end, cue.start) <= _RESTATED_REACH)
            ]
        for issue in named:
            if any(k[1] == issue.label for k in best):
                continue
            model = self.known.get(issue.label)
            if model is not None:
                stance, source = model.stance, " ".join(model.evidence.split())[:80]
            else:  # the standing position the topic's baseline records, when firm: a soft
                known = self.rules.baseline_stances.get(issue.label)  # one restated from an old
                if known is None or known in _SOFT:  # baseline could fake a softening SHIFT
                    continue
                stance, source = known, "the topic's baseline"
            borrowed = self._borrowed(
                cue,
                stance,
                0.85,
                f"'{cue.text}': the stance on {issue.label} ({stance}) restated from '{source}'",
            )
            if borrowed is not None:
                info, holder = borrowed
                self._add(best, holder, cue, info, stance, None, issue)

    def _borrowed(
        self, cue: CueMatch, stance: str, weight: float, source: str
    ) -> tuple[StanceInfo, _Holder] | None:
        """Who holds a stance taken over from elsewhere (a compared or restated issue), with
        where it came from in the reasons; None (and why) when no tracked holder does."""
        info = StanceInfo(stance, weight, False)
        try:
            holder = self._holder(cue, info, None)
        except _Blocked as why:
            self.result.reasons.append(f"'{cue.text}': {why}")
            return None
        self.result.reasons.append(source)
        return info, holder

    @property
    def _tracked(self) -> frozenset[str]:
        return self.rules.tracked_sides

    def _elliptical(
        self,
        best: dict[tuple[str, str, str], ClaimFound],
        claimed: dict[int, tuple[str, _Holder]],
    ) -> None:
        """ "would accept EU membership but never NATO": a negated issue borrows the stance."""
        if not claimed or not self.breaks:
            return  # it borrows from a claim in the clause before: none, or a single clause
        stance_clauses = {self.clause_of(s.start) for s in self.stances}
        bare = [
            m
            for m in self.article.within("elliptical", self.start, self.end)
            if not self._overlaps_issue(m.start, m.end)
        ]
        for issue in [*self.issues, *bare]:
            clause = self.clause_of(issue.start)
            if clause in stance_clauses or clause - 1 not in claimed:
                continue
            lo, _ = self.clause_bounds(issue.start)
            negation = next(  # "but never NATO", "but not in NATO": the negation governs it
                (
                    n
                    for n in self.negations
                    if lo <= n.start
                    and n.end <= issue.start
                    and self.article.words(n.end, issue.start) <= _ELLIPSIS_GAP
                    and n.text.lower() in _BARE_NEGATIONS
                ),
                None,
            )
            if negation is None:
                continue
            stance, holder = claimed[clause - 1]
            flipped = self.rules.spec.negation.flip.get(stance)  # type: ignore[call-overload]
            if flipped is None:
                continue
            cue = next(s for s in reversed(self.stances) if self.clause_of(s.start) == clause - 1)
            self._add(
                best,
                _Holder(holder.mention, "inherited", holder.reported),
                cue,
                cue.cue.data,
                flipped,
                negation,
                issue,
                elliptical=True,
            )
