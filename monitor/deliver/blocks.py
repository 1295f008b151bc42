"""Slack Block Kit for one alert: pure, golden-tested, within Slack's limits, article text escaped.

Wording comes from Jinja2 templates (``monitor/templates/alert_*.j2``, overridable per key from the
topic config). Every ``{{ value }}`` is escaped for mrkdwn by the environment's ``finalize``, so a
title holding ``<!channel>`` or ``<https://evil|click>`` is shown, never acted on; only the
``link()`` helper emits a real link, and only for http(s) URLs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import (
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
)

from monitor.deliver.view import STANCE_LABELS, AlertView
from monitor.errors import ConfigError
from monitor.store.kinds import SHIFTS, AlertKind, EventKind

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_KEYS = (*EventKind, AlertKind.COPY, AlertKind.REITERATION, AlertKind.RETRACTION)

HEADER_MAX = 150
SECTION_MAX = 3000
FALLBACK_MAX = 3000
MAX_BLOCKS = 50
MAX_COPIES_LISTED = 20
ELLIPSIS = "…"

HEADER_EMOJI: dict[str, str] = {
    EventKind.SHIFT: ":rotating_light:",
    EventKind.POSSIBLE_SHIFT: ":grey_question:",
    EventKind.NEW_DEMAND: ":exclamation:",
    EventKind.NEW_POSITION: ":memo:",
}


class Mrkdwn(str):
    """Text already in mrkdwn form (escaped or a built link); ``finalize`` leaves it alone."""


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack treats as control sequences in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with Slack's link delimiters percent-encoded, or None for anything else."""
    if not url:
        return None
    url = url.strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme not in ("http", "https"):
        return None
    return url.replace("<", "%3C").replace(">", "%3E").replace("|", "%7C").replace(" ", "%20")


def link(url: str | None, text: str | None = None) -> Mrkdwn:
    """A Slack link ``<url|text>`` with the text escaped; just the text if the URL is unsafe."""
    label = escape_mrkdwn(text or url or "")
    target = safe_url(url)
    if target is None:
        return Mrkdwn(label)
    return Mrkdwn(f"<{target}|{label}>")


def quote(text: str) -> Mrkdwn:
    """Every line of ``text`` as a mrkdwn block quote."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()] or [""]
    return Mrkdwn("\n".join(f"> {escape_mrkdwn(line)}" for line in lines))


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Cut escaped mrkdwn to ``limit`` chars with an ellipsis, never inside an entity or a link."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    lt = cut.rfind("<")
    if lt != -1 and ">" not in cut[lt:]:
        cut = cut[:lt]
    return cut + ELLIPSIS


def truncate_plain(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def _finalize(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mrkdwn):
        return value
    return escape_mrkdwn(str(value))


class AlertTemplates:
    """The Jinja2 environment for alert wording: built-in templates, overridden from the config."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - set(TEMPLATE_KEYS))
        if unknown:
            raise ConfigError(
                f"alerts.templates: unknown template {unknown[0]!r}; known: {', '.join(TEMPLATE_KEYS)}"
            )
        self.env = Environment(
            loader=ChoiceLoader(
                [
                    DictLoader({f"alert_{k}.j2": v for k, v in overrides.items()}),
                    FileSystemLoader(TEMPLATE_DIR),
                ]
            ),
            finalize=_finalize,
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )
        self.env.globals.update(link=link, quote=quote)
        for key in overrides:
            try:
                self.env.get_template(f"alert_{key}.j2")
            except TemplateError as exc:
                raise ConfigError(
                    f"alerts.templates.{key}: not a valid Jinja2 template: {exc}"
                ) from exc

    def headline(self, view: AlertView) -> str:
        """The one-line "what happened", in mrkdwn."""
        key = view.event_type if view.kind == AlertKind.EVENT else view.kind
        context = {
            "side": view.side_label,
            "issue": view.issue_label,
            "stance": STANCE_LABELS.get(view.stance, view.stance),
            "previous_stance": STANCE_LABELS.get(view.previous_stance or "", view.previous_stance),
            "previous_date": view.previous_date.isoformat() if view.previous_date else None,
            "statement_date": view.statement_date.isoformat(),
            "actor": view.actor,
            "confidence": view.confidence,
            "title": view.title,
            "site": view.site,
            "url": view.url,
            "event_type": view.event_type,
            "reason": view.evidence if view.kind == "retraction" else None,
        }
        try:
            return self.env.get_template(f"alert_{key}.j2").render(context).strip()
        except TemplateError as exc:
            raise ConfigError(f"alerts.templates.{key}: rendering failed: {exc}") from exc


