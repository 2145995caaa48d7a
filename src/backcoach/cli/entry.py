"""The `backcoach` console script: the command line, with no traceback for a person unless BACKCOACH_DEBUG is
set."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    # Tried before click is even imported: a kept plan prints in a fraction of the time the full path takes.
    from backcoach.cli.quick import plan_from_snapshot

    kept = plan_from_snapshot(args)
    try:
        if kept is not None:
            sys.stdout.write(kept)
            sys.stdout.flush()
            return
        from backcoach.cli.main import cli

        cli.main(args=argv, prog_name="backcoach")
    except SystemExit:
        raise
    except Exception as exc:
        # The error hierarchy is mapped inside the commands; what reaches here is a bug or the system's fault.
        if os.environ.get("BACKCOACH_DEBUG"):
            raise
        import click

        click.echo(f"backcoach: {exc}", err=True)
        click.echo("(set BACKCOACH_DEBUG=1 to see the details)", err=True)
        sys.exit(1)
