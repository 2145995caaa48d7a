"""`backcoach outcome`: the weekly check from the command line, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

pytestmark = pytest.mark.usefixtures("db_home")

SOCKS, SITTING, GROCERIES = "bending to put on socks", "sitting for an hour", "lifting a bag of groceries"


def options(date: str, *scores: int, names: tuple[str, ...] = (SOCKS, SITTING, GROCERIES)) -> list[str]:
    args = ["outcome", "--date", date]
    for name, score in zip(names, scores, strict=True):
        args += ["--activity", name, "--score", str(score)]
    return args


def history(run) -> dict[str, Any]:
    result = run("outcome", "history", "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_a_check_from_options_is_saved_and_printed_as_json(run) -> None:
    result = run(*options("2026-11-14", 3, 4, 2), "--json")
    assert result.exit_code == 0, result.output
    saved = json.loads(result.output)
    assert set(saved) == {"id", "date", "activities", "average"}
    assert saved["date"] == "2026-11-14"
    assert saved["activities"] == [
        {"activity": SOCKS, "score": 3},
        {"activity": SITTING, "score": 4},
        {"activity": GROCERIES, "score": 2},
    ]
    assert saved["average"] == 3.0
    data = history(run)
    assert [o["id"] for o in data["outcomes"]] == [saved["id"]]
    assert data["average_change"]["checks"] == 1


def test_later_weeks_reuse_the_activities_and_report_the_change(run) -> None:
    run(*options("2026-11-07", 2, 3, 4))
    result = run("outcome", "--date", "2026-11-14", "--score", "5", "--score", "5", "--score", "5")
    assert result.exit_code == 0, result.output
    assert "Saved your weekly check for 2026-11-14: average 5 out of 10." in result.output
    # Paragraphs are wrapped to the terminal's width (80 here), so whole sentences are looked for across lines.
    words = " ".join(result.output.split())
    assert "Average: 5 out of 10, up 2 since 2026-11-07: more than the 2 points of measurement noise" in words
    assert "Bending to put on socks: 5 out of 10, up 3" in result.output
    assert "Next check due on 2026-11-21." in result.output
    data = history(run)
    assert [o["activities"][0]["activity"] for o in data["outcomes"]] == [SOCKS, SOCKS]
    assert data["average_change"]["beyond_noise"] is True
    assert [c["beyond_noise"] for c in data["activity_changes"]] == [True, False, False]
    assert set(data) == {"count", "due", "next_due", "average_change", "activity_changes", "outcomes"}


def test_changing_an_activity_says_its_comparisons_start_again(run) -> None:
    run(*options("2026-11-07", 2, 3, 4))
    result = run(*options("2026-11-14", 2, 3, 4, names=(SOCKS, "walking the dog", GROCERIES)))
    assert result.exit_code == 0, result.output
    assert '"walking the dog" is new, so its comparisons start again from this check.' in result.output
    assert "comparisons of the average start again" in " ".join(result.output.split())  # wrapped to 80 columns
    table = run("outcome", "history").output
    assert "walking the" in table  # the column's name, wrapped at 80 columns
    assert "2026-11-07" in table


def test_the_first_time_it_explains_the_scale_and_asks_for_everything(run) -> None:
    answers = "\n".join([SOCKS, "ab", SITTING, "Bending to put on SOCKS", GROCERIES, "3", "12", "4", "2"]) + "\n"
    result = run("outcome", input=answers)
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())  # wrapped to 80 columns
    assert "0 means you are unable to do it; 10 means you can do it as well as before" in words
    assert "must be 3 to 80 characters" in result.output
    assert "you have chosen that one already" in result.output
    [saved] = history(run)["outcomes"]
    assert [(a["activity"], a["score"]) for a in saved["activities"]] == [(SOCKS, 3), (SITTING, 4), (GROCERIES, 2)]


def test_later_it_asks_only_the_scores(run) -> None:
    run(*options("2026-11-07", 2, 3, 4))
    result = run("outcome", input="6\n6\n6\n")
    assert result.exit_code == 0, result.output
    assert "same three activities as last time" in result.output
    assert "Activity 1" not in result.output
    assert history(run)["outcomes"][-1]["average"] == 6.0


def test_change_activities_offers_the_saved_ones(run) -> None:
    run(*options("2026-11-07", 2, 3, 4))
    result = run("outcome", "--change-activities", input="\nwalking the dog\n\n5\n5\n5\n")
    assert result.exit_code == 0, result.output
    latest = history(run)["outcomes"][-1]
    assert [a["activity"] for a in latest["activities"]] == [SOCKS, "walking the dog", GROCERIES]


def test_the_date_defaults_to_the_persons_today(run) -> None:
    today = dt.datetime.now(dt.UTC).astimezone().date()
    names = ["--activity", SOCKS, "--activity", SITTING, "--activity", "abc"]
    result = run("outcome", *names, "--json", input="1\n2\n3\n")
    assert result.exit_code == 0, result.output
    # The scores were asked for first, so the JSON follows the prompts.
    saved = json.loads(result.output[result.output.index("{") :])
    assert saved["date"] == today.isoformat()
    data = history(run)
    assert data["due"] is False
    assert data["next_due"] == (today + dt.timedelta(days=7)).isoformat()


@pytest.mark.parametrize(
    ("args", "option", "says"),
    [
        (["--score", "11"], "--score", "0<=x<=10"),
        (["--score", "1", "--score", "2"], "--score", "exactly 3 scores"),
        (["--activity", SOCKS, "--score", "1"], "--activity", "exactly 3 activities"),
        (options("2026-11-07", 1, 2, 3, names=(SOCKS, "ab", GROCERIES))[1:], "--activity", "3 to 80 characters"),
        (options("2026-11-07", 1, 2, 3, names=(SOCKS, SOCKS.upper(), GROCERIES))[1:], "--activity", "different"),
        (options("2999-01-01", 1, 2, 3)[1:], "--date", "future"),
        (["--date", "07/11/2026", "--score", "1", "--score", "1", "--score", "1"], "--date", "%Y-%m-%d"),
        (["--score", "1", "--score", "1", "--score", "1"], "--activity", "no saved activities"),
        (["--json", "history"], "--json", "without a subcommand"),
    ],
)
def test_bad_input_exits_2_naming_the_option_and_stores_nothing(run, args: list[str], option: str, says: str) -> None:
    result = run("outcome", *args)
    assert result.exit_code == 2, result.stderr
    assert option in result.stderr
    assert says in result.stderr
    assert json.loads(run("outcome", "history", "--json").stdout)["outcomes"] == []


def test_history_without_any_check_says_how_to_start(run) -> None:
    result = run("outcome", "history")
    assert result.exit_code == 0
    assert "backcoach outcome" in result.output
    assert history(run)["due"] is True