DEFAULT_TEMPLATES: AlertTemplates | None = None


def default_templates() -> AlertTemplates:
    global DEFAULT_TEMPLATES
    if DEFAULT_TEMPLATES is None:
        DEFAULT_TEMPLATES = AlertTemplates()
    return DEFAULT_TEMPLATES


def _section(text: str) -> dict[str, Any]:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": truncate_mrkdwn(text, SECTION_MAX)},
    }


def _context(text: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate_mrkdwn(text, SECTION_MAX)}],
    }


def _source_line(view: AlertView) -> str:
    title = view.title or view.url or "original article"
    line = f"*Source:* {link(view.url, title)}"
    if view.site:
        line += f" ({escape_mrkdwn(view.site)})"
    return line


def _also_on(view: AlertView) -> str:
    shown = [link(c.url, c.site or c.url) for c in view.also_on[:MAX_COPIES_LISTED]]
    more = len(view.also_on) - len(shown)
    text = "*Also on:* " + ", ".join(shown)
    return text + (f" and {more} more" if more > 0 else "")


def _speaker(view: AlertView) -> str:
    who = escape_mrkdwn(view.actor) if view.actor else "unattributed"
    return f"— {who}, {view.statement_date.isoformat()}"


def _strip_mrkdwn(text: str) -> str:
    """Plain form of a headline for the notification fallback (entities stay escaped)."""
    text = re.sub(r"<([^|>]+)\|([^>]*)>", r"\2 (\1)", text)
    return text.replace("*", "")


def build_alert_blocks(view: AlertView, templates: AlertTemplates | None = None) -> dict[str, Any]:
    """``{"text": fallback, "blocks": [...]}`` for ``chat.postMessage`` or a webhook."""
    templates = templates or default_templates()
    headline = templates.headline(view)
    blocks: list[dict[str, Any]] = []
    if view.kind == AlertKind.EVENT:
        emoji = HEADER_EMOJI.get(view.event_type, "")
        header = (
            f"{emoji} {view.event_type.replace('_', ' ')} · {view.side_label} · {view.issue_label}"
        )
        blocks.append(
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": truncate_plain(header.strip(), HEADER_MAX),
                    "emoji": True,
                },
            }
        )
    blocks.append(_section(headline))
    if view.evidence and view.kind not in (AlertKind.COPY, AlertKind.RETRACTION):
        blocks.append(_section(f"{quote(view.evidence)}\n{_speaker(view)}"))
    if (view.url or view.title) and view.kind not in (AlertKind.COPY, AlertKind.RETRACTION):
        blocks.append(_section(_source_line(view)))
    if view.kind == AlertKind.EVENT and view.previous_evidence and view.event_type in SHIFTS:
        when = view.previous_date.isoformat() if view.previous_date else "date unknown"
        earlier = f"*Earlier ({when}):*\n{quote(view.previous_evidence)}"
        if view.previous_url:
            earlier += f"\n{link(view.previous_url, 'earlier source')}"
        blocks.append(_section(earlier))
    if view.also_on:
        blocks.append(_context(_also_on(view)))
    if view.kind == AlertKind.EVENT:
        footer = f"confidence {view.confidence:.2f}"
        if view.event_id is not None:
            footer += f" · event #{view.event_id}"
        if view.story_id is not None:
            footer += f" · story #{view.story_id}"
        blocks.append(_context(footer))
    blocks = blocks[:MAX_BLOCKS]
    fallback = _strip_mrkdwn(headline)
    if view.evidence and view.kind not in (AlertKind.COPY, AlertKind.RETRACTION):
        fallback += f" — “{escape_mrkdwn(view.evidence.strip())}”"
    return {"text": truncate_mrkdwn(fallback, FALLBACK_MAX), "blocks": blocks}
