from __future__ import annotations

import json
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach.domain.catalogue import Catalogue, Prescription
from backcoach.domain.planner import PlanRequest, build_plan
from backcoach.domain.runner import (
    Done,
    Event,
    ExerciseEnded,
    Paused,
    Resumed,
    Runner,
    SessionEnded,
    StepStarted,
    Tables,
    session_tables,
)
from backcoach.domain.timeline import Step, compile_timeline, resolve
from tests.strategies import drive, examples


def timeline(catalogue: Catalogue, *pairs: tuple[str, dict[str, object]]) -> list[Step]:
    return compile_timeline([(catalogue.get(ex), resolve(Prescription(**dose))) for ex, dose in pairs])


def ended(events: list[Event]) -> list[ExerciseEnded]:
    return [e for e in events if isinstance(e, ExerciseEnded)]


def test_it_runs_a_whole_plan_on_schedule_without_drift(catalogue: Catalogue) -> None:
    plan = build_plan(catalogue, PlanRequest(minutes=10))
    steps = compile_timeline([(catalogue.get(i.exercise), i.prescription) for i in plan.items])
    runner = Runner(steps)
    log: list[Event] = []
    runner.subscribe(log.append)
    runner.start(100.0)
    # Notice each boundary late by a varying amount: the schedule must not slip.
    t = 100.0
    while not runner.finished:
        deadline = runner.deadline()
        assert deadline is not None
        t = deadline + 0.037
        runner.advance(t)
    starts = [e for e in log if isinstance(e, StepStarted)]
    assert [s.index for s in starts] == list(range(len(steps)))
    expected = 100.0
    for event in starts:
        assert event.at == expected
        expected += event.step.duration_s
    end = next(e for e in log if isinstance(e, SessionEnded))
    assert end.completed
    assert end.at == 100.0 + plan.estimated_duration_s
    done = ended(log)
    assert [e.exercise for e in done] == [i.exercise for i in plan.items]
    for finished, item in zip(done, plan.items, strict=True):
        assert finished.outcome == "completed"
        assert finished.completed_sets == item.prescription.sets
        assert finished.completed_reps == item.prescription.reps


def test_one_late_advance_catches_up_every_missed_step(catalogue: Catalogue) -> None:
    steps = timeline(catalogue, ("superman", {"reps": 3, "hold_s": 2}))
    runner = Runner(steps)
    runner.start(0.0)
    events = runner.advance(1000.0)
    assert runner.finished
    assert [type(e).__name__ for e in events][-2:] == ["StepStarted", "SessionEnded"]
    assert ended(events)[0].outcome == "completed"


def test_pause_shifts_the_schedule_by_the_pause(catalogue: Catalogue) -> None:
    steps = timeline(catalogue, ("bridge", {"reps": 2}))
    runner = Runner(steps)
    runner.start(0.0)
    intro = steps[0].duration_s
    events = runner.pause(4.0)
    assert isinstance(events[-1], Paused)
    assert runner.advance(500.0) == []
    assert runner.remaining(500.0) == intro - 4.0
    assert isinstance(runner.resume(500.0)[-1], Resumed)
    assert runner.deadline() == 500.0 + intro - 4.0
    events = runner.advance(500.0 + intro - 4.0)
    assert isinstance(events[0], StepStarted)
    assert events[0].index == 1
    assert events[0].at == 500.0 + intro - 4.0


def test_skip_step_starts_the_next_step_now(catalogue: Catalogue) -> None:
    steps = timeline(catalogue, ("bridge", {"reps": 2}))
    runner = Runner(steps)
    runner.start(0.0)
    events = runner.skip_step(1.5)
    assert events[-1] == StepStarted(1, steps[1], 1.5)
    assert runner.deadline() == 1.5 + steps[1].duration_s


def test_back_returns_to_the_previous_step_of_the_same_exercise(catalogue: Catalogue) -> None:
    steps = timeline(catalogue, ("bridge", {"reps": 2}), ("superman", {"reps": 2, "hold_s": 2}))
    runner = Runner(steps)
    runner.start(0.0)
    runner.advance(steps[0].duration_s + 1)
    assert runner.index == 1
    events = runner.back(11.0)
    assert events[-1] == StepStarted(0, steps[0], 11.0)
    # At an exercise's first step, back restarts it rather than reopening the exercise before.
    assert runner.back(12.0)[-1] == StepStarted(0, steps[0], 12.0)


