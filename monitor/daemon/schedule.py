"""The daemon's schedule: APScheduler with its persistent job store, and the jobs in it.

Poll jobs (one per source) only mark their source due; the retention and digest jobs are stored
in the database with the poll jobs, so a restart keeps their run times; dispatch runs in memory.
Stored jobs name module-level functions (APScheduler pickles references), and those reach the
leading daemon through ``activate``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from monitor.daemon.triggers import LocalDailyTrigger

if TYPE_CHECKING:
    from monitor.daemon.scheduler import Daemon

logger = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
POLL_PREFIX = "poll:"

_ACTIVE: Daemon | None = None


def activate(daemon: Daemon | None) -> None:
    """The daemon the stored jobs act on while it leads (None when it stops leading)."""
    global _ACTIVE
    _ACTIVE = daemon


def poll_source_job(name: str) -> None:
    """A source's interval elapsed: queue it for the next crawl cycle."""
    daemon = _ACTIVE
    if daemon is not None and daemon.cycles is not None:
        daemon.cycles.mark_due([name])


def digest_job() -> None:
    if _ACTIVE is not None:
        _ACTIVE.send_digest()


def retention_job() -> None:
    if _ACTIVE is not None:
        _ACTIVE.apply_retention()


def dispatch_job() -> None:
    if _ACTIVE is not None:
        _ACTIVE.dispatch_alerts()


def build_scheduler(engine: Engine) -> BackgroundScheduler:
    """A scheduler whose persistent jobs live in the newsmon database."""
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:  # no "Added job" line per job
        logging.getLogger("apscheduler.scheduler").setLevel(logging.WARNING)
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    return BackgroundScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE),
            "volatile": MemoryJobStore(),
        },
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=dt.UTC,
    )


def schedule_jobs(daemon: Daemon, scheduler: BackgroundScheduler) -> None:
    """Make the job store match the configuration, keeping the run times of unchanged jobs."""
    now = dt.datetime.now(dt.UTC)
    sources = daemon.enabled_sources()
    for job in scheduler.get_jobs(jobstore="default"):
        if job.id.startswith(POLL_PREFIX) and job.id[len(POLL_PREFIX) :] not in sources:
            logger.info(
                "source %s is no longer configured: unscheduled", job.id[len(POLL_PREFIX) :]
            )
            job.remove()
    for name, seconds in sources.items():
        jitter = min(seconds * 0.1, 60.0)
        trigger = IntervalTrigger(seconds=seconds, jitter=jitter, timezone=dt.UTC)
        _keep_or_replace(
            scheduler,
            f"{POLL_PREFIX}{name}",
            poll_source_job,
            trigger,
            same=lambda t, s=seconds, j=jitter: (  # type: ignore[misc]
                isinstance(t, IntervalTrigger) and t.interval.total_seconds() == s and t.jitter == j
            ),
            args=[name],
            first_run=now + dt.timedelta(seconds=seconds),
            misfire_grace_time=max(int(seconds), 1),
        )
    retention_every = daemon.options.retention_every_hours * 3600
    _keep_or_replace(
        scheduler,
        "retention",
        retention_job,
        IntervalTrigger(seconds=retention_every, timezone=dt.UTC),
        same=lambda t: (
            isinstance(t, IntervalTrigger) and t.interval.total_seconds() == retention_every
        ),
        first_run=now + dt.timedelta(minutes=1),
        misfire_grace_time=int(retention_every),
    )
    digest = daemon.config.topic.digest
    daily = LocalDailyTrigger(digest.time, digest.timezone)
    _keep_or_replace(
        scheduler,
        "digest",
        digest_job,
        daily,
        same=lambda t: t == daily,
        first_run=None,
        misfire_grace_time=int(daemon.options.digest_grace_hours * 3600),
    )
    scheduler.add_job(
        dispatch_job,
        IntervalTrigger(seconds=daemon.options.dispatch_every, timezone=dt.UTC),
        id="dispatch",
        jobstore="volatile",
        replace_existing=True,
        next_run_time=now,
        misfire_grace_time=30,
    )


def _keep_or_replace(
    scheduler: BackgroundScheduler,
    job_id: str,
    func: Callable[..., None],
    trigger: Any,
    same: Callable[[Any], bool],
    first_run: dt.datetime | None,
    misfire_grace_time: int,
    args: list[Any] | None = None,
) -> None:
    existing = scheduler.get_job(job_id, jobstore="default")
    if existing is not None and same(existing.trigger):
        return  # keep its stored next run time: a restart does not reset the schedule
    kwargs: dict[str, Any] = {}
    if first_run is not None:
        kwargs["next_run_time"] = first_run
    scheduler.add_job(
        func,
        trigger,
        id=job_id,
        name=job_id,
        args=args or [],
        jobstore="default",
        replace_existing=True,
        misfire_grace_time=misfire_grace_time,
        **kwargs,
    )
