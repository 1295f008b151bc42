"""The desk as a Starlette app: server-rendered pages, POST forms with CSRF, no scripts at all.

Pages read through ``monitor.desk.pages``; forms change things through
``monitor.desk.corrections`` in one transaction each, then ``on_change`` (the dispatcher) runs in
the background so a confirmed shift or a retraction reaches Slack without waiting for the daemon.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from monitor.config import AppConfig
from monitor.deliver.digest.collect import local_today
from monitor.deliver.digest.render import safe_href
from monitor.deliver.view import STANCE_LABELS, issue_label, side_label
from monitor.desk import corrections, pages
from monitor.desk.access import COOKIE, MAX_AGE, Access, Visitor
from monitor.judge.rules import RuleSet, topic_ruleset

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
SECURITY_HEADERS = {
    # No script may run on any page: article text is escaped, and even if it were not, this holds.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
Handler = Callable[[Request, Visitor], Awaitable[Response]]


def _fmt_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        href=safe_href,
        date=_fmt_date,
        stance=lambda s: STANCE_LABELS.get(s or "", s or "—"),
        issue=issue_label,
        side=side_label,
    )
    env.globals.update(reasons=corrections.WRONG_REASONS, stances=tuple(STANCE_LABELS))
    return env


class Desk:
    """One running desk: configuration, database, rules, access control and templates."""

    def __init__(
        self,
        config: AppConfig,
        factory: sessionmaker[Session],
        *,
        token: str | None = None,
        read_only: bool = False,
        on_change: Callable[[], Any] | None = None,
        ruleset: RuleSet | None = None,
    ) -> None:
        self.config = config
        self.factory = factory
        self.read_only = read_only
        self.access = Access(token)
        self.on_change = on_change
        self.ruleset = ruleset or topic_ruleset(config.topic.rules, config.topic_path)
        self.env = _environment()
        self.issues = (*self.ruleset.spec.issues, "other")
        self.timings: list[float] = []  # server time of each page render, for the benchmark

    # -- rendering ---------------------------------------------------------------------------

    def render(self, name: str, visitor: Visitor | None, **context: Any) -> str:
        context.setdefault("notice", None)
        context.setdefault("page_name", "")
        return self.env.get_template(name).render(
            topic=self.config.topic.description or self.config.topic.name,
            visitor=visitor,
            csrf=self.access.csrf_token(visitor) if visitor else "",
            read_only=self.read_only,
            login_required=self.access.login_required,
            today=local_today(self.config.topic.digest.timezone),
            **context,
        )

    def _response(
        self, body: str, visitor: Visitor | None, cookie: str | None = None, status: int = 200
    ) -> HTMLResponse:
        response = HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)
        if cookie:
            response.set_cookie(
                COOKIE, cookie, max_age=MAX_AGE, httponly=True, samesite="strict", path="/"
            )
        return response

    # -- who is asking -------------------------------------------------------------------------

    def _visitor(self, request: Request) -> tuple[Visitor | None, str | None]:
        """The cookie's visitor; without a token a fresh local visitor is issued (and set)."""
        visitor = self.access.read(request.cookies.get(COOKIE))
        if visitor is not None and (visitor.authenticated or not self.access.login_required):
            return visitor, None
        if self.access.login_required:
            return None, None
        host = request.client.host if request.client else "local"
        visitor, cookie = self.access.issue(f"analyst@{host}", authenticated=False)
        return visitor, cookie

    def _login_page(self, error: str | None = None, status: int = 401) -> HTMLResponse:
        body = self.render("login.html.j2", None, error=error, nav=False)
        return self._response(body, None, status=status)

    def page(self, handler: Callable[..., str]) -> Callable[[Request], Awaitable[Response]]:
        """A GET page: access checked, rendered in a worker thread, timed."""

        async def endpoint(request: Request) -> Response:
            visitor, cookie = self._visitor(request)
            if visitor is None:
                return self._login_page()
            started = time.perf_counter()
            try:
                body = await run_in_threadpool(handler, request, visitor)
            except LookupError as exc:
                return self._response(
                    self.render("error.html.j2", visitor, message=str(exc)), visitor, cookie, 404
                )
            self.timings.append(time.perf_counter() - started)
            return self._response(body, visitor, cookie)

        return endpoint

    def action(
        self, handler: Callable[[Session, dict[str, str], Request, Visitor], corrections.Outcome]
    ) -> Callable[[Request], Awaitable[Response]]:
        """A POST form: access, read-only and CSRF checked, one transaction, then back."""

        async def endpoint(request: Request) -> Response:
            visitor, _ = self._visitor(request)
            if visitor is None:
                return self._login_page()
            form = {k: str(v) for k, v in (await request.form()).items()}
            if not self.access.csrf_ok(visitor, form.get("csrf")):
                body = self.render(
                    "error.html.j2",
                    visitor,
                    message="This form has expired or did not come from the desk; reload the page and try again.",
                )
                return self._response(body, visitor, status=403)
            if self.read_only:
                body = self.render("error.html.j2", visitor, message="The desk is read-only.")
                return self._response(body, visitor, status=403)

            def run() -> corrections.Outcome:
                with self.factory.begin() as session:
                    return handler(session, form, request, visitor)

            try:
                outcome = await run_in_threadpool(run)
            except corrections.CorrectionError as exc:
                body = self.render("error.html.j2", visitor, message=str(exc))
                return self._response(body, visitor, status=409)
            back = _local_path(form.get("back")) or "/"
            sep = "&" if "?" in back else "?"
            notice = self.access.sign_notice(outcome.message)
            task = BackgroundTask(self._changed) if self.on_change else None
            return RedirectResponse(
                f"{back}{sep}{urlencode({'notice': notice})}",
                status_code=303,
                headers=SECURITY_HEADERS,
                background=task,
            )

        return endpoint

    def _changed(self) -> None:
        try:
            if self.on_change:
                self.on_change()
        except Exception:
            logger.exception("dispatch after a correction failed; the outbox keeps the alerts")

    def notice(self, request: Request) -> str | None:
        return self.access.read_notice(request.query_params.get("notice"))


