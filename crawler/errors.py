"""The crawler's exceptions: one base, so callers can catch what collecting raises."""


class CrawlError(Exception):
    """Something the crawler refused or could not collect; the message says what and why."""
