"""The dispatcher: delivers outbox alerts once, in order, at Slack's pace, surviving crashes.

Each alert is claimed (pending -> sending, committed) before it is posted and marked sent with
Slack's ``ts`` after. A crash between the two leaves it in ``sending``; once its lease has run out
(``next_attempt_at`` holds the lease expiry while an alert is ``sending``, so a second dispatcher,
e.g. a cron ``alerts send`` beside the daemon, never takes over a send in progress), ``reconcile``
asks Slack's history for a message carrying that alert id in its metadata before re-sending.
Failures back off exponentially (never sooner than Retry-After) and park the alert as ``failed``
after ``max_tries``, its error kept for ``newsmon alerts``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig
from monitor.deliver.blocks import AlertTemplates, build_alert_blocks
from monitor.deliver.sinks import Delivery, Sink, SinkError, make_sink
from monitor.deliver.view import AlertView
from monitor.store.kinds import AlertStatus
from monitor.store.models import Alert, utcnow

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 3600.0
RECONCILE_LOOKBACK_SECONDS = 300.0
LEASE_SECONDS = 120.0  # longer than one send with slack-sdk's own retries can take


@dataclass
class DispatchResult:
    """What one pass did, for the CLI and counters."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    reconciled: int = 0
    errors: list[str] = field(default_factory=list)
    paused: str | None = None  # why delivery is paused (the token is refused), if it is


def backoff_seconds(
    tries: int,
    retry_after: float | None = None,
    base: float = BACKOFF_BASE_SECONDS,
    cap: float = BACKOFF_CAP_SECONDS,
) -> float:
    """Exponential backoff after ``tries`` attempts, never shorter than Slack's Retry-After."""
    delay = min(cap, base * (2 ** max(0, tries - 1)))
    return max(delay, retry_after or 0.0)


def build_message(alert: Alert, templates: AlertTemplates | None) -> dict[str, Any]:
    """The Slack payload for an outbox row: rebuilt from its view, or stored whole (digests)."""
    payload = alert.payload or {}
    if "view" in payload:
        return build_alert_blocks(AlertView.from_payload(payload["view"]), templates)
    if "message" in payload:
        return payload["message"]
    raise ValueError(f"alert {alert.id} has no view or message in its payload")


