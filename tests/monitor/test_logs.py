"""Log set-up: JSON lines off a terminal, and no secret ever reaches the output."""

from __future__ import annotations

import io
import json
import logging
import os
import pty
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from monitor.logs import REDACTED, SecretRedactingFilter, configure_logging

BOT_TOKEN = "xoxb-1111111111-2222222222-AbCdEfGhIjKlMnOpQrStUvWx"
WEBHOOK = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
CUSTOM = "s3cr3t-value-from-env"


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    configure_logging("INFO", stream=out)
    logging.getLogger("monitor.daemon.scheduler").info("cycle %d done", 7, extra={"source": "tass"})
    logging.getLogger("monitor.daemon.scheduler").debug("hidden at INFO")
    (line,) = json_lines(out)
    assert line["message"] == "cycle 7 done"
    assert line["level"] == "INFO" and line["logger"] == "monitor.daemon.scheduler"
    assert line["source"] == "tass" and line["pid"] == os.getpid()
    assert line["time"].endswith("+00:00")


def test_secrets_are_redacted_everywhere_in_a_record() -> None:
    out = io.StringIO()
    configure_logging("DEBUG", stream=out, secrets=[CUSTOM, None, ""])
    log = logging.getLogger("monitor.deliver.sinks")
    log.info("posting with %s to %s", BOT_TOKEN, WEBHOOK)
    log.warning("value %r leaked", CUSTOM, extra={"url": WEBHOOK, "count": 3})
    log.info("db at postgresql+psycopg://newsmon:hunter2-long@db:5432/newsmon")
    try:
        raise ConnectionError(f"POST {WEBHOOK} failed with token {BOT_TOKEN}")
    except ConnectionError:
        log.exception("delivery failed")
    raw = out.getvalue()
    for secret in (BOT_TOKEN, WEBHOOK, CUSTOM, "hunter2-long", "XXXXXXXXXXXXXXXX"):
        assert secret not in raw
    lines = json_lines(out)
    assert lines[0]["message"] == f"posting with {REDACTED} to {REDACTED}"
    assert lines[1]["url"] == REDACTED and lines[1]["count"] == 3
    assert "postgresql+psycopg://newsmon:[REDACTED]@db:5432/newsmon" in lines[2]["message"]
    assert "ConnectionError" in lines[3]["exc_info"] and REDACTED in lines[3]["exc_info"]


def test_redaction_applies_to_terminal_output_too() -> None:
    out = io.StringIO()
    configure_logging("INFO", stream=out, json_lines=False, secrets=[CUSTOM])
    logging.getLogger("x").error("token %s custom %s", BOT_TOKEN, CUSTOM)
    text = out.getvalue()
    assert "token" in text and REDACTED in text
    assert BOT_TOKEN not in text and CUSTOM not in text
    assert not text.lstrip().startswith("{")


def test_short_registered_values_are_ignored_not_everywhere_redacted() -> None:
    f = SecretRedactingFilter(["abc", "longer-secret"])
    assert f.redact("abc and longer-secret") == f"abc and {REDACTED}"


def test_configure_replaces_previous_handlers() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("INFO", stream=first)
    configure_logging("INFO", stream=second)
    logging.getLogger("y").info("once")
    assert first.getvalue() == "" and len(json_lines(second)) == 1


def test_terminal_detection_in_a_real_process() -> None:
    """On a pseudo-terminal the output is human text; through a pipe it is JSON."""
    code = textwrap.dedent(
        """
        import logging
        from monitor.logs import configure_logging
        configure_logging("INFO")
        logging.getLogger("probe").info("hello from probe")
        """
    )
    piped = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(piped.stderr)["message"] == "hello from probe"

    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=follower, stdout=follower)
    os.close(follower)
    proc.wait(timeout=30)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    shown = b"".join(chunks).decode(errors="replace")
    assert "hello from probe" in shown and not shown.lstrip().startswith("{")
