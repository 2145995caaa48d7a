"""The screen shapes the plan and gates sessions: on the real record and through the CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backcoach.app import history, plans, safety
from backcoach.app.runtime import Runtime
from backcoach.domain.planner import PlanRequest
from backcoach.domain.screening import parse_answers
from tests.conftest import Clock

EVERYTHING = PlanRequest(minutes=60, equipment=frozenset({"chair", "wall", "kettlebell"}), level="advanced")


def screen(runtime: Runtime, user: int, *keys: str, age: int = 40) -> None:
    safety.take_screen(runtime, user, parse_answers({**dict.fromkeys(keys, True), "age": age}))


@pytest.mark.parametrize(
    ("key", "left_out"),
    [
        ("worse_bending_forward", {"knee-to-chest", "double-knee-to-chest", "cat-stretch", "partial-curl"}),
        ("worse_bending_backward", {"superman", "seated-back-extension", "prone-opposite-arm-leg"}),
        ("osteoporosis_or_steroids", {"abdominal-crunch", "partial-curl", "seated-rotational-stretch"}),
        ("pregnant_or_recent_birth", {"superman", "prone-opposite-arm-leg"}),
    ],
)
def test_each_exclusion_is_left_out_of_plans_and_said(runtime: Runtime, key: str, left_out: set[str]) -> None:
    user = runtime.local_user()
    screen(runtime, user, key)
    for minutes in (10, 30, 60):
        request = PlanRequest(minutes, EVERYTHING.equipment, True, EVERYTHING.level)
        plan = plans.make_plan(runtime, user, request)
        planned = {i.exercise for i in plan.items}
        assert not planned & left_out, f"{key}: {planned & left_out} planned at {minutes} min"
        listed = {e.exercise for e in plan.excluded}
        assert left_out <= listed
        assert all(e.reason for e in plan.excluded)
        assert any("Left out because of your safety check answers" in c for c in plan.cautions)
        assert plan.to_dict()["excluded"][0].keys() == {"exercise", "name", "reason"}


def test_the_dose_of_an_excluded_exercise_says_it_rests(runtime: Runtime) -> None:
    user = runtime.local_user()
    screen(runtime, user, "worse_bending_backward")
    decision = plans.next_dose(runtime, user, runtime.catalogue.get("superman"))
    assert decision.decision == "rest"
    assert "safety check" in decision.reason
    assert plans.next_dose(runtime, user, runtime.catalogue.get("bridge")).decision == "start"


def test_pregnancy_puts_the_lying_on_the_back_caution_in_the_plan(runtime: Runtime) -> None:
    user = runtime.local_user()
    screen(runtime, user, "pregnant_or_recent_birth")
    plan = plans.make_plan(runtime, user, EVERYTHING)
    assert any("lying flat on your back" in c for c in plan.cautions)
    assert plan.level == "beginner", "check-first keeps plans at beginner level"


def test_check_first_starts_every_dose_at_the_low_end(runtime: Runtime) -> None:
    user = runtime.local_user()
    screen(runtime, user, "disc_disease")
    plan = plans.make_plan(runtime, user, PlanRequest(minutes=60, equipment=EVERYTHING.equipment))
    by_id = {i.exercise: i.prescription for i in plan.items}
    for exercise_id, dose in by_id.items():
        given = runtime.catalogue.get(exercise_id).prescription
        assert (dose.sets or 1) == 1, exercise_id
        if given.reps is not None:
            assert dose.reps is not None
            assert dose.reps <= given.reps
        if given.hold_s is not None:
            assert dose.hold_s == given.hold_s
    assert any("low end" in c for c in plan.cautions)
    assert plans.next_dose(runtime, user, runtime.catalogue.get("bridge")).prescription.sets == 1


def test_a_clinician_clearance_keeps_the_exclusions(runtime: Runtime) -> None:
    user = runtime.local_user()
    screen(runtime, user, "cancer_history", "worse_bending_forward")
    with pytest.raises(safety.Blocked):
        plans.make_plan(runtime, user, EVERYTHING)
    safety.record_clinician_clearance(runtime, user, "Seen by my GP: fine to exercise")
    plan = plans.make_plan(runtime, user, EVERYTHING)
    assert "knee-to-chest" in {e.exercise for e in plan.excluded}


@pytest.mark.parametrize("keys", [("saddle_numbness",), ("fever_or_infection",), ("cancer_history",)])
def test_blocking_levels_refuse_plans_doses_and_sessions(runtime: Runtime, keys: tuple[str, ...]) -> None:
    user = runtime.local_user()
    screen(runtime, user, *keys)
    with pytest.raises(safety.Blocked) as refused:
        plans.make_plan(runtime, user, EVERYTHING)
    assert "backcoach" not in str(refused.value).replace("backcoach will not", ""), "no command words"
    with pytest.raises(safety.Blocked):
        plans.next_dose(runtime, user, runtime.catalogue.get("bridge"))
    with pytest.raises(safety.Blocked):
        safety.ensure_allowed(runtime, user, session=True)


def test_a_session_needs_a_screen_and_a_recent_one(runtime: Runtime, clock: Clock) -> None:
    user = runtime.local_user()
    plan = plans.make_plan(runtime, user, EVERYTHING)
    assert any("preview" in c for c in plan.cautions), "a plan without a screen is a preview"
    with pytest.raises(safety.ScreenNeeded, match="before your first session"):
        safety.ensure_allowed(runtime, user, session=True)
    screen(runtime, user)
    assert safety.ensure_allowed(runtime, user, session=True) is not None
    clock.advance(days=42)
    assert safety.ensure_allowed(runtime, user, session=True) is not None
    clock.advance(minutes=1)
    with pytest.raises(safety.ScreenNeeded, match="more than 6 weeks ago"):
        safety.ensure_allowed(runtime, user, session=True)
    assert any("more than 6 weeks old" in c for c in plans.make_plan(runtime, user, EVERYTHING).cautions)


# The CLI: exact contract, exit codes


def answers_file(tmp_path: Any, answers: dict[str, Any]) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    return str(path)


@pytest.mark.usefixtures("db_home")
def test_screen_json_prints_the_contract(run, tmp_path: Any) -> None:
    result = run("screen", "--answers", answers_file(tmp_path, {"fever_or_infection": True, "age": 30}), "--json")
    data = json.loads(result.output)
    assert set(data) == {"clearance", "when", "reasons", "advice", "excludes"}
    assert (data["clearance"], data["when"]) == ("urgent", "today")
    for command in (["plan"], ["dose", "bridge"], ["start", "--auto", "--pain-before", "2"]):
        refused = run(*command)
        assert refused.exit_code == 3, command
        assert "today" in refused.output


@pytest.mark.usefixtures("db_home")
def test_screen_json_lists_exclusions(run, tmp_path: Any) -> None:
    result = run("screen", "--answers", answers_file(tmp_path, {"worse_bending_backward": True, "age": 30}), "--json")
    data = json.loads(result.output)
    assert data["clearance"] == "clear"
    assert data["when"] is None
    assert "superman" in data["excludes"]
    plan = json.loads(run("plan", "--json", "--minutes", "30").output)
    assert "superman" in {e["exercise"] for e in plan["excluded"]}


@pytest.mark.parametrize(
    ("answers", "key"),
    [({}, "age"), ({"disc_disease": True}, "age"), ({"age": 30, "nope": True}, "nope"), ({"age": "30"}, "age")],
)
def test_bad_answers_exit_2_naming_the_key(run, tmp_path: Any, answers: dict[str, Any], key: str) -> None:
    result = run("screen", "--answers", answers_file(tmp_path, answers), "--json")
    assert result.exit_code == 2
    assert repr(key) in result.stderr or key in result.stderr


@pytest.mark.usefixtures("db_home")
def test_start_refuses_without_a_screen_but_plan_previews(run) -> None:
    refused = run("start", "--auto", "--pain-before", "2")
    assert refused.exit_code == 3
    assert "safety check" in refused.output
    assert "backcoach screen" in refused.output
    preview = json.loads(run("plan", "--json").output)
    assert any("preview" in c for c in preview["cautions"])


def test_hurting_twice_on_a_harder_rung_swaps_to_the_standard_one_and_says_so(runtime: Runtime) -> None:
    """Rule 9 from above the standard rung: the easier version is the standard exercise, and the plan still says
    why the dose changed (the caution must not depend on which rung it lands on)."""
    import datetime as dt

    from backcoach.domain.history import SessionRecord

    user = runtime.local_user()
    screen(runtime, user)
    held = runtime.ladders["bridge"].get("bridge/held").start
    for day in (1, 2):
        item = history.session_item(
            "bridge",
            rung="bridge/held",
            prescription=held,
            completed_reps=held.reps or 1,
            completed_sets=held.sets or 1,
            difficulty="right",
            pain_during=8,
        )
        record = SessionRecord(date=dt.date(2026, 11, day), pain_before=2, pain_after=3, items=[item])
        history.add_session(runtime, user, record)
    decision = plans.next_dose(runtime, user, runtime.catalogue.get("bridge"), dt.date(2026, 11, 3))
    assert (decision.decision, decision.rung, decision.swapped) == ("regress", "bridge", True)
    plan = plans.make_plan(runtime, user, PlanRequest(minutes=30), dt.date(2026, 11, 3))
    assert any("Bridge went over your pain limit twice in a row" in c for c in plan.cautions)
