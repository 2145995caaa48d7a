"""`backcoach outcome`: the weekly check (the Patient-Specific Functional Scale), and its history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from backcoach.cli.base import ISO_DATE, echo_json, group, print_rich, runtime_for_cli
from backcoach.cli.wrap import ask, say

if TYPE_CHECKING:
    from rich.console import RenderableType

    from backcoach.domain.outcome import OutcomeSummary, StoredOutcome

ACTIVITIES = 3  # the domain's ACTIVITIES, repeated so that parsing the options loads no pydantic
SCORE = click.IntRange(0, 10)


def _activity(value: str) -> str:
    """A prompt's answer, checked as the option would be; click asks again after a BadParameter."""
    from backcoach.domain.outcome import check_activity

    try:
        return check_activity(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _ask_activities(saved: list[str]) -> list[str]:
    from backcoach.domain.outcome import INTRODUCTION, activity_key

    say(INTRODUCTION + "\n")
    chosen: list[str] = []
    while len(chosen) < ACTIVITIES:
        n = len(chosen)
        name: str = ask(f"Activity {n + 1}", default=saved[n] if n < len(saved) else None, value_proc=_activity)
        if activity_key(name) in {activity_key(c) for c in chosen}:
            say("Error: you have chosen that one already; choose a different activity.", err=True)
            continue
        chosen.append(name)
    return chosen


def _ask_scores(activities: list[str]) -> list[int]:
    from backcoach.domain.outcome import SCALE

    say(f"How able are you to do each of these today? Score from 0 to 10: {SCALE}.")
    return [ask(f"  {name}", type=SCORE) for name in activities]


def _changes(summary: OutcomeSummary) -> list[str]:
    lines = [summary.average_change.words()] if summary.average_change else []
    return lines + [f"  {change.words()}" for change in summary.activity_changes]


@group(invoke_without_command=True)
@click.option(
    "--activity",
    "activities",
    multiple=True,
    metavar="TEXT",
    help="An activity your back makes hard, 3 to 80 characters; give it 3 times, each followed by its --score. "
    "Without it, last week's activities are used.",
)
@click.option("--score", "scores", multiple=True, type=SCORE, help="0 (unable) to 10 (as before); give it 3 times.")
@click.option("--date", "date_", type=ISO_DATE, help="ISO date (default: today).")
@click.option(
    "--change-activities", is_flag=True, help="Choose your three activities again (asks, with the saved ones offered)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the saved check as JSON.")
@click.pass_context
def outcome(
    ctx: click.Context,
    activities: tuple[str, ...],
    scores: tuple[int, ...],
    date_: Any,
    change_activities: bool,
    as_json: bool,
) -> None:
    """Your weekly check: score three activities your back makes hard, 0 to 10."""
    if ctx.invoked_subcommand is not None:
        if activities or scores or date_ or change_activities or as_json:
            raise click.UsageError(
                "--activity, --score, --date, --change-activities and --json record a check: "
                "use them without a subcommand (`backcoach outcome history --json` prints the history as JSON)"
            )
        return
    if len(activities) not in (0, ACTIVITIES):
        raise click.BadParameter(
            f"give exactly {ACTIVITIES} activities, one --activity each (got {len(activities)})",
            param_hint="--activity",
        )
    if len(scores) not in (0, ACTIVITIES):
        raise click.BadParameter(
            f"give exactly {ACTIVITIES} scores from 0 to 10, one per activity (got {len(scores)})",
            param_hint="--score",
        )
    if activities and change_activities:
        raise click.UsageError("give either --activity or --change-activities, not both")
    from backcoach.app import outcomes, preferences
    from backcoach.domain.outcome import parse_outcome

    names = [_checked(a) for a in activities]
    with runtime_for_cli() as (runtime, user):
        latest = outcomes.latest_outcome(runtime, user)
        saved = [a.activity for a in latest.record.activities] if latest else []
        if not names:
            if change_activities or not saved:
                if scores and not saved:
                    raise click.BadParameter(
                        f"there are no saved activities yet: give {ACTIVITIES} --activity options with the scores",
                        param_hint="--activity",
                    )
                names = _ask_activities(saved)
            else:
                names = saved
                if not scores:
                    say("Your weekly check, on the same three activities as last time.")
                    say("(To change one: backcoach outcome --change-activities.)")
        answers = list(scores) or _ask_scores(names)
        raw = {
            "date": (date_.date() if date_ else preferences.today(runtime, user)).isoformat(),
            "activities": [{"activity": n, "score": s} for n, s in zip(names, answers, strict=True)],
        }
        # The counts, names and scores were checked as options; what is left is a date in the future or a repeated
        # name, whose error's `loc` (`date`, `activities`) is how backcoach.cli.errors finds the option to name.
        recorded = outcomes.record_outcome(runtime, user, parse_outcome(raw))
        summary = outcomes.outcome_summary(runtime, user)
    if as_json:
        echo_json(recorded.stored.to_dict())
        return
    from backcoach.domain.outcome import format_points

    record = recorded.stored.record
    say(f"Saved your weekly check for {record.date.isoformat()}: average {format_points(record.average)} out of 10.")
    for name in recorded.restarted:
        say(f'"{name}" is new, so its comparisons start again from this check.')
    for line in _changes(summary):
        say(line)
    if summary.next_due:
        say(f"Next check due on {summary.next_due.isoformat()}.")


def _checked(name: str) -> str:
    from backcoach.domain.outcome import check_activity

    try:
        return check_activity(name)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--activity") from None


@outcome.command("history")
@click.option("--json", "as_json", is_flag=True, help="Print every check with the changes as JSON.")
def outcome_history(as_json: bool) -> None:
    """Every weekly check, its average and the change since the first."""
    from backcoach.app import outcomes

    with runtime_for_cli() as (runtime, user):
        if as_json:
            echo_json(outcomes.outcome_report(runtime, user))
            return
        stored = outcomes.outcomes(runtime, user)
        summary = outcomes.outcome_summary(runtime, user)
    print_rich(_history_view(stored, summary))


def _history_view(stored: list[StoredOutcome], summary: OutcomeSummary) -> RenderableType:
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from backcoach.domain.outcome import activity_key

    if not stored:
        return Text("No weekly check yet: run `backcoach outcome` to do the first.")
    columns: dict[str, str] = {}
    for s in stored:
        for a in s.record.activities:
            columns[activity_key(a.activity)] = a.activity
    table = Table(title="Your weekly checks (0 unable to 10 as before)", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("date", no_wrap=True)
    for name in columns.values():
        table.add_column(name, justify="right", max_width=24)
    table.add_column("average", justify="right", style="bold")
    for s in stored:
        scores = [s.record.score_of(name) for name in columns.values()]
        table.add_row(
            s.record.date.isoformat(),
            *["" if v is None else str(v) for v in scores],
            f"{s.record.average:.1f}",
        )
    due = "Your next check is due now." if summary.due else f"Next check due on {summary.next_due}."
    return Group(table, *[Text(line) for line in _changes(summary)], Text(due))
