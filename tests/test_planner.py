from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach.domain.catalogue import Catalogue, Exercise, Prescription
from backcoach.domain.planner import (
    FILL_FROM_MINUTES,
    FILL_SHARE,
    REST_LIMIT_BELOW_MINUTES,
    REST_SHARE,
    STEPS,
    Plan,
    PlanInfeasible,
    PlanInputError,
    PlanRequest,
    build_plan,
    eligible,
    one_sided,
    session_order,
    step_of,
)
from backcoach.domain.timeline import TRANSITION_S, compile_timeline, exercise_duration, resolve
from backcoach.domain.vocab import CORE_TARGETS, LEVELS, Equipment
from tests.strategies import examples, plan_requests, prescriptions

EVERYTHING: frozenset[Equipment] = frozenset({"chair", "wall", "kettlebell"})
CHAIR_AND_WALL: frozenset[Equipment] = frozenset({"chair", "wall"})
CHAIR: frozenset[Equipment] = frozenset({"chair"})


def can_open(catalogue: Catalogue, request: PlanRequest, doses: dict[str, Prescription]) -> bool:
    """Whether some eligible warm-up or stretch fits the time at its shortest dose: one set of one repetition, its
    hold uncut. Worked out here from the timing model, not from the planner's own search."""
    for e in eligible(catalogue, request):
        if e.category in ("warm-up", "stretch"):
            shortest = resolve(doses[e.id]).model_copy(update={"reps": 1, "sets": 1, "rest_s": None})
            if exercise_duration(e, shortest) <= request.minutes * 60:
                return True
    return False


def plan_or_none(
    catalogue: Catalogue, request: PlanRequest, doses: dict[str, Prescription] | None = None
) -> Plan | None:
    """The plan, or None when the request is truly infeasible; a plan refused although it could open is a bug."""
    doses = doses or {e.id: e.prescription for e in catalogue}
    try:
        plan = build_plan(catalogue, request, dose_for=lambda e: doses[e.id])
    except PlanInfeasible:
        assert not can_open(catalogue, request, doses), f"refused although an opener fits: {request}"
        return None
    assert can_open(catalogue, request, doses)
    return plan


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

    check_rest(request, plan, pool, doses)
    check_order(plan, exercises)


def rest_s(dose: Prescription) -> int:
    return ((dose.sets or 1) - 1) * (dose.rest_s or 0)


def check_rest(request: PlanRequest, plan: Plan, pool: list[Exercise], doses: dict[str, Prescription]) -> None:
    """Under 15 minutes, rest between sets takes at most a fifth of the plan: it gives way (from 10 minutes up)
    only when the eligible exercises at one set each could not fill the plan's fill share."""
    if request.minutes >= REST_LIMIT_BELOW_MINUTES:
        return
    budget = request.minutes * 60
    one_set = [resolve(doses[e.id]).model_copy(update={"sets": 1, "rest_s": None}) for e in pool]
    single_sets = sum(exercise_duration(e, d) for e, d in zip(pool, one_set, strict=True))
    single_sets += TRANSITION_S * (len(pool) - 1)
    if request.minutes < FILL_FROM_MINUTES or single_sets >= FILL_SHARE * budget:
        rest = sum(rest_s(i.prescription) for i in plan.items)
        assert rest <= REST_SHARE * plan.estimated_duration_s, f"{rest} s of rest in {plan.estimated_duration_s} s"


def versions(a: Exercise, b: Exercise) -> bool:
    """Two versions of one exercise, as far as the data can tell: alike in everything the order looks at except
    how many sides they work at a time (the knee-to-chest stretch and its double, the prone raise and the
    superman)."""
    same = ("category", "position", "floor", "level", "loaded", "equipment", "targets")
    return all(getattr(a, f) == getattr(b, f) for f in same)


def check_order(plan: Plan, exercises: list[Exercise]) -> None:
    """The clinical order (docs/planner.md), read from the exercises' own data."""
    rest = exercises[1:]
    steps = [STEPS.index(step_of(e)) for e in rest]
    assert steps == sorted(steps), "the steps of the session are out of order"
    # After the opener: the warm-ups, then the kettlebell swing, then everything else.
    early = [0 if e.category == "warm-up" else 1 if "kettlebell" in e.equipment else 2 for e in rest]
    assert early == sorted(early), "a warm-up or the kettlebell swing comes after other work"
    # Within a step: easier levels first; within a step and level, one side of the floor, then the other.
    for step in set(steps):
        members = [e for e, s in zip(rest, steps, strict=True) if s == step]
        levels = [LEVELS.index(e.level) for e in members]
        assert levels == sorted(levels), f"{STEPS[step]}: harder before easier"
        for level in set(levels):
            floors = [e.floor for e in members if LEVELS.index(e.level) == level]
            changes = sum(a != b for a, b in itertools.pairwise(floors))
            assert changes <= 1, f"{STEPS[step]}, {LEVELS[level]}: up and down the floor"
    # Single-leg before double-leg versions.
    for i, a in enumerate(rest):
        for b in rest[i + 1 :]:
            if versions(a, b):
                assert one_sided(a) or not one_sided(b), f"{b.id} (one side) after {a.id} (both)"
    # The order never looks at an id: the plan's exercises under other names, in the same order, stay put.
    doses = [i.prescription for i in plan.items]
    assert session_order(exercises, doses) == list(range(len(exercises)))
    renamed = [e.model_copy(update={"id": f"x{len(exercises) - n:03d}"}) for n, e in enumerate(exercises)]
    assert session_order(renamed, doses) == list(range(len(exercises)))


