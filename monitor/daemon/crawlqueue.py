"""The shared crawl queue past one machine: Dramatiq's Redis broker carries "poll these sources".

Why Dramatiq's broker and not scrapy-redis: scrapy-redis shares Scrapy's request queue, but our
spider keeps per-source state between a feed and its entries (conditional-GET validators held
back until every entry is stored), which cannot be split across processes request by request;
the natural unit of shared work is "poll these sources". Why not RQ: it forks a process per job,
which throws away the warm worker (Scrapy, extraction pool) this design is built on. Why not
Celery: a second framework of workers and configuration for what is one queue. Dramatiq's Redis
broker gives a reliable queue on its own: a message taken by a consumer stays in that
consumer's in-flight set until acknowledged, and when a consumer stops heart-beating (SIGKILL,
a dead host) another consumer's maintenance puts its messages back on the queue. So a worker
killed mid-cycle loses nothing; stored articles are skipped by URL when the batch is redone.

The leader (``newsmon run`` with ``NEWSMON_QUEUE_URL``) enqueues due sources in batches;
``newsmon worker`` processes consume them with this module, without Dramatiq's own worker
threads (our worker runs Twisted's reactor in its main thread).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

logger = logging.getLogger(__name__)

QUEUE = "crawl"
ACTOR = "crawl_sources"


class CrawlQueue:
    """One connection to the shared queue (``namespace`` keeps several deployments apart)."""

    def __init__(
        self, url: str, namespace: str = "newsmon", heartbeat_seconds: float = 60.0
    ) -> None:
        from dramatiq.brokers.redis import RedisBroker

        self.broker: Any = RedisBroker(
            url=url,
            namespace=namespace,
            heartbeat_timeout=int(heartbeat_seconds * 1000),
            maintenance_chance=100_000,  # per million calls: a dead consumer is found in seconds
        )
        self.broker.declare_queue(QUEUE)

    def enqueue(self, names: list[str], batch: int = 20) -> int:
        """Queue the sources in batches of ``batch``; returns the number of messages."""
        from dramatiq import Message

        sent = 0
        for start in range(0, len(names), batch):
            chunk = names[start : start + batch]
            message: Any = Message(
                queue_name=QUEUE, actor_name=ACTOR, args=(chunk,), kwargs={}, options={}
            )
            self.broker.enqueue(message)
            sent += 1
        return sent

    def messages(self, idle_ms: int = 1000) -> Iterator[tuple[list[str], Any, Any]]:
        """(source names, message, consumer) for each message; ``None`` names when idle."""
        consumer = self.broker.consume(QUEUE, prefetch=1, timeout=idle_ms)
        while True:
            message = next(consumer)
            if message is None:
                yield [], None, consumer
                continue
            yield [str(n) for n in message.args[0]], message, consumer

    def pending(self) -> int:
        """Messages waiting (not yet taken by a consumer); also tells Redis this one is alive."""
        return int(self.broker.do_qsize(QUEUE))

    def keep_alive(self, every: float, stop: Any) -> None:
        """Heart-beat while a long cycle runs (``stop``: a threading.Event), so no other worker
        takes this one for dead and redoes its batch."""
        while not stop.wait(every):
            self.pending()

    def purge(self) -> None:
        """Drop every key of this namespace (tests clean up after themselves)."""
        client = self.broker.client
        keys = list(client.scan_iter(f"{self.broker.namespace}*"))
        if keys:
            client.delete(*keys)

    def close(self) -> None:
        self.broker.close()


class QueueFeeder(threading.Thread):
    """The leader's side: sources marked due are queued for the workers in batches."""

    def __init__(self, queue: CrawlQueue, batch: int = 20, window: float = 0.2) -> None:
        super().__init__(name="newsmon-queue-feeder", daemon=True)
        self.queue = queue
        self.batch = batch
        self.window = window
        self._due: set[str] = set()
        self._mutex = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.enqueued = 0

    def mark_due(self, names: list[str]) -> None:
        if names:
            with self._mutex:
                self._due.update(names)
            self._wake.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            if not self._wake.wait(timeout=1.0):
                continue
            self._stopping.wait(self.window)  # sources falling due together share messages
            with self._mutex:
                names, self._due = sorted(self._due), set()
                self._wake.clear()
            if names and not self._stopping.is_set():
                try:
                    self.enqueued += self.queue.enqueue(names, self.batch)
                except Exception:  # Redis down: these sources are queued at their next tick
                    logger.exception("queueing %d source(s) failed", len(names))

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()


class Analyser(threading.Thread):
    """The leader's side: what the workers stored is judged here, in one place, as it arrives."""

    def __init__(
        self,
        analyse: Callable[[], dict[str, int]],
        on_pass: Callable[[dict[str, int]], None],
        every: float = 0.5,
    ) -> None:
        super().__init__(name="newsmon-analyser", daemon=True)
        self.analyse = analyse
        self.on_pass = on_pass
        self.every = every
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(self.every):
            try:
                counters = self.analyse()
            except Exception:  # the database may be briefly away; the next pass retries
                logger.exception("analysis pass failed")
                continue
            self.on_pass(counters)

    def stop(self) -> None:
        self._stopping.set()
