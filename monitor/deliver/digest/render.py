"""Digest renderers: self-contained HTML (autoescaped, inline charts) and Markdown, from Jinja2."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from monitor.deliver.digest.chart import timeline_svg
from monitor.deliver.digest.model import DailyDigest
from monitor.deliver.view import STANCE_LABELS, issue_label

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!])")


def safe_href(url: str | None) -> str | None:
    """An http(s) URL to link to, or None: ``javascript:`` and friends never become links."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def md_escape(text: object) -> str:
    """Text safe inside Markdown: no markup, links, raw HTML or table breaks from article text."""
    flat = " ".join(str(text or "").split())
    return MD_SPECIAL.sub(r"\\\1", flat).replace("&", "&amp;")


def md_url(url: str | None) -> str | None:
    """A URL safe inside ``<...>`` in Markdown, or None."""
    href = safe_href(url)
    if href is None:
        return None
    return href.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")


def _fmt_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "j2"]) if autoescape else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        href=safe_href,
        md=md_escape,
        md_url=md_url,
        date=_fmt_date,
        stance=lambda s: STANCE_LABELS.get(s or "", s or "—"),
        issue=issue_label,
    )
    return env


_HTML_ENV = _environment(autoescape=True)
_MD_ENV = _environment(autoescape=False)


def render_charts(digest: DailyDigest) -> dict[str, Markup]:
    """One inline SVG per issue with positions; matplotlib output, trusted as markup."""
    return {
        issue: Markup(timeline_svg(issue_label(issue), points, digest.day))
        for issue, points in digest.timelines.items()
        if points
    }


def render_html(digest: DailyDigest, charts: dict[str, Markup] | None = None) -> str:
    """The digest as one self-contained HTML page (no external resources), readable on a phone."""
    charts = render_charts(digest) if charts is None else charts
    return _HTML_ENV.get_template("digest.html.j2").render(d=digest, charts=charts)


def render_markdown(digest: DailyDigest) -> str:
    """The digest as Markdown, article text escaped."""
    return _MD_ENV.get_template("digest.md.j2").render(d=digest)
