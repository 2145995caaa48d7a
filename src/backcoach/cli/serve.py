"""`backcoach serve`: the web app, in one process or several (`backcoach.cli.server` says how)."""

from __future__ import annotations

import click

from backcoach.cli.base import command
from backcoach.cli.wrap import say


@command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes; they share the database and keep no state of their own.",
)
@click.option(
    "--access-log",
    is_flag=True,
    help="Write a line per request to stderr: worker=PID, method, path, status, time. Off by default: it costs CPU.",
)
def serve(host: str, port: int, workers: int, access_log: bool) -> None:
    """Start the web app (SQLite under BACKCOACH_HOME, or BACKCOACH_DATABASE_URL)."""
    from backcoach.app.runtime import create_runtime
    from backcoach.cli import server

    try:
        server.check_free(host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    # Migrate once here, so that several workers starting together find the database ready.
    create_runtime().dispose()
    say(f"backcoach is serving on http://{host}:{port}/ (Ctrl-C to stop)")
    server.serve(host, port, workers, access_log)
