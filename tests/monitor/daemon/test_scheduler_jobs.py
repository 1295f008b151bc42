"""The persistent job store: a restart keeps schedules; config changes reconcile the jobs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from sqlalchemy import Engine

from monitor.config import Settings, load_config
from monitor.daemon.scheduler import Daemon, DaemonOptions
from monitor.daemon.triggers import LocalDailyTrigger
from tests.conftest import REPO


def make_daemon(tmp_path: Path, engine: Engine, sources: dict[str, float], **digest: str) -> Daemon:
    data = yaml.safe_load((REPO / "monitor/topics/default.yaml").read_text(encoding="utf-8"))
    data["sources"] = [
        {"name": name, "url": f"https://{name}.example/feed.xml", "interval_minutes": minutes}
        for name, minutes in sources.items()
    ]
    if isinstance(data.get("rules"), str):
        data["rules"] = str((REPO / "monitor/topics" / data["rules"]).resolve())
    data["digest"] = {**data.get("digest", {}), **digest}
    topic = tmp_path / "topic.yaml"
    topic.write_text(yaml.safe_dump(data), encoding="utf-8")
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, data_dir=tmp_path / "data")
    return Daemon(load_config(settings, topic), engine, DaemonOptions())


def scheduled(daemon: Daemon, only_crawl_jobs: bool = False) -> dict[str, object]:
    sched = daemon.build_scheduler()
    sched.start(paused=True)
    try:
        daemon.schedule_jobs(sched)
        jobs = {job.id: job for job in sched.get_jobs()}
        if only_crawl_jobs:
            jobs = {k: v for k, v in jobs.items() if k.startswith("poll:") or k == "retention"}
        return jobs
    finally:
        sched.shutdown(wait=False)


def test_restart_keeps_poll_schedules_and_reconciles_changes(
    tmp_path: Path, engine: Engine
) -> None:
    first = scheduled(make_daemon(tmp_path, engine, {"tass": 15, "ria": 30}), only_crawl_jobs=True)
    assert set(first) == {"poll:tass", "poll:ria", "retention"}
    tass = first["poll:tass"]
    assert tass.coalesce is True and tass.max_instances == 1
    assert tass.misfire_grace_time == 900, "the misfire grace must cover a whole interval"
    assert tass.trigger.jitter == 60.0 and tass.args == ("tass",)

    again = scheduled(make_daemon(tmp_path, engine, {"tass": 15, "ria": 30}), only_crawl_jobs=True)
    for job_id in ("poll:tass", "poll:ria", "retention"):
        assert again[job_id].next_run_time == first[job_id].next_run_time, job_id

    changed = scheduled(make_daemon(tmp_path, engine, {"tass": 5, "interfax": 10}), True)
    assert set(changed) == {"poll:tass", "poll:interfax", "retention"}
    assert changed["poll:tass"].trigger.interval == dt.timedelta(minutes=5)
    assert changed["retention"].next_run_time == first["retention"].next_run_time


def test_digest_job_is_stored_with_its_local_trigger_and_sends_the_local_day(
    tmp_path: Path, engine: Engine
) -> None:
    daemon = make_daemon(tmp_path, engine, {"tass": 15}, time="07:30", timezone="Europe/Berlin")
    jobs = scheduled(daemon)
    digest = jobs["digest"]
    assert digest.trigger == LocalDailyTrigger(dt.time(7, 30), "Europe/Berlin")
    assert digest.misfire_grace_time == 6 * 3600
    local = digest.next_run_time.astimezone(digest.trigger.timezone)
    assert (local.hour, local.minute) == (7, 30)

    restored = scheduled(
        make_daemon(tmp_path, engine, {"tass": 15}, time="07:30", timezone="Europe/Berlin")
    )
    assert restored["digest"].next_run_time == digest.next_run_time

    daemon.send_digest()
    local_day = dt.datetime.now(digest.trigger.timezone).date()
    written = sorted(p.name for p in daemon.config.digest_dir.iterdir())
    assert written == [f"digest-{local_day}.html", f"digest-{local_day}.md"]
    assert "dispatch" in jobs and jobs["dispatch"].trigger.interval == dt.timedelta(seconds=5)
