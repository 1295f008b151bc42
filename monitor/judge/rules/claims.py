"""Claim extraction: who (of a tracked side) demands, rejects or accepts what, in which sentence.

The flow per article: scan the text once for every cue layer (actors, stances, issues...), split
only the paragraphs holding both a stance and an issue cue into sentences, and analyse those
sentences (``analysis.py``). ``explain`` runs the same analysis over every sentence.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.judge.rules.analysis import SentenceAnalysis
from monitor.judge.rules.article import ArticleScan, Mention
from monitor.judge.rules.dates import statement_date
from monitor.judge.rules.loader import NOT_A_STANCE, RuleSet, StanceInfo
from monitor.judge.rules.matcher import Cue, CueMatch, fragment_starts
from monitor.judge.rules.results import ClaimFound, SentenceResult
from monitor.judge.rules.sentences import Span, paragraphs, sentences

logger = logging.getLogger(__name__)
_ITEM_WORDS = 30
# "Russia asks for:" and "Russia puts forward two options:": a proposal's points are what it asks
_HEADER_STANCES = frozenset({"demands", "proposes"})
_DOCUMENT_WORDS = ("memorandum", "draft", "proposals", "demands", "conditions", "terms")


def _any_case_words(words: Sequence[str]) -> re.Pattern[str]:
    """``\\b(?:word|...)\\b`` in any case, written so that the regex engine jumps from one
    possible first letter to the next (none may be i, k or s: those have other case forms)
    instead of trying every position; the look-behinds then pick the word that letter starts."""
    first = sorted({c for w in words for c in (w[0], w[0].upper())})
    return re.compile(
        "["
        + "".join(first)
        + r"](?<!\w.)(?i:"
        + "|".join(f"(?<={w[0]}){w[1:]}" for w in words)
        + r")\b"
    )


_DOCUMENT_WORD = _any_case_words(_DOCUMENT_WORDS)

# A headline that announces a topic: "Peskov speaks on legally binding guarantees"
_TOPIC_ONLY = re.compile(
    r"\b(?:speaks?|spoke|talks?|talked|comments?|commented|remarks?|remarked)\s+(?:on|about)\b",
    re.IGNORECASE,
)
_PROSE_END = re.compile(r"[.!?][\"'”’»)\]]*\s*$")
# "in Lukashevich's view", "in Putin's words": a possessive that attributes what follows
_VIEW = re.compile(r"\s+(?:view|words|opinion|assessment|reading)\b")


def _topic_headline(text: str, sentence: Span, title_end: int) -> bool:
    """The title, or a line with no closing stop (the headline again above the text), that only
    announces its topic: "Peskov speaks on legally binding security guarantees in Geneva"."""
    words = text[sentence.start : sentence.end]
    headline = sentence.end <= title_end or _PROSE_END.search(words) is None
    return headline and _TOPIC_ONLY.search(words) is not None


_NUMBERED = re.compile(r"\s*\d{1,2}[.)]\s")
# "Option 2: ...", "Point three - ...": a labelled item is a bullet, however long
_LABELLED = re.compile(
    r"(?:Option|Point|Condition|Clause|Item|Step|Demand|Variant)\s+(?:\d{1,2}|[A-Z]|one|two|three"
    r"|four|five|six|seven|eight|nine|ten)\s*[:.)\u2013\u2014-]\s",
    re.IGNORECASE,
)
_PLAN_WORD = _any_case_words(("plan", "draft", "proposals?", "points"))  # every paragraph meets it
_PLAN_FRAGMENTS = ("plan", "draft", "proposal", "points")  # what _PLAN_WORD needs, in any case

__all__ = ["ClaimFound", "SentenceResult", "analyse", "extract_claims"]


def analyse(
    text: str,
    article_date: dt.date,
    ruleset: RuleSet,
    title: str | None = None,
    every_sentence: bool = False,
) -> list[SentenceResult]:
    """Per-sentence results; by default only sentences that hold a stance and an issue cue."""
    full = f"{title.strip()}\n{text}" if title and title.strip() else text
    title_end = len(title.strip()) if title and title.strip() else -1
    article = ArticleScan(full, ruleset)
    stance_starts = sorted(
        [m.start for m in article.stances if m.label != NOT_A_STANCE]
        + [m.start for m in article.found["conditions"]]
        + [m.start for m in article.issues if m.cue.data.stance]
        + [m.start for m in article.found["comparisons"]]
    )
    issue_starts = [m.start for m in article.issues]
    # Each paragraph asks whether it names a plan or a document: the article is searched once
    plan_words = _word_starts(full, article.lowered, _PLAN_WORD, _PLAN_FRAGMENTS)
    documents = _word_starts(full, article.lowered, _DOCUMENT_WORD, _DOCUMENT_WORDS)
    papers = [  # where a tracked side's document is named ("Russia's memorandum")
        m.start
        for m in article.mentions
        if m.tracked and m.info is not None and m.info.kind == "document"
    ]
    results: list[SentenceResult] = []
    header: _Header | None = None
    previous: Mention | None = None
    known: dict[str, ClaimFound] = {}  # the last tracked claim per issue, for comparisons
    foreign = False  # inside a numbered list that an untracked party's plan introduced
    blocks = list(paragraphs(full))
    split: dict[Span, list[Span]] = {}  # each paragraph's sentences, split once per article
    for paragraph in blocks:
        if _NUMBERED.match(full, paragraph.start):
            if foreign:  # "5. Russia backs Ukraine's EU bid" as a magazine's plan has it
                if every_sentence:
                    results.append(
                        SentenceResult(
                            paragraph.start,
                            paragraph.end,
                            full[paragraph.start : paragraph.end],
                            reasons=["a point of a plan no tracked party put forward"],
                        )
                    )
                continue
        else:
            foreign = _foreign_plan(article, paragraph, plan_words)
        item = header is not None and _is_item(full, paragraph, header.bullets_only)
        if not item:
            header = None
        if not every_sentence and not (
            (item or _any_in(stance_starts, paragraph)) and _any_in(issue_starts, paragraph)
        ):
            header = _opens_list(article, paragraph, documents, papers) or header
            continue
        for sentence in _sentences(full, paragraph, split):
            if not every_sentence and not (
                (item or _any_in(stance_starts, sentence)) and _any_in(issue_starts, sentence)
            ):
                continue
            analysis = SentenceAnalysis(
                article,
                paragraph,
                sentence,
                article_date,
                in_title=sentence.end <= title_end,
                header=header.cue if item and header is not None else None,
                header_holder=header.holder if item and header is not None else None,
                previous_holder=previous,
                known=known,
            )
            results.append(analysis.run())
            known.update(
                (c.issue, c) for c in results[-1].claims if c.side in ruleset.tracked_sides
            )
            if analysis.last_holder is not None:
                previous = analysis.last_holder
        header = _opens_list(article, paragraph, documents, papers) or header
    return _second_opinions(article, blocks, split, results, article_date, ruleset, title_end)


def _sentences(text: str, paragraph: Span, split: dict[Span, list[Span]]) -> list[Span]:
    """A paragraph's sentences; the rules and the second opinion both read them."""
    if paragraph not in split:
        split[paragraph] = sentences(text, paragraph)
    return split[paragraph]