@settings(max_examples=examples(400))
@given(request=plan_requests)
def test_the_planner_never_breaks_a_constraint(catalogue: Catalogue, request: PlanRequest) -> None:
    plan = plan_or_none(catalogue, request)
    if plan is not None:
        check_plan(catalogue, request, plan, {e.id: e.prescription for e in catalogue})


@settings(max_examples=examples(150))
@given(request=plan_requests, data=st.data())
def test_the_planner_never_raises_a_dose_it_was_given(
    catalogue: Catalogue, request: PlanRequest, data: st.DataObject
) -> None:
    doses = {e.id: data.draw(prescriptions(), label=e.id) for e in catalogue}
    plan = plan_or_none(catalogue, request, doses)
    if plan is not None:
        check_plan(catalogue, request, plan, doses)


@settings(max_examples=examples(100))
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


def test_a_floor_session_without_equipment_stays_on_the_floor(catalogue: Catalogue) -> None:
    for minutes in (10, 15, 30, 60):
        plan = build_plan(catalogue, PlanRequest(minutes=minutes, level="advanced"))
        assert all(catalogue.get(i.exercise).floor for i in plan.items)


# Fill gaps found by the property test below (other exercises at `Prescription()`, 5 repetitions).
FILL_GAPS = [
    # The gap found in review: every exercise left was longer than the time left even at half its repetitions, so
    # the plan stopped at 210 s of 600 although 7 of the stretch's 15 repetitions a side fitted (now 557 s).
    (
        PlanRequest(minutes=10, equipment=CHAIR_AND_WALL, floor=False),
        {
            "seated-back-extension": Prescription(hold_s_max=1, sets=2),
            "seated-rotational-stretch": Prescription(reps=15, hold_s_max=17, per_side=True),
        },
    ),
    # Shortening jumps from 2 sets (too long) to 1 set of 22, and then nothing is left to add: 1,873 s of the
    # 2,160 promised. Now the stretch is lengthened back to the longest dose within its own that fits (3 sets of 14).
    (
        PlanRequest(minutes=60, equipment=CHAIR, floor=False),
        {
            "seated-rotational-stretch": Prescription(reps=22, hold_s_max=35, sets=4, alternating=True),
            "upper-trunk-rotation": Prescription(target_reps=1),
        },
    ),
]


@pytest.mark.parametrize(("request_", "given"), FILL_GAPS)
def test_a_plan_fills_its_share_with_a_short_dose_when_nothing_else_fits(
    catalogue: Catalogue, request_: PlanRequest, given: dict[str, Prescription]
) -> None:
    doses = {e.id: given.get(e.id, Prescription()) for e in catalogue}
    plan = build_plan(catalogue, request_, dose_for=lambda e: doses[e.id])
    check_plan(catalogue, request_, plan, doses)
    assert plan.estimated_duration_s >= FILL_SHARE * request_.minutes * 60


