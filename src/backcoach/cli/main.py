"""The `backcoach` command line. Each command parses its options and calls the shared content and domain code.

Heavy modules (rich, pydantic, the catalogue) are imported inside the commands, so `backcoach --help` stays fast.
Usage errors exit with code 2 and name the option and its allowed values; no traceback reaches a user unless
BACKCOACH_DEBUG is set.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

from backcoach.domain.vocab import EQUIPMENT, PLAN_LEVELS

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console, RenderableType

    from backcoach.domain.planner import PlanRequest
    from backcoach.domain.vocab import Equipment

EXIT_USAGE = 2


class EquipmentList(click.ParamType["frozenset[Equipment]", Any]):
    """A comma-separated list drawn from the equipment vocabulary; "none" or empty means no equipment."""

    name = "LIST"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> frozenset[Equipment]:
        if isinstance(value, frozenset):
            return value
        items = [v.strip().lower() for v in str(value).split(",") if v.strip()]
        if items == ["none"]:
            return frozenset()
        allowed = ", ".join(EQUIPMENT)
        for item in items:
            if item not in EQUIPMENT:
                self.fail(f"{item!r} is not one of {allowed} (comma-separated, or none).", param, ctx)
        return frozenset(items)  # type: ignore[arg-type]


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def print_rich(renderable: RenderableType) -> None:
    _console().print(renderable)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _usage_error(message: str, param_hint: str | None = None) -> NoReturn:
    raise click.BadParameter(message, param_hint=param_hint)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="backcoach", prog_name="backcoach")
def cli() -> None:
    """backcoach coaches you through a home program of lower-back strengthening and stretching exercises.

    It is not medical advice: stop any exercise that makes your pain worse, and see a doctor if your pain is
    severe or not improving.
    """


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the full exercise objects as JSON.")
def exercises(as_json: bool) -> None:
    """List the exercise catalogue."""
    from backcoach import content

    cat = content.catalogue()
    if as_json:
        echo_json([e.model_dump() for e in cat])
        return
    from backcoach.cli.render import exercise_table

    console = _console()
    console.print(exercise_table(cat, console.width))


def _show(kind: str, item_id: str, as_json: bool) -> None:
    """`backcoach exercise ID` and `backcoach program ID`: look up, then a card or JSON."""
    from backcoach import content
    from backcoach.cli import render
    from backcoach.domain.catalogue import Exercise

    try:
        found = content.exercise(item_id) if kind == "exercise" else content.program(item_id)
    except content.UnknownId as exc:
        _usage_error(str(exc), "ID")
    if as_json:
        echo_json(found.model_dump())
    elif isinstance(found, Exercise):
        from backcoach.cli.figures import figure_file
        from backcoach.settings import load_settings

        figure = figure_file(found.id, load_settings().home)
        card = render.exercise_card(found, content.catalogue().articles, figure.as_uri(), content.ladders()[found.id])
        print_rich(card)
    else:
        print_rich(render.program_card(found, {e.id: e.name for e in content.catalogue()}))


@cli.command()
@click.argument("exercise_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the exercise object as JSON.")
def exercise(exercise_id: str, as_json: bool) -> None:
    """Show one exercise: what it works, how to do it, its dose and its sources."""
    _show("exercise", exercise_id, as_json)


@cli.command()
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


@cli.command()
@click.argument("program_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the program as JSON.")
def program(program_id: str, as_json: bool) -> None:
    """Show one program exactly as its article gives it."""
    _show("program", program_id, as_json)


def plan_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options that shape a plan, shared by `plan` and `start`."""
    for option in reversed(
        [
            click.option(
                "--minutes",
                type=click.IntRange(5, 60),
                default=15,
                show_default=True,
                help="How long the session may last (5 to 60).",
            ),
            click.option(
                "--equipment",
                type=EquipmentList(),
                default="",
                help=f"What you have, comma-separated from: {', '.join(EQUIPMENT)}. Default: none.",
            ),
            click.option("--no-floor", is_flag=True, help="Leave out everything done lying or kneeling on the floor."),
            click.option("--level", type=click.Choice(PLAN_LEVELS), default="beginner", show_default=True),
        ]
    ):
        command = option(command)
    return command


def plan_request(minutes: int, equipment: frozenset[Equipment], no_floor: bool, level: str) -> PlanRequest:
    from backcoach.domain.planner import PlanRequest

    return PlanRequest(minutes=minutes, equipment=equipment, floor=not no_floor, level=level)  # type: ignore[arg-type]


@cli.command()
@plan_options
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to plan for, YYYY-MM-DD (default: today; not before your latest session).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan(minutes: int, equipment: frozenset[Equipment], no_floor: bool, level: str, day: Any, as_json: bool) -> None:
    """Build today's session (or another day's) from your time, equipment and level."""
    from backcoach.app import plans
    from backcoach.cli.record import runtime_for_cli
    from backcoach.domain.planner import PlanInfeasible

    request = plan_request(minutes, equipment, no_floor, level)
    with runtime_for_cli() as (runtime, user):
        try:
            result = plans.make_plan(runtime, user, request, day.date() if day else None)
        except PlanInfeasible as exc:
            raise click.UsageError(str(exc)) from None
        except plans.DateBeforeHistory as exc:
            raise click.BadParameter(str(exc).removeprefix("date: "), param_hint="'--date'") from None
    if as_json:
        echo_json(result.to_dict())
        return
    from backcoach.cli.render import plan_view

    print_rich(plan_view(result))


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="backcoach")
    except SystemExit:
        raise
    except Exception as exc:
        if os.environ.get("BACKCOACH_DEBUG"):
            raise
        click.echo(f"backcoach: {exc}", err=True)
        click.echo("(set BACKCOACH_DEBUG=1 to see the details)", err=True)
        sys.exit(1)


# Commands that work on a person's record, and the guided session, register themselves on `cli`.
from backcoach.cli import figures, learn, outcome, record, serve, session  # noqa: E402, F401