def test_back_never_reopens_a_finished_exercise(catalogue: Catalogue) -> None:
    steps = timeline(catalogue, ("bridge", {"reps": 1}), ("superman", {"reps": 1, "hold_s": 2}))
    runner = Runner(steps)
    runner.start(0.0)
    transition = next(i for i, s in enumerate(steps) if s.kind == "transition")
    at = sum(s.duration_s for s in steps[:transition]) + 0.5
    runner.advance(at)
    assert runner.index == transition
    events = runner.back(at + 1)
    assert events[-1] == StepStarted(transition, steps[transition], at + 1)


def test_skip_exercise_records_what_was_done_and_moves_on(catalogue: Catalogue) -> None:
    steps = timeline(catalogue, ("bridge", {"reps": 5, "sets": 2, "rest_s": 10}), ("superman", {"reps": 2}))
    runner = Runner(steps)
    runner.start(0.0)
    # intro (10) + three bridge reps of 4 s
    runner.advance(10 + 3 * 4 + 0.1)
    events = runner.skip_exercise(23.0)
    bridge = ended(events)[0]
    assert bridge.outcome == "skipped"
    assert bridge.completed_sets == 0
    assert bridge.completed_reps == 3
    assert events[-1].step.kind == "transition"  # type: ignore[union-attr]
    assert events[-1].step.exercise == "superman"  # type: ignore[union-attr]


def test_stop_for_pain_ends_the_exercise_and_records_the_pain(catalogue: Catalogue) -> None:
    steps = timeline(catalogue, ("bridge", {"reps": 5, "sets": 2, "rest_s": 10}), ("superman", {"reps": 2}))
    runner = Runner(steps)
    runner.start(0.0)
    runner.advance(10 + 5 * 4 + 10 + 4 + 0.1)  # the whole first set, its rest, one rep of the second
    events = runner.stop_for_pain(45.0, 7)
    bridge = ended(events)[0]
    assert bridge.outcome == "stopped-for-pain"
    assert bridge.pain_during == 7
    assert bridge.completed_sets == 1
    assert bridge.completed_reps == 1
    assert runner.item_of(runner.index) == 1


def test_per_side_reps_count_once_both_sides_are_done(catalogue: Catalogue) -> None:
    steps = timeline(catalogue, ("ankle-pump", {"reps": 3, "per_side": True}))
    runner = Runner(steps)
    runner.start(0.0)
    runner.advance(10 + 3 * 2 + 5 + 2 * 2 + 0.1)  # left side, switch, two reps on the right
    event = ended(runner.quit(25.5))[0]
    assert event.outcome == "stopped"
    assert event.completed_reps == 2


def test_alternating_exercises_take_turns(catalogue: Catalogue) -> None:
    steps = timeline(catalogue, ("bird-dog", {"reps": 2, "hold_s": 2, "alternating": True}))
    sides = [s.side for s in steps if s.kind == "rep"]
    assert sides == ["left", "right", "left", "right"]


def test_quit_ends_the_session_as_not_completed(catalogue: Catalogue) -> None:
    steps = timeline(catalogue, ("bridge", {"reps": 2}))
    runner = Runner(steps)
    runner.start(0.0)
    events = runner.quit(3.0)
    assert isinstance(events[-1], SessionEnded)
    assert not events[-1].completed
    assert runner.finished
    assert runner.advance(100.0) == []


def done_before(steps: list[Step], exercise: str, upto: int) -> tuple[int, int]:
    """(sets, repetitions) of an exercise over once the steps before `upto` are: a repetition once every step of it,
    on every side, is over; a set once every repetition of it is. The repetitions are the latest one's number."""
    units = [
        (i, (s.set, s.rep))
        for i, s in enumerate(steps)
        if s.exercise == exercise and s.kind in ("rep", "hold", "relax") and s.set is not None and s.rep is not None
    ]
    unfinished = {key for i, key in units if i >= upto}
    reps = {key for _, key in units} - unfinished
    sets = {key[0] for _, key in units} - {key[0] for key in unfinished}
    return len(sets), max(reps, default=(0, 0))[1]


commands = st.lists(
    st.tuples(
        st.sampled_from(
            ["advance", "pause", "resume", "skip_step", "skip_exercise", "back", "report_pain", "stop_for_pain"]
        ),
        st.floats(0, 40),
        st.integers(0, 10),
    ),
    max_size=40,
)


