"""Two ingest processes storing the original and its copy at the same moment: one story."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import func, select

from monitor.store import db
from monitor.store.models import Article, Story
from tests.monitor.judge.story_race import assign_after_barrier
from tests.monitor.judge.test_stories import _dnyuz, _nyt


@pytest.mark.parametrize("round_", range(2))
def test_two_processes_assigning_original_and_copy_make_one_story(database_url, round_):
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    factory = db.session_factory(engine)
    nyt, dnyuz = _nyt(factory), _dnyuz(factory)
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=assign_after_barrier, args=(database_url, aid, barrier, results))
        for aid in (nyt, dnyuz)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    outcomes = sorted(results.get(timeout=5) for _ in procs)
    assert len({story for _, story, _, _ in outcomes}) == 1, outcomes
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Story)) == 1
        story = session.scalars(select(Story)).one()
        assert story.original_id == nyt
        copy = session.get(Article, dnyuz)
        assert copy.relation == "copy" and copy.duplicate_of == nyt
    engine.dispose()