def _second_opinions(
    article: ArticleScan,
    blocks: list[Span],
    split: dict[Span, list[Span]],
    results: list[SentenceResult],
    article_date: dt.date,
    ruleset: RuleSet,
    title_end: int,
) -> list[SentenceResult]:
    """Add what the trained model is sure of and the rules found nowhere in the article.

    The model reads every sentence, not just those with cues: phrasings the rules lack are
    what it is for. Its claim names the tracked party named in the sentence, else the one the
    text was about, else the side; its rule shows the probability and the words behind it.
    """
    model, spec = ruleset.second_opinion, ruleset.spec.second_opinion
    if model is None or spec is None:
        return results
    found = {(c.issue, c.stance) for r in results for c in r.claims if c.side == spec.side}
    by_start = {r.start: r for r in results}
    text = article.text
    spans = [s for paragraph in blocks for s in _sentences(text, paragraph, split)]
    opinions = model.judge([text[s.start : s.end] for s in spans])
    for sentence, sure in zip(spans, opinions, strict=True):
        if sure and _others_speak(article, sentence, spec.side):
            continue
        if sure and _topic_headline(text, sentence, title_end):
            continue  # "Kremlin comments on Ukraine joining the EU and NATO": a topic, no stance
        read = by_start.get(sentence.start)
        ruled = {c.issue for c in read.claims if c.side == spec.side} if read else set()
        for opinion in sure:
            if (opinion.issue, opinion.stance) in found:
                continue
            if opinion.issue in ruled:
                continue  # the rules read this issue here, polarity and all: theirs stands
            found.add((opinion.issue, opinion.stance))
            result = by_start.get(sentence.start)
            if result is None:
                result = SentenceResult(
                    sentence.start, sentence.end, text[sentence.start : sentence.end]
                )
                by_start[sentence.start] = result
                results.append(result)
            holder = _model_holder(article, sentence, spec.side)
            result.claims.append(
                ClaimFound(
                    side=spec.side,
                    actor=holder.info.name if holder and holder.info else spec.side.title(),
                    issue=opinion.issue,
                    stance=opinion.stance,
                    evidence=result.text,
                    statement_date=statement_date(result.text, article_date),
                    confidence=spec.confidence,
                    reported=False,
                    rule=opinion.describe(),
                    sentence_start=sentence.start,
                    actor_span=(
                        (holder.start - sentence.start, holder.end - sentence.start)
                        if holder and holder.start >= sentence.start
                        else None
                    ),
                    how="second opinion",
                )
            )
    results.sort(key=lambda r: r.start)
    return results


