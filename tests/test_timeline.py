from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach.domain.catalogue import Catalogue
from backcoach.domain.timeline import (
    INTRO_S,
    SWITCH_SIDE_S,
    compile_timeline,
    exercise_duration,
    exercise_steps,
    resolve,
)
from tests.strategies import prescriptions


@settings(max_examples=300, deadline=None)
@given(data=st.data(), dose=prescriptions())
def test_the_closed_form_duration_equals_the_steps(catalogue: Catalogue, data: st.DataObject, dose) -> None:
    exercise = data.draw(st.sampled_from(sorted(catalogue.exercises)))
    e = catalogue.get(exercise)
    d = resolve(dose)
    steps = list(exercise_steps(e, d))
    assert sum(s.duration_s for s in steps) == exercise_duration(e, d)
    assert steps[0].kind == "intro"
    assert steps[0].duration_s == INTRO_S
    holds = [s for s in steps if s.kind == "hold"]
    assert all(s.duration_s == d.hold_s for s in holds)
    assert all(s.duration_s == d.rest_s for s in steps if s.kind == "rest")
    assert len([s for s in steps if s.kind == "rest"]) == (d.sets or 1) - 1
    reps = [s for s in steps if s.kind == "rep"]
    sides = 2 if d.per_side or d.alternating else 1
    assert len(reps) == (d.reps or 0) * (d.sets or 1) * sides
    if d.hold_s:
        assert len(holds) == len(reps)
    for s in reps:
        assert s.set is not None
        assert s.set >= 1
        assert s.rep is not None
        assert s.rep >= 1
    if d.per_side:
        assert {s.side for s in reps} == {"left", "right"}
        assert all(s.duration_s == SWITCH_SIDE_S for s in steps if s.kind == "switch-side")
    elif d.alternating:
        assert [s.side for s in reps[:2]] == ["left", "right"]
    else:
        assert {s.side for s in reps} == {None}


def test_every_program_compiles_and_adds_up(catalogue: Catalogue, programs) -> None:
    for program in programs.values():
        items = [(catalogue.get(i.exercise), resolve(i.prescription)) for i in program.items]
        steps = compile_timeline(items)
        assert steps[-1].kind == "done"
        transitions = [s for s in steps if s.kind == "transition"]
        assert len(transitions) == len(items) - 1
        total = sum(exercise_duration(e, d) for e, d in items) + sum(s.duration_s for s in transitions)
        assert sum(s.duration_s for s in steps) == total


def test_a_bridge_rep_is_move_then_rest_between_sets(catalogue: Catalogue) -> None:
    bridge = catalogue.get("bridge")
    steps = list(exercise_steps(bridge, resolve(bridge.prescription)))
    kinds = [s.kind for s in steps]
    assert kinds.count("rep") == 45
    assert kinds.count("rest") == 2
    assert [s.duration_s for s in steps if s.kind == "rest"] == [60, 60]
    assert steps[1].say == "Lift your hips"
