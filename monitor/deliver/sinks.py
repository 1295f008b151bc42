"""Alert sinks chosen by configuration: Slack bot token, incoming webhook, or the console.

Senders are thin: they post a built message, translate slack-sdk errors into ``SinkError``
(transient or not, with Retry-After) and, where Slack allows it, read a message back by its
metadata so the dispatcher can tell after a crash whether an alert already went out.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.error import URLError

from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter

from monitor.config import Settings
from monitor.errors import AlertDeliveryError, ConfigError

logger = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "newsmon_alert"
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9_]+$")
HISTORY_PAGES = 5
PERMANENT_ERRORS = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_blocks",
    "msg_too_long",
    "no_text",
    "invalid_metadata_format",
    "invalid_metadata_schema",
    "restricted_action",
}
AUTH_ERRORS = {"invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired"}


class SinkError(AlertDeliveryError):
    """A delivery failed; ``transient`` ones are retried later, at least ``retry_after`` seconds on."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        retry_after: float | None = None,
        auth: bool = False,
        ambiguous: bool = False,
    ):
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
        self.auth = auth
        # The request may have reached Slack (connection dropped after sending, no answer in
        # time): the message may be posted, so it is read back before any retry.
        self.ambiguous = ambiguous


@dataclass(frozen=True)
class Delivery:
    """Where a message landed; ``ts`` is None when the sink cannot tell (webhook, console)."""

    channel: str | None
    ts: str | None


class Sink(Protocol):
    name: str
    can_read_back: bool

    def post(
        self,
        channel: str | None,
        message: dict[str, Any],
        *,
        alert_id: int,
        event_type: str,
        thread_ts: str | None,
    ) -> Delivery: ...

    def find_sent(
        self, channel: str | None, alert_id: int, *, oldest: float, thread_ts: str | None
    ) -> str | None: ...

    def upload(
        self, channel: str | None, *, filename: str, content: str, title: str, thread_ts: str | None
    ) -> None: ...

    def check_auth(self) -> None:
        """Raise ``SinkError(auth=True)`` while the credentials are refused."""
        ...


def _retry_after(headers: Any) -> float | None:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


def translate(exc: Exception, what: str) -> SinkError:
    """slack-sdk and urllib errors become ``SinkError`` with a message naming what failed."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        error = data.get("error") or f"HTTP {status}"
        message = f"{what}: Slack answered {status} {error}"
        if error in AUTH_ERRORS:
            return SinkError(message + " (check SLACK_BOT_TOKEN)", transient=True, auth=True)
        if (
            status == 429
            or status >= 500
            or error in ("ratelimited", "internal_error", "fatal_error")
        ):
            return SinkError(
                message, transient=True, retry_after=_retry_after(exc.response.headers)
            )
        return SinkError(message, transient=error not in PERMANENT_ERRORS)
    if isinstance(exc, (SlackRequestError, SlackClientError, URLError, OSError, ValueError)):
        return SinkError(f"{what}: {type(exc).__name__}: {exc}", transient=True)
    return SinkError(f"{what}: unexpected {type(exc).__name__}: {exc}", transient=True)


class _ProportionalJitter(Jitter):
    """Up to twice the backoff factor at random (slack-sdk's own jitter: up to 1 s whatever the
    factor; the same at the default factor of 0.5)."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def recalculate(self, duration: float) -> float:
        return duration + random.random() * self.scale


def retry_handlers(*, posting: bool = False, backoff_factor: float = 0.5) -> list[Any]:
    """slack-sdk's own retries for short hiccups; the outbox backs off for longer outages.

    A post is never retried after a connection error: the message may have been stored before
    the connection dropped, and re-posting it blind is how an alert appears twice.
    """
    backoff = BackoffRetryIntervalCalculator(
        backoff_factor=backoff_factor, jitter=_ProportionalJitter(2 * backoff_factor)
    )
    handlers: list[Any] = [
        RateLimitErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
    ]
    if not posting:
        handlers.insert(
            0, ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=backoff)
        )
    return handlers


def _ambiguous(error: SinkError, exc: Exception) -> SinkError:
    """A post that failed without Slack's answer (dropped, timed out) may still have landed."""
    if not isinstance(exc, SlackApiError):
        error.ambiguous = True
    return error


