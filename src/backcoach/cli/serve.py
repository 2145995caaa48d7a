"""`backcoach serve`: the web app (uvicorn)."""

from __future__ import annotations

import click

from backcoach.cli.base import command


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
def serve(host: str, port: int, workers: int) -> None:
    """Start the web app (SQLite under BACKCOACH_HOME, or BACKCOACH_DATABASE_URL)."""
    import uvicorn

    from backcoach.app.runtime import create_runtime

    # Migrate once here, so that several workers starting together find the database ready.
    create_runtime().dispose()
    click.echo(f"backcoach is serving on http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(
        "backcoach.web.app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="warning",
    )
