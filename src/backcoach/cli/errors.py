"""The one mapping from the error hierarchy (`backcoach.domain.errors`) to the command line: an exit code for each
kind of error, the option a bad value came from, and the CLI's own words on how to go on after a refusal.

Commands raise; they never choose an exit code for an application error themselves. Every command and group of the
CLI is a `backcoach.cli.base.Command`, whose `invoke` runs inside `mapped`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from backcoach.domain.errors import BackcoachError, InvalidInput, Loc, Refused

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3


def _wrapped(message: str) -> str:
    """`message` wrapped to the terminal as it will be printed, after click's "Error: "."""
    from backcoach.cli.wrap import fill

    return fill("Error: " + message)[len("Error: ") :]


class Failed(click.ClickException):
    """An error click prints as `Error: message` on standard error; the class says the exit code."""

    exit_code = EXIT_FAILED

    def format_message(self) -> str:
        return _wrapped(super().format_message())


class BadInput(Failed):
    exit_code = EXIT_USAGE


class Refusal(Failed):
    exit_code = EXIT_REFUSED


class BadOption(click.BadParameter):
    """A bad value of an option, said as click says its own (with the usage), wrapped to the terminal."""

    def format_message(self) -> str:
        return _wrapped(super().format_message())


def option_for(loc: Loc, command: click.Command) -> click.Option | None:
    """The command's option a field came from: `date` is `--date` (whatever the parameter is called), `floor` is
    `--no-floor`, `activities` is the parameter named so (`--activity`)."""
    if not loc or not isinstance(loc[0], str):
        return None
    field = loc[0]
    flag = field.replace("_", "-")
    spellings = {f"--{flag}", f"--no-{flag}"}
    for param in command.params:
        if isinstance(param, click.Option) and (param.name == field or spellings & set(param.opts)):
            return param
    return None


def how_to_go_on(exc: Refused) -> str:
    """The CLI's words for what to do after a refusal; the shared layers say why, in no adapter's words."""
    # Imported here: the safety module brings the whole application layer, and only a refusal needs it.
    from backcoach.app.safety import Blocked, ScreenNeeded

    if isinstance(exc, Blocked):
        return (
            'Once a clinician has cleared you, record it with: backcoach screen --cleared-by-clinician "what they '
            'said" (or take the check again with backcoach screen if things have changed).'
        )
    if isinstance(exc, ScreenNeeded):
        return "Run: backcoach screen"
    return ""


def for_click(exc: BackcoachError, ctx: click.Context) -> click.ClickException:
    """The click exception that prints `exc` for a person and exits with its kind's code."""
    if isinstance(exc, InvalidInput):
        option = option_for(exc.loc, ctx.command)
        if option is not None:
            # Said as click says its own bad values, with the command's usage, so the two read the same.
            return BadOption(exc.message, ctx=ctx, param=option)
        # A field inside a file or a record: the full message names it, and a usage line would not help.
        return BadInput(str(exc))
    if isinstance(exc, Refused):
        return Refusal(f"{exc} {how_to_go_on(exc)}".rstrip())
    # NotFound, Conflict and the rest: the person can do nothing about it with other options.
    return Failed(str(exc))


@contextmanager
def mapped(ctx: click.Context) -> Iterator[None]:
    try:
        yield
    except BackcoachError as exc:
        raise for_click(exc, ctx) from None
