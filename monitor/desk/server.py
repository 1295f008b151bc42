"""Run the desk: in the foreground (``newsmon serve``) or on a thread (the daemon, the tests)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig
from monitor.desk.access import is_loopback
from monitor.errors import InputError

logger = logging.getLogger(__name__)


def build_desk(
    config: AppConfig,
    factory: sessionmaker[Session],
    host: str,
    *,
    read_only: bool | None = None,
    on_change: Callable[[], Any] | None = None,
) -> Any:
    """The Starlette app; refuses a non-loopback bind without ``NEWSMON_UI_TOKEN``."""
    from monitor.desk.app import Desk, create_app

    token = config.settings.ui_token.get_secret_value() if config.settings.ui_token else None
    if not is_loopback(host) and not token:
        raise InputError(
            f"the review desk binds to {host}, beyond this machine: set NEWSMON_UI_TOKEN "
            "(analysts then sign in once with it), or bind to 127.0.0.1"
        )
    desk = Desk(
        config,
        factory,
        token=token or None,
        read_only=config.topic.ui.read_only if read_only is None else read_only,
        on_change=on_change,
    )
    app = create_app(desk)
    app.state.desk = desk
    return app


class DeskThread:
    """uvicorn on a daemon thread; ``stop`` asks it to exit and waits."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        import uvicorn

        if port == 0:
            with socket.socket() as probe:
                probe.bind((host, 0))
                port = probe.getsockname()[1]
        self.host, self.port = host, port
        self.server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, name="newsmon-desk", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> DeskThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the review desk did not start on {self.url}")
            time.sleep(0.02)
        logger.info("review desk on %s", self.url)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