@settings(max_examples=examples(300), deadline=None)
@given(commands=commands)
def test_any_sequence_of_commands_keeps_the_runner_consistent(catalogue: Catalogue, commands) -> None:
    doses: list[tuple[str, dict[str, object]]] = [
        ("ankle-pump", {"reps": 2, "per_side": True}),
        ("bridge", {"reps": 3, "sets": 2, "rest_s": 5}),
        ("bird-dog", {"reps": 2, "hold_s": 2, "alternating": True}),
    ]
    steps = timeline(catalogue, *doses)
    runner = Runner(steps)
    log: list[Event] = []
    runner.subscribe(log.append)
    now = drive(runner, commands)
    runner.resume(now)
    runner.advance(now + 10_000)
    assert runner.finished
    items = [e.item for e in log if isinstance(e, ExerciseEnded)]
    assert items == sorted(set(items)), "each exercise ends once, in order"
    assert set(items) == {0, 1, 2}
    starts = [e.at for e in log if isinstance(e, StepStarted)]
    assert starts == sorted(starts), "time never runs backwards"
    under_way = 0
    for e in log:
        if isinstance(e, StepStarted):
            under_way = e.index
        elif isinstance(e, ExerciseEnded):
            # A completed exercise is done to its end; any other ending counts what lies before the step under way.
            upto = len(steps) if e.outcome == "completed" else under_way
            assert (e.completed_sets, e.completed_reps) == done_before(steps, e.exercise, upto), e
            prescribed = resolve(Prescription(**doses[e.item][1]))
            assert e.completed_sets <= (prescribed.sets or 1)
            assert e.completed_reps <= (prescribed.reps or 0)
            if e.outcome == "completed":
                assert (e.completed_sets, e.completed_reps) == (prescribed.sets, prescribed.reps)
            if e.outcome == "stopped-for-pain":
                assert e.pain_during is not None
    assert sum(isinstance(e, SessionEnded) for e in log) == 1


def test_the_tables_say_what_counts_as_done_at_every_step(catalogue: Catalogue) -> None:
    steps = timeline(catalogue, ("bridge", {"reps": 2, "sets": 2, "rest_s": 5}), ("ankle-pump", {"reps": 2}))
    tables = Tables.of(steps)
    kinds = [s.kind for s in steps]
    assert kinds[:7] == ["intro", "rep", "rep", "rest", "rep", "rep", "transition"]
    assert tables.item_of[:7] == (0, 0, 0, 0, 0, 0, 1)
    assert tables.first == (0, 6)
    assert tables.last == (5, len(steps) - 2)
    # Ending the bridge during each of its steps: what the steps before it did.
    assert [(d.sets, d.reps) for d in tables.done_before[:6]] == [(0, 0), (0, 0), (0, 1), (1, 2), (1, 2), (1, 1)]
    assert tables.done_before[6] == Done(0, 0), "the transition belongs to the next exercise, with nothing done"
    assert tables.done[0] == Done(2, 2)
    assert tables.starts[-1] == sum(s.duration_s for s in steps)


def test_session_tables_are_plain_data_for_the_browser(catalogue: Catalogue) -> None:
    items = [(catalogue.get("bird-dog"), resolve(Prescription(reps=2, hold_s=2, alternating=True)))]
    data = session_tables(items)
    assert json.loads(json.dumps(data)) == data
    [item] = data["items"]
    assert (item["exercise"], item["rung"], item["first_step"]) == ("bird-dog", None, 0)
    assert item["done"] == {"completed_sets": 1, "completed_reps": 2}
    assert data["steps"][item["last_step"]]["kind"] == "relax"
    assert data["steps"][-1]["item"] is None
    assert data["commands"]["stop_for_pain"] == {"ends": "stopped-for-pain", "goes_to": "after-exercise"}
    assert data["outcomes"]["stopped-for-pain"] == {"difficulty": "hard", "asks": False, "saved_empty": False}
    assert data["total_s"] == data["steps"][-1]["starts_at"]


def test_the_done_table_is_made_in_one_pass(catalogue: Catalogue) -> None:
    # The browser used to rescan every later step for each step done: quadratic in a long exercise.
    long = resolve(Prescription(reps=400, sets=10, rest_s=1))
    steps = compile_timeline([(catalogue.get("bridge"), long)])
    started = time.perf_counter()
    tables = Tables.of(steps)
    assert time.perf_counter() - started < 1.0
    assert tables.done[0] == Done(10, 400)
