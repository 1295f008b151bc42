"""Commands that deliver: the alert outbox, the digest, the Atom feed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from monitor.cli.app import (
    State,
    _iso,
    _parse_date,
    _state,
    app,
    console,
    setup_logging,
)
from monitor.errors import InputError
from monitor.store.kinds import AlertStatus

alerts_app = typer.Typer(
    help="The alert outbox: `list` (default), `send` what is pending once, `retry ID`.",
    invoke_without_command=True,
)


app.add_typer(alerts_app, name="alerts")


def _dispatcher(state: State) -> Any:
    from monitor.deliver.dispatch import make_dispatcher

    write = lambda text: console.print(text, markup=False, highlight=False, end="")
    return make_dispatcher(state.factory(), state.config, write)


@alerts_app.callback()
def alerts_main(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        alerts_list(ctx)


@alerts_app.command("list")
def alerts_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="Only pending, sending, sent or failed.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Newest N alerts.")] = 50,
) -> None:
    """Alerts in the outbox, newest first, with their errors."""
    from sqlalchemy import select

    from monitor.store.models import Alert

    if status is not None and status not in tuple(AlertStatus):
        raise InputError(f"--status must be pending, sending, sent or failed, not {status!r}")
    state = _state(ctx)
    setup_logging(state.log_level or state.config.settings.log_level)
    table = Table(title="alerts")
    for column in ("id", "kind", "status", "tries", "channel", "what", "sent / next try", "error"):
        table.add_column(column)
    with state.factory()() as session:
        query = select(Alert).order_by(Alert.id.desc()).limit(limit)
        if status:
            query = query.where(Alert.status == status)
        for alert in session.scalars(query):
            view = (alert.payload or {}).get("view") or {}
            what = " ".join(
                filter(
                    None,
                    [
                        view.get("event_type"),
                        view.get("side"),
                        view.get("issue"),
                        view.get("stance"),
                    ],
                )
            ) or (alert.payload or {}).get("day", "")
            when = alert.sent_at if alert.status == AlertStatus.SENT else alert.next_attempt_at
            table.add_row(
                str(alert.id),
                alert.kind + (f"→{alert.parent_id}" if alert.parent_id else ""),
                alert.status,
                str(alert.tries),
                alert.channel or "(default)",
                what,
                _iso(when) or "",
                (alert.last_error or "")[:120],
            )
    console.print(table)


@alerts_app.command("send")
def alerts_send(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the messages, mark nothing.")
    ] = False,
) -> None:
    """Dispatch what is pending once and exit (for cron-style use and scripts)."""
    state = _state(ctx)
    setup_logging(state.log_level or state.config.settings.log_level)
    if dry_run:
        from sqlalchemy import select

        from monitor.deliver.blocks import AlertTemplates
        from monitor.deliver.dispatch import build_message
        from monitor.store.models import Alert

        templates = AlertTemplates(state.config.topic.alerts.templates)
        shown = 0
        with state.factory()() as session:
            for alert in session.scalars(
                select(Alert).where(Alert.status == AlertStatus.PENDING).order_by(Alert.id)
            ):
                shown += 1
                typer.echo(
                    json.dumps(
                        {
                            "alert": alert.id,
                            "channel": alert.channel,
                            **build_message(alert, templates),
                        },
                        ensure_ascii=False,
                    )
                )
        if not shown:
            typer.echo("no pending alerts: nothing would be sent", err=True)
        return
    result = _dispatcher(state).dispatch_once()
    typer.echo(
        f"alerts sent {result.sent}, retry later {result.retried}, failed {result.failed}, "
        f"recovered after a crash {result.reconciled}"
    )
    if result.paused:
        typer.echo(f"newsmon: error: alert delivery paused: {result.paused}", err=True)
    if result.failed or result.retried or result.paused:
        raise typer.Exit(1)


@alerts_app.command("retry")
def alerts_retry(
    ctx: typer.Context, alert_id: Annotated[int, typer.Argument(help="Alert id.")]
) -> None:
    """Queue a failed alert again with a fresh try budget."""
    from monitor.deliver.dispatch import retry_alert

    state = _state(ctx)
    try:
        with state.factory().begin() as session:
            retry_alert(session, alert_id)
    except (LookupError, ValueError) as exc:
        raise InputError(str(exc)) from None
    typer.echo(f"alert {alert_id} queued again; `newsmon alerts send` delivers it")


@app.command()
def digest(
    ctx: typer.Context,
    date: Annotated[
        str | None, typer.Option("--date", help="Local day YYYY-MM-DD (default today).")
    ] = None,
    send: Annotated[
        bool, typer.Option("--send", help="Post the summary to Slack (once per day).")
    ] = False,
) -> None:
    """Build the digest of one local day: HTML and Markdown files, and the Slack summary with --send."""
    from monitor.deliver.digest.collect import local_today, produce_digest

    state = _state(ctx)
    setup_logging(state.log_level or state.config.settings.log_level)
    config = state.config
    parsed = _parse_date(date, "--date")
    day = parsed.date() if parsed else local_today(config.topic.digest.timezone)
    dispatcher = _dispatcher(state) if send else None
    run = produce_digest(state.factory(), config, day, send=send, dispatcher=dispatcher)
    digest = run.written.digest
    typer.echo(f"digest {day}: {len(digest.events)} event(s), {len(digest.stories)} stories")
    typer.echo(f"  {run.written.html_path}\n  {run.written.markdown_path}")
    if not send:
        return
    if dispatcher is not None and dispatcher.sink.name == "console":
        typer.echo(
            "no Slack configured (SLACK_BOT_TOKEN + SLACK_CHANNEL, or SLACK_WEBHOOK_URL): "
            "the summary went to this console, not to Slack"
        )
        return
    if run.queued == 0:
        typer.echo(
            "the Slack summary for this day was already queued or sent; not sending it again"
        )
    typer.echo(
        f"Slack summary sent at {_iso(run.sent_at)}"
        if run.sent_at
        else f"Slack summary not sent yet ({'; '.join(run.errors) or 'pending'})"
    )


@app.command()
def feed(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Where to write the Atom feed.")] = Path(
        "events.atom"
    ),
    limit: Annotated[int, typer.Option(help="Newest N events.")] = 100,
) -> None:
    """Write an Atom feed of the latest events, for feed readers."""
    from monitor.deliver.atom import events_feed

    state = _state(ctx)
    with state.factory()() as session:
        xml = events_feed(session, title=f"newsmon: {state.config.topic.name}", limit=limit)
    out.write_bytes(xml)
    typer.echo(f"wrote {out}")
