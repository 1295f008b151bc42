"""Digest renderers: self-contained HTML (autoescaped, inline charts) and Markdown, from Jinja2."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from monitor.deliver.digest.model import DailyDigest
from monitor.deliver.digest.swimlanes import swimlanes_svg
from monitor.deliver.view import STANCE_LABELS, issue_label

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!])|&(?=#?\w+;)")


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
    # Markdown's own escapes: a backslash before markup, and before an "&" only where it would
    # start an entity; never HTML entities (an URL or "AT&T" reads as written).
    return MD_SPECIAL.sub(lambda m: "\\" + (m.group(1) or "&"), flat)


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
    """The one position timeline (every issue a swimlane, one time axis), escaped SVG."""
    points = [entry for entries in digest.timelines.values() for entry in entries]
    svg = swimlanes_svg(points, digest.day)
    return {"all": Markup(svg)} if svg else {}


def render_html(digest: DailyDigest, charts: dict[str, Markup] | None = None) -> str:
    """The digest as one self-contained HTML page (no external resources), readable on a phone."""
    charts = render_charts(digest) if charts is None else charts
    return _HTML_ENV.get_template("digest.html.j2").render(d=digest, charts=charts)


def render_markdown(digest: DailyDigest) -> str:
    """The digest as Markdown, article text escaped."""
    return _MD_ENV.get_template("digest.md.j2").render(d=digest)
