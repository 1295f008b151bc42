"""The crawl worker: a long-lived process that runs the daemon's crawl cycles on one reactor.

The daemon writes one JSON line per cycle on the worker's stdin (``{"sources": [...]}``); the
worker polls those sources with Scrapy on a Twisted reactor that runs for the worker's whole
life, analyses what was stored, and answers with one result line on stdout. Between cycles it
keeps warm what a fresh process pays for every time: the interpreter and imports, the
extraction pool's processes, the rule set and the story (dedup) index. The daemon restarts it
after a failure, a timeout, a number of cycles or a memory ceiling (see
``monitor.daemon.cycles``). ``--source`` runs one cycle and exits (a cycle by hand, and tests).
Settings come from the environment the daemon passes; no secrets on the command line.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

from crawler.lifetime import die_with_parent

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.config import AppConfig
    from monitor.daemon.crawlqueue import CrawlQueue

logger = logging.getLogger("monitor.daemon.worker")

RESULT_PREFIX = "newsmon-worker-result "
FAILED_PREFIX = "newsmon-worker-failed "
# Scrapy's clean stop waits for the downloads in flight (up to the download timeout); a stop
# signal gives them this long, then stores what was extracted and ends the reactor (as Scrapy's
# own second Ctrl-C does). What was not fetched is polled again by the next cycle.
STOP_GRACE_SECONDS = 3.0


def die_with_daemon(parent_pid: int) -> None:
    """SIGKILL this worker when the daemon dies, so no orphan crawls on alone."""
    die_with_parent()
    if os.getppid() != parent_pid:  # the daemon died before prctl took effect
        raise SystemExit(f"newsmon worker: parent {parent_pid} is gone; not crawling")


def answer(prefix: str, data: dict[str, Any]) -> None:
    sys.stdout.write(prefix + json.dumps(data, sort_keys=True) + "\n")
    sys.stdout.flush()


class Worker:
    """Cycles on one running reactor; a failed cycle ends the worker (the daemon starts anew)."""

    def __init__(self, cfg: AppConfig, factory: sessionmaker[Session]) -> None:
        from crawler.run import ReactorCrawls

        self.cfg = cfg
        self.factory = factory
        scrapy_level = "DEBUG" if cfg.settings.log_level == "DEBUG" else "WARNING"
        self.crawls = ReactorCrawls(cfg.topic.crawl, log_level=scrapy_level)
        self.context: Any = None  # the AnalysisContext, built at the first cycle
        self.exit_code = 0
        self.stopping = False
        # The open run of the cycle in progress: closed at once on a stop signal, because the
        # crawl may wait out its download timeout and the daemon kills a worker after 10 s.
        self.open_run: int | None = None
        self.sink: Any = None  # the cycle's StoreSink, flushed on a forced stop
        self.shared = False  # a shared-queue worker: judged by the leader
        self.synced = False  # the sources table matches the configuration

    def _context(self) -> Any:
        """The AnalysisContext, built at the first cycle that analyses and kept."""
        from monitor.pipeline import AnalysisContext

        if self.context is None:
            self.context = AnalysisContext.build(self.cfg, self.factory)
        return self.context

    def cycle(self, names: list[str]) -> Any:
        """One cycle as a Deferred: crawl on the reactor while a thread analyses what is stored."""
        from twisted.internet import defer, threads

        from monitor.cycle import Analyser, begin_run, due_sources, end_run, unpaused
        from monitor.status import judge_cycle
        from monitor.store.sink import StoreSink

        @defer.inlineCallbacks
        def run() -> Any:
            sources = due_sources(self.cfg, names)
            # The configuration is fixed for the worker's life: the sources table is made to
            # match it once (5,000 sources cost a second per sync), and never by a queue worker.
            run_id = yield threads.deferToThread(
                begin_run, self.cfg, self.factory, "crawl", sync_sources=not self.synced
            )
            self.synced = True
            self.open_run = run_id
            sources = yield threads.deferToThread(unpaused, self.factory, sources)
            counters: Counter[str] = Counter()
            error: str | None = None
            # A shared-queue worker stores only: the leader judges, in one place.
            analyser = None if self.shared else Analyser(self.factory, self._context)
            try:
                sink = StoreSink(self.factory, on_progress=analyser.wake if analyser else None)
                self.sink = sink
                try:
                    stats = yield self.crawls.crawl(sources, sink)
                except BaseException:
                    if analyser is not None:
                        yield threads.deferToThread(analyser.finish, last_pass=False)
                    raise
                counters.update(stats.counters())
                for key in ("stored", "store_failed", "unchanged"):
                    counters[key] = sink.counters[key]
                analysed: Counter[str] = Counter()
                if analyser is not None:
                    last_pass = not self.stopping
                    analysed = yield threads.deferToThread(analyser.finish, last_pass=last_pass)
                if self.stopping:
                    raise RuntimeError("stopped")
                if analyser is None:
                    return counters
                counters.update(analysed)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                if self.open_run == run_id:  # not already closed by a stop signal
                    self.open_run = None
                    yield threads.deferToThread(end_run, self.factory, run_id, counters, error)
            status = judge_cycle(counters, sink.source_failures, sink.fetch_failures, error)
            result: dict[str, object] = dict(counters)
            result.update(status=status.status, status_reason=status.reason)
            return result

        return run()

    def serve(self, first: list[str] | None, shared: CrawlQueue | None = None) -> int:
        """Run the reactor: take cycles from stdin, the shared queue, or run ``first`` once."""
        from twisted.internet import reactor as twisted_reactor

        reactor: Any = twisted_reactor

        def done(result: dict[str, Any]) -> None:
            answer(RESULT_PREFIX, dict(result))
            if first is not None:
                reactor.stop()

        def failed(failure: Any) -> None:
            if not self.stopping:
                logger.error(
                    "crawl cycle failed: %s",
                    failure.getTraceback() if logger.isEnabledFor(logging.DEBUG) else failure.value,
                )
            answer(FAILED_PREFIX, {"error": str(failure.value)[:500]})
            self.exit_code = 1
            reactor.stop()

        def start(names: list[str]) -> None:
            self.cycle(names).addCallbacks(done, failed)

        def read_commands() -> None:
            for line in sys.stdin:
                try:
                    names = [str(n) for n in json.loads(line)["sources"]]
                except (ValueError, KeyError, TypeError):
                    logger.error("unreadable cycle command: %r", line[:200])
                    continue
                reactor.callFromThread(start, names)
            reactor.callFromThread(stop)  # the daemon closed stdin

        def stop() -> None:
            if self.stopping:
                return
            self.stopping = True
            closing = None
            if self.open_run is not None:
                from twisted.internet import threads

                from monitor.cycle import end_run

                run_id, self.open_run = self.open_run, None
                closing = threads.deferToThread(end_run, self.factory, run_id, Counter(), "stopped")
            stopped = self.crawls.stop()
            if closing is not None:
                stopped.addBoth(lambda _: closing)
            stopped.addBoth(lambda _: halt())
            reactor.callLater(STOP_GRACE_SECONDS, force)

        def halt() -> None:
            if reactor.running:
                reactor.stop()

        def force() -> None:
            from twisted.internet import defer, threads

            if not reactor.running:
                return
            logger.warning(
                "downloads still in flight %.0fs after the stop signal: stopping without them",
                STOP_GRACE_SECONDS,
            )
            sink = self.sink
            flushed = threads.deferToThread(sink.flush) if sink is not None else defer.succeed(None)
            flushed.addBoth(lambda _: halt())

        def on_signal(signum: int, _frame: Any) -> None:
            logger.info("received %s: stopping", signal.Signals(signum).name)
            reactor.callFromThread(stop)

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)

        def consume(queue: CrawlQueue) -> None:
            from twisted.internet.threads import blockingCallFromThread

            alive = threading.Event()
            beat = max(1.0, queue.broker.heartbeat_timeout / 4000)
            threading.Thread(
                target=queue.keep_alive, args=(beat, alive), name="heartbeat", daemon=True
            ).start()
            for names, message, consumer in queue.messages():
                if self.stopping:
                    break
                if message is None:
                    continue
                try:
                    counters = blockingCallFromThread(reactor, self.cycle, names)
                except Exception as exc:
                    if self.stopping:
                        break  # not acknowledged: another worker redoes the batch
                    logger.error("crawl cycle for %s failed: %s", ", ".join(names), exc)
                    consumer.nack(message)
                    self.exit_code = 1
                    break
                consumer.ack(message)
                answer(RESULT_PREFIX, dict(counters))
            alive.set()
            reactor.callFromThread(stop)

        self.shared = self.synced = shared is not None  # the leader keeps the sources table
        if first is not None:
            reactor.callWhenRunning(start, first)
        elif shared is not None:
            threading.Thread(target=consume, args=(shared,), name="consume", daemon=True).start()
        else:
            threading.Thread(target=read_commands, name="commands", daemon=True).start()
        try:
            reactor.run(installSignalHandlers=False)
        finally:
            self.crawls.close()
        return self.exit_code


def run_worker(
    cfg: AppConfig, *, first: list[str] | None = None, shared_queue: bool = False
) -> int:
    """Serve cycles until stopped (``newsmon worker``: from the shared queue); the exit code."""
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")

    from monitor.logs import configure_logging, secrets_of
    from monitor.store import db

    settings = cfg.settings
    configure_logging(settings.log_level, secrets=secrets_of(settings))
    try:
        engine = db.make_engine(settings.database_url)
        db.check_schema(engine)
        worker = Worker(cfg, db.session_factory(engine))
        queue = None
        if shared_queue:
            from monitor.daemon.crawlqueue import CrawlQueue

            queue = CrawlQueue(
                settings.queue_url, settings.queue_namespace, settings.queue_heartbeat_seconds
            )
            logger.info("crawl worker consuming the shared queue %s", settings.queue_namespace)
        return worker.serve(first, queue)
    except Exception:  # the process boundary: report through logging (redacted), exit non-zero
        logger.exception("the crawl worker failed")
        return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor.daemon.worker", description=__doc__)
    parser.add_argument("--source", action="append", help="run one cycle for these sources")
    parser.add_argument("--parent-pid", type=int, required=True)
    args = parser.parse_args(argv)
    die_with_daemon(args.parent_pid)

    from monitor.config import Settings, load_config

    return run_worker(load_config(Settings()), first=args.source)


if __name__ == "__main__":
    raise SystemExit(main())
