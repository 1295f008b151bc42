"""The ``newsmon`` command line: ``app`` with every command registered, and ``main``."""

from monitor.cli import collect, deliver, desk, read, rules  # noqa: F401  (each registers its commands)
from monitor.cli.app import app, hoist_global_options, main

__all__ = ["app", "hoist_global_options", "main"]