def _local_path(value: str | None) -> str | None:
    """Only a path on this site may be redirected to (no ``//evil`` or ``https:``)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value.split("?", 1)[0]


def _int(value: str | None, default: int = 1) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise LookupError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def create_app(desk: Desk) -> Starlette:
    """The Starlette application over one ``Desk``."""
    tz = desk.config.topic.digest.timezone

    def day_page(request: Request, visitor: Visitor) -> str:
        raw = request.path_params.get("day") or request.query_params.get("date")
        day = _day(raw) if raw else local_today(tz)
        with desk.factory() as session:
            cards = pages.day_events(session, day, tz)
            failing = pages.failing_sources(session)
            stories = pages.day_stories(session, day, tz)
            return desk.render(
                "day.html.j2",
                visitor,
                day=day,
                prev=day - dt.timedelta(days=1),
                next=day + dt.timedelta(days=1),
                events=[
                    c for c in cards if c.event.type != "POSSIBLE_SHIFT" and not c.event.backfilled
                ],
                possible=[
                    c for c in cards if c.event.type == "POSSIBLE_SHIFT" and not c.event.backfilled
                ],
                backfilled=[c for c in cards if c.event.backfilled],
                stories=stories,
                failing=failing,
                notice=desk.notice(request),
                page_name="day",
            )

    def event_page(request: Request, visitor: Visitor) -> str:
        with desk.factory() as session:
            detail = pages.event_detail(session, request.path_params["id"], desk.ruleset)
            if detail is None:
                raise LookupError(f"no event #{request.path_params['id']}")
            return desk.render(
                "event.html.j2",
                visitor,
                d=detail,
                e=detail.card.event,
                issues=sorted({*desk.issues, detail.card.event.issue}),
                notice=desk.notice(request),
                slack_link=_slack_link,
                page_name="event",
            )

    def positions_page(request: Request, visitor: Visitor) -> str:
        raw = request.query_params.get("date")
        day = _day(raw) if raw else local_today(tz)
        with desk.factory() as session:
            view = pages.positions_view(session, day)
        return desk.render(
            "positions.html.j2",
            visitor,
            day=day,
            rows=view.rows,
            chart=Markup(view.chart),
            notice=desk.notice(request),
            page_name="positions",
        )

    def stories_page(request: Request, visitor: Visitor) -> str:
        q = (request.query_params.get("q") or "").strip()[:200]
        with desk.factory() as session:
            paged = pages.stories_page(session, q, _int(request.query_params.get("page")))
            return desk.render(
                "stories.html.j2",
                visitor,
                p=paged,
                notice=desk.notice(request),
                page_name="stories",
            )

    def story_page(request: Request, visitor: Visitor) -> str:
        from monitor.store.models import Story

        with desk.factory() as session:
            story = session.get(Story, request.path_params["id"])
            if story is None:
                raise LookupError(f"no story #{request.path_params['id']}")
            return desk.render(
                "story.html.j2",
                visitor,
                story=story,
                members=pages.story_members(session, story),
                notice=desk.notice(request),
                page_name="stories",
            )

    def sources_page(request: Request, visitor: Visitor) -> str:
        q = (request.query_params.get("q") or "").strip()[:200]
        with desk.factory() as session:
            paged = pages.sources_page(session, q, _int(request.query_params.get("page")))
            return desk.render(
                "sources.html.j2",
                visitor,
                p=paged,
                notice=desk.notice(request),
                page_name="sources",
            )

    def corrections_page(request: Request, visitor: Visitor) -> str:
        with desk.factory() as session:
            rows = pages.corrections_list(session)
            return desk.render(
                "corrections.html.j2", visitor, rows=rows, notice=None, page_name="corrections"
            )

    # -- actions -------------------------------------------------------------------------------

    def claim_wrong(s: Session, f: dict[str, str], r: Request, v: Visitor) -> corrections.Outcome:
        return corrections.claim_wrong(
            s,
            desk.config,
            desk.ruleset,
            r.path_params["id"],
            f.get("reason", ""),
            v.who,
            issue=f.get("issue") or None,
            stance=f.get("stance") or None,
        )

    def confirm(s: Session, f: dict[str, str], r: Request, v: Visitor) -> corrections.Outcome:
        return corrections.confirm_shift(s, desk.config, r.path_params["id"], v.who)

    def dismiss(s: Session, f: dict[str, str], r: Request, v: Visitor) -> corrections.Outcome:
        return corrections.dismiss_shift(s, r.path_params["id"], v.who)

    def split(s: Session, f: dict[str, str], r: Request, v: Visitor) -> corrections.Outcome:
        return corrections.split_copy(s, desk.config, desk.ruleset, r.path_params["id"], v.who)

    def merge(s: Session, f: dict[str, str], r: Request, v: Visitor) -> corrections.Outcome:
        return corrections.merge_stories(s, _int(f.get("keep"), 0), _int(f.get("other"), 0), v.who)

    def pause(s: Session, f: dict[str, str], r: Request, v: Visitor) -> corrections.Outcome:
        return corrections.set_paused(s, r.path_params["id"], True, v.who)

    def resume(s: Session, f: dict[str, str], r: Request, v: Visitor) -> corrections.Outcome:
        return corrections.set_paused(s, r.path_params["id"], False, v.who)

    # -- login -----------------------------------------------------------------------------------

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return desk._login_page(status=200)
        form = {k: str(v) for k, v in (await request.form()).items()}
        name = " ".join(form.get("name", "").split())[:80] or "analyst"
        if desk.access.login_required and not desk.access.check_token(form.get("token", "")):
            return desk._login_page("That token is not right.", status=401)
        visitor, cookie = desk.access.issue(name, authenticated=True)
        response = RedirectResponse("/", status_code=303, headers=SECURITY_HEADERS)
        response.set_cookie(COOKIE, cookie, max_age=MAX_AGE, httponly=True, samesite="strict")
        return response

    async def root(request: Request) -> Response:
        visitor, _ = desk._visitor(request)
        if visitor is None:
            return desk._login_page()
        return RedirectResponse(f"/day/{local_today(tz).isoformat()}", status_code=303)

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    routes = [
        Route("/", root),
        Route("/favicon.ico", no_icon),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/day", desk.page(day_page)),
        Route("/day/{day}", desk.page(day_page)),
        Route("/event/{id:int}", desk.page(event_page)),
        Route("/positions", desk.page(positions_page)),
        Route("/stories", desk.page(stories_page)),
        Route("/story/{id:int}", desk.page(story_page)),
        Route("/sources", desk.page(sources_page)),
        Route("/corrections", desk.page(corrections_page)),
        Route("/claim/{id:int}/wrong", desk.action(claim_wrong), methods=["POST"]),
        Route("/event/{id:int}/confirm", desk.action(confirm), methods=["POST"]),
        Route("/event/{id:int}/dismiss", desk.action(dismiss), methods=["POST"]),
        Route("/article/{id:int}/split", desk.action(split), methods=["POST"]),
        Route("/stories/merge", desk.action(merge), methods=["POST"]),
        Route("/source/{id:int}/pause", desk.action(pause), methods=["POST"]),
        Route("/source/{id:int}/resume", desk.action(resume), methods=["POST"]),
    ]
    return Starlette(routes=routes)


def _slack_link(channel: str | None, ts: str | None) -> str | None:
    """Slack's archive link for a posted message (opens in the analyst's own workspace)."""
    if not channel or not ts or channel[:1] not in "CGD" or not ts.replace(".", "").isdigit():
        return None
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
