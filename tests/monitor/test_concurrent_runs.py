"""Two `crawl --once` and an `ingest` at once on one database give what one process gives.

Real processes on SQLite and PostgreSQL, 10 trials each: the same articles, stories (by their
members), claims, events and alerts as a single crawl, no crash, no IntegrityError.
"""

from __future__ import annotations

import os
import pprint
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from monitor.demo.server import FeedItem, NewsSite, Route, rss
from monitor.store import db
from monitor.store.models import Alert, Article, Claim, Event, Source, Story
from tests import realnews
from tests.conftest import postgres_admin_url, require_postgres, write_topic
from tests.paths import REPO
from tests.site import build_test_site

pytestmark = pytest.mark.slow

TRIALS = int(os.environ.get("NEWSMON_RACE_TRIALS", "10"))  # the issue asks for 10
FEEDS = {"nyt": "/feeds/nyt-world.xml", "dnyuz": "/feeds/dnyuz.xml", "wire": "/feeds/wire.xml"}
INGESTED = (
    "/dnyuz/2025/09/04/russia-wants-security-guarantees-too-heres-what-they-look-like/",
    "/wire/2025/09/05/kremlin-peskov-foreign-troops.html",
)


# Eight relevant pages of eight unrelated stories (corpus pages that state no Russian
# position), so the processes overlap longer without the result hanging on arrival order:
# the templated pages of ``growing_site`` fold into one story, and which of them bridge it
# depends on who came first.
EXTRA = (
    "b-un-2022-02-21-nebenzia-recognition",
    "c-foreignaffairs-2022-06-01-ukraines-best-chance-for-peace",
    "c-kyivindependent-2022-12-22-reznikov-thanks-us-aid-package",
    "a-efe-2023-07-12-g7-declaration-vilnius",
    "m-ukrinform-2024-03-04-zhovkva-ten-countries",
    "w-novinite-2024-04-19-nato-patriot-ukraine",
    "a-bbc-2025-01-16-starmer-kyiv-100-year",
    "y-metroworldnews-2025-07-14-nato-buys-us-weapons-for-ukraine",
)


@pytest.fixture(scope="module")
def site() -> Iterator[NewsSite]:
    pages = {f.id: f for f in realnews.load_all()}
    with build_test_site() as s:
        items = []
        for n, name in enumerate(EXTRA):
            page = pages[name]
            path = f"/extra/{n}.html"
            s.add(path, Route(body=page.page_html().encode("utf-8")))
            items.append(
                FeedItem(
                    str(page.data["headline"]), path, f"Wed, {10 + n:02d} Sep 2025 10:00:00 GMT"
                )
            )
        s.add("/feeds/extra.xml", Route(body=rss("extra", s, items)))
        yield s


def _snapshot(url: str) -> dict[str, object]:
    """What a run produced, in terms that do not depend on row ids or timing."""
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session:
        articles = {a.id: a.url_normalized for a in session.scalars(select(Article))}
        members = {
            sid: frozenset(
                articles[aid]
                for aid in session.scalars(select(Article.id).where(Article.story_id == sid))
            )
            for sid in session.scalars(select(Story.id))
        }
        stories = Counter(members.values())
        # Claims come once per story; which member carries them depends on which arrived
        # first (a copy analysed before its original), in one process as in several.
        claims = Counter(
            (members.get(c.story_id), c.side, c.issue, c.stance, c.evidence)
            for c in session.scalars(select(Claim))
        )
        events = Counter(
            (e.type, e.side, e.issue, e.stance, e.previous_stance, e.evidence)
            for e in session.scalars(select(Event))
        )
        alerts = Counter(
            (a.kind, a.channel, a.event_id is not None, a.parent_id is not None)
            for a in session.scalars(select(Alert))
        )
        orphans = session.scalar(
            text(
                "SELECT (SELECT count(*) FROM stories s WHERE NOT EXISTS "
                "(SELECT 1 FROM articles a WHERE a.story_id = s.id))"
                " + (SELECT count(*) FROM alerts WHERE event_id IS NULL AND kind = 'event')"
            )
        )
        sources = sorted(session.scalars(select(Source.name)))
    engine.dispose()
    return {
        "articles": sorted(articles.values()),
        "stories": stories,
        "claims": claims,
        "events": events,
        "alerts": alerts,
        "orphans": orphans,
        "sources": sources,
    }


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSMON_", "SLACK_")) or k == "NEWSMON_CACHE_DIR"
    }
    full.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full,
        cwd=REPO,
    )


