"""What the daemon's alert and digest jobs do: the outbox dispatcher and the daily digest, wired once.

The scheduler imports this module directly: a broken import stops ``newsmon run`` at start
instead of leaving a daemon that silently never dispatches or sends a digest.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig
from monitor.deliver.digest.collect import (
    collect_digest,
    mark_digest_sent,
    queue_digest,
    write_digest,
)
from monitor.deliver.dispatch import DispatchResult, make_dispatcher

logger = logging.getLogger(__name__)


class AlertJobs:
    """One dispatcher for the process (its Slack pacing state persists between passes)."""

    def __init__(self, config: AppConfig, factory: sessionmaker[Session]) -> None:
        self.config = config
        self.factory = factory
        self.dispatcher = make_dispatcher(
            factory, config, lambda text: logger.info("alert: %s", text.rstrip())
        )
        today = self.local_today()
        # Digest days whose Slack summary may still be unsent (a restart may have interrupted one).
        self._digest_days = {today, today - dt.timedelta(days=1)}

    def local_today(self) -> dt.date:
        return dt.datetime.now(ZoneInfo(self.config.topic.digest.timezone)).date()

    def dispatch(self) -> DispatchResult:
        """Send what the outbox holds, then record digest summaries Slack has accepted."""
        result = self.dispatcher.dispatch_once()
        for day in sorted(self._digest_days):
            with self.factory.begin() as session:
                if mark_digest_sent(session, day) is not None:
                    self._digest_days.discard(day)
        return result

    def digest(self, day: dt.date) -> None:
        """Write the day's digest files and queue its Slack summary once (``digests.sent_at``)."""
        with self.factory.begin() as session:
            written = write_digest(
                session, collect_digest(session, self.config, day), self.config.digest_dir
            )
            queued = queue_digest(session, written, self.config.topic.alerts.routes)
        if not queued:
            logger.info("digest %s: already queued or sent; files refreshed", day)
            return
        self._digest_days.add(day)
        logger.info("digest %s queued for Slack; files in %s", day, self.config.digest_dir)
