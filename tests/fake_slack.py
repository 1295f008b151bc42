"""A fake Slack on 127.0.0.1: enough of the Web API and incoming webhooks for slack-sdk itself.

slack-sdk's ``WebClient(base_url=server.api_url)`` and ``WebhookClient(server.webhook_url)`` talk to
it over real HTTP. It stores messages (blocks, text, thread_ts, metadata) per channel, answers
``conversations.history``/``replies`` with them, records every request for exact assertions and can
be told to fail: the next N requests with 429 + Retry-After, 500s for a while, ``invalid_auth``.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

VALID_TOKEN = "xoxb-test-token"
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9_]+$")


@dataclass
class Recorded:
    """One request as the server saw it (the Authorization header is left out)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    status: int = 0
    at: float = 0.0

    @property
    def args(self) -> dict[str, Any]:
        """Query and body parameters together, as Slack reads them."""
        return {**self.query, **(self.body if isinstance(self.body, dict) else {})}

    @property
    def api_method(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class Failures:
    """What the server will do wrong next."""

    rate_limited: int = 0
    retry_after: int = 1
    server_errors: int = 0
    outage_until: float = 0.0
    invalid_auth: bool = False
    webhook_errors: int = 0
    drop_after_store: int = 0  # posts stored, then the connection closed with no answer
    slow_answers: int = 0  # posts stored, answered only after ``slow_delay`` seconds
    slow_delay: float = 0.0


@dataclass
class FakeSlackState:
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhook_posts: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    failures: Failures = field(default_factory=Failures)


class FakeSlack:
    """The server; ``with FakeSlack() as slack:`` runs it on a free port in a thread."""

    def __init__(self, token: str = VALID_TOKEN) -> None:
        self.token = token
        self.state = FakeSlackState()
        self.lock = threading.Lock()
        self._last_ts = 0.0
        self.channel_ids: dict[str, str] = {}  # name -> id, made up the first time a name is used
        self._file_ids = itertools.count(1)
        # Called with the stored message after it is stored and before the response is written:
        # tests use it to kill a dispatcher between "Slack accepted" and "database updated".
        self.after_store: Callable[[dict[str, Any]], None] | None = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.server.handle_error = self._handle_error  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handle_error(self, request: object, client_address: object) -> None:
        """A client killed mid-request (the crash tests do that) is expected; anything else is not."""
        import sys
        import traceback

        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        traceback.print_exc()

    # -- life cycle -------------------------------------------------------------------------------
    def __enter__(self) -> FakeSlack:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}/services/T000/B000/hook"

    # -- programming failures ---------------------------------------------------------------------
    def rate_limit_next(self, count: int, retry_after: int = 1) -> None:
        with self.lock:
            self.state.failures.rate_limited = count
            self.state.failures.retry_after = retry_after

    def fail_next(self, count: int) -> None:
        """The next ``count`` API requests get a 500."""
        with self.lock:
            self.state.failures.server_errors = count

    def outage(self, seconds: float) -> None:
        """Every request gets a 500 for ``seconds`` from now."""
        with self.lock:
            self.state.failures.outage_until = time.monotonic() + seconds

    def drop_after_storing(self, count: int) -> None:
        """The next ``count`` posts are stored, then the connection drops before the answer."""
        with self.lock:
            self.state.failures.drop_after_store = count

    def answer_slowly(self, count: int, delay: float) -> None:
        """The next ``count`` posts are stored at once but answered ``delay`` seconds later."""
        with self.lock:
            self.state.failures.slow_answers = count
            self.state.failures.slow_delay = delay

    def revoke_token(self, revoked: bool = True) -> None:
        with self.lock:
            self.state.failures.invalid_auth = revoked

    # -- reading what happened --------------------------------------------------------------------
    def requests(self, api_method: str | None = None) -> list[Recorded]:
        with self.lock:
            return [r for r in self.state.requests if api_method in (None, r.api_method)]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages stored in ``channel`` (ID or name), oldest first (thread replies included)."""
        channel = self.channel_id(channel)
        with self.lock:
            return [dict(m) for m in self.state.messages.get(channel, [])]

    def all_messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(m) for ms in self.state.messages.values() for m in ms]

    # -- the API ----------------------------------------------------------------------------------
    def channel_id(self, channel: str) -> str:
        """The ID for a channel given by ID or by name ("#urgent" / "urgent"), as Slack resolves it."""
        if CHANNEL_ID.match(channel):
            return channel
        name = channel.lstrip("#")
        with self.lock:
            return self.channel_ids.setdefault(
                name, f"C{len(self.channel_ids) + 1:03d}{name.upper()}"
            )

    def _next_ts(self) -> str:
        """Real-time, strictly increasing message timestamps, as Slack's are."""
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _store(self, channel: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            message = {
                "type": "message",
                "channel": channel,
                "ts": self._next_ts(),
                "text": body.get("text", ""),
                "blocks": body.get("blocks"),
                "thread_ts": body.get("thread_ts"),
                "metadata": body.get("metadata"),
                "bot_id": "B0FAKE",
            }
            if isinstance(message["blocks"], str):
                message["blocks"] = json.loads(message["blocks"])
            if isinstance(message["metadata"], str):
                message["metadata"] = json.loads(message["metadata"])
            self.state.messages.setdefault(channel, []).append(message)
        if self.after_store is not None:
            self.after_store(message)
        return message

    def _visible(self, message: dict[str, Any], with_metadata: bool) -> dict[str, Any]:
        out = {k: v for k, v in message.items() if v is not None and k != "channel"}
        if not with_metadata:
            out.pop("metadata", None)
        return out

    def api(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Web API call: ``(status, json body)``."""
        if token != self.token or self.state.failures.invalid_auth:
            return 200, {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return 200, {
                "ok": True,
                "url": "https://fake.slack/",
                "team": "Fake",
                "user": "newsmon",
                "team_id": "T000",
                "user_id": "U0BOT",
                "bot_id": "B0FAKE",
            }
        if method == "chat.postMessage":
            channel = args.get("channel")
            if not channel:
                return 200, {"ok": False, "error": "channel_not_found"}
            if not args.get("text") and not args.get("blocks"):
                return 200, {"ok": False, "error": "no_text"}
            channel = self.channel_id(channel)
            message = self._store(channel, args)
            return 200, {
                "ok": True,
                "channel": channel,
                "ts": message["ts"],
                "message": self._visible(message, with_metadata=True),
            }
        if method == "conversations.list":
            with self.lock:
                known = dict(self.channel_ids)
            return 200, {
                "ok": True,
                "channels": [
                    {"id": cid, "name": name, "is_channel": True} for name, cid in known.items()
                ],
                "response_metadata": {"next_cursor": ""},
            }
        if method in ("conversations.history", "conversations.replies"):
            channel = args.get("channel", "")
            if not CHANNEL_ID.match(channel):
                return 200, {"ok": False, "error": "channel_not_found"}
            with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
            oldest = float(args.get("oldest") or 0)
            limit = int(args.get("limit") or 100)
            with self.lock:
                stored = list(self.state.messages.get(channel, []))
            if method == "conversations.history":
                chosen = [m for m in stored if not m["thread_ts"] or m["thread_ts"] == m["ts"]]
                chosen = list(reversed(chosen))
            else:
                parent = args.get("ts")
                chosen = [m for m in stored if m["ts"] == parent or m["thread_ts"] == parent]
            chosen = [m for m in chosen if float(m["ts"]) > oldest][:limit]
            return 200, {
                "ok": True,
                "messages": [self._visible(m, with_metadata) for m in chosen],
                "has_more": False,
            }
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._file_ids):06d}"
            with self.lock:
                self.state.files[file_id] = {
                    "id": file_id,
                    "filename": args.get("filename"),
                    "length": int(args.get("length") or 0),
                    "content": None,
                }
            return 200, {
                "ok": True,
                "file_id": file_id,
                "upload_url": f"{self.base_url}/upload/{file_id}",
            }
        if method == "files.completeUploadExternal":
            files = json.loads(args.get("files") or "[]")
            with self.lock:
                missing = [
                    f["id"]
                    for f in files
                    if self.state.files.get(f["id"], {}).get("content") is None
                ]
            if missing:
                return 200, {"ok": False, "error": "file_not_found"}
            for f in files:
                with self.lock:
                    self.state.files[f["id"]]["title"] = f.get("title")
                if args.get("channel_id"):
                    self._store(
                        self.channel_id(args["channel_id"]),
                        {
                            "text": args.get("initial_comment", ""),
                            "thread_ts": args.get("thread_ts"),
                            "files": [f["id"]],
                        },
                    )
            return 200, {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title")} for f in files],
            }
        return 200, {"ok": False, "error": "unknown_method"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(
                self,
                status: int,
                body: bytes,
                content_type: str,
                extra: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _json(
                self, status: int, data: dict[str, Any], extra: dict[str, str] | None = None
            ) -> None:
                self._send(
                    status, json.dumps(data).encode(), "application/json; charset=utf-8", extra
                )

            def _handle(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                body: Any
                if ctype == "application/json":
                    body = json.loads(raw or b"{}")
                elif ctype == "application/x-www-form-urlencoded":
                    body = dict(parse_qsl(raw.decode()))
                else:
                    body = raw
                query = dict(parse_qsl(split.query))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
                record = Recorded(
                    self.command, split.path, query, body, headers, at=time.monotonic()
                )
                with fake.lock:
                    fake.state.requests.append(record)
                    failures = fake.state.failures
                    status_override: tuple[int, dict[str, str]] | None = None
                    is_api = split.path.startswith("/api/")
                    if failures.rate_limited > 0 and (
                        is_api or split.path.startswith("/services/")
                    ):
                        failures.rate_limited -= 1
                        status_override = (429, {"Retry-After": str(failures.retry_after)})
                    elif failures.server_errors > 0 and is_api:
                        failures.server_errors -= 1
                        status_override = (500, {})
                    elif time.monotonic() < failures.outage_until:
                        status_override = (500, {})
                    elif failures.webhook_errors > 0 and split.path.startswith("/services/"):
                        failures.webhook_errors -= 1
                        status_override = (500, {})
                if status_override is not None:
                    record.status = status_override[0]
                    if status_override[0] == 429:
                        if split.path.startswith("/services/"):
                            self._send(429, b"rate_limited", "text/plain", status_override[1])
                        else:
                            self._json(
                                429, {"ok": False, "error": "ratelimited"}, status_override[1]
                            )
                    else:
                        self._send(500, b"<html>Internal Server Error</html>", "text/html")
                    return
                if split.path.startswith("/api/"):
                    args = {**query, **(body if isinstance(body, dict) else {})}
                    auth = self.headers.get("Authorization", "")
                    token = (
                        auth.removeprefix("Bearer ")
                        if auth.startswith("Bearer ")
                        else args.get("token")
                    )
                    method = split.path[len("/api/") :]
                    status, data = fake.api(method, args, token)
                    record.status = status
                    posted = method == "chat.postMessage" and data.get("ok")
                    with fake.lock:
                        drop = posted and failures.drop_after_store > 0
                        slow = posted and not drop and failures.slow_answers > 0
                        if drop:
                            failures.drop_after_store -= 1
                        if slow:
                            failures.slow_answers -= 1
                    if drop:  # stored, but the client never hears so
                        record.status = -1
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if slow:
                        time.sleep(failures.slow_delay)
                    self._json(status, data)
                elif split.path.startswith("/upload/"):
                    file_id = split.path.rsplit("/", 1)[-1]
                    with fake.lock:
                        known = file_id in fake.state.files
                        if known:
                            fake.state.files[file_id]["content"] = raw
                    record.status = 200 if known else 404
                    self._send(
                        record.status,
                        f"OK - {len(raw)}".encode() if known else b"no such upload",
                        "text/plain",
                    )
                elif split.path.startswith("/services/"):
                    if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
                        record.status = 400
                        self._send(400, b"no_text", "text/plain")
                        return
                    with fake.lock:
                        fake.state.webhook_posts.append(body)
                    record.status = 200
                    self._send(200, b"ok", "text/plain")
                else:
                    record.status = 404
                    self._send(404, b"not found", "text/plain")

            do_GET = _handle
            do_POST = _handle

        return Handler


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running fake Slack for one test."""
    with FakeSlack() as server:
        yield server
