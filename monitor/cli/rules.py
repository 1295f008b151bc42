"""`newsmon rules`: inspect the topic's rules."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from monitor.cli.app import (
    _parse_date,
    _state,
    app,
)

rules_app = typer.Typer(help="Inspect the topic's rules.", no_args_is_help=True)


app.add_typer(rules_app, name="rules")


@rules_app.command("explain")
def rules_explain(
    ctx: typer.Context,
    text: Annotated[
        str | None,
        typer.Argument(help="Sentence(s) or a whole article to analyse; '-' reads stdin."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Read the article from a file (headline, blank line, text)."),
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="Article date YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Print each claim found with its rule, cue and actor spans, or why a sentence has none.

    A whole article (a file, or stdin with '-') is analysed as the pipeline does: a first line
    followed by a blank line is its headline, and the context carried from earlier sentences
    (holder, issue named by reference) is shown in each claim's rule.
    """
    from monitor.judge.rules import topic_ruleset
    from monitor.judge.rules.explain import explain, render

    if file is not None and text is not None:
        _fail("give the text or --file, not both")
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot read {file}: {exc.strerror or exc}")
    elif text == "-":
        text = sys.stdin.read()
    if not text or not text.strip():
        _fail("nothing to explain: give the text, '-' for stdin, or --file PATH")
    assert text is not None
    title: str | None = None
    head, blank, rest = text.strip().partition("\n\n")
    if blank and "\n" not in head and rest.strip():
        title, text = head, rest
    config = _state(ctx).config
    ruleset = topic_ruleset(config.topic.rules, config.topic_path)
    parsed = _parse_date(date, "--date")
    article_date = parsed.date() if parsed else dt.date.today()
    typer.echo(render(explain(text, article_date, ruleset, title=title)))


def _fail(message: str) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(2)
