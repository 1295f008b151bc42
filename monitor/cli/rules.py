"""`newsmon rules`: inspect the topic's rules."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from monitor.cli.app import (
    _parse_date,
    _state,
    app,
)
from monitor.errors import InputError

rules_app = typer.Typer(help="Inspect the topic's rules.", no_args_is_help=True)


app.add_typer(rules_app, name="rules")


@rules_app.command("explain")
def rules_explain(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Sentence(s) to analyse, as in an article.")],
    date: Annotated[
        str | None, typer.Option("--date", help="Article date YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Print each claim found with its rule, cue and actor spans, or why a sentence has none."""
    from monitor.judge.rules import topic_ruleset
    from monitor.judge.rules.explain import explain, render

    if not text.strip():
        raise InputError('rules explain needs a sentence to analyse, e.g. "Peskov said ..."')
    config = _state(ctx).config
    ruleset = topic_ruleset(config.topic.rules, config.topic_path)
    parsed = _parse_date(date, "--date")
    article_date = parsed.date() if parsed else dt.date.today()
    typer.echo(render(explain(text, article_date, ruleset)))
