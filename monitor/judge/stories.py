"""Stories: each stored article joins the story it copies, or starts one as its original.

``assign_story(session, article)`` runs inside the caller's transaction. It takes a lock that
serialises story assignment across processes (a transaction-level advisory lock on PostgreSQL,
the database write lock on SQLite), so an original and its copy stored by two processes at the
same moment still end in one story. The candidate index (``StoryIndex``) is process-wide: loaded
once from the signatures stored with the articles, then kept current with what other processes
assigned since (found through ``stories.last_seen_at``, stamped under the lock).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy import Engine, event, or_, select, text, update
from sqlalchemy.orm import Session

from crawler.urls import domain_of, normalize_url
from monitor.judge.dedup import (
    Deduplicator,
    Fingerprint,
    SketchIndex,
    StoredText,
    fingerprint,
    semantic,
)
from monitor.judge.dedup.fingerprint import from_bytes
from monitor.judge.dedup.verify import VerifyConfig
from monitor.store.db import in_chunks
from monitor.store.models import Article, Story, utcnow

logger = logging.getLogger(__name__)

ORIGINAL = "original"
COPY = "copy"
REWRITE = "rewrite"  # the same story paraphrased, found by meaning
TRANSLATION = "translation"  # the same story in another language, found by meaning
RELATIONS = (ORIGINAL, COPY, REWRITE, TRANSLATION)

STORY_LOCK_KEY = 0x6E6577736D6F6E  # "newsmon": pg_advisory_xact_lock key for story assignment
CLOCK_MARGIN = dt.timedelta(minutes=2)  # catch-up overlap for clock jitter between processes


@dataclass(frozen=True)
class StoryAssignment:
    """Where one article went: its story, its relation, the story's original, and why."""

    article_id: int
    story_id: int
    relation: str
    original_id: int
    reason: str  # new_story | exact | near_duplicate | contained | same_story
    previous_original_id: int | None = None  # set when this assignment switched the original

    @property
    def is_original(self) -> bool:
        return self.relation == ORIGINAL

    @property
    def switched_original(self) -> bool:
        return self.previous_original_id is not None


