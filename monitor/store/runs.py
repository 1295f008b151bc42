"""Runs: one row per crawl or digest, with its counters and how it ended."""

from __future__ import annotations

from sqlalchemy.orm import Session

from monitor.store.models import Run, utcnow


def start_run(session: Session, kind: str) -> Run:
    run = Run(kind=kind, counters={})
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: int, counters: dict[str, int], error: str | None) -> None:
    run = session.get(Run, run_id)
    if run is None:
        return
    run.finished_at = utcnow()
    run.counters = dict(counters)
    run.ok = error is None
    run.error = error
