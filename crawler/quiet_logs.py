"""Scrapy's robots.txt middleware logs an unreachable robots.txt as an ERROR with a traceback.

The page's own request fails (and is reported) anyway, so below DEBUG that log line is turned
into one warning without the traceback.
"""

from __future__ import annotations

import logging

ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


class OneLineRobotsErrors(logging.Filter):
    """Drop the traceback of robots.txt download errors and log them as warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and record.exc_info:
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_robots_errors(log_level: str) -> None:
    """Install the filter once, unless the user asked for DEBUG (tracebacks wanted then)."""
    logger = logging.getLogger(ROBOTS_LOGGER)
    for existing in list(logger.filters):
        if isinstance(existing, OneLineRobotsErrors):
            logger.removeFilter(existing)
    if log_level != "DEBUG":
        logger.addFilter(OneLineRobotsErrors())