class StoryIndex:
    """The process-wide dedup index of one database, loaded from stored signatures once."""

    _shared: dict[str, StoryIndex] = {}
    _shared_lock = threading.Lock()

    def __init__(
        self,
        config: VerifyConfig | None = None,
        *,
        use_semantic: bool = True,
        thresholds: semantic.Thresholds | None = None,
    ) -> None:
        self.config = config
        self.dedup = Deduplicator(config=config)
        self.embedder = semantic.load_embedder() if use_semantic else None
        self.vectors = semantic.VectorIndex()
        self.thresholds = thresholds or semantic.Thresholds()
        self._refreshed_at: dt.datetime | None = None
        self._reload: set[int] = set()  # rolled back here: take their stored signature again

    @classmethod
    def shared(cls, engine: Engine, config: VerifyConfig | None = None) -> StoryIndex:
        """The one index of this process for ``engine``'s database."""
        key = engine.url.render_as_string(hide_password=True)
        with cls._shared_lock:
            if key not in cls._shared:
                cls._shared[key] = cls(config)
            return cls._shared[key]

    def catch_up(self, session: Session, now: dt.datetime) -> None:
        """Load every stored signature on first use, later only those assigned since."""
        if self._refreshed_at is None:
            rows = session.execute(
                select(Article.id, Article.signature)
                .where(Article.signature.is_not(None), Article.story_id.is_not(None))
                .order_by(Article.id)
                .execution_options(yield_per=20_000)
            )
            self.dedup.index = SketchIndex.from_signatures(rows)  # type: ignore[arg-type]
            logger.info("story index loaded: %d articles", len(self.dedup.index))
            self._warm_word_counts(session)
            if self.embedder is not None:
                self._load_vectors(session, Article.story_id.is_not(None))
        else:
            # Ids first, payloads only for what this index lacks: a busy story is "recent" at
            # every assignment, and re-reading all its members' signatures each time is quadratic.
            recent = select(Story.id).where(Story.last_seen_at >= self._refreshed_at - CLOCK_MARGIN)
            members = session.execute(
                select(
                    Article.id, Article.signature.is_not(None), Article.embedding.is_not(None)
                ).where(Article.story_id.in_(recent))
            ).all()
            signed = [aid for aid, has_sig, _ in members if has_sig and aid not in self.dedup.index]
            for chunk in in_chunks(signed):
                for aid, sig in session.execute(
                    select(Article.id, Article.signature).where(Article.id.in_(chunk))
                ):
                    self.dedup.index.add(aid, from_bytes(sig or b""))
            if self.embedder is not None:
                embedded = [aid for aid, _, has in members if has and aid not in self.vectors]
                for chunk in in_chunks(embedded):
                    self._load_vectors(session, Article.id.in_(chunk))
        if self._reload:
            rows = session.execute(
                select(Article.id, Article.signature).where(
                    Article.id.in_(sorted(self._reload)),
                    Article.signature.is_not(None),
                    Article.story_id.is_not(None),
                )
            )
            for aid, sig in rows:
                self.dedup.index.add(aid, from_bytes(sig or b""))
            self._reload.clear()
        self._refreshed_at = now

    def _warm_word_counts(self, session: Session, sample: int = 2_000) -> None:
        """Rare-word weights from the latest stored texts (then kept current as articles come)."""
        from monitor.judge.dedup.normalize import tokens
        from monitor.judge.dedup.sentences import fold_word

        texts = session.scalars(
            select(Article.text)
            .where(Article.text.is_not(None), Article.story_id.is_not(None))
            .order_by(Article.id.desc())
            .limit(sample)
        )
        self.dedup.df.add_many([{fold_word(w) for w in tokens(body or "")} for body in texts])

    def _load_vectors(self, session: Session, where) -> None:  # type: ignore[no-untyped-def]
        """Index stored embeddings (not re-embedding any text)."""
        rows = session.execute(
            select(Article.id, Article.embedding, Article.published, Article.fetched_at)
            .where(where, Article.embedding.is_not(None))
            .execution_options(yield_per=20_000)
        )
        for aid, blob, published, fetched in rows:
            if aid not in self.vectors and blob is not None:
                self.vectors.add(aid, semantic.from_bytes(blob), _day(published, fetched))

    def add(self, session: Session, article_id: int, fp: Fingerprint) -> None:
        """Index an article now; forget it again if the transaction rolls back."""
        self.dedup.add(article_id, fp)
        if not session.info.get("story_index_listening"):
            event.listen(session, "after_commit", self._committed)
            event.listen(session, "after_rollback", self._rolled_back)
            session.info["story_index_listening"] = True
        session.info.setdefault("story_index_pending", []).append(article_id)

    def _committed(self, session: Session) -> None:
        session.info["story_index_pending"] = []

    def _rolled_back(self, session: Session) -> None:
        for aid in session.info.get("story_index_pending", []):
            self.dedup.index.discard(aid)
            self.vectors.discard(aid)
            self._reload.add(aid)
        session.info["story_index_pending"] = []


def _day(published: dt.datetime | None, fetched: dt.datetime | None) -> dt.date:
    return (published or fetched or utcnow()).date()


@functools.lru_cache(maxsize=2048)
def _meaning_of(text: str) -> semantic.Meaning | None:
    """A stored text's sentence vectors (recomputed for cross-language checks; cached)."""
    embedder = semantic.load_embedder()
    return semantic.embed(embedder, text) if embedder is not None else None


def _language(article: Article) -> str | None:
    if article.language:
        return article.language
    from crawler.language import detect_language

    return detect_language(article.text or "", None)


def _semantic_links(session: Session, article: Article, index: StoryIndex) -> list[tuple[int, str]]:
    """Stored articles telling the same story in other words or another language."""
    embedder = index.embedder
    lang = _language(article)
    if embedder is None or lang not in embedder.languages:
        return []
    meaning = _meaning_of(article.text or "")
    if meaning is None:
        return []
    article.embedding = semantic.to_bytes(meaning.vector)
    th = index.thresholds
    cands = index.vectors.query(
        meaning.vector,
        _day(article.published, article.fetched_at),
        floor=min(th.same_language, th.cross_language),
    )
    links = []
    for aid, cos in cands:
        other = session.get(Article, aid)
        if other is None or other.story_id is None or not other.text:
            continue
        other_lang = _language(other)
        if other_lang == lang:
            if cos >= th.same_language:
                links.append((aid, REWRITE))
        elif other_lang in embedder.languages and cos >= th.cross_language:
            theirs = _meaning_of(other.text)
            if theirs is not None and (
                semantic.sentence_agreement(meaning.sentences, theirs.sentences)
                >= th.cross_sentence_mean
            ):
                links.append((aid, TRANSLATION))
    return links