def _model_holder(article: ArticleScan, sentence: Span, side: str) -> Mention | None:
    """The side's party named in the sentence, else the one the text was last about."""
    for mention in article.mentions_in(sentence.start, sentence.end):
        if mention.info is not None and mention.info.side == side:
            return mention
    carried = article.carried_holder(sentence.start)
    return carried if carried and carried.info and carried.info.side == side else None


def _others_speak(article: ArticleScan, sentence: Span, side: str) -> bool:
    """ "European leaders insist on legally binding guarantees": a sentence that names another
    side's people or an analyst, and neither the side nor a pronoun that could be its, is theirs.
    The model reads words, not holders, so it may not speak for the side there. (A country alone,
    "Ukraine must stay neutral", is what a carried holder's terms are about, not a speaker.)"""
    named = article.mentions_in(sentence.start, sentence.end)
    if named and _other_opens_speaking(article, named[0], sentence, side):
        return True  # "Zelensky said Ukraine would never give up NATO, whatever Moscow demands"
    own = [m for m in named if m.kind == "pronoun" or (m.info is not None and m.info.side == side)]
    if not own:
        return any(_another_speaker(m, side) for m in named)
    # "NATO's expansion shaped Mr. Putin's worldview": the side owns a noun and says nothing
    # ("in Lukashevich's view, ..." and "Russia's envoy said ..." do speak)
    return (
        all(m.possessive and not _VIEW.match(article.text, m.end) for m in own)
        and not article.within("stances", sentence.start, sentence.end)
        and not article.within("speech", sentence.start, sentence.end)
    )


def _another_speaker(mention: Mention, side: str) -> bool:
    """An analyst, or a person or body of another side (a country alone speaks for no one)."""
    info = mention.info
    return mention.kind in ("non_speaker", "person_analyst") or (
        info is not None and info.kind != "country" and info.side != side
    )


def _other_opens_speaking(article: ArticleScan, first: Mention, sentence: Span, side: str) -> bool:
    """The sentence opens on another side's person or an analyst and a speech verb: what
    follows is theirs, whoever it names later."""
    if not _another_speaker(first, side) or article.words(sentence.start, first.start) > 1:
        return False
    return any(
        article.words(first.end, verb.start) <= 1
        for verb in article.within("speech", first.end, min(sentence.end, first.end + 40))
    )


@dataclass(frozen=True, slots=True)
class _Header:
    """A list's header: the demand its items continue; a bare title takes bulleted items only."""

    cue: CueMatch
    bullets_only: bool
    holder: Mention | None


