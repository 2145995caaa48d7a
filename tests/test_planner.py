from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach.domain.catalogue import Catalogue, Exercise, Prescription
from backcoach.domain.planner import (
    FILL_SHARE,
    Plan,
    PlanInfeasible,
    PlanInputError,
    PlanRequest,
    build_plan,
    eligible,
)
from backcoach.domain.timeline import TRANSITION_S, compile_timeline, exercise_duration, resolve
from backcoach.domain.vocab import CORE_TARGETS, Equipment
from tests.strategies import plan_requests, prescriptions

EVERYTHING: frozenset[Equipment] = frozenset({"chair", "wall", "kettlebell"})
CHAIR_AND_WALL: frozenset[Equipment] = frozenset({"chair", "wall"})
CHAIR: frozenset[Equipment] = frozenset({"chair"})


def plan_or_none(catalogue: Catalogue, request: PlanRequest) -> Plan | None:
    try:
        return build_plan(catalogue, request)
    except PlanInfeasible:
        # Only legitimate when nothing eligible can open a session.
        assert not [e for e in eligible(catalogue, request) if e.category in ("warm-up", "stretch")]
        return None


def check_plan(catalogue: Catalogue, request: PlanRequest, plan: Plan, doses: dict[str, Prescription]) -> None:
    items = plan.items
    exercises = [catalogue.get(i.exercise) for i in items]
    budget = request.minutes * 60

    assert items, "a plan always has at least its opener"
    assert exercises[0].category in ("warm-up", "stretch")
    assert len({e.id for e in exercises}) == len(exercises), "no exercise twice"
    for e in exercises:
        assert set(e.equipment) <= request.equipment
        assert request.floor or not e.floor
        assert request.level == "advanced" or e.level != "advanced"

    assert plan.estimated_duration_s <= budget
    assert plan.estimated_duration_s == sum(i.estimated_duration_s for i in items)
    timeline = compile_timeline([(e, i.prescription) for e, i in zip(exercises, items, strict=True)])
    assert sum(s.duration_s for s in timeline) == plan.estimated_duration_s

    for e, item in zip(exercises, items, strict=True):
        given_dose = resolve(doses[e.id])
        got = item.prescription
        assert got.reps is not None
        assert given_dose.reps is not None
        assert got.reps <= given_dose.reps, f"{e.id}: reps raised"
        assert (got.sets or 1) <= (given_dose.sets or 1), f"{e.id}: sets raised"
        assert got.hold_s == given_dose.hold_s, f"{e.id}: hold changed"
        assert got.reps >= 1
        if got != given_dose:
            assert item.note
            assert "Shortened" in item.note
        sides = 2 if got.per_side or got.alternating else 1
        own = (got.hold_s or 0) * got.reps * sides * (got.sets or 1) + (got.rest_s or 0) * ((got.sets or 1) - 1)
        assert item.estimated_duration_s >= own

    pool = eligible(catalogue, request)
    if request.minutes >= 10:
        # A lower bound on what every eligible exercise at its full dose would fill.
        capacity = sum(exercise_duration(e, resolve(doses[e.id])) for e in pool) + TRANSITION_S * (len(pool) - 1)
        if capacity >= FILL_SHARE * budget:
            assert plan.estimated_duration_s >= FILL_SHARE * budget
    if request.minutes >= 15:
        covered = {t for e in exercises for t in e.targets}
        for target in CORE_TARGETS:
            if any(target in e.targets for e in pool):
                assert target in covered, f"{target} not covered"


@settings(max_examples=400, deadline=None)
@given(request=plan_requests)
def test_the_planner_never_breaks_a_constraint(catalogue: Catalogue, request: PlanRequest) -> None:
    plan = plan_or_none(catalogue, request)
    if plan is not None:
        check_plan(catalogue, request, plan, {e.id: e.prescription for e in catalogue})


