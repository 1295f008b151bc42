"""The judging flow against a real database: stories, claims, ledger events and outbox rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crawler.extract import extract_article
from crawler.items import ExtractedArticle
from monitor.config import DEFAULT_TOPIC, Settings, load_config
from monitor.demo.server import page
from monitor.pipeline import AnalysisContext, analyse_pending
from monitor.store.articles import save_article
from monitor.store.models import Alert, Article, Claim, Event, Position

CONTEXT = {
    "wire.example.org": "Diplomats in Brussels said they were studying the remarks closely, and a "
    "senior official described them as a possible opening before the next round of talks.",
    "other.example.net": "Lavrov spoke at a news conference after meeting his Turkish counterpart, "
    "who offered to host another round of negotiations in Istanbul this autumn.",
    "late.example.com": "The comments came as European defence ministers met in Copenhagen to "
    "discuss how a reassurance force could be organised and financed.",
}


def _article(url: str, day: str, body: str, title: str) -> ExtractedArticle:
    context = CONTEXT.get(url.split("/")[2], "")
    return ExtractedArticle(
        url=url,
        text=body + "\n" + context,
        title=title,
        published=dt.datetime.fromisoformat(day + "T12:00:00+00:00"),
        canonical_url=url,
        site_name=url.split("/")[2],
    )


@pytest.fixture
def ctx(factory: sessionmaker[Session], database_url: str, tmp_path: Path) -> AnalysisContext:
    settings = Settings().model_copy(update={"database_url": database_url, "data_dir": tmp_path})
    return AnalysisContext.build(load_config(settings, DEFAULT_TOPIC), factory)


def _ingest(
    factory: sessionmaker[Session], ctx: AnalysisContext, *articles: ExtractedArticle
) -> None:
    with factory.begin() as session:
        for article in articles:
            save_article(session, article, source=None)
    analyse_pending(factory, ctx)


def _events(session: Session) -> list[tuple[str, str, str, str | None]]:
    return [
        (e.type, e.issue, e.stance, e.previous_stance)
        for e in session.scalars(select(Event).order_by(Event.statement_date, Event.id))
    ]


def test_stream_of_articles_raises_exactly_the_expected_events(
    factory: sessionmaker[Session], ctx: AnalysisContext
) -> None:
    softening = _article(
        "https://wire.example.org/2025/09/10/peskov",
        "2025-09-10",
        "Kremlin spokesman Dmitry Peskov said on Wednesday that Moscow would accept unarmed "
        "European peacekeepers in Ukraine if they served under a United Nations mandate.",
        "Kremlin could accept unarmed peacekeepers",
    )
    reiteration = _article(
        "https://other.example.net/2025/09/11/lavrov",
        "2025-09-11",
        "Foreign Minister Sergei Lavrov said on Thursday that Russia categorically rejects "
        "Ukraine's membership in NATO.",
        "Lavrov rejects NATO membership for Kyiv",
    )
    _ingest(factory, ctx, softening, reiteration)
    with factory() as session:
        assert _events(session) == [("SHIFT", "foreign_troops", "accepts", "rejects")]
        alerts = list(session.scalars(select(Alert)))
        assert [a.kind for a in alerts] == ["event"]
        assert alerts[0].status == "pending"

    # A late-arriving old statement (before the shift) is history, not a shift back.
    late = _article(
        "https://late.example.com/2025/08/01/peskov",
        "2025-08-01",
        "Kremlin spokesman Dmitry Peskov said Russia categorically rejects any European "
        "peacekeepers in Ukraine.",
        "Kremlin rejects peacekeepers (August)",
    )
    # A copy of the analysed story: "also on", no new event.
    copy = _article(
        "https://aggregator.example.com/copy-of-peskov",
        "2025-09-10",
        "Share this article\n" + softening.text + "\nThe post appeared first on Wire Desk.",
        "Kremlin could accept unarmed peacekeepers",
    )
    _ingest(factory, ctx, late, copy)
    with factory() as session:
        assert _events(session) == [("SHIFT", "foreign_troops", "accepts", "rejects")]
        late_row = session.scalars(
            select(Position).where(
                Position.evidence.contains("August") | Position.url.contains("late.")
            )
        ).one()
        # Inserted where it belongs in the timeline: a reiteration of the line before the shift.
        assert late_row.kind == "REITERATION"
        copy_row = session.scalars(select(Article).where(Article.url.contains("aggregator"))).one()
        assert copy_row.relation == "copy" and copy_row.duplicate_of is not None
        assert (
            session.scalar(
                select(func.count()).select_from(Claim).where(Claim.article_id == copy_row.id)
            )
            == 0
        )
        thread = session.scalars(select(Alert).where(Alert.kind == "thread")).all()
        assert len(thread) == 1 and thread[0].parent_id is not None


def test_seed_articles_fold_into_one_story_with_nyt_as_original(
    factory: sessionmaker[Session], ctx: AnalysisContext
) -> None:
    dnyuz = extract_article(
        page("dnyuz-security-guarantees.html"), "https://dnyuz.com/2025/09/04/russia-wants/"
    )
    nyt = extract_article(
        page("nyt-security-guarantees.html"),
        "https://www.nytimes.com/2025/09/04/world/europe/russia-ukraine-security-guarantees.html",
    )
    assert dnyuz and nyt
    _ingest(factory, ctx, dnyuz)  # the aggregator's feed is faster
    _ingest(factory, ctx, nyt)
    with factory() as session:
        rows = {a.domain: a for a in session.scalars(select(Article))}
        assert rows["nytimes.com"].story_id == rows["dnyuz.com"].story_id
        assert rows["nytimes.com"].relation == "original"
        assert rows["dnyuz.com"].duplicate_of == rows["nytimes.com"].id
        issues = {(c.issue, c.stance) for c in session.scalars(select(Claim))}
        assert {
            ("nato_membership", "rejects"),
            ("eu_membership", "accepts"),
            ("foreign_troops", "rejects"),
            ("guarantor_role", "demands"),
            ("military_limits", "demands"),
        } <= issues
        # Known positions from the baseline: reiterations, no alert-worthy event.
        assert [e for e in _events(session) if e[0] != "POSSIBLE_SHIFT"] == []
