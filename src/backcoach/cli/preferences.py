"""`backcoach preferences`: the reminder schedule (days, times, sessions a day, time zone) and its calendar file.

The options change only what they name and keep the rest; the whole is checked by the same model as the web app's
form and the API (`domain.preferences.Preferences`), so a bad value exits with code 2 naming its option.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from backcoach.cli.base import command, echo_json, runtime_for_cli
from backcoach.cli.wrap import say

if TYPE_CHECKING:
    from backcoach.domain.preferences import Preferences

LOCAL = "local"
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


def _items(value: str) -> list[str]:
    return [] if not value.strip() else [part.strip() for part in value.split(",")]


def _changed(current: Preferences, changes: dict[str, Any]) -> dict[str, Any]:
    """The preferences to check: the saved ones with the changes over them. A new number of sessions without times
    takes the default times for it, and new times without a number are one session each."""
    raw = {**current.model_dump(mode="json"), **changes}
    count = changes.get("sessions_per_day")
    if count is not None and "times" not in changes and len(current.times) != count:
        del raw["times"]
    if "times" in changes and count is None:
        del raw["sessions_per_day"]
    return raw


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def describe(prefs: Preferences, local_zone: str | None) -> str:
    count = len(prefs.times)
    days = "every day" if len(prefs.days) == len(DAY_NAMES) else "on " + _and([DAY_NAMES[d] for d in prefs.days])
    zone = prefs.time_zone or f"this computer's own ({local_zone or 'unnamed'})"
    return (
        f"Reminders: {count} session{'s' if count != 1 else ''} a day, at {_and(list(prefs.times))}, {days}.\n"
        f"Time zone: {zone}. Your day, and what is dated today, follows it."
    )


@command()
@click.option(
    "--sessions-per-day",
    type=click.IntRange(1, 3),
    help="Sessions a day, 1 to 3 (the articles' range). Without --times, the times become the first of 08:00, "
    "14:00 and 20:00.",
)
@click.option(
    "--times",
    metavar="HH:MM,...",
    help="Each session's start time, comma-separated, in increasing order and at least an hour apart, e.g. "
    "07:30,18:00.",
)
@click.option(
    "--days", metavar="LIST", help="The days with sessions, comma-separated from mon, tue, wed, thu, fri, sat, sun."
)
@click.option(
    "--time-zone",
    metavar="NAME",
    help=f"An IANA time zone name such as Europe/London, or {LOCAL!r} for this computer's own.",
)
@click.option(
    "--calendar",
    "calendar_file",
    metavar="FILE.ics",
    help="Write the next four weeks of sessions, each with a reminder, as an iCalendar file (- for standard output).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the preferences as JSON.")
def preferences(
    sessions_per_day: int | None,
    times: str | None,
    days: str | None,
    time_zone: str | None,
    calendar_file: str | None,
    as_json: bool,
) -> None:
    """Show or change when your sessions are (days, times, sessions a day, time zone); write them as a calendar."""
    from backcoach.app import preferences as saved_preferences
    from backcoach.app.runtime import local_zone_name

    if as_json and calendar_file == "-":
        raise click.UsageError("--json and --calendar - would both write to standard output: give --calendar a FILE")
    changes: dict[str, Any] = {}
    if sessions_per_day is not None:
        changes["sessions_per_day"] = sessions_per_day
    if times is not None:
        changes["times"] = _items(times)
    if days is not None:
        changes["days"] = [d.lower() for d in _items(days)]
    if time_zone is not None:
        changes["time_zone"] = None if time_zone.strip().lower() == LOCAL else time_zone.strip()
    body = b""
    with runtime_for_cli() as (runtime, user):
        prefs = saved_preferences.current(runtime, user)
        if changes:
            prefs = saved_preferences.parse(_changed(prefs, changes))
            saved_preferences.save(runtime, user, prefs)
        if calendar_file:
            from backcoach.render.calendar import plan_calendar

            zone = saved_preferences.zone_of(runtime, prefs)
            body = plan_calendar(prefs, runtime.today(zone), runtime.now(), zone)
    if as_json:
        echo_json(prefs.model_dump(mode="json"))
    else:
        say(describe(prefs, local_zone_name()), err=calendar_file == "-")
    if calendar_file == "-":
        click.echo(body, nl=False)  # bytes: written as they are, CRLF line ends included
    elif calendar_file:
        Path(calendar_file).write_bytes(body)
        say(f"Wrote the next four weeks of sessions to {calendar_file}.", err=as_json)
