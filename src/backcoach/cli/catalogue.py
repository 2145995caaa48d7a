"""`backcoach exercises`, `exercise`, `programs` and `program`: the catalogue, read-only."""

from __future__ import annotations

from typing import NoReturn

import click

from backcoach.cli.base import command, console, echo_json, print_rich


def _unknown(message: str) -> NoReturn:
    raise click.BadParameter(message, param_hint="ID")


@command()
@click.option("--json", "as_json", is_flag=True, help="Print the full exercise objects as JSON.")
def exercises(as_json: bool) -> None:
    """List the exercise catalogue."""
    from backcoach import content

    cat = content.catalogue()
    if as_json:
        echo_json([e.model_dump() for e in cat])
        return
    from backcoach.cli.render import exercise_table

    out = console()
    out.print(exercise_table(cat, out.width))


@command()
@click.argument("exercise_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the exercise object as JSON.")
def exercise(exercise_id: str, as_json: bool) -> None:
    """Show one exercise: what it works, how to do it, its dose and its sources."""
    from backcoach import content
    from backcoach.cli import render
    from backcoach.cli.figures import figure_file
    from backcoach.settings import load_settings

    try:
        found = content.exercise(exercise_id)
    except content.UnknownId as exc:
        _unknown(str(exc))
    if as_json:
        echo_json(found.model_dump())
        return
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
    from backcoach.cli import render

    try:
        found = content.program(program_id)
    except content.UnknownId as exc:
        _unknown(str(exc))
    if as_json:
        echo_json(found.model_dump())
        return
    print_rich(render.program_card(found, {e.id: e.name for e in content.catalogue()}))
