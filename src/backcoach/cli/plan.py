"""`backcoach plan`: today's session (or another day's), built from the person's time, equipment and record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from backcoach.cli.base import ISO_DATE, command, plan_options, plan_request, print_rich, runtime_for_cli

if TYPE_CHECKING:
    from backcoach.app.handouts import Assigned
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
    from backcoach.cli import kept

    request = plan_request(minutes, equipment, no_floor, level)
    on = day.date() if day else None
    with runtime_for_cli() as (runtime, user):
        if as_json:
            snapshot, output = kept.plan_json(runtime, user, request, on)
            click.echo(output, nl=False)
            # Kept while the runtime still holds the database open: the snapshot's own look at it then leaves no
            # write-ahead log behind when the runtime closes it.
            key = snapshots.request_key(minutes, equipment, not no_floor, level, on)
            kept.keep(runtime, user, snapshot, key, output)
            return
        snapshot = plans.plan_snapshot(runtime, user, request, on)
        lines = program_lines(runtime, user, snapshot)
    from backcoach.cli.render import plan_view

    print_rich(plan_view(snapshot.plan, lines, follows=snapshot.program is not None))


def program_lines(runtime: Runtime, user: int, snapshot: PlanSnapshot) -> list[str]:
    """What the person reads about their clinician's program above the plan: who prescribed it and their note when
    the plan follows it, or that this plan is their own when it does not."""
    from backcoach.app import handouts

    if snapshot.program is not None:
        return following_lines(handouts.assigned_for(runtime, user, snapshot.program))
    found = handouts.assigned(runtime, user)
    if found is None:
        return []
    days = ", ".join(d.capitalize() for d in found.program.weekdays)
    start = found.program.start_date
    when = f"from {start.isoformat()} on {days}" if start > found.today else f"on {days}"
    if found.due_today:
        why = "Today the safety check and the dose rules leave none of its exercises"
    else:
        why = "Today is not one of its days"
    return [
        f"Your program {found.program.title!r} from {found.prescriber.described} is done {when}.",
        f"{why}, so this plan is your own choice from your plan options: do it if you like, or rest.",
    ]


def following_lines(found: Assigned) -> list[str]:
    version = found.prescribed.stored.current
    lines = [
        f"Your program: {found.program.title} (version {version.version} of {version.created_at.date().isoformat()})",
        f"Prescribed by {found.prescriber.described}.",
    ]
    if found.program.note:
        lines.append(f"From your clinician: {found.program.note}")
    return lines
