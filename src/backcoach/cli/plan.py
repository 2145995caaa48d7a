"""`backcoach plan`: today's session (or another day's), built from the person's time, equipment and record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from backcoach.cli.base import ISO_DATE, command, echo_json, plan_options, plan_request, print_rich, runtime_for_cli

if TYPE_CHECKING:
    from backcoach.domain.vocab import Equipment


@command()
@plan_options
@click.option(
    "--date",
    "day",
    type=ISO_DATE,
    help="The day to plan for, YYYY-MM-DD (default: today; not before your latest session).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan(minutes: int, equipment: frozenset[Equipment], no_floor: bool, level: str, day: Any, as_json: bool) -> None:
    """Build today's session (or another day's) from your time, equipment and level."""
    from backcoach.app import plans

    request = plan_request(minutes, equipment, no_floor, level)
    with runtime_for_cli() as (runtime, user):
        result = plans.make_plan(runtime, user, request, day.date() if day else None)
    if as_json:
        echo_json(result.to_dict())
        return
    from backcoach.cli.render import plan_view

    print_rich(plan_view(result))
