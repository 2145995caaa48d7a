"""The person's record through the CLI, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcoach.app import history
from backcoach.app.runtime import Runtime
from backcoach.domain.history import HistoryError
from backcoach.storage.engine import HEAD

pytestmark = pytest.mark.usefixtures("db_home")


def session(
    date: str,
    *,
    pain_before: int = 3,
    pain_after: int = 2,
    pain_during: int | None = 1,
    pain_next_morning: int | None = None,
    **extra: Any,
):
    return {
        "date": date,
        "pain_before": pain_before,
        "pain_after": pain_after,
        "pain_next_morning": pain_next_morning,
        "items": [
            {
                "exercise": "pelvic-tilt",
                "prescription": {
                    "reps": 5,
                    "reps_max": None,
                    "hold_s": 5,
                    "hold_s_max": None,
                    "sets": 1,
                    "rest_s": None,
                    "per_side": False,
                    "alternating": False,
                    "times_per_day": None,
                    "target_reps": 30,
                },
                "completed_reps": 5,
                "completed_sets": 1,
                "difficulty": "right",
                "pain_during": pain_during,
            }
        ],
        **extra,
    }


def write(tmp_path: Path, data: Any, name: str = "history.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


@pytest.mark.databases
def test_import_then_export_gives_back_the_same_sessions(run, tmp_path: Path) -> None:
    data = {"version": 1, "sessions": [session("2026-11-01"), session("2026-11-02", pain_before=4)]}
    result = run("history", "import", write(tmp_path, data))
    assert result.exit_code == 0, result.output
    exported = json.loads(run("history", "export").output)
    assert exported == data
    out = tmp_path / "out.json"
    assert run("history", "export", "--output", str(out)).exit_code == 0
    assert json.loads(out.read_text()) == data


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda s: s[1].update(pain_before=11), "session 2 (2026-11-02), field 'pain_before'"),
        (lambda s: s[1].update(date="02/11/2026"), "session 2 (02/11/2026), field 'date'"),
        (lambda s: s[1]["items"][0].update(difficulty="meh"), "session 2 (2026-11-02), item 1, field 'difficulty'"),
        (lambda s: s[1]["items"][0].update(exercise="spiderman"), "item 1, field 'exercise'"),
        (lambda s: s[1]["items"][0].update(pain_during=-1), "item 1, field 'pain_during'"),
        (lambda s: s[1]["items"][0].update(completed_reps="five"), "item 1, field 'completed_reps'"),
        (lambda s: s[1].update(colour="blue"), "field 'colour'"),
        (lambda s: s[1].pop("pain_after"), "session 2 (2026-11-02)"),
    ],
)
def test_a_bad_file_exits_2_naming_session_item_and_field_and_stores_nothing(
    run, tmp_path: Path, mutate: Any, expected: str
) -> None:
    sessions = [session("2026-11-01"), session("2026-11-02")]
    mutate(sessions)
    result = run("history", "import", write(tmp_path, {"version": 1, "sessions": sessions}))
    assert result.exit_code == 2, result.stderr
    assert expected in result.stderr
    exported = json.loads(run("history", "export").stdout)
    assert exported == {"version": 1, "sessions": []}


@pytest.mark.parametrize("data", [[], {"version": 2, "sessions": []}, {"version": 1}, {"version": 1, "x": []}])
def test_a_file_of_the_wrong_shape_is_refused(run, tmp_path: Path, data: Any) -> None:
    result = run("history", "import", write(tmp_path, data))
    assert result.exit_code == 2


def test_a_file_that_is_not_json_is_refused(run, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    result = run("history", "import", str(path))
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr


@pytest.mark.databases
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(["pain_before", "pain_after", "date", "items"]),
    value=st.one_of(st.none(), st.integers(-5, 20), st.text(max_size=5), st.booleans()),
)
def test_import_is_all_or_nothing(runtime: Runtime, field: str, value: Any) -> None:
    user = runtime.local_user()
    before = len(history.sessions(runtime, user))
    sessions = [session("2026-11-01"), session("2026-11-02")]
    sessions[1][field] = value
    try:
        count = history.import_history(runtime, user, {"version": 1, "sessions": sessions})
    except HistoryError:
        assert len(history.sessions(runtime, user)) == before
    else:
        assert len(history.sessions(runtime, user)) == before + count == before + 2


def test_screen_asks_plain_questions(run) -> None:
    from backcoach.domain.screening import QUESTION_KEYS

    answers = "\n".join(["42"] + ["y" if key == "disc_disease" else "n" for key in QUESTION_KEYS]) + "\n"
    result = run("screen", input=answers)
    assert result.exit_code == 0, result.output
    assert "not medical advice" in result.output
    assert "Talk to your provider before you start" in result.output
    assert "When: before you start" in result.output
    assert "check-first" not in result.output, "the level is said in words, not as a code"


def test_screen_reads_an_answers_file_and_returns_json(run, tmp_path: Path) -> None:
    result = run("screen", "--answers", write(tmp_path, {"disc_disease": True, "age": 40}), "--json")
    data = json.loads(result.output)
    assert set(data) == {"clearance", "when", "reasons", "advice", "excludes"}
    assert data["when"] == "before you start"
    assert data["clearance"] == "check-first"
    assert data["reasons"][0]["item"] == "disc_disease"
    assert set(data["reasons"][0]) == {"item", "message"}


@pytest.mark.parametrize(("answers", "key"), [({"sadle_numbness": True}, "sadle_numbness"), ({"age": "40"}, "age")])
def test_bad_answers_exit_2_naming_the_key(run, tmp_path: Path, answers: dict[str, Any], key: str) -> None:
    result = run("screen", "--answers", write(tmp_path, answers))
    assert result.exit_code == 2
    assert key in result.stderr


@pytest.mark.parametrize("flag", ["saddle_numbness", "cancer_history"])
def test_after_a_red_flag_plan_start_and_dose_refuse_with_exit_3(run, tmp_path: Path, flag: str) -> None:
    run("screen", "--answers", write(tmp_path, {flag: True, "age": 40}))
    for args in (["plan"], ["plan", "--json"], ["dose", "bridge"]):
        result = run(*args)
        assert result.exit_code == 3, args
        assert "--cleared-by-clinician" in result.stderr
        assert result.stdout == ""


def test_a_newer_clear_screen_or_a_clinicians_clearance_lifts_the_block(run, tmp_path: Path) -> None:
    run("screen", "--answers", write(tmp_path, {"major_trauma": True, "age": 40}))
    assert run("plan").exit_code == 3
    run("screen", "--answers", write(tmp_path, {"age": 40}, "clear.json"))
    assert run("plan").exit_code == 0
    run("screen", "--answers", write(tmp_path, {"constant_night_pain": True, "age": 40}, "again.json"))
    assert run("plan").exit_code == 3
    cleared = run("screen", "--cleared-by-clinician", "GP examined me, gentle exercise is fine", "--json")
    assert json.loads(cleared.stdout)["clearance"] == "check-first"
    plan = json.loads(run("plan", "--level", "advanced", "--json").stdout)
    assert plan["level"] == "beginner"
    assert any("GP examined me" in c for c in plan["cautions"])


def test_check_first_keeps_plans_at_beginner_with_the_reason(run, tmp_path: Path) -> None:
    run("screen", "--answers", write(tmp_path, {"previous_back_injury": True, "age": 40}))
    plan = json.loads(run("plan", "--level", "advanced", "--minutes", "30", "--json").output)
    assert plan["level"] == "beginner"
    assert any("injury" in c for c in plan["cautions"])


def test_without_a_screen_the_plan_asks_for_one(run) -> None:
    plan = json.loads(run("plan", "--json").output)
    assert any("safety check" in c and "preview" in c for c in plan["cautions"])


@pytest.mark.databases
def test_log_records_a_session_from_flags(run) -> None:
    result = run(
        "log",
        "--date",
        "2026-11-20",
        "--pain-before",
        "3",
        "--pain-after",
        "2",
        "--item",
        "bridge:15:3:right:2",
        "--item",
        "cat-stretch:3:1:easy",
    )
    assert result.exit_code == 0, result.output
    exported = json.loads(run("history", "export").output)["sessions"]
    assert exported[0]["date"] == "2026-11-20"
    assert [i["exercise"] for i in exported[0]["items"]] == ["bridge", "cat-stretch"]
    assert exported[0]["items"][0]["prescription"]["reps"] == 15
    assert exported[0]["items"][1]["pain_during"] is None
    assert "2026-11-20" in run("history").output


def test_log_prompts_for_what_is_missing(run) -> None:
    answers = "\n".join(["4", "superman", "10", "1", "right", "", "", "3"]) + "\n"
    result = run("log", input=answers)
    assert result.exit_code == 0, result.output
    exported = json.loads(run("history", "export").output)["sessions"]
    assert exported[0]["pain_before"] == 4
    assert exported[0]["pain_after"] == 3
    assert exported[0]["items"][0]["exercise"] == "superman"


@pytest.mark.parametrize(
    "item", ["bridge:15:3:meh", "bridge:fifteen:3:right", "spiderman:1:1:easy", "bridge:15", "bridge:1:1:easy:11"]
)
def test_log_rejects_a_bad_item_and_stores_nothing(run, item: str) -> None:
    result = run("log", "--pain-before", "2", "--pain-after", "2", "--item", item)
    assert result.exit_code == 2
    assert "--item" in result.stderr
    assert json.loads(run("history", "export").stdout)["sessions"] == []


def test_checkin_records_the_next_morning_of_the_latest_session(run, tmp_path: Path) -> None:
    run(
        "history", "import", write(tmp_path, {"version": 1, "sessions": [session("2026-11-01"), session("2026-11-03")]})
    )
    result = run("checkin", "--pain", "6")
    assert result.exit_code == 0
    assert "eased back" in result.output
    sessions = json.loads(run("history", "export").output)["sessions"]
    assert sessions[0]["pain_next_morning"] is None
    assert sessions[1]["pain_next_morning"] == 6


def test_checkin_rejects_pain_out_of_range(run) -> None:
    result = run("checkin", "--pain", "11")
    assert result.exit_code == 2
    assert "--pain" in result.stderr


def test_checkin_without_any_session_says_so(run) -> None:
    result = run("checkin", "--pain", "2")
    assert result.exit_code == 1
    assert "no session" in result.stderr


def test_progress_summarises_and_draws_a_chart(run, tmp_path: Path) -> None:
    # The CLI dates sessions in the person's local calendar, so the test does too.
    today = dt.datetime.now(dt.UTC).astimezone().date()
    days = [today - dt.timedelta(days=n) for n in (3, 2, 1, 0)]
    data = {"version": 1, "sessions": [session(d.isoformat(), pain_before=5 - i) for i, d in enumerate(days)]}
    run("history", "import", write(tmp_path, data))
    summary = json.loads(run("progress", "--json").output)
    assert summary["sessions"] == 4
    assert summary["streak_days"] == 4
    assert summary["pain_before_avg"] == 3.5
    chart = tmp_path / "progress.png"
    result = run("progress", "--chart", str(chart))
    assert result.exit_code == 0
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Current streak" in result.output


def test_dose_follows_the_history(run, tmp_path: Path) -> None:
    good = [session(day, pain_next_morning=2) for day in ("2026-11-01", "2026-11-02")]
    run("history", "import", write(tmp_path, {"version": 1, "sessions": good}))
    decision = json.loads(run("dose", "pelvic-tilt", "--date", "2026-11-03", "--json").output)
    assert set(decision) == {"exercise", "rung", "name", "prescription", "decision", "reason"}
    assert (decision["decision"], decision["rung"]) == ("progress", "pelvic-tilt")
    assert decision["prescription"]["reps"] == 6
    painful = {"version": 1, "sessions": [session("2026-11-03", pain_during=7, pain_next_morning=2)]}
    run("history", "import", write(tmp_path, painful, "painful.json"))
    decision = json.loads(run("dose", "pelvic-tilt", "--date", "2026-11-04", "--json").output)
    assert decision["decision"] == "regress"
    plan = json.loads(run("plan", "--json", "--minutes", "30", "--date", "2026-11-04").output)
    tilt = next(i for i in plan["items"] if i["exercise"] == "pelvic-tilt")
    assert tilt["prescription"]["reps"] <= 5
    before = run("dose", "pelvic-tilt", "--date", "2026-11-02")
    assert before.exit_code == 2
    assert "--date" in before.output
    assert "latest session (2026-11-03)" in " ".join(before.output.split())  # wrapped to 80 columns


def test_over_the_limit_twice_in_a_row_swaps_to_the_easier_rung(run, tmp_path: Path) -> None:
    data = {"version": 1, "sessions": [session("2026-11-01", pain_during=7), session("2026-11-02", pain_during=8)]}
    run("history", "import", write(tmp_path, data))
    plan = json.loads(run("plan", "--json", "--minutes", "30", "--date", "2026-11-03").output)
    assert any("twice in a row" in c for c in plan["cautions"])
    tilt = next(i for i in plan["items"] if i["exercise"] == "pelvic-tilt")
    assert tilt["rung"] == "pelvic-tilt/flatten-only"
    assert tilt["name"] != "Pelvic tilt"


def test_dose_of_an_unknown_exercise_exits_2(run) -> None:
    result = run("dose", "spiderman")
    assert result.exit_code == 2


def test_db_upgrade_reports_the_revision(run) -> None:
    first = run("db", "upgrade")
    assert first.exit_code == 0
    assert f"revision {HEAD}" in first.output
    assert "up to date" in run("db", "upgrade").output
