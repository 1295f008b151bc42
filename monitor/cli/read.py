"""Commands that read the store: export, sources, stories, positions."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from monitor.cli.app import (
    State,
    _ago,
    _clip,
    _iso,
    _parse_date,
    _state,
    app,
    console,
)
from monitor.errors import InputError


def article_record(article: Any, events: list[Any]) -> dict[str, Any]:
    """One export line (the stable interface in SPEC.md)."""
    return {
        "id": article.id,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "source": article.source.name if article.source else None,
        "title": article.title,
        "published": _iso(article.published),
        "language": article.language,
        "relevant": article.relevant,
        "text": article.text,
        "story_id": article.story_id,
        "duplicate_of": article.duplicate_of,
        "relation": article.relation,
        "claims": [
            {
                "side": c.side,
                "actor": c.actor,
                "issue": c.issue,
                "stance": c.stance,
                "evidence": c.evidence,
                "statement_date": _iso(c.statement_date),
            }
            for c in sorted(article.claims, key=lambda c: c.id)
            if c.retracted_at is None
        ],
        "events": [
            {
                "type": e.type,
                "side": e.side,
                "issue": e.issue,
                "stance": e.stance,
                "previous_stance": e.previous_stance,
                # a first-seen day orders the ledger but is no statement date
                "statement_date": None if e.date_estimated else _iso(e.statement_date),
            }
            | ({"backfilled": True} if e.backfilled else {})
            for e in events
            if e.retracted_at is None
        ],
    }


@app.command()
def export(
    ctx: typer.Context,
    format: Annotated[str, typer.Option("--format", help="Only jsonl.")] = "jsonl",
    since: Annotated[
        str | None, typer.Option("--since", help="Articles fetched on or after YYYY-MM-DD.")
    ] = None,
    corrections: Annotated[
        bool,
        typer.Option(
            "--corrections",
            help="Write the desk's corrections as rules and dedup test cases instead.",
        ),
    ] = False,
    out: Annotated[
        Path,
        typer.Option("--out", help="With --corrections: directory for rules/ and dedup/ files."),
    ] = Path("."),
) -> None:
    """Write one JSON object per article to stdout (id, url, ..., claims, events)."""
    from monitor.store.listings import articles_for_export

    if corrections:
        from monitor.desk.cases import export_corrections

        with _state(ctx).factory()() as session:
            rules_path, dedup_path, n_rules, n_pairs = export_corrections(session, out)
        typer.echo(f"{n_rules} rules case(s) -> {rules_path}")
        typer.echo(f"{n_pairs} dedup pair(s) -> {dedup_path}")
        return
    if format != "jsonl":
        raise InputError(f"unknown format {format!r}; the only format is jsonl")
    state = _state(ctx)
    since_dt = _parse_date(since, "--since")
    with state.factory()() as session:
        for article, events in articles_for_export(session, since_dt):
            sys.stdout.write(json.dumps(article_record(article, events), ensure_ascii=False) + "\n")


@app.command()
def sources(ctx: typer.Context) -> None:
    """Source health: last success, last error, failures in a row, items in 24 h."""
    from monitor.store.sources import source_health

    state = _state(ctx)
    now = dt.datetime.now(dt.UTC)
    with state.factory()() as session:
        rows = source_health(session, now)
    table = Table(title="sources")
    for column in ("name", "kind", "last success", "last error", "failures", "items 24h"):
        table.add_column(column)
    for row in rows:
        error = f"{row.last_error} ({_ago(row.last_error_at, now)})" if row.last_error else ""
        table.add_row(
            row.name,
            row.kind,
            _ago(row.last_success_at, now),
            error,
            str(row.consecutive_failures),
            str(row.items_24h),
        )
    console.print(table)


# A terminal screen or two: Rich lays out every row before it prints the first (about a
# millisecond a row), and --since or --limit reach further back.
STORIES_SHOWN = 100


@app.command()
def stories(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", help="Stories seen on or after YYYY-MM-DD.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Show at most this many, latest seen first.")
    ] = STORIES_SHOWN,
) -> None:
    """Stories: the original (title, site), the sites its copies appeared on, first/last seen."""
    from monitor.store.listings import stories_since

    state = _state(ctx)
    since_dt = _parse_date(since, "--since")
    now = dt.datetime.now(dt.UTC)
    with state.factory()() as session:
        rows = stories_since(session, since_dt, limit=limit + 1)  # one more: are there others?
    more, rows = len(rows) > limit, rows[:limit]
    table = Table(
        title="stories",
        caption=f"{limit} shown, latest seen first; --limit N for more" if more else None,
    )
    for column in ("story", "original", "site", "also on", "first seen", "last seen"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id),
            row.title or "",
            row.site or "",
            ", ".join(row.copy_sites),
            _ago(row.first_seen_at, now),
            _ago(row.last_seen_at, now),
        )
    console.print(table)


@app.command()
def positions(
    ctx: typer.Context,
    history: Annotated[
        str | None, typer.Option("--history", help="Every recorded stance on this ISSUE instead.")
    ] = None,
    side: Annotated[
        str | None, typer.Option("--side", help="Only this side (e.g. russia).")
    ] = None,
) -> None:
    """The current position table (issue, stance, since, last stated, times stated, last evidence)."""
    from monitor.judge.ledger import book as ledger_store

    state = _state(ctx)
    if side is not None:
        side = _known_side(state, side)
    with state.factory()() as session:
        if history:
            rows = ledger_store.position_history(session, history, side)
            if not rows:
                raise InputError(f"no recorded position on issue {history!r}")
            table = Table(title=f"history of {history}")
            for column in ("date", "side", "stance", "kind", "evidence", "source"):
                table.add_column(column, no_wrap=column not in ("evidence", "source"))
            for row in rows:
                table.add_row(
                    str(row.statement_date),
                    row.side,
                    row.stance,
                    row.kind,
                    _clip(row.evidence),
                    row.url or "",
                )
        else:
            table = Table(title="current positions")
            for column in (
                "side",
                "issue",
                "stance",
                "since",
                "last stated",
                "times",
                "last evidence",
            ):
                table.add_column(column, no_wrap=column != "last evidence")
            summaries = ledger_store.current_positions(session, side)
            if not summaries:
                who = f" for side {side!r}" if side else ""
                typer.echo(f"no positions recorded yet{who}", err=True)
                return
            for summary in summaries:
                table.add_row(
                    summary.side,
                    summary.issue,
                    summary.stance,
                    str(summary.since) + (" (first seen)" if summary.since_estimated else ""),
                    str(summary.last_stated),
                    str(summary.times_stated),
                    # a row no article has stated yet rests on the shipped baseline
                    ("(baseline) " if summary.baseline_only else "") + _clip(summary.last_evidence),
                )
    console.print(table)


def _known_side(state: State, side: str) -> str:
    """A side named in the topic's rules, matched case-insensitively; else one clear error."""
    from monitor.judge.rules import topic_ruleset

    config = state.config
    sides = sorted(topic_ruleset(config.topic.rules, config.topic_path).spec.sides)
    match = next((s for s in sides if s.casefold() == side.strip().casefold()), None)
    if match is None:
        raise InputError(
            f"--side: no side {side!r} in the topic's rules; known: {', '.join(sides)}"
        )
    return match
