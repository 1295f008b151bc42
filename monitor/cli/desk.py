"""`newsmon serve`: the analyst's review desk over the same database."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.app import _state, app, setup_logging


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option("--host", help="Address to bind (default ui.host, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port (default ui.port, 8080).")
    ] = None,
    read_only: Annotated[
        bool | None, typer.Option("--read-only/--read-write", help="Hide and refuse corrections.")
    ] = None,
) -> None:
    """Serve the review desk: days, events with their evidence, positions, stories, sources."""
    import uvicorn

    from monitor.deliver.dispatch import make_dispatcher
    from monitor.desk.server import build_desk

    state = _state(ctx)
    config = state.config
    setup_logging(config.settings.log_level)
    host = host or config.topic.ui.host
    port = config.topic.ui.port if port is None else port
    factory = state.factory()
    dispatcher = make_dispatcher(factory, config)
    application = build_desk(
        config, factory, host, read_only=read_only, on_change=dispatcher.dispatch_once
    )
    typer.echo(f"newsmon desk on http://{host}:{port}/")
    uvicorn.run(application, host=host, port=port, log_level="warning", lifespan="off")
