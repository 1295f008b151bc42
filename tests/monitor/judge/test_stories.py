"""Stories on SQLite and PostgreSQL: copies join, the right original, switching, restart."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.items import ExtractedArticle
from monitor.judge import stories
from monitor.judge.dedup import semantic
from monitor.judge.stories import COPY, ORIGINAL, StoryIndex, assign_story, choose_original
from monitor.store.articles import save_article
from monitor.store.listings import stories_since
from monitor.store.models import Article, Story
from tests.monitor.judge.dedup.cases import load_articles, seed_texts

NYT_URL = "https://www.nytimes.com/2025/09/04/world/europe/russia-security-guarantees.html"
DNYUZ_URL = "https://dnyuz.com/2025/09/04/russia-wants-security-guarantees-too/"
T0 = dt.datetime(2025, 9, 4, 9, 0, tzinfo=dt.UTC)


def _save(factory: sessionmaker[Session], url: str, text: str, **extra) -> int:
    with factory.begin() as session:
        article, _ = save_article(
            session, ExtractedArticle(url=url, text=text, **extra), source=None
        )
        return article.id


def _assign(factory: sessionmaker[Session], article_id: int, index: StoryIndex | None = None):
    with factory.begin() as session:
        return assign_story(session, session.get(Article, article_id), index=index)


def _nyt(factory, published=T0) -> int:
    nyt, _ = seed_texts()
    return _save(
        factory,
        NYT_URL,
        nyt,
        title="Russia Wants Security Guarantees Too",
        site_name="The New York Times",
        published=published,
    )


def _dnyuz(factory, published=T0 + dt.timedelta(minutes=20)) -> int:
    _, dnyuz = seed_texts()
    return _save(
        factory,
        DNYUZ_URL,
        dnyuz,
        title="Russia Wants Security Guarantees Too",
        site_name="DNYUZ",
        published=published,
        attributed_publisher="New York Times",
    )


def _row(factory, article_id: int) -> Article:
    with factory() as session:
        return session.get(Article, article_id)


def test_copy_after_original_joins_its_story(factory):
    nyt = _nyt(factory)
    first = _assign(factory, nyt)
    assert first.reason == "new_story" and first.is_original
    copy = _assign(factory, _dnyuz(factory))
    assert copy.story_id == first.story_id
    assert copy.relation == COPY and copy.original_id == nyt and not copy.switched_original
    row = _row(factory, copy.article_id)
    assert row.duplicate_of == nyt and row.relation == COPY and row.signature
    assert _row(factory, nyt).relation == ORIGINAL


def test_original_arriving_after_its_copy_takes_over_the_story(factory):
    dnyuz = _dnyuz(factory, published=T0 - dt.timedelta(hours=1))  # the aggregator was faster
    first = _assign(factory, dnyuz)
    assert first.is_original
    nyt = _nyt(factory)
    second = _assign(factory, nyt)
    assert second.story_id == first.story_id
    assert second.is_original and second.original_id == nyt
    assert second.previous_original_id == dnyuz
    with factory() as session:
        story = session.get(Story, first.story_id)
        assert story.original_id == nyt
        rows = session.scalars(select(Article).where(Article.story_id == story.id))
        members = {a.id: a for a in rows}
    assert members[dnyuz].relation == COPY and members[dnyuz].duplicate_of == nyt
    assert members[nyt].relation == ORIGINAL and members[nyt].duplicate_of is None


def test_independent_reports_of_one_event_stay_separate(factory):
    base = load_articles()["kremlin_briefing"]
    index = StoryIndex(use_semantic=False)
    a = _assign(factory, _save(factory, "https://ledger.example/kremlin", base["body"]), index)
    b = _assign(factory, _save(factory, "https://other.example/peskov", base["reports"][0]), index)
    c = _assign(factory, _save(factory, "https://third.example/peskov", base["rewrite"]), index)
    assert len({a.story_id, b.story_id, c.story_id}) == 3
    assert all(x.reason == "new_story" for x in (a, b, c))


@pytest.mark.skipif(
    semantic.load_embedder() is None,
    reason="needs the semantic extra: pip install 'newsmon[semantic]'",
)
def test_a_paraphrase_joins_by_meaning_and_a_report_does_not(factory):
    base = load_articles()["kremlin_briefing"]
    a = _assign(factory, _save(factory, "https://ledger.example/kremlin", base["body"]))
    b = _assign(factory, _save(factory, "https://other.example/peskov", base["reports"][0]))
    c = _assign(factory, _save(factory, "https://third.example/peskov", base["rewrite"]))
    assert b.story_id != a.story_id and b.reason == "new_story"
    assert c.story_id == a.story_id and c.relation == stories.REWRITE
    assert c.original_id == a.article_id


def test_exact_copy_is_found_by_hash_and_earliest_is_original(factory):
    body = load_articles()["central_bank"]["body"]
    late = _save(factory, "https://late.example/rates", body, published=T0 + dt.timedelta(hours=2))
    early = _save(factory, "https://early.example/rates", "Share this\n" + body, published=T0)
    first = _assign(factory, late)
    second = _assign(factory, early)
    assert second.reason == "exact" and second.story_id == first.story_id
    assert second.original_id == early and second.previous_original_id == late


def test_canonical_owner_is_original_over_an_earlier_copy(factory):
    body = load_articles()["flood"]["body"]
    copy = _save(
        factory,
        "https://mirror.example/floods",
        body + "\nRead more",
        canonical_url="https://owner.example/news/floods",
        published=T0,
    )
    owner = _save(
        factory, "https://owner.example/news/floods-2", body, published=T0 + dt.timedelta(hours=3)
    )
    _assign(factory, copy)
    second = _assign(factory, owner)
    assert second.original_id == owner and second.is_original


def test_truncated_preview_joins_its_original(factory):
    words = load_articles()["wildfire"]["body"].split(" ")
    full = _assign(factory, _save(factory, "https://fire.example/a", " ".join(words)))
    preview = " ".join(words[len(words) // 3 : len(words) // 3 + int(len(words) * 0.45)])
    p = _assign(factory, _save(factory, "https://agg.example/p", "Share this\n" + preview))
    assert p.story_id == full.story_id and p.reason == "contained"


def test_restarted_process_loads_the_index_from_signatures(factory):
    nyt = _nyt(factory)
    first = _assign(factory, nyt, index=StoryIndex())
    fresh = StoryIndex()  # a new process: nothing in memory
    copy = _assign(factory, _dnyuz(factory), index=fresh)
    assert copy.story_id == first.story_id and copy.original_id == nyt
    assert len(fresh.dedup.index) == 2


def test_index_catches_up_with_assignments_by_another_process(factory):
    mine, theirs = StoryIndex(), StoryIndex()
    warmup = _save(factory, "https://x.example/warmup", load_articles()["trade_deal"]["body"])
    _assign(factory, warmup, index=mine)
    nyt = _nyt(factory)
    _assign(factory, nyt, index=theirs)  # the other process stores the original
    copy = _assign(factory, _dnyuz(factory), index=mine)
    assert copy.original_id == nyt and copy.reason != "new_story"


def test_rolled_back_assignment_is_forgotten_by_the_index(factory):
    index = StoryIndex()
    nyt = _nyt(factory)
    with pytest.raises(RuntimeError), factory.begin() as session:
        assign_story(session, session.get(Article, nyt), index=index)
        raise RuntimeError("crash after assignment")
    assert _row(factory, nyt).story_id is None
    copy = _assign(factory, _dnyuz(factory), index=index)
    assert copy.reason == "new_story" and copy.is_original


def test_changed_text_stays_in_its_story(factory):
    nyt = _nyt(factory)
    first = _assign(factory, nyt)
    nyt_text, _ = seed_texts()
    _save(
        factory,
        NYT_URL,
        nyt_text + "\n\nCorrection: An earlier version misstated a date.",
        site_name="The New York Times",
    )
    again = _assign(factory, nyt)
    assert again.reason == "same_story" and again.story_id == first.story_id and again.is_original


def test_stories_listing_shows_original_and_copy_domains(factory):
    _assign(factory, _dnyuz(factory))
    _assign(factory, _nyt(factory))
    with factory() as session:
        rows = stories_since(session, T0 - dt.timedelta(days=1))
        assert stories_since(session, dt.datetime(2999, 1, 1, tzinfo=dt.UTC)) == []
    assert len(rows) == 1
    assert rows[0].site == "nytimes.com" and rows[0].copy_sites == ["dnyuz.com"]


def test_article_without_text_is_a_clear_error(factory):
    with factory.begin() as session:
        article = Article(url="https://x.example/empty", url_normalized="https://x.example/empty")
        session.add(article)
        session.flush()
        with pytest.raises(ValueError, match="has no text"):
            assign_story(session, article)


def test_choose_original_prefers_attribution_then_canonical_then_earliest():
    def art(i, url, **kw):
        return Article(id=i, url=url, url_normalized=url, fetched_at=T0, **kw)

    nyt = art(1, NYT_URL, site_name="The New York Times", published=T0 + dt.timedelta(hours=5))
    agg = art(2, DNYUZ_URL, attributed_publisher="New York Times", published=T0)
    other = art(3, "https://c.example/x", published=T0 - dt.timedelta(hours=1))
    assert choose_original([agg, other, nyt]) is nyt
    canon = art(4, "https://d.example/y", canonical_url="https://owner.example/y", published=T0)
    owner = art(5, "https://owner.example/y", published=T0 + dt.timedelta(hours=1))
    assert choose_original([canon, owner]) is owner
    assert choose_original([owner, other]) is other


def test_stories_command_lists_original_and_copies(factory, database_url):
    from tests.conftest import run_newsmon

    _assign(factory, _dnyuz(factory))
    _assign(factory, _nyt(factory))
    env = {"NEWSMON_DATABASE_URL": database_url, "COLUMNS": "200"}
    shown = run_newsmon("stories", "--since", "2025-01-01", env=env)
    assert shown.returncode == 0, shown.stderr
    line = next(li for li in shown.stdout.splitlines() if "nytimes.com" in li)
    assert "Russia Wants Security Guarantees Too" in line and "dnyuz.com" in line
    later = run_newsmon("stories", "--since", "2999-01-01", env=env)
    assert "nytimes.com" not in later.stdout
    bad = run_newsmon("stories", "--since", "last week", env=env)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    harbour = (
        "The harbour wall at Odesa will be rebuilt before the winter storms, officials said. " * 4
    )
    _assign(factory, _save(factory, "https://port.example/wall", harbour, title="Harbour wall"))
    one = run_newsmon("stories", "--limit", "1", env=env)  # the latest seen only
    assert one.returncode == 0 and "--limit N for more" in one.stdout, one.stdout
    assert "port.example" in one.stdout and "nytimes.com" not in one.stdout
    both = run_newsmon("stories", "--limit", "2", env=env)
    assert "nytimes.com" in both.stdout and "port.example" in both.stdout
    assert "--limit N for more" not in both.stdout


@pytest.mark.parametrize("order", [("nyt", "dnyuz"), ("dnyuz", "nyt")])
def test_extracted_demo_pages_fold_into_one_story_with_nyt_original(factory, order):
    from crawler.extract import extract_article
    from monitor.demo.server import SITE_DIR

    pages = {
        "nyt": (
            "nyt-security-guarantees.html",
            "https://www.nytimes.com/2025/09/04/world/europe/russia-ukraine-security-guarantees.html",
        ),
        "dnyuz": (
            "dnyuz-security-guarantees.html",
            "https://dnyuz.com/2025/09/04/russia-wants-security-guarantees-too-heres-what-they-look-like/",
        ),
    }
    ids = {}
    for name in order:
        page, url = pages[name]
        extracted = extract_article((SITE_DIR / page).read_bytes(), url)
        with factory.begin() as session:
            article, _ = save_article(session, extracted, source=None)
            ids[name] = article.id
            last = assign_story(session, article)
    assert last.original_id == ids["nyt"] and last.story_id is not None
    with factory() as session:
        assert session.get(Article, ids["dnyuz"]).duplicate_of == ids["nyt"]
        assert session.get(Story, last.story_id).original_id == ids["nyt"]


def test_rolled_back_reassignment_keeps_the_committed_sketch(factory, monkeypatch):
    monkeypatch.setattr(stories, "CLOCK_MARGIN", dt.timedelta(0))  # no catch-up overlap to hide it
    index = StoryIndex()
    nyt = _nyt(factory)
    first = _assign(factory, nyt, index=index)
    with pytest.raises(RuntimeError), factory.begin() as session:
        assign_story(session, session.get(Article, nyt), index=index)  # a re-analysis
        raise RuntimeError("crash after re-assignment")
    copy = _assign(factory, _dnyuz(factory), index=index)
    assert copy.story_id == first.story_id and copy.original_id == nyt
