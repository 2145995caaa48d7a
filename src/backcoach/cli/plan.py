"""`backcoach plan`: today's session (or another day's), built from the person's time, equipment and record."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from backcoach.cli.base import ISO_DATE, command, plan_options, plan_request, print_rich, runtime_for_cli

if TYPE_CHECKING:
    from backcoach.app.plans import PlanSnapshot
    from backcoach.app.runtime import Runtime
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
    from backcoach.app import plans, snapshots

    request = plan_request(minutes, equipment, no_floor, level)
    on = day.date() if day else None
    with runtime_for_cli() as (runtime, user):
        snapshot = plans.plan_snapshot(runtime, user, request, on)
        if as_json:
            output = json.dumps(snapshot.plan.to_dict(), indent=2, ensure_ascii=False) + "\n"
            click.echo(output, nl=False)
            # Kept while the runtime still holds the database open: the snapshot's own look at it then leaves no
            # write-ahead log behind when the runtime closes it.
            _keep(runtime, user, snapshot, snapshots.request_key(minutes, equipment, not no_floor, level, on), output)
            return
    from backcoach.cli.render import plan_view

    print_rich(plan_view(snapshot.plan))


def _keep(runtime: Runtime, user: int, snapshot: PlanSnapshot, request: dict[str, Any], output: str) -> None:
    """Keep what was printed, for `backcoach plan --json` to print again while nothing changes
    (`backcoach.cli.quick`, `backcoach.app.snapshots`)."""
    from backcoach import content
    from backcoach.app import snapshots

    snapshots.save(
        runtime.settings,
        content.cache_dir(),
        user_id=user,
        revision=snapshot.revision,
        valid_until=snapshot.valid_until,
        request=request,
        today=runtime.today(),
        output=output,
    )