@settings(max_examples=150, deadline=None)
@given(request=plan_requests, data=st.data())
def test_the_planner_never_raises_a_dose_it_was_given(
    catalogue: Catalogue, request: PlanRequest, data: st.DataObject
) -> None:
    doses = {e.id: data.draw(prescriptions(), label=e.id) for e in catalogue}

    def dose_for(e: Exercise) -> Prescription:
        return doses[e.id]

    try:
        plan = build_plan(catalogue, request, dose_for=dose_for)
    except PlanInfeasible:
        return
    check_plan(catalogue, request, plan, doses)


@settings(max_examples=100, deadline=None)
@given(request=plan_requests)
def test_the_same_inputs_give_the_same_plan(catalogue: Catalogue, request: PlanRequest) -> None:
    first = plan_or_none(catalogue, request)
    second = plan_or_none(catalogue, request)
    assert (first and first.to_dict()) == (second and second.to_dict())


def test_a_default_plan_opens_gently_and_works_the_core(catalogue: Catalogue) -> None:
    plan = build_plan(catalogue, PlanRequest())
    assert plan.minutes == 15
    assert plan.level == "beginner"
    assert plan.equipment == []
    assert plan.floor is True
    assert 0.6 * 900 <= plan.estimated_duration_s <= 900
    assert catalogue.get(plan.items[0].exercise).category in ("warm-up", "stretch")
    covered = {t for i in plan.items for t in catalogue.get(i.exercise).targets}
    assert set(CORE_TARGETS) <= covered
    assert any("not medical advice" in c for c in plan.cautions)


def test_the_plan_gets_down_to_the_floor_once(catalogue: Catalogue) -> None:
    plan = build_plan(catalogue, PlanRequest(minutes=60, equipment=EVERYTHING, level="advanced"))
    floors = [catalogue.get(i.exercise).floor for i in plan.items]
    changes = sum(a != b for a, b in itertools.pairwise(floors))
    assert changes <= 1


def test_a_short_plan_shortens_doses_and_says_so(catalogue: Catalogue) -> None:
    plan = build_plan(catalogue, PlanRequest(minutes=15))
    for item in plan.items:
        default = resolve(catalogue.get(item.exercise).prescription)
        if item.prescription != default:
            assert item.note is not None
            assert "Shortened to fit 15 minutes" in item.note


def test_a_beginner_never_gets_advanced_exercises(catalogue: Catalogue) -> None:
    plan = build_plan(catalogue, PlanRequest(minutes=60, equipment=EVERYTHING))
    assert all(catalogue.get(i.exercise).level != "advanced" for i in plan.items)


def test_an_advanced_plan_includes_advanced_work(catalogue: Catalogue) -> None:
    plan = build_plan(catalogue, PlanRequest(minutes=30, level="advanced"))
    assert any(catalogue.get(i.exercise).level == "advanced" for i in plan.items)


def test_no_floor_without_a_chair_cannot_open_a_session(catalogue: Catalogue) -> None:
    with pytest.raises(PlanInfeasible, match="add a chair"):
        build_plan(catalogue, PlanRequest(floor=False))


def test_no_floor_with_a_chair_and_a_wall_stays_off_the_floor(catalogue: Catalogue) -> None:
    plan = build_plan(catalogue, PlanRequest(floor=False, equipment=CHAIR_AND_WALL))
    assert all(not catalogue.get(i.exercise).floor for i in plan.items)


def test_a_thin_pool_says_the_session_is_short(catalogue: Catalogue) -> None:
    plan = build_plan(catalogue, PlanRequest(minutes=60, floor=False, equipment=CHAIR))
    assert any("fuller session" in c for c in plan.cautions)


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": 500}, "minutes"),
        ({"equipment": frozenset({"spaceship"})}, "equipment"),
        ({"level": "superhero"}, "level"),
    ],
)
def test_bad_requests_name_the_option_and_its_allowed_values(kwargs: dict[str, object], option: str) -> None:
    with pytest.raises(PlanInputError) as err:
        PlanRequest(**kwargs)  # type: ignore[arg-type]
    assert err.value.option == option
    assert err.value.allowed