class Dispatcher:
    """Sends pending alerts through one sink."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        sink: Sink,
        *,
        templates: AlertTemplates | None = None,
        max_tries: int = 8,
        pace_seconds: float = 1.0,
        backoff_base: float = BACKOFF_BASE_SECONDS,
        lease_seconds: float = LEASE_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.factory = factory
        self.sink = sink
        self.templates = templates
        self.max_tries = max_tries
        self.pace_seconds = pace_seconds
        self.backoff_base = backoff_base
        self.lease_seconds = lease_seconds
        self.sleep = sleep
        self.clock = clock
        self._last_post: dict[str | None, float] = {}
        self.paused: str | None = None  # set by an auth error; cleared when the token works

    # -- paused on an auth error ------------------------------------------------------------------
    def _still_paused(self) -> bool:
        """While paused, one auth check per pass; resumes (and says so) once the token works."""
        if self.paused is None:
            return False
        try:
            self.sink.check_auth()
        except SinkError as exc:
            if exc.auth:
                return True
            logger.warning("checking the %s credentials failed: %s", self.sink.name, exc)
            return True
        logger.warning("alert delivery resumed: the %s credentials work again", self.sink.name)
        self.paused = None
        return False

    def _pause(self, alert: Alert, exc: SinkError) -> str:
        """An auth error is not the alert's fault: undo its try, keep it pending, pause the sink."""
        with self.factory.begin() as session:
            row = session.get(Alert, alert.id)
            assert row is not None
            row.status, row.next_attempt_at = "pending", None
            row.tries = max(0, row.tries - 1)
            row.last_error = str(exc)
        if self.paused is None:
            logger.error(
                "alert delivery paused: %s; alerts wait, their tries untouched, until it works",
                exc,
            )
        self.paused = str(exc)
        return "auth"

    # -- crash recovery ---------------------------------------------------------------------------
    def reconcile(self) -> int:
        """Alerts left in ``sending`` by a crash: marked sent if Slack has them, else pending again."""
        now = utcnow()
        with self.factory() as session:
            stuck = session.scalars(
                select(Alert)
                .where(Alert.status == AlertStatus.SENDING)
                .where((Alert.next_attempt_at.is_(None)) | (Alert.next_attempt_at <= now))
                .order_by(Alert.id)
            ).all()
        fixed = 0
        for alert in stuck:
            ts: str | None = None
            thread_ts = self._parent_ts(alert.parent_id)
            if self.sink.can_read_back:
                since = (
                    (alert.created_at.timestamp() - RECONCILE_LOOKBACK_SECONDS)
                    if alert.created_at
                    else 0.0
                )
                try:
                    ts = self.sink.find_sent(
                        alert.channel, alert.id, oldest=since, thread_ts=thread_ts
                    )
                except SinkError as exc:
                    logger.warning(
                        "cannot check whether alert %s was sent (%s); it stays in sending",
                        alert.id,
                        exc,
                    )
                    continue
            else:
                logger.warning(
                    "alert %s was being sent when the dispatcher stopped; the %s sink cannot read back, "
                    "so it is sent again and may appear twice",
                    alert.id,
                    self.sink.name,
                )
            with self.factory.begin() as session:
                row = session.get(Alert, alert.id)
                if row is None or row.status != AlertStatus.SENDING:
                    continue
                if not ts and row.tries >= self.max_tries:
                    row.status, row.next_attempt_at = "failed", None
                    logger.error(
                        "alert %s parked as failed after %s tries: %s",
                        row.id,
                        row.tries,
                        row.last_error,
                    )
                elif ts:
                    row.status, row.slack_ts, row.thread_ts, row.sent_at = (
                        AlertStatus.SENT,
                        ts,
                        thread_ts,
                        utcnow(),
                    )
                    row.last_error, row.next_attempt_at = None, None
                    logger.info(
                        "alert %s was already in Slack (ts %s); not sending it again", alert.id, ts
                    )
                else:
                    row.status, row.next_attempt_at = AlertStatus.PENDING, None
            fixed += 1
        return fixed

    # -- one pass ---------------------------------------------------------------------------------
    def dispatch_once(self, limit: int = 200) -> DispatchResult:
        """Reconcile, then send every due pending alert once; returns what happened."""
        if self._still_paused():
            return DispatchResult(paused=self.paused)
        result = DispatchResult(reconciled=self.reconcile())
        now = utcnow()
        with self.factory() as session:
            due = session.scalars(
                select(Alert.id)
                .where(Alert.status == AlertStatus.PENDING)
                .where((Alert.next_attempt_at.is_(None)) | (Alert.next_attempt_at <= now))
                .order_by(Alert.id)
                .limit(limit)
            ).all()
        for alert_id in due:
            outcome = self._deliver(alert_id, result)
            if outcome == "auth":
                result.paused = self.paused
                break
        return result

    def _parent_ts(self, parent_id: int | None) -> str | None:
        if parent_id is None:
            return None
        with self.factory() as session:
            parent = session.get(Alert, parent_id)
            return parent.slack_ts if parent else None

    def _claim(self, alert_id: int) -> Alert | None:
        """pending -> sending, committed before the post; None if someone else took it."""
        with self.factory.begin() as session:
            alert = session.get(Alert, alert_id)
            if alert is None or alert.status != AlertStatus.PENDING:
                return None
            if alert.parent_id is not None:
                parent = session.get(Alert, alert.parent_id)
                if parent is not None and parent.status == AlertStatus.FAILED:
                    alert.status = AlertStatus.FAILED
                    alert.last_error = f"parent alert {parent.id} failed; thread reply not sent"
                    return None
                if parent is not None and parent.status != AlertStatus.SENT:
                    return None  # wait for the parent's ts
            claimed = session.execute(
                update(Alert)
                .where(Alert.id == alert_id, Alert.status == AlertStatus.PENDING)
                .values(
                    status=AlertStatus.SENDING,
                    tries=Alert.tries + 1,
                    next_attempt_at=utcnow() + dt.timedelta(seconds=self.lease_seconds),
                )
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if claimed != 1:
                return None
            session.refresh(alert)
            session.expunge(alert)
            return alert

    def _pace(self, channel: str | None) -> None:
        last = self._last_post.get(channel)
        if last is not None:
            wait = last + self.pace_seconds - self.clock()
            if wait > 0:
                self.sleep(wait)

    def _deliver(self, alert_id: int, result: DispatchResult) -> str:
        alert = self._claim(alert_id)
        if alert is None:
            return "skipped"
        thread_ts = self._parent_ts(alert.parent_id)
        try:
            message = build_message(alert, self.templates)
            self._pace(alert.channel)
            self._last_post[alert.channel] = self.clock()
            delivery = self.sink.post(
                alert.channel,
                message,
                alert_id=alert.id,
                event_type=(alert.payload or {}).get("view", {}).get("event_type", alert.kind),
                thread_ts=thread_ts,
            )
            self._last_post[alert.channel] = self.clock()
        except SinkError as exc:
            if exc.auth:
                return self._pause(alert, exc)
            if exc.ambiguous and self.sink.can_read_back:
                return self._uncertain(alert, exc, result)
            return self._failed(alert, exc, result)
        except (ValueError, OSError) as exc:
            return self._failed(
                alert, SinkError(f"alert {alert.id}: {exc}", transient=False), result
            )
        with self.factory.begin() as session:
            row = session.get(Alert, alert.id)
            assert row is not None
            row.status, row.slack_ts, row.thread_ts = AlertStatus.SENT, delivery.ts, thread_ts
            row.channel = row.channel or delivery.channel
            row.sent_at, row.last_error, row.next_attempt_at = utcnow(), None, None
        result.sent += 1
        attachment = (alert.payload or {}).get("attachment")
        if attachment:
            self._attach(alert, attachment, delivery)
        return "sent"

    def _attach(self, alert: Alert, attachment: dict[str, str], delivery: Delivery) -> None:
        """Upload a file into the sent message's thread; a failure is logged, never re-posts."""
        path = Path(attachment["path"])
        try:
            self.sink.upload(
                delivery.channel or alert.channel,
                filename=path.name,
                content=path.read_text(encoding="utf-8"),
                title=attachment.get("title", path.name),
                thread_ts=delivery.ts,
            )
        except (SinkError, OSError) as exc:
            logger.error("alert %s was sent but its attachment %s was not: %s", alert.id, path, exc)
            with self.factory.begin() as session:
                row = session.get(Alert, alert.id)
                if row is not None:
                    row.last_error = f"attachment not uploaded: {exc}"

    def _uncertain(self, alert: Alert, exc: SinkError, result: DispatchResult) -> str:
        """Maybe delivered: left in ``sending`` so the next try starts by reading Slack back."""
        error = f"{exc} (may have been delivered: read back before any retry)"
        result.errors.append(error)
        with self.factory.begin() as session:
            row = session.get(Alert, alert.id)
            assert row is not None
            delay = backoff_seconds(row.tries, exc.retry_after, base=self.backoff_base)
            row.last_error = error
            row.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
        result.retried += 1
        logger.warning(
            "alert %s: no answer from %s (%s); it is looked up there in %.0fs before any re-send",
            alert.id,
            self.sink.name,
            exc,
            delay,
        )
        return "uncertain"

    def _failed(self, alert: Alert, exc: SinkError, result: DispatchResult) -> str:
        error = str(exc)
        result.errors.append(error)
        with self.factory.begin() as session:
            row = session.get(Alert, alert.id)
            assert row is not None
            row.last_error = error
            if exc.transient and row.tries < self.max_tries:
                delay = backoff_seconds(row.tries, exc.retry_after, base=self.backoff_base)
                row.status = AlertStatus.PENDING
                row.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
                result.retried += 1
                logger.warning(
                    "alert %s not delivered (try %s/%s), next try in %.0fs: %s",
                    row.id,
                    row.tries,
                    self.max_tries,
                    delay,
                    error,
                )
            else:
                row.status = AlertStatus.FAILED
                row.next_attempt_at = None
                result.failed += 1
                logger.error(
                    "alert %s parked as failed after %s tries: %s", row.id, row.tries, error
                )
        return "auth" if exc.auth else "failed"


def make_dispatcher(
    factory: sessionmaker[Session], config: AppConfig, write: Callable[[str], Any] | None = None
) -> Dispatcher:
    """The dispatcher the configuration asks for (CLI and daemon share this)."""
    return Dispatcher(
        factory,
        make_sink(config.settings, write),
        templates=AlertTemplates(config.topic.alerts.templates),
        max_tries=config.topic.alerts.max_tries,
        pace_seconds=config.topic.alerts.pace_seconds,
    )


def retry_alert(session: Session, alert_id: int) -> Alert:
    """Put a failed (or pending) alert back in the queue now, with a fresh try budget."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise LookupError(f"no alert with id {alert_id}")
    if alert.status in (AlertStatus.SENT, AlertStatus.SENDING):
        raise ValueError(
            f"alert {alert_id} is {alert.status}; only failed or pending alerts can be retried"
        )
    alert.status, alert.tries, alert.next_attempt_at = AlertStatus.PENDING, 0, None
    return alert