def _race(env: dict[str, str], site: NewsSite) -> list[tuple[int, str]]:
    procs = [
        _start(["crawl", "--once"], env),
        _start(["crawl", "--once"], env),
        _start(["ingest", *(site.url(p) for p in INGESTED)], env),
    ]
    results = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        results.append((proc.returncode, err))
    return results


def _trials(site: NewsSite, tmp_path: Path, fresh_url) -> None:  # type: ignore[no-untyped-def]
    topic = write_topic(tmp_path / "t.yaml", site, {**FEEDS, "extra": "/feeds/extra.xml"})
    single_url = fresh_url("single")
    single = _start(
        ["crawl", "--once"], {"NEWSMON_DATABASE_URL": single_url, "NEWSMON_CONFIG": str(topic)}
    )
    assert single.wait(timeout=120) == 0
    ingest = _start(
        ["ingest", *(site.url(p) for p in INGESTED)],
        {"NEWSMON_DATABASE_URL": single_url, "NEWSMON_CONFIG": str(topic)},
    )
    assert ingest.wait(timeout=120) == 0
    expected = _snapshot(single_url)
    assert expected["events"] and expected["claims"] and expected["orphans"] == 0
    for trial in range(TRIALS):
        url = fresh_url(f"t{trial}")
        env = {"NEWSMON_DATABASE_URL": url, "NEWSMON_CONFIG": str(topic)}
        for code, err in _race(env, site):
            assert code == 0, err
            assert "IntegrityError" not in err and "Traceback" not in err, err
        got = _snapshot(url)
        if got != expected:  # only the difference: the whole snapshot buries it in CI's log
            pytest.fail(f"trial {trial}: {pprint.pformat(_diff(got, expected))}", pytrace=False)


def _diff(got: dict[str, object], expected: dict[str, object]) -> dict[str, object]:
    """Only what differs: for counters, the extra and the missing items."""
    out: dict[str, object] = {}
    for key, value in got.items():
        want = expected[key]
        if value == want:
            continue
        if isinstance(value, Counter) and isinstance(want, Counter):
            out[key] = {"extra": dict(value - want), "missing": dict(want - value)}
        else:
            out[key] = {"got": value, "expected": want}
    return out


@pytest.mark.timeout(1800)  # ~1 min on an idle 2-core machine; far more under shared load
def test_concurrent_crawls_and_ingest_on_sqlite(site: NewsSite, tmp_path: Path) -> None:
    template = tmp_path / "template.sqlite3"
    engine = db.make_engine(f"sqlite:///{template}")
    db.upgrade(engine)
    engine.dispose()

    def fresh(name: str) -> str:
        path = tmp_path / f"{name}.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    _trials(site, tmp_path, fresh)


@pytest.mark.postgres
@pytest.mark.timeout(1800)
def test_concurrent_crawls_and_ingest_on_postgresql(site: NewsSite, tmp_path: Path) -> None:
    require_postgres()
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    prefix = f"newsmon_race_{uuid.uuid4().hex[:8]}"
    template = f"{prefix}_template"
    made = [template]
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{template}"'))
    base = make_url(postgres_admin_url())
    engine = db.make_engine(base.set(database=template).render_as_string(hide_password=False))
    db.upgrade(engine)
    engine.dispose()

    def fresh(name: str) -> str:
        made.append(f"{prefix}_{name}")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{prefix}_{name}" TEMPLATE "{template}"'))
        return base.set(database=f"{prefix}_{name}").render_as_string(hide_password=False)

    try:
        _trials(site, tmp_path, fresh)
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
