"""Logging set-up for entry points: JSON lines for machines, Rich for people, secrets redacted.

Only entry points (the CLI, the crawl worker) call :func:`configure_logging`; modules just use
``logging.getLogger(__name__)``.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import IO

from pydantic import SecretStr
from pythonjsonlogger.json import JsonFormatter
from rich.console import Console
from rich.logging import RichHandler
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

REDACTED = "[REDACTED]"

# Secrets recognised by shape, so one is hidden even when nobody registered its value.
SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"xox[abposre]-[A-Za-z0-9-]+"),  # Slack bot/user/app tokens
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"https?://hooks\.slack(?:-gov)?\.com/[^\s\"'<>]+"),  # incoming webhooks
)
# user:password@ in a URL (database URLs): keep the user, hide the password.
URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+:)[^@\s]+(?P<at>@)")

# LogRecord attributes that are not user data; everything else on a record came via ``extra``.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class SecretRedactingFilter(logging.Filter):
    """Rewrites a record so no Slack token, webhook URL or database password reaches a handler."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        # Longest first, so a value containing another is replaced whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        for pattern in SECRET_PATTERNS:
            value = pattern.sub(REDACTED, value)
        return URL_PASSWORD.sub(rf"\g<head>{REDACTED}\g<at>", value)

    def filter(self, record: logging.LogRecord) -> bool:
        # Merge the arguments first: a secret may arrive as an argument of any type.
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            # Formatters print exc_text as is; freeze the traceback here so it is redacted too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _RECORD_FIELDS and isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


def secrets_of(settings: object) -> list[str]:
    """Every secret value in a settings object: ``SecretStr`` fields and the database password."""
    found = []
    for value in vars(settings).values():
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
    url = getattr(settings, "database_url", None)
    if url:
        try:
            password = make_url(url).password
        except ArgumentError:
            password = None
        if password:
            found.append(str(password))
    return found


def configure_logging(
    level: str | int = "INFO",
    *,
    secrets: Iterable[str | None] = (),
    json_lines: bool | None = None,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Install one root handler: JSON lines unless the stream is a terminal; returns the handler."""
    stream = stream if stream is not None else sys.stderr
    if json_lines is None:
        json_lines = not (hasattr(stream, "isatty") and stream.isatty())
    handler: logging.Handler
    if json_lines:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s %(process)d",
                rename_fields={"levelname": "level", "name": "logger", "process": "pid"},
                timestamp="time",
                json_ensure_ascii=False,
            )
        )
    else:
        handler = RichHandler(
            console=Console(file=stream, stderr=stream is sys.stderr),
            rich_tracebacks=False,  # tracebacks go through the redacting filter as text
            show_path=False,
        )
    handler.addFilter(SecretRedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    for noisy in (
        "apscheduler.executors.default",
        "urllib3",
        "filelock",
        "alembic",
        "scrapy",
        "twisted",
        "trafilatura",
        "htmldate",
        "courlan",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    logging.captureWarnings(True)
    return handler
