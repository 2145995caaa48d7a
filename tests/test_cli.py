from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from backcoach.app.safety import Blocked, ScreenNeeded
from backcoach.cli import base
from backcoach.domain.errors import BackcoachError, Conflict, InvalidInput, NotFound, Refused
from tests.article_facts import PRESCRIPTION_FIELDS
from tests.test_catalogue import REQUIRED_IDS

PLAN_KEYS = {"minutes", "level", "equipment", "floor", "estimated_duration_s", "items", "cautions", "excluded"}
ITEM_KEYS = {
    "exercise",
    "rung",
    "name",
    "category",
    "position",
    "equipment",
    "prescription",
    "estimated_duration_s",
    "note",
}
PRESCRIPTION_KEYS = set(PRESCRIPTION_FIELDS)
EXERCISE_KEYS = {
    "id",
    "name",
    "aliases",
    "category",
    "position",
    "floor",
    "equipment",
    "level",
    "targets",
    "muscles",
    "benefits",
    "steps",
    "cues",
    "cautions",
    "variations",
    "prescription",
    "sources",
}


def test_exercises_lists_every_id(run) -> None:
    result = run("exercises")
    assert result.exit_code == 0
    for exercise_id in REQUIRED_IDS:
        assert exercise_id in result.output


def test_exercises_json_gives_the_full_objects(run) -> None:
    data = json.loads(run("exercises", "--json").output)
    assert {e["id"] for e in data} >= set(REQUIRED_IDS)
    for e in data:
        assert set(e) >= EXERCISE_KEYS
        assert set(e["prescription"]) == PRESCRIPTION_KEYS
        for source in e["sources"]:
            assert set(source) >= {"file", "prescription", "notes"}


def test_an_exercise_card_shows_what_a_person_needs(run) -> None:
    result = run("exercise", "bridge")
    assert result.exit_code == 0
    for heading in ("Works", "How", "Form cues", "Dose", "Sources", "not medical advice"):
        assert heading in result.output
    assert "Exercises to strengthen the lower back" in result.output, "sources are named by title"
    assert "004_c137bf83aa34133e.txt" not in result.output, "never by file name"


def test_an_exercise_can_be_found_by_its_alias(run) -> None:
    data = json.loads(run("exercise", "ADIM", "--json").output)
    assert data["id"] == "drawing-in-maneuver"


@pytest.mark.parametrize(
    ("command", "bad", "suggestion"), [("exercise", "brige", "bridge"), ("program", "core-fiv", "core-five")]
)
def test_an_unknown_id_exits_2_and_suggests_the_closest(run, command: str, bad: str, suggestion: str) -> None:
    result = run(command, bad)
    assert result.exit_code == 2
    assert suggestion in result.stderr


def test_programs_lists_five(run) -> None:
    data = json.loads(run("programs", "--json").output)
    assert len(data) == 5
    for p in data:
        assert set(p) >= {"id", "title", "source_file", "items", "minutes_per_day", "sessions_per_day", "notes"}
        for item in p["items"]:
            assert set(item) == {"exercise", "stage", "prescription"}
            assert set(item["prescription"]) == PRESCRIPTION_KEYS


def test_a_program_card_shows_the_articles_doses(run) -> None:
    result = run("program", "staged-low-back")
    assert result.exit_code == 0
    assert "StayWell" in result.output, "the article is named by its publisher"
    assert "003_0ec0cb11417cc7f4.txt" not in result.output, "never by file name"
    assert "advanced" in result.output
    data = json.loads(run("program", "staged-low-back", "--json").output)
    assert data["minutes_per_day"] == {"min": 10, "max": 30}


def test_plan_json_has_the_documented_shape(run) -> None:
    result = run("plan", "--json")
    assert result.exit_code == 0
    plan = json.loads(result.output)
    assert set(plan) == PLAN_KEYS
    assert plan["minutes"] == 15
    assert plan["level"] == "beginner"
    assert plan["equipment"] == []
    assert plan["floor"] is True
    assert plan["estimated_duration_s"] <= 900
    for item in plan["items"]:
        assert set(item) == ITEM_KEYS
        assert set(item["prescription"]) == PRESCRIPTION_KEYS
    assert plan["cautions"]


def test_plan_options_reach_the_planner(run) -> None:
    plan = json.loads(
        run(
            "plan", "--minutes", "20", "--equipment", "chair,wall", "--no-floor", "--level", "advanced", "--json"
        ).output
    )
    assert plan["minutes"] == 20
    assert plan["equipment"] == ["chair", "wall"]
    assert plan["floor"] is False
    assert plan["level"] == "advanced"
    assert all(set(i["equipment"]) <= {"chair", "wall"} for i in plan["items"])


def test_the_same_options_give_the_same_plan(run) -> None:
    assert run("plan", "--json", "--minutes", "25").output == run("plan", "--json", "--minutes", "25").output


def test_plan_prints_a_readable_table(run) -> None:
    result = run("plan")
    assert result.exit_code == 0
    assert "Today's plan" in result.output
    assert "Estimated time" in result.output


