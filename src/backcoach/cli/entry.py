"""The `backcoach` console script. `backcoach --help` (and no arguments) print the cached help without importing
click or anything else; every other command loads the full CLI."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--help"], ["-h"], []):
        from backcoach.cli._help import HELP

        sys.stdout.write(HELP)
        return
    from backcoach.cli.main import main as full

    full()
