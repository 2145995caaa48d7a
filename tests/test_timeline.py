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
from tests.strategies import examples, prescriptions


@settings(max_examples=examples(300))
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
    positions = (d.holds_per_rep or 1) if d.hold_s else 1
    assert len(reps) == (d.reps or 0) * (d.sets or 1) * sides * positions
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
        assert [s.side for s in reps[: 2 * positions : positions]] == ["left", "right"]
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


def test_the_pelvic_tilt_holds_twice_in_every_repetition(catalogue: Catalogue) -> None:
    """Articles 000 and 004: arch and hold 5 s, then flatten and hold 5 s. 003's tilt only flattens."""
    tilt = catalogue.get("pelvic-tilt")
    dose = resolve(tilt.prescription)
    assert dose.holds_per_rep == 2
    steps = list(exercise_steps(tilt, dose))
    reps = [s for s in steps if s.kind == "rep"]
    holds = [s for s in steps if s.kind == "hold"]
    relaxes = [s for s in steps if s.kind == "relax"]
    assert dose.reps is not None
    assert len(holds) == 2 * dose.reps
    assert len(reps) == 2 * dose.reps
    assert len(relaxes) == dose.reps
    assert [s.say for s in reps[:2]] == tilt.spoken.holds
    assert all(s.duration_s == 5 for s in holds)
    # Each repetition: move, hold, move, hold, relax; the estimate counts all of it.
    first = [s.kind for s in steps[1:6]]
    assert first == ["rep", "hold", "rep", "hold", "relax"]
    assert exercise_duration(tilt, dose) == sum(s.duration_s for s in steps)
    assert exercise_duration(tilt, dose) == INTRO_S + dose.reps * (2 * (tilt.tempo.rep_s + 5) + tilt.tempo.relax_s)
    encyclopedia = resolve(tilt.source("003_0ec0cb11417cc7f4.txt").prescription)
    assert len([s for s in exercise_steps(tilt, encyclopedia) if s.kind == "hold"]) == encyclopedia.reps


def test_the_pelvic_tilt_figure_holds_both_positions() -> None:
    from backcoach.render import kinematics

    cycle = kinematics.figures()["pelvic-tilt"].cycle
    assert [e.pose for e in cycle if e.hold] == ["arch", "flat"]


def test_no_other_exercise_holds_two_positions_without_saying_so(catalogue: Catalogue) -> None:
    """The audit: an exercise whose figure holds several positions in one cycle must time a hold for each: one per
    position held (`holds_per_rep`), times two when the sides alternate within a repetition."""
    from backcoach.render import kinematics

    for e in catalogue:
        held = {entry.pose for entry in kinematics.figures()[e.id].cycle if entry.hold}
        if len(held) > 1:
            turns = 2 if e.prescription.alternating else 1
            assert len(held) == (e.prescription.holds_per_rep or 1) * turns, e.id


@settings(max_examples=examples(200))
@given(dose=prescriptions())
def test_a_resolved_dose_keeps_the_fields_its_own_prescription_was_given(dose) -> None:
    # Two equal prescriptions, one given every field: pydantic finds them equal, so a cache keyed on the
    # prescription alone would hand the second the first one's result, and a stored record (which keeps only the
    # fields given) would depend on which was resolved first.
    bare = type(dose).model_validate(dose.model_dump(exclude_defaults=True))
    spelled_out = type(dose).model_validate(dose.model_dump())
    assert bare == spelled_out
    for first, second in ((bare, spelled_out), (spelled_out, bare)):
        resolve(first)
        again = resolve(second)
        fresh = second.model_copy(update=dict(again.model_dump(include={"reps", "hold_s", "sets", "rest_s"})))
        assert again == fresh
        assert again.model_fields_set == fresh.model_fields_set
        assert again.model_dump(exclude_unset=True) == fresh.model_dump(exclude_unset=True)
