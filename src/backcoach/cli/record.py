"""Commands that read and write a person's record: screen, history, log, checkin, progress, dose, db."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from backcoach.cli.base import ISO_DATE, command, echo_json, group, print_rich, read_json, runtime_for_cli
from backcoach.cli.wrap import ask, confirm, heading, say

if TYPE_CHECKING:
    from backcoach.domain.screening import Answers


# The safety screen


def _ask_answers() -> dict[str, Any]:
    from backcoach.domain.screening import AGE_PROMPT, GROUP_TITLES, NOT_ADVICE, QUESTIONS

    say("A few yes/no questions to check that exercising at home is safe for you right now.")
    say(NOT_ADVICE)
    answers: dict[str, Any] = {"age": ask("\n" + AGE_PROMPT, type=click.IntRange(1, 129))}
    current = None
    for q in QUESTIONS:
        if q.group != current:
            current = q.group
            heading(f"\n{GROUP_TITLES[current]}")
        answers[q.key] = confirm(q.prompt, default=False)
    return answers


def _parse_answers(raw: object) -> Answers:
    from backcoach.domain.screening import AnswersError, parse_answers

    try:
        return parse_answers(raw)
    except AnswersError as exc:
        # The key is in a file (or typed in), not an option of its own, so the option that brought it is named too.
        option = f"--answers key {exc.key!r}" if exc.key else "--answers"
        raise click.BadParameter(exc.message, param_hint=option) from None


@command()
@click.option("--answers", "answers_file", metavar="FILE", help="Read the answers from a JSON object (- for stdin).")
@click.option(
    "--cleared-by-clinician",
    "note",
    metavar="NOTE",
    help="Record that a clinician has cleared you to exercise, with what they said.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def screen(answers_file: str | None, note: str | None, as_json: bool) -> None:
    """Answer the safety screen (or record a clinician's clearance)."""
    from backcoach.app import safety

    if note is not None and answers_file is not None:
        raise click.UsageError("give either --answers or --cleared-by-clinician, not both")
    if note is not None:
        with runtime_for_cli() as (runtime, user):
            result = safety.record_clinician_clearance(runtime, user, note)
    else:
        answers = _parse_answers(read_json(answers_file, "--answers") if answers_file else _ask_answers())
        with runtime_for_cli() as (runtime, user):
            result = safety.take_screen(runtime, user, answers)
    if as_json:
        echo_json(result.to_dict())
        return
    from backcoach.cli.render import screen_view

    print_rich(screen_view(result))


# History


@group(invoke_without_command=True)
@click.pass_context
def history(ctx: click.Context) -> None:
    """Show your sessions (or import and export them)."""
    if ctx.invoked_subcommand is not None:
        return
    from backcoach.app import history
    from backcoach.cli.render import history_table

    with runtime_for_cli() as (runtime, user):
        stored = history.sessions(runtime, user)
    print_rich(history_table(stored, runtime.names))


@history.command("import")
@click.argument("file", metavar="FILE")
def history_import(file: str) -> None:
    """Import sessions from a JSON file ({"version": 1, "sessions": [...]}); all or nothing."""
    from backcoach.app import history

    raw = read_json(file, "FILE")
    with runtime_for_cli() as (runtime, user):
        count = history.import_history(runtime, user, raw)
    say(f"Imported {count} session{'s' if count != 1 else ''}.")


@history.command("export")
@click.option("--output", "-o", metavar="FILE", help="Write to FILE instead of standard output.")
def history_export(output: str | None) -> None:
    """Export every session in the import format."""
    from backcoach.app import history

    with runtime_for_cli() as (runtime, user):
        data = history.export(runtime, user)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output:
        target = Path(output)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(target)  # never leave a half-written export behind
        say(f"Exported {len(data['sessions'])} sessions to {output}.", err=True)
    else:
        click.echo(text, nl=False)


def _parse_item(spec: str) -> tuple[str, int, int, str, int | None]:
    parts = spec.split(":")
    if len(parts) not in (4, 5):
        raise click.BadParameter(
            f"{spec!r} must be EXERCISE:REPS:SETS:DIFFICULTY[:PAIN], e.g. bridge:15:3:right:2", param_hint="--item"
        )
    from backcoach.domain.history import DIFFICULTIES

    exercise, reps, sets, difficulty = parts[:4]
    if difficulty not in DIFFICULTIES:
        raise click.BadParameter(
            f"difficulty {difficulty!r} is not one of {', '.join(DIFFICULTIES)}", param_hint="--item"
        )
    try:
        numbers = [int(reps), int(sets)] + ([int(parts[4])] if len(parts) == 5 and parts[4] != "" else [])
    except ValueError:
        raise click.BadParameter(f"{spec!r}: reps, sets and pain must be whole numbers", param_hint="--item") from None
    pain = numbers[2] if len(numbers) == 3 else None
    if numbers[0] < 0 or numbers[1] < 0:
        raise click.BadParameter(f"{spec!r}: reps and sets cannot be negative", param_hint="--item")
    if pain is not None and not 0 <= pain <= 10:
        raise click.BadParameter(f"{spec!r}: pain must be from 0 to 10", param_hint="--item")
    return exercise, numbers[0], numbers[1], difficulty, pain


def _prompt_items() -> list[tuple[str, int, int, str, int | None]]:
    from backcoach.domain.history import DIFFICULTIES

    items: list[tuple[str, int, int, str, int | None]] = []
    say("Exercises done (leave the id empty to finish):")
    while True:
        exercise = ask("  exercise id", default="", show_default=False).strip()
        if not exercise:
            return items
        reps = ask("  repetitions done", type=click.IntRange(0, 500))
        sets = ask("  sets done", type=click.IntRange(0, 20), default=1)
        difficulty = ask("  how did it feel", type=click.Choice(DIFFICULTIES), default="right")
        pain = ask("  pain during it, 0-10 (empty if none)", default="", show_default=False)
        items.append((exercise, reps, sets, difficulty, int(pain) if pain.strip() else None))


@command()
@click.option("--date", "date_", type=ISO_DATE, help="ISO date (default: today).")
@click.option("--pain-before", type=click.IntRange(0, 10), help="Pain before the session, 0 to 10.")
@click.option("--pain-after", type=click.IntRange(0, 10), help="Pain after the session, 0 to 10.")
@click.option(
    "--item",
    "items",
    multiple=True,
    metavar="EXERCISE:REPS:SETS:DIFFICULTY[:PAIN]",
    help="One exercise done (repeatable), e.g. bridge:15:3:right:2.",
)
def log(date_: Any, pain_before: int | None, pain_after: int | None, items: tuple[str, ...]) -> None:
    """Record a session you did away from the app (prompts for anything not given)."""
    from backcoach import content
    from backcoach.app import history, preferences

    parsed = [_parse_item(spec) for spec in items]
    for exercise_id, *_ in parsed:
        try:
            content.exercise(exercise_id)
        except content.UnknownId as exc:
            raise click.BadParameter(str(exc), param_hint="--item") from None
    if pain_before is None:
        pain_before = ask("Pain before, 0-10", type=click.IntRange(0, 10))
    if not parsed:
        parsed = _prompt_items()
    if pain_after is None:
        pain_after = ask("Pain after, 0-10", type=click.IntRange(0, 10))
    with runtime_for_cli() as (runtime, user):
        date = date_.date() if date_ else preferences.today(runtime, user)
        stored = history.log_session(
            runtime, user, date=date, pain_before=pain_before, pain_after=pain_after, done=parsed
        )
    entries = stored.record.items
    say(f"Logged session {stored.id} on {date.isoformat()} with {len(entries)} exercises.")


@command()
@click.option("--pain", type=click.IntRange(0, 10), required=True, help="How your back is this morning, 0 to 10.")
def checkin(pain: int) -> None:
    """Record this morning's pain for your latest session."""
    from backcoach.app import history

    with runtime_for_cli() as (runtime, user):
        stored = history.checkin(runtime, user, pain)
    record = stored.record
    say(f"Recorded next-morning pain {pain} for the session on {record.date.isoformat()}.")
    if record.pain_next_morning is not None and record.pain_next_morning - record.pain_before >= 2:
        say(
            "That is 2 or more above your pain before the session, so the exercises that session included will be "
            "eased back next time. If the pain is severe or keeps getting worse, see a doctor."
        )


@command()
@click.option("--chart", metavar="FILE.png", help="Also draw the charts to a PNG file.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def progress(chart: str | None, as_json: bool) -> None:
    """Summarize pain before and after, next-morning pain, sessions per week and your streak."""
    from backcoach.app import history

    with runtime_for_cli() as (runtime, user):
        summary = history.progress(runtime, user)
        all_records = history.records(runtime, user)
    if chart:
        from backcoach.render.charts import progress_chart

        progress_chart(all_records, summary, Path(chart))
    if as_json:
        echo_json(summary.to_dict())
    else:
        from backcoach.cli.render import progress_view

        print_rich(progress_view(summary))
    if chart:
        say(f"Chart written to {chart}.", err=True)


@command()
@click.argument("exercise_id", metavar="EXERCISE")
@click.option(
    "--date",
    "day",
    type=ISO_DATE,
    help="The day to plan for, YYYY-MM-DD (default: today; not before your latest session).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
def dose(exercise_id: str, day: Any, as_json: bool) -> None:
    """The next dose of one exercise, from how the last times went."""
    from backcoach import content
    from backcoach.app import plans

    try:
        exercise = content.exercise(exercise_id)
    except content.UnknownId as exc:
        raise click.BadParameter(str(exc), param_hint="EXERCISE") from None
    with runtime_for_cli() as (runtime, user):
        decision = plans.next_dose(runtime, user, exercise, day.date() if day else None)
    if as_json:
        echo_json(decision.to_dict())
        return
    from backcoach.domain.describe import describe

    dose_words = describe(decision.prescription, today=True)
    words = {"start": "start", "progress": "step up", "hold": "keep", "regress": "step down", "rest": "rest"}
    if decision.decision == "rest":
        say(f"{exercise.name}: rest for now.")
    else:
        say(f"{decision.name}: {words[decision.decision]}. {dose_words}.")
    say(decision.reason)


@group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (the app also does this when it starts)."""
    from backcoach.app.runtime import upgrade_database

    before, after = upgrade_database()
    if before == after:
        say(f"The database is up to date (revision {after}).")
    else:
        say(f"Upgraded the database from {before or 'empty'} to revision {after}.")