def _opens_list(
    article: ArticleScan, paragraph: Span, documents: Sequence[int], papers: Sequence[int]
) -> _Header | None:
    """ "The memorandum sets out the following:" (a demand, then a colon), or a paragraph that
    names a tracked side's document ("Memorandum of Russia, handed over ...") before bullets;
    ``documents`` are where the article's document words start (a paragraph holds one when one
    starts in it: a match is a single word)."""
    text = article.text[paragraph.start : paragraph.end].rstrip()
    if text.endswith(":"):
        cues = [
            s
            for s in article.within("stances", paragraph.start, paragraph.end)
            if s.label in _HEADER_STANCES
        ]
        if cues:
            holder = article.carried_holder(cues[-1].start) or _tracked_in(article, paragraph)
            return _Header(cues[-1], False, holder)
    named = _any_in(documents, paragraph)
    if not named and not _any_in(papers, paragraph):
        return None  # most paragraphs: no document word, no tracked side's document (``papers``)
    for mention in article.mentions_in(paragraph.start, paragraph.end):
        if not mention.tracked or mention.info is None:
            continue
        generic = mention.info.kind == "document" and mention.text[:1].islower()
        if generic and not text.endswith(":"):
            # "free to accede to the treaty; Russia proposes Belarus": a generic "the treaty"
            # in passing opens no list of Russia's terms (a header says so with its colon)
            continue
        if mention.info.kind == "document" or named:
            cue = Cue(mention.text, "demands", StanceInfo("demands", 0.9, False))
            return _Header(CueMatch(cue, mention.start, mention.end, mention.text), True, mention)
    return None


def _foreign_plan(article: ArticleScan, paragraph: Span, plan_words: Sequence[int]) -> bool:
    """ "A magazine published its own 15-point draft plan ...": a paragraph naming a plan (one of
    the article's ``plan_words`` starts in it) with no tracked party in it introduces the
    numbered items after it as that plan's points."""
    return _any_in(plan_words, paragraph) and not any(
        m.tracked for m in article.mentions_in(paragraph.start, paragraph.end)
    )


def _word_starts(
    text: str, lowered: str, pattern: re.Pattern[str], fragments: Sequence[str]
) -> list[int]:
    """Where ``pattern`` (an ``_any_case_words`` regex, whose matches are single words) matches
    in the article: tried only where one of its lower-case ``fragments`` starts, found at C speed
    in the ``lowered`` text (the regex, led by a character class, would test every character)."""
    starts = fragment_starts(text, lowered, fragments)
    if starts is None:
        return [m.start() for m in pattern.finditer(text)]
    return [start for start in starts if pattern.match(text, start)]


def _tracked_in(article: ArticleScan, paragraph: Span) -> Mention | None:
    """The first tracked party a header paragraph names ("Russia's terms: ...")."""
    return next((m for m in article.mentions_in(paragraph.start, paragraph.end) if m.tracked), None)


_OPENERS = frozenset("\"'“”‘’«»([")


def _is_item(text: str, paragraph: Span, bullets_only: bool) -> bool:
    """A list item: starts with a bullet, arrow or dash, or (after a colon) is a short fragment."""
    chunk = text[paragraph.start : paragraph.end].strip()
    if not chunk:
        return False
    bullet = not chunk[0].isalnum() and chunk[0] not in _OPENERS  # a quote opens no item
    if bullet or _NUMBERED.match(chunk) or _LABELLED.match(chunk):
        return True
    # "Russia also puts forward two options:" after a list is a new header, not one more item
    return not bullets_only and not chunk.endswith(":") and len(chunk.split()) <= _ITEM_WORDS


def _any_in(starts: Sequence[int], span: Span) -> bool:
    index = bisect_right(starts, span.start - 1)
    return index < len(starts) and starts[index] < span.end


def extract_claims(
    text: str, article_date: dt.date, ruleset: RuleSet, title: str | None = None
) -> list[ClaimFound]:
    """Every claim of a tracked side in an article, in text order."""
    claims = [
        claim
        for result in analyse(text, article_date, ruleset, title)
        for claim in result.claims
        if claim.side in ruleset.tracked_sides
    ]
    logger.debug("%d claims found", len(claims))
    return claims
