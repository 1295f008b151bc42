"""Child-process side of the story race test: assign one stored article after a barrier."""

from __future__ import annotations

from typing import Any

from monitor.judge.stories import assign_story
from monitor.store import db
from monitor.store.models import Article


def assign_after_barrier(url: str, article_id: int, barrier: Any, results: Any) -> None:
    engine = db.make_engine(url)
    factory = db.session_factory(engine)
    with factory() as session:  # connect and warm up before the race starts
        session.get(Article, article_id)
    barrier.wait(timeout=60)
    with factory.begin() as session:
        assignment = assign_story(session, session.get(Article, article_id))
    results.put((article_id, assignment.story_id, assignment.original_id, assignment.relation))
    engine.dispose()
