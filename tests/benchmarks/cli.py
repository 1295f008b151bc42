"""Benchmark: how fast the ``newsmon`` command answers, against ``python -c pass`` in the same run.

Each command runs as a real process (median of ``--repeat`` runs): ``--help``; the read commands
``sources``, ``positions`` and ``stories`` on a database of 10,000 articles (with signatures,
stories, claims and positions); ``ingest`` of one saved page into a fresh copy of that database;
and ``demo``. Prints one JSON line with each median (wall seconds, and CPU seconds of the
process, which a busy machine inflates far less), its excess over the baseline, and whether
it meets its budget: ``--help`` ≤ 0.3 s above the baseline, each read command ≤ 1 s, ``ingest``
≤ 3 s, ``demo`` ≤ 10 s.

    python tests/benchmarks/cli.py [--articles 10000] [--repeat 5] [--skip-demo]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

PAGE = REPO / "monitor" / "demo" / "site" / "wire-peskov-foreign-troops.html"
BUDGETS = {
    "help": 0.3,
    "sources": 1.0,
    "positions": 1.0,
    "stories": 1.0,
    "ingest": 3.0,
    "demo": 10.0,
}
EXCESS = {"help"}  # budgets on the excess over the baseline; the others are absolute
WORDS = [f"w{i}" for i in range(3000)]


def populate(url: str, articles: int, seed: int = 11) -> None:
    """Bulk-insert sources, stories, articles with real signatures, claims and positions."""
    from sqlalchemy import insert

    from monitor.judge.dedup.fingerprint import sketch, text_hash, to_bytes
    from monitor.judge.rules import STANCES, default_ruleset
    from monitor.store import db
    from monitor.store.models import Article, Claim, Position, Source, Story

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    issues = [name for name in default_ruleset().issue_names if name != "other"]
    engine = db.make_engine(url)
    stories = articles // 3
    with engine.begin() as conn:
        conn.execute(
            insert(Source),
            [
                {
                    "id": i + 1,
                    "name": f"source {i}",
                    "kind": "feed",
                    "url": f"https://s{i}.example/rss",
                    "last_success_at": now - dt.timedelta(minutes=i),
                    "consecutive_failures": 2 if i % 10 == 0 else 0,
                    "last_error": "HTTP 503" if i % 10 == 0 else None,
                    "last_error_at": now if i % 10 == 0 else None,
                    "created_at": now,
                }
                for i in range(60)
            ],
        )
        conn.execute(
            insert(Story),
            [
                {
                    "id": s + 1,
                    "title": f"Story {s} about talks",
                    "original_id": None,
                    "first_seen_at": now - dt.timedelta(hours=s % 500),
                    "last_seen_at": now - dt.timedelta(minutes=s % 500),
                }
                for s in range(stories)
            ],
        )
        rows = []
        texts: dict[int, list[str]] = {}
        for a in range(articles):
            story = a % stories + 1
            if story not in texts:
                texts[story] = rng.choices(WORDS, k=300)
            words = texts[story] if a < stories else texts[story][rng.randrange(0, 60) :]
            text = " ".join(words)
            rows.append(
                {
                    "id": a + 1,
                    "url": f"https://site{a % 40}.example/news/{a}",
                    "url_normalized": f"https://site{a % 40}.example/news/{a}",
                    "source_id": a % 60 + 1,
                    "domain": f"site{a % 40}.example",
                    "title": f"Article {a} about talks",
                    "authors": [],
                    "fetched_at": now - dt.timedelta(seconds=a * 15),
                    "text": text,
                    "text_hash": text_hash(text),
                    "signature": to_bytes(sketch(words)),
                    "relevant": True,
                    "story_id": story,
                    "relation": "original" if a < stories else "copy",
                    "duplicate_of": None if a < stories else story,
                    "analysed_at": now,
                }
            )
        conn.execute(insert(Article), rows)
        for s in range(stories):
            conn.execute(Story.__table__.update().where(Story.id == s + 1), {"original_id": s + 1})
        conn.execute(
            insert(Claim),
            [
                {
                    "id": c + 1,
                    "article_id": c * 7 % articles + 1,
                    "story_id": c * 7 % stories + 1,
                    "side": rng.choice(["russia", "ukraine"]),
                    "actor": "Lavrov",
                    "issue": rng.choice(issues),
                    "stance": rng.choice(STANCES),
                    "evidence": "Lavrov said something firm about guarantees.",
                    "statement_date": (now - dt.timedelta(days=c % 900)).date(),
                    "confidence": 0.9,
                    "reported": False,
                    "created_at": now,
                }
                for c in range(1000)
            ],
        )
        conn.execute(
            insert(Position),
            [
                {
                    "side": rng.choice(["russia", "ukraine"]),
                    "issue": rng.choice(issues),
                    "stance": rng.choice(STANCES),
                    "statement_date": (now - dt.timedelta(days=rng.randrange(0, 1500))).date(),
                    "evidence": "A stated position.",
                    "url": "https://archive.example/p",
                    "origin": "article",
                    "kind": "REITERATION",
                    "created_at": now,
                }
                for _ in range(1500)
            ],
        )
    engine.dispose()


def timed(argv: list[str], env: dict[str, str], before=None) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Wall and CPU (user + system) seconds of one process from start to exit; it must succeed."""
    if before is not None:
        before()
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err, cwd=REPO)
        _, status, usage = os.wait4(child.pid, 0)
        took = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            tail = err.read()[-2000:].decode(errors="replace")
            raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}):\n{tail}")
    return took, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="newsmon-cli-bench-"))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSMON_", "SLACK_"))}
        env.update(NEWSMON_DATA_DIR=str(work / "data"), NEWSMON_LOG_LEVEL="WARNING")
        database = work / "data" / "newsmon.sqlite3"
        newsmon = [sys.executable, "-m", "monitor"]
        subprocess.run([*newsmon, "init"], env=env, check=True, capture_output=True, cwd=REPO)
        build = time.perf_counter()
        populate(f"sqlite:///{database}", args.articles)
        build = time.perf_counter() - build
        pristine = work / "pristine.sqlite3"
        shutil.copyfile(database, pristine)

        def fresh() -> None:
            shutil.copyfile(pristine, database)

        runs: dict[str, list[float]] = {name: [] for name in ["baseline", *BUDGETS]}
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        commands = {
            "baseline": ([sys.executable, "-c", "pass"], None),
            "help": ([*newsmon, "--help"], None),
            "sources": ([*newsmon, "sources"], None),
            "positions": ([*newsmon, "positions"], None),
            "stories": ([*newsmon, "stories"], None),
            "ingest": ([*newsmon, "ingest", str(PAGE)], fresh),
            "demo": ([*newsmon, "demo", "--keep", str(work / "demo")], None),
        }
        if args.skip_demo:
            del commands["demo"], runs["demo"], cpu["demo"]

        def clear_demo() -> None:
            shutil.rmtree(work / "demo", ignore_errors=True)

        for _ in range(args.repeat):  # interleaved, so a busy spell hits every command alike
            for name, (argv, before) in commands.items():
                wall, used = timed(argv, env, clear_demo if name == "demo" else before)
                runs[name].append(wall)
                cpu[name].append(used)
        baseline = statistics.median(runs["baseline"])
        result: dict[str, object] = {
            "benchmark": "cli",
            "articles": args.articles,
            "repeat": args.repeat,
            "build_db_s": round(build, 2),
            "baseline_s": round(baseline, 3),
            "baseline_cpu_s": round(statistics.median(cpu["baseline"]), 3),
        }
        ok = True
        for name, budget in BUDGETS.items():
            if name not in runs:
                continue
            median = statistics.median(runs[name])
            measured = median - baseline if name in EXCESS else median
            result[f"{name}_s"] = round(median, 3)
            result[f"{name}_over_baseline_s"] = round(median - baseline, 3)
            result[f"{name}_cpu_s"] = round(statistics.median(cpu[name]), 3)
            result[f"{name}_ok"] = measured <= budget
            ok &= measured <= budget
        result["budget_s"] = BUDGETS
        result["ok"] = ok
        result["load_average"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(result))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
