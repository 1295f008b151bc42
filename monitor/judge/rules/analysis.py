"""One sentence's claims: for each stance cue, its negation, the issues it governs, its holder.

The holder is the speaker of the quotation the cue sits in, the speaker a speech verb attributes
the sentence to, or the clause's subject; an analyst's or another side's attribution blocks the
claim, since their view of Russia is not Russia's. Every cue ends as claims or as a reason.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.judge.rules.article import ATTRIBUTION_GAP, ArticleScan, Attribution, Mention
from monitor.judge.rules.dates import find_date
from monitor.judge.rules.loader import NOT_A_STANCE, IssueInfo, StanceInfo
from monitor.judge.rules.matcher import Cue, CueMatch
from monitor.judge.rules.results import ClaimFound, SentenceResult
from monitor.judge.rules.sentences import Span

_CONTRACTION = re.compile(r"\b\w+n['’]t\b", re.IGNORECASE)
_CONTRACTION_CUE = Cue("n't", "not")
_SEMICOLON = re.compile(";")
_COORDINATION = re.compile(r",|\b(?:and|or|nor)\b")
_OWN = re.compile(r"\b(?:its|their|his|her|our)\s+(?:[\w-]+\s+)?$", re.IGNORECASE)  # "its demand"
_BREAKS_ATTRIBUTION = re.compile(r"[.;:“”\"]")
_BREAKS_ATTRIBUTION_AFTER = re.compile(r"[.;:“”\",]")
_AGENT = re.compile(r"\s+by\s+")
_AGENT_ADJECTIVAL = re.compile(r"\s+(?:by|to|for)\s+")
_FOLLOWER_PUNCT = re.compile(
    r"[,”\"»]\s*(?:one|an?|the|some|two|three|several|many|other)?\s*$", re.IGNORECASE
)
_QUESTION = re.compile(r"\?[”\"»’']?\s*$")
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:from|of|to|in|into|with|by|for|against|on|at|toward|towards|about|over|between|"
    r"than|near|inside|without|like|as)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_RELATIVE_CLAUSE = re.compile(
    r"\b(?:which|who|that)\s+(?:is|are|was|were)\b",
    re.IGNORECASE,
)
_POSSESSIVE_REACH = 4
_SOFT = frozenset({"accepts", "open_to"})
_HEADLINE_SPEAKER = re.compile(r"\s*[^:;,.“”\"]{2,60}:")
_OF_BEFORE_ISSUE = re.compile(r"\s+(?:of|to)\s+(?:(?:the|all|any|western|new)\s+)?", re.IGNORECASE)
_PASSIVE_AGENT = re.compile(
    r"\b(?:is|are|was|were|been|being)\s+(?:\w+ly\s+)?\w+(?:ed|en|wn|id|de)\s+by\s+",
    re.IGNORECASE,
)


@dataclass(slots=True)
class _Holder:
    mention: Mention
    how: str
    reported: bool
    clause: int = -1
    cue_end: int = 0


class _Blocked(Exception):
    """A stance cue gives no claim; the message says why (shown by explain)."""


def _speaker_label(mention: Mention) -> str:
    if mention.kind == "person_analyst" or mention.kind == "non_speaker":
        return f"analyst/commentator '{mention.text}'"
    if mention.kind == "person":
        return f"'{mention.text}' (no tracked side)"
    if mention.info is not None and not mention.info.tracked:
        return f"'{mention.text}' of side {mention.info.side}"
    return f"'{mention.text}'"


class SentenceAnalysis:
    """Claims of one sentence; every stance cue either yields claims or a reason why not."""

    def __init__(
        self,
        article: ArticleScan,
        paragraph: Span,
        sentence: Span,
        article_date: dt.date,
        in_title: bool,
    ) -> None:
        self.article = article
        self.rules = article.rules
        self.text = article.text
        self.start, self.end = sentence.start, sentence.end
        self.sentence = self.text[self.start : self.end]
        self.in_title = in_title
        self.article_date = article_date
        self.paragraph = paragraph
        self.quotes = [
            q for q in article.quotes(paragraph) if q.start < self.end and self.start < q.end
        ]
        within = article.within
        self.issues = within("issues", self.start, self.end)
        self.stances = self._swallow(
            [
                s
                for s in within("stances", self.start, self.end)
                if s.label != NOT_A_STANCE and not self._overlaps_issue(s.start, s.end)
            ]
        )
        self.mentions = [
            m
            for m in article.mentions_in(self.start, self.end, reporters=True)
            if not self._overlaps_issue(m.start, m.end)
        ]
        breaks = [  # "only if", "even if": a break inside a stance cue opens no new clause
            b.start
            for b in within("clause_breaks", self.start, self.end)
            if not any(s.start < b.start < s.end for s in self.stances)
        ]
        breaks += [m.start() for m in _SEMICOLON.finditer(self.text, self.start, self.end)]
        self.breaks = sorted(breaks)
        self.negations = within("negations", self.start, self.end)
        contractions = [
            CueMatch(_CONTRACTION_CUE, m.start(), m.end(), m.group(0))
            for m in _CONTRACTION.finditer(self.text, self.start, self.end)
        ]
        self.negations += contractions
        self.object_negations = [*within("object_negations", self.start, self.end), *contractions]
        self.hedges = within("hedges", self.start, self.end)
        self.attributions = self._attributions()
        self.reported_anywhere = [a for a in self.attributions if a.reported]
        self.result = SentenceResult(self.start, self.end, self.sentence)

    # -- structure -----------------------------------------------------------------------------

    def _swallow(self, stances: list[CueMatch]) -> list[CueMatch]:
        """ "rejected calls for", "refuses to accept": a cue right after another is its object."""
        kept: list[CueMatch] = []
        for cue in stances:
            if kept:
                last = kept[-1]
                if (
                    last.label != cue.label
                    and not last.cue.data.modal
                    and not cue.cue.data.modal
                    and self.article.words(last.end, cue.start) <= 2
                    and not _SEMICOLON.search(self.text, last.end, cue.start)
                ):
                    continue
                if (  # "should endorse", "must accept": what the modal demands of someone
                    last.cue.data.modal
                    and cue.label in _SOFT
                    and self.article.words(last.end, cue.start) == 0
                ):
                    continue
            kept.append(cue)
        return kept

    def _overlaps_issue(self, start: int, end: int) -> bool:
        return any(i.start < end and start < i.end for i in self.issues)

    def clause_of(self, position: int) -> int:
        return bisect_right(self.breaks, position)

    def clause_bounds(self, position: int) -> tuple[int, int]:
        index = self.clause_of(position)
        lo = self.breaks[index - 1] if index > 0 else self.start
        hi = self.breaks[index] if index < len(self.breaks) else self.end
        return lo, hi

    def quote_of(self, position: int) -> Span | None:
        for quote in self.quotes:
            if quote.start <= position < quote.end:
                return quote
        return None

    def _resolve(self, mention: Mention) -> Mention | None:
        if mention.kind != "pronoun":
            return mention
        return self.article.resolve_pronoun(mention, self.article.quotes(self.paragraph))

    def _attributions(self) -> list[Attribution]:
        """Speech verbs with the mention next to them ("Lavrov said", "said Mr. Peskov")."""
        found: list[Attribution] = []
        speakers = [m for m in self.mentions if m.kind != "reporter"]
        for verb in self.article.within("speech", self.start, self.end):
            speaker = self._adjacent_speaker(speakers, verb.start, verb.end)
            found.append(Attribution(verb.start, verb.end, speaker, False, verb.text))
        headline = _HEADLINE_SPEAKER.match(self.sentence)
        if headline:  # "Lavrov: NATO troops in Ukraine unacceptable"
            colon = self.start + headline.end() - 1
            for mention in speakers:
                if (
                    mention.end <= colon
                    and not self.text[mention.end : colon].strip()
                    and not self.text[self.start : mention.start].strip()
                ):
                    found.append(Attribution(colon, colon + 1, mention, False, ":"))
        for mention in self.mentions:
            if mention.kind != "reporter":
                continue
            speaker = self._adjacent_speaker(speakers, mention.start, mention.end)
            found.append(Attribution(mention.start, mention.end, speaker, True, mention.text))
        return sorted(found, key=lambda a: a.start)

    def _adjacent_speaker(
        self, speakers: Sequence[Mention], start: int, end: int
    ) -> Mention | None:
        before = [
            m
            for m in speakers
            if m.end <= start
            and not m.possessive
            and not _PREPOSITION_BEFORE.search(self.text, max(self.start, m.start - 12), m.start)
            and self.article.words(m.end, start) <= ATTRIBUTION_GAP
            and not _BREAKS_ATTRIBUTION.search(self.text, m.end, start)
            and self.clause_of(m.start) == self.clause_of(start)
        ]
        if before:
            return self._resolve(before[-1])
        after = [
            m
            for m in speakers
            if m.start >= end
            and self.article.words(end, m.start) <= 1
            and not _BREAKS_ATTRIBUTION_AFTER.search(self.text, end, m.start)
        ]
        return self._resolve(after[0]) if after else None

    # -- per stance cue ------------------------------------------------------------------------

    def _negated(self, cue: CueMatch) -> CueMatch | None:
        window = self.rules.spec.negation.window
        for negation in self.negations:
            if negation.end <= cue.start and not (
                negation.start < cue.end and cue.start < negation.end
            ):
                if self.article.words(negation.end, cue.start) < window and self.clause_of(
                    negation.start
                ) == self.clause_of(cue.start):
                    return negation
        return None

    def _bound_issues(self, index: int) -> list[CueMatch]:
        """Issues a stance cue governs: those after it in its clause, else those just before."""
        cue = self.stances[index]
        lo, hi = self.clause_bounds(cue.start)
        next_start = hi
        for later in self.stances[index + 1 :]:
            if later.start >= hi:
                break
            if later.label != cue.label:
                next_start = later.start
                break
        forward = [
            i
            for i in self.issues
            if cue.end <= i.start and i.end <= next_start and not self._excluded(i)
        ]
        if forward:
            relative = _RELATIVE_CLAUSE.search(self.text, forward[0].end, next_start)
            if relative:
                forward = [i for i in forward if i.start < relative.start()]
            info: StanceInfo = cue.cue.data
            if info.modal:
                forward = self._modal_subject_issues(cue, lo) + forward
            return forward
        if cue.cue.data.modal:
            return self._modal_subject_issues(cue, lo)
        previous_end = lo
        for earlier in self.stances[:index]:
            if lo <= earlier.start < cue.start:
                previous_end = max(previous_end, earlier.end)
        later_in_clause = any(cue.end <= s.start < hi for s in self.stances[index + 1 :])
        if later_in_clause:
            return []
        return [i for i in self.issues if previous_end <= i.start and i.end <= cue.start]

    def _excluded(self, issue: CueMatch) -> bool:
        """ "observers, rather than peacekeepers": an issue named only to be set aside."""
        return any(
            e.end <= issue.start and self.article.words(e.end, issue.start) <= 4
            for e in self.article.within(
                "exclusions", max(self.start, issue.start - 40), issue.start
            )
        )

    def _modal_subject_issues(self, cue: CueMatch, lo: int) -> list[CueMatch]:
        """ "any ceasefire must include ...": the issue right before a modal is what is demanded."""
        return [
            i
            for i in self.issues
            if lo <= i.start and i.end <= cue.start and self.article.words(i.end, cue.start) <= 2
        ]

    def _object_negation(self, cue: CueMatch, issue: CueMatch) -> CueMatch | None:
        if issue.end <= cue.start:  # the issue is the modal's subject: "NATO expansion must stop"
            for negation in self.article.within("after_negations", cue.end, self.end):
                if self.article.words(cue.end, negation.start) <= 2:
                    return negation
            for negation in self.object_negations:  # "the lifting of sanctions ... a condition"
                if negation.end <= issue.start and _OF_BEFORE_ISSUE.fullmatch(
                    self.text, negation.end, issue.start
                ):
                    return negation
            return None
        for negation in self.article.within(
            "after_negations", issue.end, min(self.end, issue.end + 30)
        ):
            if self.article.words(issue.end, negation.start) <= 1:
                return negation
        for negation in self.object_negations:
            if (
                cue.end <= negation.start
                and negation.end <= issue.start
                and self.article.words(negation.end, issue.start) <= 3
            ):
                return negation
        return None

    def _governing(self, cue: CueMatch) -> Attribution | None:
        """The attribution a stance cue falls under: the last one before it, else a trailing one."""
        before = [
            a
            for a in self.attributions
            if a.end <= cue.start and a.speaker is not None and self.quote_of(a.start) is None
        ]
        if before:
            return before[-1]
        for attribution in self.attributions:
            if attribution.start < cue.end or attribution.speaker is None:
                continue
            first = min(attribution.start, attribution.speaker.start)
            if _FOLLOWER_PUNCT.search(self.text[cue.end : first]):
                return attribution
        return None

    def _subject(self, cue: CueMatch, lo: int) -> Mention | None:
        """The nearest mention before the cue in its clause that can be its subject."""
        clause_lo, _ = self.clause_bounds(cue.start)
        lo = max(lo, clause_lo)
        for mention in self.mentions:  # "Moscow's proposal": the cue is inside an actor's name
            if mention.start < cue.start < mention.end and mention.kind == "actor":
                return mention
        for mention in reversed(self.mentions):
            if mention.end > cue.start or mention.start < lo or mention.kind == "reporter":
                continue
            if mention.possessive and (
                self.article.words(mention.end, cue.start) > _POSSESSIVE_REACH
            ):
                continue
            if not mention.possessive and _PREPOSITION_BEFORE.search(
                self.text, max(self.start, mention.start - 12), mention.start
            ):
                continue  # "troops from NATO countries": an object, not a subject
            if any(
                mention.end <= i.start
                and i.end <= cue.start
                and self.article.words(mention.end, i.start) == 0
                for i in self.issues
            ):
                continue  # "Ukraine in NATO is a red line": part of the issue's phrase
            return self._resolve(mention)
        return None

    def _passive_holder(self, cue: CueMatch) -> Mention | None:
        """ "demanded by the Kremlin", "unacceptable to Moscow": the holder right after the cue.

        A passive with an agent that is no known actor ("approved by the U.N. Security Council")
        has no holder at all: the sentence's subject did not do it.
        """
        adjectival = cue.text.lower().endswith(("able", "line", "lines", "starter"))
        match = (_AGENT_ADJECTIVAL if adjectival else _AGENT).match(
            self.text, cue.end, cue.end + 12
        )
        if not match:
            return None
        position = match.end()
        for mention in self.mentions:
            if mention.start == position and mention.kind in ("actor", "person", "non_speaker"):
                return mention
        if adjectival:
            return None
        raise _Blocked(f"'{cue.text} by' someone who is not a tracked actor")

    def _speculative(self, cue: CueMatch) -> None:
        """The writer's guess or question about a stance ("might soften its opposition") is none."""
        quote = self.quote_of(cue.start)
        for hedge in self.hedges:
            if hedge.end > cue.start or self.quote_of(hedge.start) is not quote:
                continue
            if any(  # "Asked whether ..., Peskov said Moscow rejects ...": a speaker answers
                hedge.end <= a.start and a.end <= cue.start and a.speaker is not None
                for a in self.attributions
            ):
                continue
            raise _Blocked(
                f"the writer's speculation or framing ('{hedge.text}'), not a stated position"
            )
        if quote is None and _QUESTION.search(self.sentence):
            raise _Blocked("a question, not a stated position")

    def _holder(self, cue: CueMatch, info: StanceInfo, previous: _Holder | None) -> _Holder:
        self._speculative(cue)
        reported = bool(self.reported_anywhere)
        quote = self.quote_of(cue.start)
        if quote is not None:
            speaker = self.article.quote_speaker(quote, self.paragraph)
            if speaker is None:
                raise _Blocked("quotation without a named speaker in this sentence")
            if not speaker.tracked:
                raise _Blocked(f"quoted speaker is {_speaker_label(speaker)}")
            subject = self._subject(cue, quote.start)
            if subject is not None and not info.modal and not subject.tracked:
                raise _Blocked(f"inside the quote the subject is {_speaker_label(subject)}")
            return _Holder(speaker, "quote", reported)
        governing = self._governing(cue)
        if governing is not None and governing.speaker is not None:
            speaker = governing.speaker
            if not speaker.tracked:
                raise _Blocked(f"attributed to {_speaker_label(speaker)} ('{governing.verb}')")
        lo = governing.end if governing is not None and governing.end <= cue.start else self.start
        passive = self._passive_holder(cue)
        if passive is not None:
            if not passive.tracked:
                raise _Blocked(f"the holder is {_speaker_label(passive)} ('{cue.text} by')")
            return _Holder(passive, "passive", reported)
        if info.modal:
            if governing is not None and governing.speaker is not None:
                return _Holder(governing.speaker, "attribution", reported)
            if previous is not None and previous.clause == self.clause_of(cue.start):
                return _Holder(previous.mention, "inherited", previous.reported)
            document = next(
                (
                    m
                    for m in self.mentions
                    if m.end <= cue.start
                    and m.info is not None
                    and m.info.tracked
                    and m.info.kind == "document"
                ),
                None,
            )
            if document is not None:
                return _Holder(document, "subject", reported)
            raise _Blocked(f"'{cue.text}' states a demand only when a speaker is named")
        subject = self._subject(cue, lo)
        if subject is not None:
            if not subject.tracked:
                raise _Blocked(f"the subject is {_speaker_label(subject)}")
            if (
                governing is not None
                and governing.speaker is not None
                and (
                    governing.speaker.info is not None
                    and subject.info is not None
                    and governing.speaker.info.side == subject.info.side
                    and governing.speaker.is_person
                    and not subject.is_person
                )
            ):
                return _Holder(governing.speaker, "attribution", reported)
            return _Holder(subject, "subject", reported)
        if governing is not None and governing.speaker is not None:
            return _Holder(governing.speaker, "attribution", reported)
        if previous is not None:
            if (
                previous.clause == self.clause_of(cue.start)
                and not _COORDINATION.search(self.text, previous.cue_end, cue.start)
                and not _OWN.search(self.text, previous.cue_end, cue.start)
            ):
                raise _Blocked(
                    "a stance inside what an earlier cue governs ('proposes that X "
                    "endorse'): not the holder's own"
                )
            return _Holder(previous.mention, "inherited", previous.reported)
        agent = self._clause_agent(cue)
        if agent is not None:
            return _Holder(agent, "passive", reported)
        raise _Blocked("no actor of a tracked side holds this stance")

    def _clause_agent(self, cue: CueMatch) -> Mention | None:
        """ "The demand for X was repeated by Putin": a nominal stance's holder is the agent."""
        lo, hi = self.clause_bounds(cue.start)
        match = _PASSIVE_AGENT.search(self.text, lo, hi)
        if match is None or self.quote_of(match.start()) is not self.quote_of(cue.start):
            return None
        for mention in self.mentions:
            if mention.start == match.end():
                if not mention.tracked:
                    raise _Blocked(f"the holder is {_speaker_label(mention)} ('{match.group(0)}')")
                return mention
        return None

    def _confidence(self, holder: _Holder, info: StanceInfo, issue: IssueInfo) -> float:
        spec = self.rules.spec.confidence
        assert holder.mention.info is not None
        score = spec.actor_kind[holder.mention.info.kind]  # type: ignore[index]
        if holder.how == "quote":
            score += spec.quote_bonus
        if holder.reported:
            score *= spec.reported_factor
        if holder.how in ("inherited", "passive") or holder.mention.via_pronoun:
            score *= spec.inherited_factor
        if self.in_title:
            score *= spec.title_factor
        score *= info.weight * issue.weight
        return round(min(score, 1.0), 3)

    def _span(self, start: int, end: int) -> tuple[int, int] | None:
        if self.start <= start and end <= self.end:
            return (start - self.start, end - self.start)
        return None

    def run(self) -> SentenceResult:
        result = self.result
        if not self.issues:
            result.reasons.append("no issue cue")
        if not self.stances:
            result.reasons.append("no stance cue")
        if not self.issues or not self.stances:
            return result
        date_found = find_date(self.sentence, self.article_date)
        statement = date_found.date if date_found else self.article_date
        previous: _Holder | None = None
        claimed_clauses: dict[int, tuple[str, _Holder]] = {}
        best: dict[tuple[str, str, str], ClaimFound] = {}
        for index, cue in enumerate(self.stances):
            info: StanceInfo = cue.cue.data
            stance: str | None = info.stance
            negation = self._negated(cue)
            if negation is not None:
                stance = self.rules.spec.negation.flip.get(info.stance)  # type: ignore[call-overload]
                if stance is None:
                    result.reasons.append(
                        f"'{cue.text}' is negated by '{negation.text}': no stance"
                    )
                    continue
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
            if stance is None:
                continue
            claimed_clauses[self.clause_of(cue.start)] = (stance, holder)
            for issue in issues:
                self._add(best, holder, cue, info, stance, negation, issue, statement)
        self._elliptical(best, claimed_clauses, statement)
        result.claims = _merge_firm(list(best.values()))
        if not result.claims and not result.reasons:
            result.reasons.append("no claim")
        return result

    def _elliptical(
        self,
        best: dict[tuple[str, str, str], ClaimFound],
        claimed: dict[int, tuple[str, _Holder]],
        statement: dt.date,
    ) -> None:
        """ "would accept EU membership but never NATO": a negated issue borrows the stance."""
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
            negation = next(
                (n for n in self.negations if lo <= n.start and n.end <= issue.start), None
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
                statement,
                elliptical=True,
            )

    def _add(
        self,
        best: dict[tuple[str, str, str], ClaimFound],
        holder: _Holder,
        cue: CueMatch,
        info: StanceInfo,
        stance: str,
        negation: CueMatch | None,
        issue: CueMatch,
        statement: dt.date,
        elliptical: bool = False,
    ) -> None:
        issue_info: IssueInfo = issue.cue.data
        final = stance
        object_negation = None
        if issue_info.negatable and final == "demands" and not elliptical:
            object_negation = self._object_negation(cue, issue)
            if issue_info.negative or object_negation is not None:
                final = "rejects"
        actor = holder.mention.info
        assert actor is not None
        parts = [
            f"{holder.how}: actor '{holder.mention.text}' ({actor.side}, {actor.kind})",
            f"stance cue '{cue.text}' ({info.stance})",
        ]
        if negation is not None:
            parts.append(f"negated by '{negation.text}' -> {stance}")
        parts.append(f"issue cue '{issue.text}' ({issue_info.issue})")
        if issue_info.negative:
            parts.append(f"'{issue.text}' names the opposite -> {final}")
        elif object_negation is not None:
            parts.append(f"'{object_negation.text}' before the issue -> {final}")
        if holder.reported:
            reporters = ", ".join(f"'{a.verb}'" for a in self.reported_anywhere)
            parts.append(f"reported ({reporters})")
        claim = ClaimFound(
            side=actor.side,
            actor=actor.name,
            issue=issue_info.issue,
            stance=final,
            evidence=self.sentence,
            statement_date=statement,
            confidence=self._confidence(holder, info, issue_info),
            reported=holder.reported,
            rule="; ".join(parts),
            sentence_start=self.start,
            actor_span=self._span(holder.mention.start, holder.mention.end),
            stance_span=(cue.start - self.start, cue.end - self.start),
            issue_span=(issue.start - self.start, issue.end - self.start),
            how=holder.how,
        )
        key = (claim.side, claim.issue, claim.stance)
        if key not in best or best[key].confidence < claim.confidence:
            best[key] = claim


def _merge_firm(claims: list[ClaimFound]) -> list[ClaimFound]:
    """demands and rejects on one issue in one sentence are one line: keep the first named."""
    kept: dict[tuple[str, str], ClaimFound] = {}
    others: list[ClaimFound] = []
    for claim in sorted(claims, key=lambda c: c.issue_span):
        if claim.stance in ("demands", "rejects"):
            kept.setdefault((claim.side, claim.issue), claim)
        else:
            others.append(claim)
    return sorted([*kept.values(), *others], key=lambda c: (c.issue_span, c.stance))
