"""`backcoach start` and `backcoach timeline`: guided sessions."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from backcoach.cli.base import command, echo_json, plan_options, plan_request, read_json, runtime_for_cli
from backcoach.cli.wrap import say

if TYPE_CHECKING:
    from backcoach.domain.catalogue import Exercise, Prescription
    from backcoach.domain.vocab import Equipment


def _plan_file(path: str) -> list[tuple[Exercise, Prescription]]:
    from backcoach import content
    from backcoach.domain.planner import PlanFileError, plan_items

    try:
        return plan_items(read_json(path, "PLAN"), content.catalogue(), content.ladders())
    except PlanFileError as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="PLAN") from None


@command()
@click.argument("plan_file", metavar="PLAN.json")
@click.option("--json", "as_json", is_flag=True, help="Print the steps as JSON.")
def timeline(plan_file: str, as_json: bool) -> None:
    """The timed steps of a plan saved with `backcoach plan --json`."""
    from backcoach.domain.timeline import compile_timeline

    steps = compile_timeline(_plan_file(plan_file))
    if as_json:
        echo_json([s.to_dict() for s in steps])
        return
    from backcoach.cli.player import preview

    for line in preview(steps):
        say(line, hang=" " * 8)
    say(f"{len(steps)} steps, {sum(s.duration_s for s in steps)} s in all.")


@command()
@click.argument("plan_file", metavar="[PLAN.json]", required=False)
@plan_options
@click.option("--auto", is_flag=True, help="Run unattended: every step completes on schedule, no keys, no prompts.")
@click.option(
    "--speed",
    type=click.FloatRange(0.1, 1000),
    default=1.0,
    show_default=True,
    help="Compress time by this factor (for demonstrations and tests).",
)
@click.option("--voice", is_flag=True, help="Speak the cues with espeak-ng.")
@click.option("--pain-before", type=click.IntRange(0, 10), help="Pain before, 0 to 10 (no prompt).")
@click.option("--pain-after", type=click.IntRange(0, 10), help="Pain after, 0 to 10 (no prompt).")
def start(
    plan_file: str | None,
    minutes: int,
    equipment: frozenset[Equipment],
    no_floor: bool,
    level: str,
    auto: bool,
    speed: float,
    voice: bool,
    pain_before: int | None,
    pain_after: int | None,
) -> None:
    """Guide you through a session: today's plan, or PLAN.json saved with `backcoach plan --json`."""
    from backcoach.app import plans, safety
    from backcoach.cli.player import Player, PlayerOptions

    if auto and pain_before is None:
        raise click.UsageError(
            "--auto asks nothing, so it needs --pain-before (and, to finish the record, --pain-after)"
        )
    items = _plan_file(plan_file) if plan_file else None
    with runtime_for_cli() as (runtime, user):
        safety.ensure_allowed(runtime, user, session=True)
        if items is None:
            snapshot = plans.plan_snapshot(runtime, user, plan_request(minutes, equipment, no_floor, level))
            items = [(plans.rung_exercise(runtime, i.exercise, i.rung), i.prescription) for i in snapshot.plan.items]
            from backcoach.cli.plan import program_lines

            # Said before the player takes the screen, so the person knows whose program this is.
            for line in program_lines(runtime, user, snapshot):
                click.echo(line)
        options = PlayerOptions(auto=auto, speed=speed, voice=voice, pain_before=pain_before, pain_after=pain_after)
        code = Player(runtime, user, items, options).run()
    if code:
        sys.exit(code)
