"""An Atom feed of events, for analysts who follow alerts in a feed reader.

``build_events_feed`` is pure (the CLI writes it, the daemon's health server serves it at
``/events.atom``); ``recent_events`` reads what it needs from the database.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.deliver.digest.render import safe_href
from monitor.deliver.outbox import event_view
from monitor.deliver.view import STANCE_LABELS, AlertView
from monitor.store.models import Event

logger = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:newsmon:events"


def _headline(view: AlertView) -> str:
    stance = STANCE_LABELS.get(view.stance, view.stance)
    text = f"{view.event_type.replace('_', ' ')}: {view.side_label} {stance} {view.issue_label}"
    if view.previous_stance:
        prev = STANCE_LABELS.get(view.previous_stance, view.previous_stance)
        when = view.previous_date.isoformat() if view.previous_date else "date unknown"
        text += f"; previously {prev} ({when})"
    return text


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters; feed text sometimes does."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def build_events_feed(
    entries: Sequence[tuple[AlertView, dt.datetime]],
    *,
    title: str,
    updated: dt.datetime,
    self_url: str | None = None,
) -> bytes:
    """Atom 1.0 XML for events, newest first; article text is text content, never markup."""

    def sub(
        parent: etree._Element, tag: str, text: str | None = None, **attrs: str
    ) -> etree._Element:
        el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", **attrs)
        if text is not None:
            el.text = _clean(text)
        return el

    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    sub(feed, "id", FEED_ID)
    sub(feed, "title", title)
    sub(feed, "updated", updated.astimezone(dt.UTC).isoformat())
    sub(feed, "generator", "newsmon")
    if self_url:
        sub(feed, "link", rel="self", href=self_url)
    for view, created in sorted(entries, key=lambda e: e[1], reverse=True):
        entry = sub(feed, "entry")
        sub(entry, "id", f"{FEED_ID}:{view.event_id}")
        sub(entry, "title", _headline(view))
        sub(entry, "updated", created.astimezone(dt.UTC).isoformat())
        sub(entry, "published", created.astimezone(dt.UTC).isoformat())
        sub(sub(entry, "author"), "name", view.actor or view.side_label)
        href = safe_href(view.url)
        if href:
            sub(entry, "link", rel="alternate", href=href)
        sub(entry, "category", term=view.event_type)
        sub(entry, "category", term=view.issue)
        summary = f"“{view.evidence.strip()}” ({view.actor or 'unattributed'}, {view.statement_date.isoformat()})"
        if view.title:
            summary += f" Source: {view.title}" + (f" ({view.site})" if view.site else "")
        if view.previous_evidence:
            summary += f" Earlier: “{view.previous_evidence.strip()}”"
        if view.also_on:
            summary += " Also on: " + ", ".join(c.site for c in view.also_on)
        sub(entry, "summary", summary, type="text")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def recent_events(session: Session, limit: int = 100) -> list[tuple[AlertView, dt.datetime]]:
    """The latest events as views, with when they were raised."""
    events = session.scalars(
        select(Event)
        .where(Event.retracted_at.is_(None))
        .order_by(Event.created_at.desc(), Event.id.desc())
        .limit(limit)
    ).all()
    return [(event_view(session, e), e.created_at) for e in events]


def events_feed(
    session: Session, title: str, limit: int = 100, self_url: str | None = None
) -> bytes:
    entries = recent_events(session, limit)
    updated = max(
        (created for _, created in entries), default=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    return build_events_feed(entries, title=title, updated=updated, self_url=self_url)
