"""A shallow exception hierarchy; third-party errors are translated where they enter our code."""

from __future__ import annotations


class NewsmonError(Exception):
    """Base of every error newsmon raises on purpose; the CLI prints these without a traceback."""

    exit_code = 2  # a user can fix it: a file, a setting, an argument


class ConfigError(NewsmonError):
    """A settings value or topic YAML is invalid; the message names the file, line and field."""


class InputError(NewsmonError):
    """A command-line argument or input file is unusable; the message says which and why."""


class SchemaOutOfDate(NewsmonError):
    """The database schema is not at the code's Alembic head."""


class AlertDeliveryError(NewsmonError):
    """A sink could not deliver an alert; the outbox keeps it for a retry."""


class OperationFailed(NewsmonError):
    """A command ran but could not do its work (nothing fetched or stored, the database erred)."""

    exit_code = 1
