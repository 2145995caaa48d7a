"""The `backcoach` console script: the command line, with no traceback for a person unless BACKCOACH_DEBUG is
set."""

from __future__ import annotations

import os
import sys

import click

from backcoach.cli.main import cli


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="backcoach")
    except SystemExit:
        raise
    except Exception as exc:
        # The error hierarchy is mapped inside the commands; what reaches here is a bug or the system's fault.
        if os.environ.get("BACKCOACH_DEBUG"):
            raise
        click.echo(f"backcoach: {exc}", err=True)
        click.echo("(set BACKCOACH_DEBUG=1 to see the details)", err=True)
        sys.exit(1)
