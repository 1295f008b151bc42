"""A realistic digest day, built through ``build_digest``; strings can be swapped for hostile ones."""

from __future__ import annotations

import datetime as dt

from monitor.deliver.digest.model import DailyDigest, PositionEntry, build_digest
from monitor.deliver.view import AlertView
from monitor.store.kinds import AlertKind
from monitor.store.rows import CopyRef, SourceHealth, StoryRow

DAY = dt.date(2025, 6, 18)
AT = dt.datetime(2025, 6, 18, 9, 30, tzinfo=dt.UTC)


def fixture_day(text: str | None = None, url: str | None = None) -> DailyDigest:
    """The fixture day; ``text``/``url`` replace every article-derived string/URL when given."""

    def t(value: str) -> str:
        return value if text is None else f"{value} {text}"

    def u(value: str) -> str:
        return value if url is None else url

    events = [
        AlertView(
            kind=AlertKind.EVENT,
            event_type="SHIFT",
            side="russia",
            issue="eu_membership",
            stance="accepts",
            statement_date=DAY,
            evidence=t(
                "He said this week that Russia would accept Ukraine's admittance into the European Union."
            ),
            created_at=AT,
            actor=t("Vladimir Putin"),
            url=u("https://paper.example.com/putin-eu"),
            title=t("Putin says Ukraine may join the E.U."),
            site=t("paper.example.com"),
            confidence=0.95,
            previous_stance="rejects",
            previous_date=dt.date(2022, 3, 4),
            previous_evidence=t(
                "A ministry spokeswoman said EU accession would be treated as hostile."
            ),
            previous_url=u("https://archive.example.net/zakharova-eu"),
        ),
        AlertView(
            kind=AlertKind.EVENT,
            event_type="NEW_DEMAND",
            side="russia",
            issue="legally_binding",
            stance="demands",
            statement_date=DAY,
            evidence=t("Lavrov said guarantees must be written into a binding treaty."),
            created_at=AT + dt.timedelta(hours=1),
            actor="Sergei Lavrov",
            url=u("https://wire.example.com/lavrov"),
            title=t("Lavrov wants a treaty"),
            site="wire.example.com",
            confidence=0.9,
        ),
        AlertView(
            kind=AlertKind.EVENT,
            event_type="POSSIBLE_SHIFT",
            side="russia",
            issue="foreign_troops",
            stance="open_to",
            statement_date=DAY,
            evidence=t("An official hinted observers might be discussed."),
            created_at=AT + dt.timedelta(hours=2),
            url=u("https://blog.example.org/observers"),
            title="Observers?",
            site="blog.example.org",
            confidence=0.4,
            previous_stance="rejects",
            previous_date=dt.date(2025, 3, 1),
        ),
    ]
    history = [
        PositionEntry(
            "russia",
            "eu_membership",
            "rejects",
            dt.date(2022, 3, 4),
            "hostile",
            u("https://archive.example.net/z"),
            kind="NEW_DEMAND",
        ),
        PositionEntry("russia", "eu_membership", "rejects", dt.date(2024, 6, 14), "still hostile"),
        PositionEntry(
            "russia",
            "eu_membership",
            "accepts",
            DAY,
            t("would accept"),
            u("https://paper.example.com/putin-eu"),
            kind="SHIFT",
        ),
        PositionEntry(
            "russia",
            "nato_membership",
            "rejects",
            dt.date(2021, 12, 17),
            "never NATO",
            kind="BASELINE",
            origin="baseline",
        ),
        PositionEntry("russia", "nato_membership", "rejects", DAY, t("never tolerate NATO")),
        PositionEntry(
            "russia", "legally_binding", "demands", DAY, t("a binding treaty"), kind="NEW_DEMAND"
        ),
        PositionEntry(
            "ukraine",
            "nato_membership",
            "demands",
            dt.date(2023, 7, 11),
            "wants in",
            kind="NEW_DEMAND",
        ),
        PositionEntry(
            "russia",
            "foreign_troops",
            "rejects",
            dt.date(2025, 3, 1),
            "legitimate targets",
            kind="NEW_DEMAND",
        ),
    ]
    stories = [
        StoryRow(
            t("Putin says Ukraine may join the E.U."),
            u("https://paper.example.com/putin-eu"),
            "paper.example.com",
            (
                CopyRef(t("repost.example.net"), u("https://repost.example.net/a")),
                CopyRef("aggregator.example", u("https://aggregator.example/b")),
            ),
            claims=2,
        ),
        StoryRow(
            t("Lavrov wants a treaty"),
            u("https://wire.example.com/lavrov"),
            "wire.example.com",
            (),
            claims=1,
        ),
        StoryRow(
            "Talks resume in Istanbul",
            "https://news.example.org/istanbul",
            "news.example.org",
            (),
            claims=0,
        ),
    ]
    sources = [
        SourceHealth("Wire feed", "https://wire.example.com/rss", items_24h=40),
        SourceHealth(
            t("Broken blog"),
            "https://blog.example.org/feed",
            consecutive_failures=5,
            failing_since=AT - dt.timedelta(days=2),
            last_error=t("HTTP 503 Service Unavailable"),
        ),
    ]
    counts = {
        "sources_polled": 96,
        "fetched": 412,
        "relevant": 58,
        "duplicates": 17,
        "claims": 9,
        "events": 3,
    }
    return build_digest(
        topic="Russia: security guarantees for Ukraine",
        day=DAY,
        timezone="Europe/Berlin",
        generated_at=AT + dt.timedelta(hours=20),
        events=events,
        history=history,
        stories=stories,
        sources=sources,
        counts=counts,
    )