# The order alone, for lists of exercises at their catalogue doses, the first being the opener: (case, given, expected).
ORDERS = [
    (
        "the default floor plan",
        "ankle-pump bridge cat-stretch pelvic-tilt heel-slide straight-leg-raise lower-back-rotational-stretch",
        "ankle-pump heel-slide lower-back-rotational-stretch pelvic-tilt straight-leg-raise bridge cat-stretch",
    ),
    (
        "the encyclopedia's program, opened by its stretch",
        "knee-to-chest double-knee-to-chest ankle-pump heel-slide drawing-in-maneuver straight-leg-raise wall-squat "
        "heel-raise bird-dog prone-opposite-arm-leg pelvic-tilt abdominal-crunch",
        "knee-to-chest ankle-pump heel-slide double-knee-to-chest pelvic-tilt drawing-in-maneuver straight-leg-raise "
        "heel-raise wall-squat bird-dog prone-opposite-arm-leg abdominal-crunch",
    ),
    (
        "the kettlebell right after the warm-ups, single before double",
        "ankle-pump seated-rotational-stretch superman kettlebell-swing prone-opposite-arm-leg double-knee-to-chest "
        "knee-to-chest upper-trunk-rotation",
        "ankle-pump upper-trunk-rotation kettlebell-swing knee-to-chest double-knee-to-chest prone-opposite-arm-leg "
        "superman seated-rotational-stretch",
    ),
    (
        "off the floor",
        "upper-trunk-rotation seated-rotational-stretch wall-squat seated-back-extension heel-raise",
        "upper-trunk-rotation heel-raise wall-squat seated-back-extension seated-rotational-stretch",
    ),
    (
        "strengthening from least to most demanding, the chair stretches last",
        "ankle-pump seated-back-extension abdominal-crunch partial-curl lying-lateral-leg-raise bird-dog "
        "drawing-in-maneuver cat-stretch",
        "ankle-pump drawing-in-maneuver lying-lateral-leg-raise partial-curl bird-dog abdominal-crunch cat-stretch "
        "seated-back-extension",
    ),
]


@pytest.mark.parametrize(("case", "given", "expected"), ORDERS, ids=[o[0] for o in ORDERS])
def test_the_order_is_a_clinicians(catalogue: Catalogue, case: str, given: str, expected: str) -> None:
    exercises = [catalogue.get(i) for i in given.split()]
    order = session_order(exercises, [e.prescription for e in exercises])
    assert " ".join(exercises[i].id for i in order) == expected


def test_exercises_alike_keep_the_order_they_were_chosen_in_whatever_their_names(catalogue: Catalogue) -> None:
    opener, bridge = catalogue.get("ankle-pump"), catalogue.get("bridge")
    for first, second in (("aa-bridge", "zz-bridge"), ("zz-bridge", "aa-bridge")):
        exercises = [opener, bridge.model_copy(update={"id": first}), bridge.model_copy(update={"id": second})]
        assert session_order(exercises, [e.prescription for e in exercises]) == [0, 1, 2]


# Whole plans at the catalogue's doses, names in order (they change when the catalogue or the selection changes).
PLANS = [
    (
        PlanRequest(),
        "ankle-pump heel-slide lower-back-rotational-stretch pelvic-tilt straight-leg-raise bridge cat-stretch",
    ),
    (
        PlanRequest(minutes=30, equipment=EVERYTHING, level="advanced"),
        "ankle-pump heel-slide kettlebell-swing lower-back-rotational-stretch pelvic-tilt straight-leg-raise "
        "lying-lateral-leg-raise bird-dog prone-opposite-arm-leg superman abdominal-crunch cat-stretch",
    ),
    (
        PlanRequest(minutes=20, equipment=CHAIR_AND_WALL, floor=False),
        "upper-trunk-rotation heel-raise wall-squat seated-back-extension seated-rotational-stretch",
    ),
]


@pytest.mark.parametrize(("request_", "expected"), PLANS)
def test_representative_plans_in_order(catalogue: Catalogue, request_: PlanRequest, expected: str) -> None:
    assert " ".join(i.exercise for i in build_plan(catalogue, request_).items) == expected


def test_a_short_plan_takes_sets_off_rather_than_rest_long(catalogue: Catalogue) -> None:
    small = Catalogue(articles=catalogue.articles, exercises={i: catalogue.get(i) for i in ("ankle-pump", "bridge")})
    heavy = Prescription(reps=15, sets=3, rest_s=120)
    plan = build_plan(small, PlanRequest(minutes=8), dose_for=lambda e: heavy if e.id == "bridge" else e.prescription)
    bridge = plan.items[-1]
    assert (bridge.prescription.sets, bridge.prescription.reps) == (1, 15)
    assert bridge.note is not None
    assert "at most a fifth" in bridge.note


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
    with pytest.raises(PlanInfeasible, match=r"(?i)add a chair"):
        build_plan(catalogue, PlanRequest(floor=False))


def test_an_opener_longer_than_the_session_even_at_one_repetition_says_the_minutes(catalogue: Catalogue) -> None:
    doses = {
        e.id: Prescription(reps=1, hold_s=400) if e.category in ("warm-up", "stretch") else e.prescription
        for e in catalogue
    }
    request = PlanRequest(minutes=5)
    assert not can_open(catalogue, request, doses)
    with pytest.raises(PlanInfeasible, match="fits in 5 minutes") as err:
        build_plan(catalogue, request, dose_for=lambda e: doses[e.id])
    assert err.value.loc == ("minutes",)
    assert plan_or_none(catalogue, PlanRequest(minutes=7), doses) is not None


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
