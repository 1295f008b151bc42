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
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, event, select, text, update
from sqlalchemy.orm import Session

from crawler.urls import domain_of, normalize_url
from monitor.judge.dedup import Deduplicator, Fingerprint, SketchIndex, StoredText, fingerprint
from monitor.judge.dedup.fingerprint import from_bytes
from monitor.judge.dedup.verify import VerifyConfig
from monitor.store.models import Article, Story, utcnow

logger = logging.getLogger(__name__)

ORIGINAL = "original"
COPY = "copy"
REWRITE = "rewrite"  # reserved: paraphrased wire copies (a later issue)
TRANSLATION = "translation"  # reserved: translated copies (a later issue)
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

    def __init__(self, config: VerifyConfig | None = None) -> None:
        self.config = config
        self.dedup = Deduplicator(config=config)
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
        else:
            rows = session.execute(
                select(Article.id, Article.signature)
                .join(Story, Article.story_id == Story.id)
                .where(Story.last_seen_at >= self._refreshed_at - CLOCK_MARGIN)
                .where(Article.signature.is_not(None))
            )
            for aid, sig in rows:
                if aid not in self.dedup.index:
                    self.dedup.index.add(aid, from_bytes(sig or b""))
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
            self._reload.add(aid)
        session.info["story_index_pending"] = []


def lock_story_assignment(session: Session) -> None:
    """Serialise story assignment across processes until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STORY_LOCK_KEY})
    else:
        # SQLite has one writer at a time: a write statement takes the lock for the transaction.
        session.execute(update(Story).where(Story.id == -1).values(title=Story.title))


def _publisher_key(name: str | None) -> str:
    """'The New York Times' and 'New York Times' -> 'newyorktimes'."""
    if not name:
        return ""
    folded = re.sub(r"^the\s+", "", name.strip().casefold())
    return re.sub(r"[^0-9a-z]", "", folded)


def _own_domain(article: Article) -> str | None:
    return domain_of(article.url)


def _attributes(by: Article, cand: Article) -> bool:
    """Does ``by`` name ``cand`` as the publisher it copies?"""
    if by is cand:
        return False
    if by.original_url:
        if normalize_url(by.original_url) == cand.url_normalized:
            return True
        if domain_of(by.original_url) == _own_domain(cand) != _own_domain(by):
            return True
    key = _publisher_key(by.attributed_publisher)
    if not key:
        return False
    domain = _own_domain(cand) or ""
    names = {_publisher_key(cand.site_name), _publisher_key(domain.rsplit(".", 1)[0])}
    return key in names or (len(key) >= 5 and any(len(n) >= 5 and key in n for n in names))


def _earliest(articles: Sequence[Article]) -> Article:
    return min(articles, key=lambda a: (a.published or a.fetched_at or utcnow(), a.id))


def choose_original(members: Sequence[Article]) -> Article:
    """The attributed publisher's article, else the canonical URL's owner, else the earliest."""
    attributed = [c for c in members if any(_attributes(b, c) for b in members)]
    if attributed:
        return _earliest(attributed)
    owners = [
        c
        for c in members
        if any(
            b is not c
            and b.canonical_url
            and domain_of(b.canonical_url) == _own_domain(c) != _own_domain(b)
            for b in members
        )
    ]
    if owners:
        return _earliest(owners)
    return _earliest(members)


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


def _set_original(story: Story, members: Sequence[Article], original: Article) -> None:
    """Point the story and every member at ``original`` (one transaction: the caller's)."""
    story.original_id = original.id
    story.title = original.title or story.title
    for member in members:
        if member.id == original.id:
            member.relation, member.duplicate_of = ORIGINAL, None
        else:
            if member.relation in (None, ORIGINAL):
                member.relation = COPY
            member.duplicate_of = original.id


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
    if match_id is None:
        found = index.dedup.find(
            fp,
            lambda ids: _load_texts(session, ids),
            publisher=_own_domain(article),
            exclude=article.id,
        )
        if found is not None:
            match_id, reason = found.article_id, found.verdict.reason
    story = None
    if match_id is not None:
        matched = session.get(Article, match_id)
        story = session.get(Story, matched.story_id) if matched and matched.story_id else None

    if story is None:
        story = Story(title=article.title, first_seen_at=now, last_seen_at=now)
        session.add(story)
        session.flush()
        article.story_id = story.id
        _set_original(story, [article], article)
        index.add(session, article.id, fp)
        logger.debug("article %d starts story %d", article.id, story.id)
        return StoryAssignment(article.id, story.id, ORIGINAL, article.id, "new_story")

    article.story_id = story.id
    story.last_seen_at = now
    members = list(session.scalars(select(Article).where(Article.story_id == story.id)))
    if article not in members:
        members.append(article)
    previous = story.original_id
    original = choose_original(members)
    _set_original(story, members, original)
    session.flush()
    index.add(session, article.id, fp)
    switched = previous if previous is not None and previous != original.id else None
    if switched:
        logger.info("story %d: original switched from %d to %d", story.id, previous, original.id)
    return StoryAssignment(
        article.id, story.id, article.relation or COPY, original.id, reason, switched
    )
