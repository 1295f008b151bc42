"""One sentence's structure: its cues, clauses, quotations, attributions and what binds to what.

The base of a sentence's analysis (``analysis.py``): which stance cues count, where clauses break
(a colon list keeps one clause), which issues a cue governs, and negation before a cue or its
issue. Holders live in ``holders.py``, constructions in ``constructions.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Sequence
from operator import attrgetter

from monitor.judge.rules.article import (
    _PREPOSITION_BEFORE,
    ATTRIBUTION_GAP,
    ArticleScan,
    Attribution,
    Mention,
)
from monitor.judge.rules.dates import statement_date
from monitor.judge.rules.loader import NOT_A_STANCE, StanceInfo
from monitor.judge.rules.matcher import Cue, CueMatch
from monitor.judge.rules.results import ClaimFound, SentenceResult
from monitor.judge.rules.sentences import Span

_CONTRACTION = re.compile(r"\b\w+n['’]t\b", re.IGNORECASE)
_CONTRACTION_CUE = Cue("n't", "not")
_SEMICOLON = re.compile(";")
_BREAKS_ATTRIBUTION = re.compile(r"[.;:“”\"]")
# A sentence ending inside a quotation that runs over several sentences ("... a settlement
# requires. And ... All of this goes deeper than a peacekeeping mission"); not "U.S." or "Mr."
_FULL_STOP = re.compile(r"(?<![A-Z])(?<!Mr)(?<!Ms)(?<!Dr)(?<!St)(?<!Jr)[.!?]\s+[A-Z“\"]")
# "..., Dmitry Polyansky, First Deputy Permanent Representative of Russia to the UN, told
# Izvestia": the speaker's title set off by commas between the name and the verb
_APPOSITION = re.compile(r",\s[^,;:“”\"]{3,120},\s*")
_COMMA_BEFORE = re.compile(r",\s*$")
_INVERTED_BEFORE = re.compile(r"(?:^|[,;:“”\"»—–-])\s*(?:(?:also|then|later)\s+)?$")
_INCLUDING_BEFORE = re.compile(  # an item of what the cue before governs, not a new stance
    r"\b(?:including|such as|notably|namely)\s+(?:(?:a|an|the|any)\s+)?$", re.IGNORECASE
)
_BY_AGENT = re.compile(r"\s+by\s+")  # "the view maintained by the West": its holder
_BREAKS_ATTRIBUTION_AFTER = re.compile(r"[.;:“”\",]")
_RELATIVE_CLAUSE = re.compile(
    r"\b(?:which|who|that)\s+(?:is|are|was|were)\b",
    re.IGNORECASE,
)
# ", claiming that Russia agreed to ...": a speech participle opens a new statement
_NEW_PREDICATE = re.compile(
    r"\b(?:and|since|because|so that)\b|,\s*(?:claiming|saying|adding|arguing|noting|"
    r"asserting|stressing|recalling)\b",
    re.IGNORECASE,
)
_NEW_CLAUSE_PUNCT = re.compile(r"[,;:]")  # "as unacceptable, that Moscow wanted ...": two cues
_AS_BEFORE = re.compile(r"\bas\s+(?:(?:an?|the|absolutely|totally|completely|wholly)\s+)?$")
_AS_BEFORE_PART = re.compile(r"\bas\s+$", re.IGNORECASE)
_LOCATIVE = re.compile(r"\bin\s+(?:the\s+)?$", re.IGNORECASE)
_SOFT = frozenset({"accepts", "open_to"})
_AND_BEFORE = re.compile(r",\s+and\s+(?:\w+\s+)?$")  # ", and again said that ...": a new report
_WHICH_BEFORE = re.compile(r"[^,.;:“”\"]{0,60},\s+which\s+")
_MEMBERSHIP_WORD = re.compile(
    r"(?i)(?:join|joining|entry|entering|membership|accession|admission)\b"
)
_AND_OR = re.compile(r"\s+(?:and|or|nor)\s+(?:the\s+)?")
_HEADLINE_SPEAKER = re.compile(r"\s*[^:;,.“”\"]{2,60}:")
# "will never, at any moment, sign up to, agree to or even put up with ...": a negation before
# a series of verbs governs each of them; the gap holds verbs that share the object (a bare verb,
# or one ending in its preposition), commas, "or" and adverbials only.
_VERB_SERIES = re.compile(
    r"(?:\s*,?\s*(?:at any (?:moment|time|point|stage)|under any circumstances|ever|even|also|"
    r"in any case)\s*,?)*"
    r"(?:\s*(?:[a-z]+|[a-z]+(?:\s+[a-z]+)?\s+(?:to|with|up|on|for|in|of))"
    r"\s*(?:,\s*(?:or|and|nor)?|\bor\b|\band\b|\bnor\b)"
    r"\s*(?:(?:even|also|ever)\s+)?)+",
    re.IGNORECASE,
)
_NEW_SUBJECT = re.compile(
    r"\b(?:we|they|he|she|it|i|you|russia|moscow|kyiv|ukraine|that|which|who)\b", re.IGNORECASE
)
_OF_BEFORE_ISSUE = re.compile(r"\s+(?:of|to)\s+(?:(?:the|all|any|western|new)\s+)?", re.IGNORECASE)


_RELATIVE = re.compile(r"\s+(?:that|which)\s+", re.IGNORECASE)
_PROPOSAL_NOUNS = frozenset({"proposal", "proposals", "offer", "offers", "initiative"})
# Between a stance verb and the proposal it acts on: "agreed in principle with the", "rejected a"
# "the reported proposal", "this offer": a proposal already on the table, not one the holder
# makes here (its own is "our proposal", "Russia's offer", "a proposal"); another side's
# adjective ("the US proposal") is the rules' possessors' to say
_DEFINITE_BEFORE = re.compile(
    r"\b(?:the|this|that|these|those)\s+(?:(?:reported|updated|latest|new|revised|original|"
    r"amended|current|so-called|peace)\s+){0,2}$",
    re.IGNORECASE,
)
# A sentence opening with a concessive clause: it ends at its first comma
_CONCESSIVE_OPENING = re.compile(
    r"\s*(?:While|Whilst|Whereas|Although|Though|Even though|Even as)\s"
)
_PROPOSAL_MODIFIER = re.compile(r"\b(?:peace|ceasefire|truce|security)\s+$", re.IGNORECASE)
_OBJECT_GAP = re.compile(
    r"\s+(?:(?:in principle|with|to|the|a|an|this|that|these|those|any|its|their|new|latest|"
    r"ceasefire|truce|peace|U\.?S\.?|American|European|Western|Ukrainian)\s+){0,4}",
    re.IGNORECASE,
)


class SentenceScan:
    """A sentence's cues and structure; subclasses decide holders and claims."""

    def __init__(
        self,
        article: ArticleScan,
        paragraph: Span,
        sentence: Span,
        article_date: dt.date,
        in_title: bool,
        header: CueMatch | None = None,
        previous_holder: Mention | None = None,
        header_holder: Mention | None = None,
        known: dict[str, ClaimFound] | None = None,
    ) -> None:
        self.article = article
        self.rules = article.rules
        self.text = article.text
        self.start, self.end = sentence.start, sentence.end
        self.sentence = self.text[self.start : self.end]
        self.in_title = in_title
        self.header = header  # the stance cue of a list header this sentence is an item of
        self.previous_holder = previous_holder  # who held the last claim before this sentence
        self.known = known if known is not None else {}  # earlier claims of the article by issue
        self.header_holder = header_holder  # who holds the list this sentence is an item of
        self.last_holder: Mention | None = None
        self.article_date = article_date
        self._statement_date: dt.date | None = None
        self.paragraph = paragraph
        self.quotes = [
            q for q in article.quotes(paragraph) if q.start < self.end and self.start < q.end
        ]
        within = article.within
        cues = [s for s in within("stances", self.start, self.end) if s.cue.label != NOT_A_STANCE]
        charges = [(s.start, s.end) for s in cues if s.cue.data.accusation]
        # "threaten Russia's own security": an issue phrase inside a longer charge is part of
        # what the charge says, not an issue of its own
        self.issues = within("issues", self.start, self.end)
        if charges:
            self.issues = [
                i
                for i in self.issues
                if not any(
                    a <= i.start and i.end <= b and b - a > i.end - i.start for a, b in charges
                )
            ]
        self.issues = self._coordinated(self.issues, within("elliptical", self.start, self.end))
        self.mentions = [
            m
            for m in article.mentions_in(self.start, self.end, reporters=True)
            if not self._overlaps_issue(m.start, m.end)
        ]
        documents = [m for m in self.mentions if m.info is not None and m.info.kind == "document"]
        # "The proposals would bar ...": the cue only names the document, so it neither states a
        # stance nor swallows the verb after it as its object.
        self.stances = self._swallow(
            [
                s
                for s in cues
                if not self._overlaps_issue(s.start, s.end)
                and not any(d.start <= s.start and s.end <= d.end for d in documents)
            ]
        )
        breaks = [  # "only if", "even if": a break inside a stance cue opens no new clause
            b.start
            for b in within("clause_breaks", self.start, self.end)
            if not any(s.start < b.start < s.end for s in self.stances)
        ]
        colon = self._list_colon()
        if colon is not None:  # "sets out: a ban on X; caps on Y": items, not new stances
            self.stances = [s for s in self.stances if s.start < colon or s.cue.data.modal]
        breaks += [
            m.start()
            for m in _SEMICOLON.finditer(self.text, self.start, self.end)
            if colon is None or m.start() < colon  # "sets out: a; b; c": one list, one stance
        ]
        opening = _CONCESSIVE_OPENING.match(self.text, self.start, self.end)
        if opening is not None:  # "While Moscow says it is open to talks, it has given no sign
            comma = self.text.find(",", opening.end(), self.end)  # of easing ...": two clauses
            if comma != -1:
                breaks.append(comma)
        self.breaks = sorted(breaks)
        # proposal nouns another stance cue acts on, found once for run() and _bound_issues()
        self.objects = frozenset(i for i in range(len(self.stances)) if self._object_of_stance(i))
        self.negations = within("negations", self.start, self.end)
        contractions = (
            [
                CueMatch(_CONTRACTION_CUE, m.start(), m.end(), m.group(0))
                for m in _CONTRACTION.finditer(self.text, self.start, self.end)
            ]
            if article.may_hold_contraction(self.start, self.end)  # before the word-by-word regex
            else []
        )
        self.negations += contractions
        self.object_negations = [*within("object_negations", self.start, self.end), *contractions]
        self.hedges = within("hedges", self.start, self.end)
        self.attributions = self._attributions()
        self.reported_anywhere = [a for a in self.attributions if a.reported]
        self.result = SentenceResult(self.start, self.end, self.sentence)

    @property
    def statement_date(self) -> dt.date:
        """When the sentence says the statement was made: looked for once a claim needs it
        (kept by hand: functools.cached_property takes a lock on every first access)."""
        if self._statement_date is None:
            self._statement_date = statement_date(self.sentence, self.article_date)
        return self._statement_date

    # -- structure -----------------------------------------------------------------------------

    def _list_colon(self) -> int | None:
        """Where "The document sets out: ..." opens a list after a stance cue, if it does."""
        colon = self.text.find(":", self.start, self.end)
        if colon < 0 or not any(s.end <= colon for s in self.stances):
            return None
        return colon

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
                    and not self._owned_between(last.end, cue.start)
                    and not _NEW_CLAUSE_PUNCT.search(self.text, last.end, cue.start)
                ):
                    continue
                if (  # "should endorse", "must accept": what the modal demands of someone
                    last.cue.data.modal
                    and cue.label in _SOFT
                    and (
                        self.article.words(last.end, cue.start) == 0
                        or self._other_side_between(last.end, cue.start)
                    )
                ):
                    continue
            kept.append(cue)
        return kept

    def _coordinated(self, issues: list[CueMatch], bare: list[CueMatch]) -> list[CueMatch]:
        """ "give up joining the EU and NATO": an organisation named bare right after a
        membership phrase joins it too, so it is that organisation's membership issue."""
        added = [
            b
            for b in bare
            if not self._overlaps(issues, b)
            and any(
                i.end <= b.start
                and i.label != b.label
                and _MEMBERSHIP_WORD.match(i.text) is not None
                and _AND_OR.fullmatch(self.text, i.end, b.start) is not None
                for i in issues
            )
        ]
        if not added:
            return issues
        infos = self.article.rules.issue_infos
        full = [  # the issue's own reading ("give up ... NATO" excludes membership), not the
            # bare name's, which only borrows a stance said of another issue
            CueMatch(Cue(b.cue.phrase, b.label, infos[b.label]), b.start, b.end, b.text)
            for b in added
        ]
        return sorted([*issues, *full], key=lambda m: m.start)

    @staticmethod
    def _overlaps(issues: list[CueMatch], cue: CueMatch) -> bool:
        return any(i.start < cue.end and cue.start < i.end for i in issues)

    def _other_side_between(self, start: int, end: int) -> bool:
        """ "depends on Ukraine accepting": only another side's name between a condition and an
        acceptance makes the acceptance what the condition demands of that side."""
        mentions = self.article.mentions_in(start, end)
        return (
            self.article.words(start, end) <= 2
            and bool(mentions)
            and all(m.info is not None and not m.info.tracked for m in mentions)
            and self.article.words(start, end)
            == sum(self.article.words(m.start, m.end) for m in mentions)
        )

    def _owned_between(self, start: int, end: int) -> bool:
        """ "turned down Moscow's demand": a possessive makes the second cue its owner's own."""
        return any(
            m.possessive and start <= m.start and m.end <= end
            for m in self.article.mentions_in(start, end)
        )

    def _overlaps_issue(self, start: int, end: int) -> bool:
        for issue in self.issues:  # noqa: SIM110 (a loop: no generator per mention and cue)
            if issue.start < end and start < issue.end:
                return True
        return False

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
        return sorted(found, key=attrgetter("start"))

    def _adjacent_speaker(
        self, speakers: Sequence[Mention], start: int, end: int
    ) -> Mention | None:
        if self.text[start:end].lower().endswith("ing") and _COMMA_BEFORE.search(
            self.text, max(self.start, start - 3), start
        ):  # "The Kremlin has long attacked NATO, saying ...": the clause's subject speaks
            subject = next(
                (
                    m
                    for m in speakers
                    if self.start <= m.start < start
                    and not m.possessive
                    and self.article.words(self.start, m.start) <= 2
                ),
                None,
            )
            if subject is not None:
                return self._resolve(subject)
        before = next(  # the nearest one before the verb: looked for from the verb back
            (
                m
                for m in reversed(speakers)
                if m.end <= start
                and not m.possessive
                and (
                    self.article.words(m.end, start) <= ATTRIBUTION_GAP
                    or _APPOSITION.fullmatch(self.text, m.end, start) is not None
                )
                and not _PREPOSITION_BEFORE.search(
                    self.text, max(self.start, m.start - 12), m.start
                )
                and not _BREAKS_ATTRIBUTION.search(self.text, m.end, start)
                and self.clause_of(m.start) == self.clause_of(start)
            ),
            None,
        )
        if before is not None:
            return self._resolve(before)
        after = next(
            (
                m
                for m in speakers
                if m.start >= end
                and self.article.words(end, m.start) <= 1
                and not _BREAKS_ATTRIBUTION_AFTER.search(self.text, end, m.start)
            ),
            None,
        )
        at_start = not self.text[self.start : start].strip(' “"')  # "According to X, ..."
        if (
            after is not None
            and not at_start
            and not _INVERTED_BEFORE.search(self.text, self.start, start)
            and not _BY_AGENT.match(self.text, end, after.start + 1)
        ):
            # "said NATO member states should ...", "says Washington should ...": the party after
            # the verb is what is said; only ", said Peskov" / "“...” says Lavrov" is inverted.
            return None
        return self._resolve(after) if after is not None else None

    def _negated(self, cue: CueMatch) -> CueMatch | None:
        window = self.rules.spec.negation.window
        for negation in self.negations:
            if negation.end <= cue.start and not (
                negation.start < cue.end and cue.start < negation.end
            ):
                if self.clause_of(negation.start) != self.clause_of(cue.start):
                    continue
                if negation.text.lower() == "without" and self.article.words(
                    negation.end, cue.start
                ):  # "without Russia's consent is a military target": "without" takes a noun
                    continue
                if self.article.words(negation.end, cue.start) < window or (
                    self._verb_series(negation.end, cue.start)
                ):
                    return negation
        return None

    def _verb_series(self, start: int, end: int) -> bool:
        """Only a series of verbs between a negation and a cue: the negation spreads over it."""
        gap = self.text[start:end]
        return (
            self.article.words(start, end) <= 10
            and _VERB_SERIES.fullmatch(gap) is not None
            and _NEW_SUBJECT.search(gap) is None
        )

    def _object_of_stance(self, index: int) -> bool:
        """ "agreed in principle with the proposal to stop hostilities", "rejected the offer",
        "went through the updated proposal", "responds to French proposal": a proposal noun
        another stance cue acts on, one already on the table or one another side's adjective
        owns is someone else's proposal, not the holder's own."""
        cue = self.stances[index]
        if cue.label != "proposes" or cue.text.lower() not in _PROPOSAL_NOUNS:
            return False
        if _DEFINITE_BEFORE.search(self.text, max(self.start, cue.start - 40), cue.start):
            return True  # "had gone through the updated proposal": one already on the table
        owners = self.article.rules.possessor_pattern
        head = cue.start
        modifier = _PROPOSAL_MODIFIER.search(self.text, max(self.start, head - 20), head)
        if modifier is not None:
            head = modifier.start()
        if owners is not None and owners.search(self.text, max(self.start, head - 30), head):
            return True  # "Moscow responds to French proposal": another side's own
        return any(
            earlier.label != "proposes"
            and earlier.end <= cue.start
            and _OBJECT_GAP.fullmatch(self.text, earlier.end, cue.start) is not None
            for earlier in self.stances[:index]
        )

    def _bound_issues(self, index: int) -> list[CueMatch]:
        """Issues a stance cue governs: those after it in its clause, else those just before."""
        cue = self.stances[index]
        lo, hi = self.clause_bounds(cue.start)
        next_start = hi
        for offset, later in enumerate(self.stances[index + 1 :], start=index + 1):
            if later.start >= hi:
                break
            if offset in self.objects:
                continue  # "agreed with the proposal to stop hostilities": the proposal is the object
            if _INCLUDING_BEFORE.search(self.text, max(self.start, later.start - 20), later.start):
                continue  # "insist on guarantees, including a refusal by NATO to admit Kyiv"
            if later.label != cue.label:
                next_start = later.start
                break
        # "Putin repeated that Moscow does not oppose the EU bid, and again said that NATO
        # membership is unacceptable": a second report opens the next statement
        next_start = min(
            (
                a.start
                for a in self.attributions
                if cue.end < a.start < next_start
                and _AND_BEFORE.search(self.text, max(cue.end, a.start - 16), a.start)
            ),
            default=next_start,
        )
        stop = _FULL_STOP.search(self.text, cue.end, next_start)
        if stop is not None and self.quote_of(cue.start) is not None:
            next_start = stop.start()  # in a quote of several sentences, a stance said in one
            # governs nothing in the next ("a settlement requires. ... a peacekeeping mission")
        if self._predicative(cue):  # "regarded NATO membership as unacceptable, that ..."
            preceding = [
                i
                for i in self.issues
                if lo <= i.start and i.end <= cue.start and not self._excluded(i)
            ]
            if preceding:
                return preceding
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
            # "a neutral status for Ukraine, which calls for its disarmament": what the relative
            # clause's stance is said of is held too
            antecedent = [
                i
                for i in self.issues
                if lo <= i.start
                and i.end <= cue.start
                and _WHICH_BEFORE.fullmatch(self.text, i.end, cue.start) is not None
            ][-1:]
            return antecedent + forward
        if cue.cue.data.modal:
            return self._modal_subject_issues(cue, lo)
        previous_end = lo
        for earlier in self.stances[:index]:
            if lo <= earlier.start < cue.start:
                previous_end = max(previous_end, earlier.end)
        for report in self.attributions:  # ", and again said that NATO membership is ...":
            if previous_end <= report.start < cue.start and _AND_BEFORE.search(  # what comes
                self.text,
                max(lo, report.start - 16),
                report.start,  # before is another report
            ):
                previous_end = report.end
        speech_after = min(  # "X is unacceptable, Zakharova said, adding that ...": what
            (a.start for a in self.attributions if a.start >= cue.end),  # follows the speech
            default=hi,  # verb is another statement, not this cue's clause
        )
        later_in_clause = any(
            cue.end <= s.start < min(hi, speech_after) for s in self.stances[index + 1 :]
        )
        if later_in_clause:
            return []
        before = [i for i in self.issues if previous_end <= i.start and i.end <= cue.start]
        if before and self._new_predicate(before[-1].end, cue.start, previous_end > lo):
            return []
        return before

    def _predicative(self, cue: CueMatch) -> bool:
        """ "sees X as a threat", "regarded X as unacceptable": the cue describes what precedes."""
        if cue.text.lower().startswith("as "):
            return True
        return _AS_BEFORE.search(self.text, max(self.start, cue.start - 30), cue.start) is not None

    def _new_predicate(self, start: int, end: int, after_cue: bool) -> bool:
        """ "declined a truce and instead suggested talks", "..., since any deal would need":
        the issue before the cue belongs to an earlier verb or clause, not to this cue."""
        gap = _NEW_PREDICATE.search(self.text, start, end)
        return gap is not None and (after_cue or gap.group(0).lower() != "and")

    def _excluded(self, issue: CueMatch) -> bool:
        """ "observers, rather than peacekeepers": an issue named only to be set aside; a place
        after "in" ("a bloodbath in Donbas") is where, not what."""
        if (
            issue.label == "territory"
            and issue.text[:1].isupper()
            and _LOCATIVE.search(self.text, max(self.start, issue.start - 8), issue.start)
        ):
            return True
        if issue.text.lower().startswith("part of") and _AS_BEFORE_PART.search(
            self.text, max(self.start, issue.start - 6), issue.start
        ):  # "troops stationed in Ukraine as part of a security guarantee": a frame, not a role
            return True
        exclusions = self.article.within(
            "exclusions", max(self.start, issue.start - 40), issue.start
        )
        return bool(exclusions) and any(
            e.end <= issue.start
            and self.article.words(e.end, issue.start) <= 4
            and not self._inside_stance(e)
            for e in exclusions
        )

    def _inside_stance(self, cue: CueMatch) -> bool:
        """ "cannot be removed without Ukraine's demilitarization": the "without" belongs to a
        stance cue (a precondition), so what follows it is demanded, not set aside."""
        return any(s.start <= cue.start and cue.end <= s.end for s in self.stances)

    def _modal_subject_issues(self, cue: CueMatch, lo: int) -> list[CueMatch]:
        """ "any ceasefire must include ...": the issue right before a modal is what is demanded."""
        return [
            i
            for i in self.issues
            if lo <= i.start and i.end <= cue.start and self.article.words(i.end, cue.start) <= 2
        ]

    def _object_negation(self, cue: CueMatch, issue: CueMatch) -> CueMatch | None:
        if issue.end <= cue.start:  # the issue is the modal's subject: "NATO expansion must stop"
            # ... but a condition opens a clause of its own: in "a ceasefire, only on condition
            # that Kyiv stop mobilizing" the stopping is the condition's, not the truce's
            if not self.article.within("conditions", cue.start, cue.end) and not (
                _FULL_STOP.search(self.text, issue.end, cue.start)
            ):  # not across a full stop inside a quote: "... to stop its attacks. They should
                # stop it ...": the modal's subject is "they", not the issue before it
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
            if self.article.words(issue.end, negation.start) <= 1 and not _RELATIVE.fullmatch(
                self.text, issue.end, negation.start
            ):  # not "any ceasefire that ends the conflict": the truce is what does the ending
                return negation
        for negation in self.object_negations:
            if (
                cue.end <= negation.start
                and negation.end <= issue.start
                and self.article.words(negation.end, issue.start) <= 3
                and not self._other_item_between(negation.end, issue)
                and not self._negates_earlier(negation, issue)
            ):
                return negation
        return None

    def _negates_earlier(self, negation: CueMatch, issue: CueMatch) -> bool:
        """ "wants all arms to Ukraine halted for the truce": a negation right after another
        issue ends that issue ("arms ... halted"), not the one after it."""
        return any(
            other is not issue
            and other.end <= negation.start
            and self.article.words(other.end, negation.start) <= 3
            for other in self.issues
        )

    def _other_item_between(self, start: int, issue: CueMatch) -> bool:
        """ "guarantees that NATO will not expand further, a neutral status ...": the negation
        ends with the list item it governs; the next item after a comma is not negated."""
        return any(
            other is not issue
            and start <= other.start
            and other.end <= issue.start
            and "," in self.text[other.end : issue.start]
            for other in self.issues
        )

    def _span(self, start: int, end: int) -> tuple[int, int] | None:
        if self.start <= start and end <= self.end:
            return (start - self.start, end - self.start)
        return None