def lock_story_assignment(session: Session) -> None:
    """Serialise story assignment across processes until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STORY_LOCK_KEY})
    else:
        # SQLite has one writer at a time: a write statement takes the lock for the transaction.
        session.execute(update(Story).where(Story.id == -1).values(title=Story.title))


@functools.lru_cache(maxsize=65_536)
def _publisher_key(name: str | None) -> str:
    """'The New York Times' and 'New York Times' -> 'newyorktimes'."""
    if not name:
        return ""
    folded = re.sub(r"^the\s+", "", name.strip().casefold())
    return re.sub(r"[^0-9a-z]", "", folded)


class Candidate(Protocol):
    """What choosing an original reads of a member: an ``Article`` or a row of ``MEMBER_COLUMNS``."""

    @property
    def id(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def url_normalized(self) -> str: ...
    @property
    def canonical_url(self) -> str | None: ...
    @property
    def site_name(self) -> str | None: ...
    @property
    def attributed_publisher(self) -> str | None: ...
    @property
    def original_url(self) -> str | None: ...
    @property
    def published(self) -> dt.datetime | None: ...
    @property
    def fetched_at(self) -> dt.datetime | None: ...
    @property
    def title(self) -> str | None: ...


C = TypeVar("C", bound=Candidate)

MEMBER_COLUMNS = (
    Article.id,
    Article.url,
    Article.url_normalized,
    Article.canonical_url,
    Article.site_name,
    Article.attributed_publisher,
    Article.original_url,
    Article.published,
    Article.fetched_at,
    Article.title,
)


def _members(session: Session, story_id: int, article: Article) -> list[Candidate]:
    """The story's members as light rows, plus ``article`` itself (the one ORM object).

    Rows, not ORM objects with their texts: a story of thousands of copies then costs one
    narrow query per newcomer, and flushes do not walk thousands of loaded members.
    """
    rows = session.execute(
        select(*MEMBER_COLUMNS).where(Article.story_id == story_id, Article.id != article.id)
    ).all()
    return [*rows, article]  # type: ignore[list-item]


def _own_domain(article: Candidate) -> str | None:
    return domain_of(article.url)


def _earliest(articles: Sequence[C]) -> C:
    return min(articles, key=lambda a: (a.published or a.fetched_at or utcnow(), a.id))


def choose_original(members: Sequence[C]) -> C:
    """The attributed publisher's article, else the canonical URL's owner, else the earliest.

    Linear in the story's size (indexes by URL, domain and publisher name), so a story with
    thousands of copies does not make every new member cost a pairwise scan.
    """
    by_domain: dict[str, list[C]] = defaultdict(list)
    by_name: dict[str, list[C]] = defaultdict(list)
    for c in members:
        domain = _own_domain(c) or ""
        by_domain[domain].append(c)
        for name in {_publisher_key(c.site_name), _publisher_key(domain.rsplit(".", 1)[0])}:
            if name:
                by_name[name].append(c)
    attributed: dict[int, C] = {}
    for b in members:
        for c in _attributed_by(b, by_domain, by_name):
            if c is not b:
                attributed[id(c)] = c
    if attributed:
        return _earliest(list(attributed.values()))
    owners = [
        c
        for b in members
        if b.canonical_url and domain_of(b.canonical_url) != _own_domain(b)
        for c in by_domain.get(domain_of(b.canonical_url) or "", [])
        if c is not b
    ]
    if owners:
        return _earliest(owners)
    return _earliest(members)


def _attributed_by(b: C, by_domain: dict[str, list[C]], by_name: dict[str, list[C]]) -> list[C]:
    """The members ``b`` names as the publisher it copies (what ``_attributes`` tests one by one)."""
    found: list[C] = []
    own = _own_domain(b)
    if b.original_url:
        wanted = normalize_url(b.original_url)
        original_domain = domain_of(b.original_url)
        for c in by_domain.get(original_domain or "", []):
            if c.url_normalized == wanted or original_domain != own:
                found.append(c)
    key = _publisher_key(b.attributed_publisher)
    if key:
        for name, cands in by_name.items():
            if name == key or (len(key) >= 5 and len(name) >= 5 and key in name):
                found.extend(cands)
    return found


def _load_texts(session: Session, ids: Sequence[int]) -> Mapping[int, StoredText]:
    rows = session.execute(
        select(Article.id, Article.text, Article.url).where(
            Article.id.in_(ids), Article.text.is_not(None), Article.story_id.is_not(None)
        )
    )
    return {aid: StoredText(body or "", domain_of(url)) for aid, body, url in rows}


def _exact_match(session: Session, article: Article) -> int | None:
    if not article.text_hash:
        return None
    return session.scalar(
        select(Article.id)
        .where(
            Article.text_hash == article.text_hash,
            Article.id != article.id,
            Article.story_id.is_not(None),
        )
        .order_by(Article.id)
        .limit(1)
    )


def _qualifying(
    session: Session, linked: Sequence[int], *, copied: bool = False
) -> list[tuple[int, int]]:
    """(story, linked member) for each story this article may join, best-linked first.

    Joining needs a link to the story's original or links to two of its members, so one
    pair linked by mistake can never chain two stories together. A verified copy (``copied``)
    of a member that itself came in by meaning (a rewrite or translation) joins through it:
    it tells what that member tells.
    """
    if not linked:
        return []
    rows = session.execute(
        select(Article.id, Article.story_id, Story.original_id, Article.relation)
        .join(Story, Article.story_id == Story.id)
        .where(Article.id.in_(linked))
    ).all()
    per_story: dict[int, list[int]] = {}
    originals: dict[int, int | None] = {}
    heads: set[int] = set()
    for aid, sid, oid, rel in rows:
        if sid is None:
            continue
        per_story.setdefault(sid, []).append(aid)
        originals[sid] = oid
        if copied and rel in (REWRITE, TRANSLATION):
            heads.add(sid)
    rank = {aid: i for i, aid in enumerate(linked)}
    ok = [
        sid
        for sid, members in per_story.items()
        if originals[sid] in members or len(members) >= 2 or sid in heads
    ]
    ok.sort(key=lambda sid: (-len(per_story[sid]), min(rank[a] for a in per_story[sid])))
    return [(sid, min(per_story[sid], key=rank.__getitem__)) for sid in ok]


def _merge_into(session: Session, story: Story, others: Sequence[int]) -> None:
    """Fold other stories into ``story`` (every table's ``story_id`` follows); used only when
    the article that links them is the original of all of them."""
    from monitor.store.models import Base

    session.flush()
    for table in Base.metadata.sorted_tables:
        if "story_id" in table.c and table.name != "stories":
            session.execute(
                update(table).where(table.c.story_id.in_(others)).values(story_id=story.id)
            )
    session.expire_all()
    for sid in others:
        other = session.get(Story, sid)
        if other is not None:
            story.first_seen_at = min(story.first_seen_at, other.first_seen_at)
            session.delete(other)
    logger.info("stories %s folded into story %d", list(others), story.id)


def _set_original(
    session: Session,
    story: Story,
    article: Article,
    original: Candidate,
    demoted: str = COPY,
    *,
    others_too: bool = True,
) -> None:
    """Point the story, ``article`` and (``others_too``) every other member at ``original``;
    a former original becomes ``demoted``.

    When the original stays and no story was folded in, the other members already point at it:
    only ``article`` changes, so a big story's newcomer writes one row, not the whole story.
    """
    story.original_id = original.id
    story.title = original.title or story.title
    if original is article:
        article.relation, article.duplicate_of = ORIGINAL, None
    else:
        if article.relation in (None, ORIGINAL):
            article.relation = demoted
        article.duplicate_of = original.id
    if not others_too:
        return
    session.flush()
    rest = (Article.story_id == story.id, Article.id != original.id, Article.id != article.id)
    session.execute(
        update(Article)
        .where(*rest, or_(Article.relation.is_(None), Article.relation == ORIGINAL))
        .values(relation=demoted)
    )
    session.execute(
        update(Article)
        .where(*rest, or_(Article.duplicate_of.is_(None), Article.duplicate_of != original.id))
        .values(duplicate_of=original.id)
    )
    if original is not article:
        session.execute(
            update(Article)
            .where(Article.id == original.id)
            .values(relation=ORIGINAL, duplicate_of=None)
        )


def assign_story(
    session: Session, article: Article, *, index: StoryIndex | None = None
) -> StoryAssignment:
    """Put a stored article into its story (joining a copy's story or starting a new one)."""
    if not article.text:
        raise ValueError(f"article {article.id} has no text to deduplicate")
    session.flush()  # the article needs its id
    index = index or StoryIndex.shared(session.get_bind())  # type: ignore[arg-type]
    lock_story_assignment(session)
    now = utcnow()
    index.catch_up(session, now)
    fp = fingerprint(article.text)
    article.signature = fp.signature

    if article.story_id is not None:  # re-fetched with changed text: re-analysed in its story
        story = session.get(Story, article.story_id)
        if story is not None:
            story.last_seen_at = now
            index.add(session, article.id, fp)
            return StoryAssignment(
                article.id,
                story.id,
                article.relation or ORIGINAL,
                story.original_id or article.id,
                "same_story",
            )

    match_id, reason = _exact_match(session, article), "exact"
    joins: list[tuple[int, int]] = []
    if match_id is None:
        links = index.dedup.find_all(
            fp,
            lambda ids: _load_texts(session, ids),
            publisher=_own_domain(article),
            exclude=article.id,
        )
        joins = _qualifying(session, [m.article_id for m in links], copied=True)
        if joins:
            match_id = joins[0][1]
            reason = next(m.verdict.reason for m in links if m.article_id == match_id)
    relation = COPY
    story = None
    chosen: dict[int, Candidate] = {}  # story id -> its original with ``article`` in it

    def original_of(story_id: int) -> Candidate:
        if story_id not in chosen:
            chosen[story_id] = choose_original(_members(session, story_id, article))
        return chosen[story_id]

    if match_id is not None:
        matched = session.get(Article, match_id)
        story = session.get(Story, matched.story_id) if matched and matched.story_id else None
    # Would it lead its story (then other stories may follow it)?
    if story is None or original_of(story.id) is article:
        # By meaning: when nothing copies it, or when it may be the original of its story
        # (then the rewrites and translations that arrived before it come into the story).
        meant = _semantic_links(session, article, index)
        more = _qualifying(session, [aid for aid, _ in meant])
        if story is None and more:
            match_id, relation = more[0][1], dict(meant)[more[0][1]]
            reason = relation
            matched = session.get(Article, match_id)
            story = session.get(Story, matched.story_id) if matched and matched.story_id else None
        joins += [j for j in more if j[0] not in {sid for sid, _ in joins}]
        if article.embedding is not None:
            index.vectors.add(
                article.id,
                semantic.from_bytes(article.embedding),
                _day(article.published, article.fetched_at),
            )

    if story is None:
        story = Story(title=article.title, first_seen_at=now, last_seen_at=now)
        session.add(story)
        session.flush()
        article.story_id = story.id
        _set_original(session, story, article, article, others_too=False)
        index.add(session, article.id, fp)
        logger.debug("article %d starts story %d", article.id, story.id)
        return StoryAssignment(article.id, story.id, ORIGINAL, article.id, "new_story")

    article.story_id = story.id
    article.relation = relation
    story.last_seen_at = now
    previous = story.original_id
    others = [sid for sid, _ in joins if sid != story.id]
    merged = bool(others) and original_of(story.id) is article
    if merged:
        _merge_into(session, story, others)
        session.flush()
        chosen.clear()
    original = original_of(story.id)
    _set_original(
        session, story, article, original, relation, others_too=merged or original.id != previous
    )
    session.flush()
    index.add(session, article.id, fp)
    switched = previous if previous is not None and previous != original.id else None
    if switched:
        logger.info("story %d: original switched from %d to %d", story.id, previous, original.id)
    return StoryAssignment(
        article.id, story.id, article.relation or COPY, original.id, reason, switched
    )