@pytest.mark.parametrize(
    ("args", "option", "allowed"),
    [
        (["--minutes", "0"], "--minutes", "5<=x<=60"),
        (["--minutes", "500"], "--minutes", "5<=x<=60"),
        (["--minutes", "ten"], "--minutes", "integer"),
        (["--equipment", "spaceship"], "--equipment", "chair, wall, kettlebell"),
        (["--equipment", "chair,spaceship"], "--equipment", "chair, wall, kettlebell"),
        (["--level", "superhero"], "--level", "'beginner', 'advanced'"),
    ],
)
def test_bad_plan_options_exit_2_naming_the_option(run, args: list[str], option: str, allowed: str) -> None:
    result = run("plan", *args)
    assert result.exit_code == 2
    assert option in result.stderr
    assert allowed in result.stderr
    assert result.stdout == ""


def test_an_impossible_combination_exits_2_naming_the_option_to_change(run) -> None:
    result = run("plan", "--no-floor")
    assert result.exit_code == 2
    assert "Invalid value for '--no-floor'" in result.stderr
    assert "a chair" in result.stderr
    assert result.stdout == ""


def test_help_lists_every_command(run) -> None:
    result = run("--help")
    for command in ("plan", "exercises", "exercise", "programs", "program"):
        assert command in result.output
    assert "not medical advice" in result.output


def test_the_content_commands_write_nothing_but_the_cache(run, home: Path) -> None:
    for args in (["exercises"], ["exercise", "bridge", "--json"], ["programs", "--json"], ["program", "core-five"]):
        assert run(*args).exit_code == 0
    assert not home.exists() or [p.name for p in home.iterdir()] == ["cache"]


def test_plan_writes_only_its_database_and_cache_under_backcoach_home(run, home: Path) -> None:
    assert run("plan", "--json").exit_code == 0
    assert {p.name for p in home.iterdir()} <= {
        "backcoach.db",
        "backcoach.db-wal",
        "backcoach.db-shm",
        "backcoach.db-writers",
        "cache",
    }


def test_every_command_maps_the_error_hierarchy() -> None:
    """Application errors become exit codes in `Command.invoke`: a command of another class would let them out as
    tracebacks."""
    from backcoach.cli.main import cli

    def walk(command: click.Command) -> Iterator[click.Command]:
        yield command
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                yield from walk(sub)

    others = [c.name for c in walk(cli) if not isinstance(c, base.Command)]
    assert not others


@pytest.mark.parametrize(
    ("error", "code", "says"),
    [
        (
            InvalidInput("must be 3 to 80 characters", ("activities", 0, "activity")),
            2,
            "Invalid value for '--activity'",
        ),
        (InvalidInput("is before your latest session", ("date",)), 2, "Invalid value for '--date': is before"),
        (InvalidInput("no chair", ("floor",)), 2, "Invalid value for '--no-floor': no chair"),
        (InvalidInput("must be a list", ("sessions", 1, "items")), 2, "Error: sessions.1.items: must be a list"),
        (InvalidInput("bad file"), 2, "Error: bad file"),
        (NotFound("session 7 does not exist"), 1, "Error: session 7 does not exist"),
        (Conflict("already there"), 1, "Error: already there"),
        (Refused("not today"), 3, "Error: not today"),
        (ScreenNeeded(None), 3, "two minutes. Run: backcoach screen"),
    ],
)
def test_each_kind_of_error_has_its_exit_code_and_words(error: BackcoachError, code: int, says: str) -> None:
    @base.command()
    @click.option("--date", "day")
    @click.option("--no-floor", is_flag=True)
    @click.option("--activity", "activities", multiple=True)
    def failing(day: str | None, no_floor: bool, activities: tuple[str, ...]) -> None:
        raise error

    result = CliRunner().invoke(failing, [], catch_exceptions=False)
    assert result.exit_code == code
    assert says in result.stderr
    assert result.stdout == ""


def test_a_block_says_how_to_record_a_clearance() -> None:
    from backcoach.domain.screening import pre_session_red_flag

    @base.command()
    def failing() -> None:
        raise Blocked(pre_session_red_flag())

    result = CliRunner().invoke(failing, [], catch_exceptions=False)
    assert result.exit_code == 3
    words = " ".join(result.stderr.split())  # wrapped to the terminal's width
    assert 'record it with: backcoach screen --cleared-by-clinician "what they said"' in words
    assert "(or take the check again with backcoach screen if things have changed)" in words


@pytest.mark.slow
def test_the_console_script_prints_the_help_without_arguments(run_process) -> None:
    results = [run_process(*args) for args in ([], ["--help"], ["-h"])]
    assert [r.returncode for r in results] == [0, 0, 0]
    assert results[0].stdout == results[1].stdout == results[2].stdout
    assert "Commands:" in results[0].stdout
    assert "not medical advice" in results[0].stdout


@pytest.mark.slow
def test_the_console_script_exits_2_on_an_impossible_plan(run_process) -> None:
    result = run_process("plan", "--no-floor")
    assert result.returncode == 2
    assert "a chair" in result.stderr
    assert "Traceback" not in result.stderr
