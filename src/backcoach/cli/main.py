"""The `backcoach` command line: the group, and the one place every command is added to it.

Each command module defines its commands on `backcoach.cli.base` alone, so nothing imports this module but the
console script (`backcoach.cli.entry`) and the tests. Usage errors exit with code 2 and name the option and its
allowed values; application errors exit as `backcoach.cli.errors` says.
"""

from __future__ import annotations

import click

from backcoach.cli import (
    admin,
    catalogue,
    clinician,
    figures,
    learn,
    outcome,
    plan,
    preferences,
    record,
    serve,
    session,
)
from backcoach.cli.base import group


@group(
    invoke_without_command=True,
    subcommand_metavar="COMMAND [ARGS]...",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="backcoach", prog_name="backcoach")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """backcoach coaches you through a home program of lower-back strengthening and stretching exercises.

    It is not medical advice: stop any exercise that makes your pain worse, and see a doctor if your pain is
    severe or not improving.
    """
    if ctx.invoked_subcommand is None:
        # `backcoach` alone asks what there is to do: the help, on standard output, and no error (click's own
        # default would exit 2).
        click.echo(ctx.get_help())


COMMANDS: tuple[click.Command, ...] = (
    catalogue.exercises,
    catalogue.exercise,
    catalogue.programs,
    catalogue.program,
    plan.plan,
    learn.learn,
    figures.illustrate,
    session.timeline,
    session.start,
    record.screen,
    record.history,
    record.log,
    record.checkin,
    record.progress,
    record.dose,
    record.db,
    outcome.outcome,
    preferences.preferences,
    serve.serve,
    clinician.clinician,
    admin.admin,
)

for _command in COMMANDS:
    cli.add_command(_command)
