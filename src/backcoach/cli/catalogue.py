"""`backcoach exercises`, `exercise`, `programs` and `program`: the catalogue, read-only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

import click

from backcoach.cli.base import command, console, echo_json, print_rich

if TYPE_CHECKING:
    from rich.table import Table


def _unknown(message: str) -> NoReturn:
    raise click.BadParameter(message, param_hint="ID")


@command()
@click.option("--json", "as_json", is_flag=True, help="Print the full exercise objects as JSON.")
def exercises(as_json: bool) -> None:
    """List the exercise catalogue."""
    from backcoach import content

    # The records as stored in the content cache: listing them needs neither pydantic nor the models.
    records = content.exercise_records()
    if as_json:
        echo_json(records)
        return
    out = console()
    out.print(exercise_table(records, out.width))


def exercise_table(records: Iterable[Mapping[str, Any]], width: int = 80) -> Table:
    """The catalogue as a table of exercise records (`Exercise.model_dump()`); name and position when wide."""
    from rich.table import Table

    wide = width >= 110
    table = Table(
        title="Exercises (backcoach exercise ID for details)",
        title_justify="left",
        box=None,
        header_style="bold underline",
        padding=(0, 1, 0, 0),
    )
    table.add_column("id", style="cyan", no_wrap=True)
    if wide:
        table.add_column("name")
    table.add_column("category", no_wrap=True)
    if wide:
        table.add_column("position", no_wrap=True)
    table.add_column("level", no_wrap=True)
    table.add_column("needs", no_wrap=True)
    table.add_column("targets", no_wrap=True)
    for e in records:
        row = [e["id"], e["name"], e["category"], e["position"]] if wide else [e["id"], e["category"]]
        joiner = ", " if wide else "\n"
        row += [e["level"], ", ".join(e["equipment"]) or "-", joiner.join(e["targets"])]
        table.add_row(*row)
    return table


@command()
@click.argument("exercise_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the exercise object as JSON.")
def exercise(exercise_id: str, as_json: bool) -> None:
    """Show one exercise: what it works, how to do it, its dose and its sources."""
    from backcoach import content

    try:
        found = content.exercise(exercise_id)
    except content.UnknownId as exc:
        _unknown(str(exc))
    if as_json:
        echo_json(found.model_dump())
        return
    from backcoach.cli import render
    from backcoach.cli.figures import figure_file
    from backcoach.settings import load_settings

    figure = figure_file(found.id, load_settings().home)
    card = render.exercise_card(found, content.catalogue().articles, figure.as_uri(), content.ladders()[found.id])
    print_rich(card)


@command()
@click.option("--json", "as_json", is_flag=True, help="Print the programs as JSON.")
def programs(as_json: bool) -> None:
    """List the five programs, one per source article."""
    from backcoach import content

    progs = list(content.programs().values())
    if as_json:
        echo_json([p.model_dump() for p in progs])
        return
    from backcoach.cli.render import program_table

    print_rich(program_table(progs))


@command()
@click.argument("program_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the program as JSON.")
def program(program_id: str, as_json: bool) -> None:
    """Show one program exactly as its article gives it."""
    from backcoach import content

    try:
        found = content.program(program_id)
    except content.UnknownId as exc:
        _unknown(str(exc))
    if as_json:
        echo_json(found.model_dump())
        return
    from backcoach.cli import render

    print_rich(render.program_card(found, {e.id: e.name for e in content.catalogue()}))