class SlackBotSink:
    """chat.postMessage with a bot token; messages carry metadata so they can be found again."""

    name = "slack"
    can_read_back = True

    def __init__(
        self,
        token: str,
        default_channel: str | None,
        base_url: str | None = None,
        timeout: int = 15,
        retry_backoff: float = 0.5,  # slack-sdk's retries: 0.5 s, 1 s (plus jitter)
    ) -> None:
        kwargs: dict[str, Any] = {
            "token": token,
            "timeout": timeout,
            "retry_handlers": retry_handlers(backoff_factor=retry_backoff),
        }
        if base_url:
            kwargs["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
        self.client = WebClient(**kwargs)
        self.poster = WebClient(
            **{
                **kwargs,
                "retry_handlers": retry_handlers(posting=True, backoff_factor=retry_backoff),
            }
        )
        self.default_channel = default_channel
        self._channel_ids: dict[str, str] = {}

    def _channel(self, channel: str | None) -> str:
        chosen = channel or self.default_channel
        if not chosen:
            raise SinkError(
                "no Slack channel: set SLACK_CHANNEL or a route's channel", transient=False
            )
        return chosen

    def post(
        self,
        channel: str | None,
        message: dict[str, Any],
        *,
        alert_id: int,
        event_type: str,
        thread_ts: str | None,
    ) -> Delivery:
        target = self._channel(channel)
        try:
            response = self.poster.chat_postMessage(
                channel=target,
                text=message["text"],
                blocks=message.get("blocks"),
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                metadata={
                    "event_type": METADATA_EVENT_TYPE,
                    "event_payload": {"alert_id": alert_id, "kind": event_type},
                },
            )
        except Exception as exc:  # translated at the boundary
            raise _ambiguous(translate(exc, f"posting alert {alert_id} to {target}"), exc) from exc
        return Delivery(channel=response.get("channel", target), ts=response.get("ts"))

    def check_auth(self) -> None:
        try:
            self.client.auth_test()
        except Exception as exc:
            raise translate(exc, "checking the Slack token (auth.test)") from exc

    def channel_id(self, channel: str) -> str:
        """Reading history needs a channel ID; names ("#urgent") are looked up once (channels:read)."""
        if CHANNEL_ID.match(channel):
            return channel
        name = channel.lstrip("#")
        if name not in self._channel_ids:
            try:
                for page in self.client.conversations_list(
                    types="public_channel,private_channel", exclude_archived=True, limit=1000
                ):
                    for found in page.get("channels", []):
                        self._channel_ids[found["name"]] = found["id"]
            except Exception as exc:
                raise translate(
                    exc, f"looking up channel {channel} (use channel IDs or grant channels:read)"
                ) from exc
        if name not in self._channel_ids:
            raise SinkError(
                f"no Slack channel named {channel} is visible to the bot", transient=True
            )
        return self._channel_ids[name]

    def find_sent(
        self, channel: str | None, alert_id: int, *, oldest: float, thread_ts: str | None
    ) -> str | None:
        """The ts of the message carrying ``alert_id`` in its metadata, if Slack has it."""
        target = self.channel_id(self._channel(channel))
        cursor: str | None = None
        try:
            for _ in range(HISTORY_PAGES):
                if thread_ts:
                    page = self.client.conversations_replies(
                        channel=target,
                        ts=thread_ts,
                        include_all_metadata=True,
                        limit=200,
                        cursor=cursor,
                    )
                else:
                    page = self.client.conversations_history(
                        channel=target,
                        oldest=f"{oldest:.6f}",
                        include_all_metadata=True,
                        limit=200,
                        cursor=cursor,
                    )
                msg: dict[str, Any]
                for msg in page.get("messages", []):
                    meta: dict[str, Any] = msg.get("metadata") or {}
                    payload: dict[str, Any] = meta.get("event_payload") or {}
                    if (
                        meta.get("event_type") == METADATA_EVENT_TYPE
                        and payload.get("alert_id") == alert_id
                    ):
                        return str(msg["ts"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return None
        except Exception as exc:
            raise translate(exc, f"reading back alert {alert_id} from {target}") from exc
        return None

    def upload(
        self, channel: str | None, *, filename: str, content: str, title: str, thread_ts: str | None
    ) -> None:
        target = self._channel(channel)
        try:
            self.client.files_upload_v2(
                channel=target, filename=filename, content=content, title=title, thread_ts=thread_ts
            )
        except Exception as exc:
            raise translate(exc, f"uploading {filename} to {target}") from exc


class WebhookSink:
    """An incoming webhook: no read-back, no threads. After a crash, a dropped connection or a
    timeout in the window between Slack accepting a message and the outbox recording it, that
    one alert may be posted twice (only the bot-token sink can look a message up first)."""

    name = "webhook"
    can_read_back = False

    def __init__(self, url: str, timeout: int = 15) -> None:
        self.client = WebhookClient(
            url, timeout=timeout, retry_handlers=retry_handlers(posting=True)
        )

    def post(
        self,
        channel: str | None,
        message: dict[str, Any],
        *,
        alert_id: int,
        event_type: str,
        thread_ts: str | None,
    ) -> Delivery:
        try:
            response = self.client.send(
                text=message["text"],
                blocks=message.get("blocks"),
                unfurl_links=False,
                unfurl_media=False,
            )
        except Exception as exc:
            error = translate(exc, f"posting alert {alert_id} to the webhook")
            raise _ambiguous(error, exc) from exc
        if response.status_code != 200:
            status = response.status_code
            message_ = (
                f"posting alert {alert_id} to the webhook: HTTP {status} {response.body[:200]}"
            )
            transient = status == 429 or status >= 500
            raise SinkError(
                message_, transient=transient, retry_after=_retry_after(response.headers)
            )
        return Delivery(channel=None, ts=None)

    def find_sent(
        self, channel: str | None, alert_id: int, *, oldest: float, thread_ts: str | None
    ) -> str | None:
        return None

    def upload(
        self, channel: str | None, *, filename: str, content: str, title: str, thread_ts: str | None
    ) -> None:
        logger.info("webhooks cannot attach files; %s stays in the digest directory", filename)

    def check_auth(self) -> None:
        """A webhook has no token to check; a revoked one answers 403/404 to the post itself."""


class ConsoleSink:
    """Readable terminal output: the default without Slack settings."""

    name = "console"
    can_read_back = False

    def __init__(self, write: Callable[[str], Any]) -> None:
        self.write = write

    def post(
        self,
        channel: str | None,
        message: dict[str, Any],
        *,
        alert_id: int,
        event_type: str,
        thread_ts: str | None,
    ) -> Delivery:
        lines = [
            f"── alert #{alert_id}"
            + (f" → {channel}" if channel else "")
            + (" (thread)" if thread_ts else "")
        ]
        for block in message.get("blocks") or []:
            if block.get("type") in ("header", "section"):
                lines.append(block["text"]["text"])
            elif block.get("type") == "context":
                lines.extend(el.get("text", "") for el in block.get("elements", []))
        if len(lines) == 1:
            lines.append(message["text"])
        self.write("\n".join(_unescape(line) for line in lines) + "\n")
        return Delivery(channel=channel, ts=None)

    def find_sent(
        self, channel: str | None, alert_id: int, *, oldest: float, thread_ts: str | None
    ) -> str | None:
        return None

    def upload(
        self, channel: str | None, *, filename: str, content: str, title: str, thread_ts: str | None
    ) -> None:
        self.write(f"── {title}: {filename}\n")

    def check_auth(self) -> None:
        """The console needs no credentials."""


_LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<(https?://[^|>\s]+)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def _unescape(text: str) -> str:
    """Slack mrkdwn made readable on a terminal: links as "text (url)", no bold markers."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _BOLD.sub(lambda m: m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def make_sink(settings: Settings, write: Callable[[str], Any] | None = None) -> Sink:
    """The sink the settings ask for; without Slack settings the console, said once here."""
    if settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
        if not token.startswith("xox"):
            raise ConfigError("SLACK_BOT_TOKEN does not look like a Slack token (expected xoxb-…)")
        return SlackBotSink(token, settings.slack_channel, settings.slack_api_url)
    if settings.slack_webhook_url is not None:
        url = settings.slack_webhook_url.get_secret_value()
        if not url.startswith(("https://", "http://")):
            raise ConfigError("SLACK_WEBHOOK_URL must be an http(s) URL")
        return WebhookSink(url)
    logger.info("no SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL set: alerts go to the console")
    return ConsoleSink(write or (lambda text: logger.info("%s", text)))
