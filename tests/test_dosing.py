from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach.domain.catalogue import Catalogue, Exercise, Prescription
from backcoach.domain.dosing import MAX_SETS, Attempt, ceilings, needs_review, next_dose, ready_for_advanced
from backcoach.domain.timeline import resolve
from tests.strategies import prescriptions

DAY = dt.date(2026, 11, 1)


def attempt(
    prescription: Prescription,
    *,
    days: int = 0,
    completed: bool = True,
    difficulty: str = "right",
    pain_during: int | None = 1,
    pain_before: int = 3,
    pain_next_morning: int | None = 3,
) -> Attempt:
    return Attempt(
        date=DAY + dt.timedelta(days=days),
        prescription=prescription,
        completed=completed,
        difficulty=difficulty,  # type: ignore[arg-type]
        pain_during=pain_during,
        pain_before=pain_before,
        pain_next_morning=pain_next_morning,
    )


def total(p: Prescription) -> tuple[int, int, int]:
    r = resolve(p)
    assert r.reps is not None
    return r.reps, r.sets or 1, r.hold_s or 0


def test_the_first_time_starts_at_the_default(catalogue: Catalogue) -> None:
    bridge = catalogue.get("bridge")
    decision = next_dose(bridge, [])
    assert decision.decision == "start"
    assert decision.prescription == resolve(bridge.prescription)


def test_pain_above_five_regresses_by_about_a_quarter(catalogue: Catalogue) -> None:
    bridge = catalogue.get("bridge")
    d = next_dose(bridge, [attempt(bridge.prescription, pain_during=6)])
    assert d.decision == "regress"
    assert d.prescription.reps == 11
    assert "easier" in d.reason


def test_a_next_morning_flare_regresses(catalogue: Catalogue) -> None:
    tilt = catalogue.get("pelvic-tilt")
    d = next_dose(tilt, [attempt(tilt.prescription, pain_before=2, pain_next_morning=4)])
    assert d.decision == "regress"
    assert "next morning" in d.reason


def test_a_rise_of_one_the_next_morning_is_not_a_flare(catalogue: Catalogue) -> None:
    tilt = catalogue.get("pelvic-tilt")
    d = next_dose(tilt, [attempt(tilt.prescription, pain_before=2, pain_next_morning=3)])
    assert d.decision != "regress"


def test_moderate_pain_hard_or_unfinished_holds(catalogue: Catalogue) -> None:
    e = catalogue.get("partial-curl")
    for kwargs in ({"pain_during": 4}, {"pain_during": 5}, {"difficulty": "hard"}, {"completed": False}):
        d = next_dose(e, [attempt(e.prescription), attempt(e.prescription, days=1, **kwargs)])
        assert d.decision == "hold", kwargs
        assert d.prescription == resolve(e.prescription)


def test_two_comfortable_times_progress_repetitions_first(catalogue: Catalogue) -> None:
    tilt = catalogue.get("pelvic-tilt")
    dose = resolve(tilt.prescription)
    d = next_dose(tilt, [attempt(dose), attempt(dose, days=1, difficulty="easy")])
    assert d.decision == "progress"
    assert d.prescription.reps == 6
    assert d.prescription.hold_s == dose.hold_s


def test_one_comfortable_time_is_not_enough_to_progress(catalogue: Catalogue) -> None:
    tilt = catalogue.get("pelvic-tilt")
    assert next_dose(tilt, [attempt(tilt.prescription)]).decision == "hold"


def test_progress_stops_at_the_articles_target(catalogue: Catalogue) -> None:
    tilt = catalogue.get("pelvic-tilt")
    dose = resolve(tilt.prescription)
    history: list[Attempt] = []
    for day in range(200):
        history.append(attempt(dose, days=day))
        dose = next_dose(tilt, history).prescription
    assert dose.reps == 30
    assert dose.hold_s == 10, "then the hold, up to the longest hold an article gives"
    assert dose.sets == MAX_SETS


def test_the_prone_raise_builds_to_twenty(catalogue: Catalogue) -> None:
    assert ceilings(catalogue.get("prone-opposite-arm-leg")).reps == 20


def test_at_the_full_dose_it_holds_and_suggests_the_harder_version(catalogue: Catalogue) -> None:
    superman = catalogue.get("superman")
    full = resolve(superman.prescription).model_copy(update={"sets": 3, "rest_s": 30})
    d = next_dose(superman, [attempt(full), attempt(full, days=1)])
    assert d.decision == "hold"
    assert "harder" in d.reason


def test_two_regressions_in_a_row_need_a_review(catalogue: Catalogue) -> None:
    e = catalogue.get("bridge").prescription
    assert needs_review([attempt(e, pain_during=7), attempt(e, days=1, pain_during=6)])
    assert not needs_review([attempt(e, pain_during=7), attempt(e, days=1)])
    assert not needs_review([attempt(e, pain_during=7)])


def test_advanced_work_opens_after_two_comfortable_weeks_at_target(catalogue: Catalogue) -> None:
    exercises = dict(catalogue.exercises)
    raise_ = exercises["lying-lateral-leg-raise"]
    full = resolve(raise_.prescription)
    at_top = {"lying-lateral-leg-raise": [attempt(full, days=d) for d in range(0, 16)]}
    assert ready_for_advanced(exercises, at_top, DAY + dt.timedelta(days=15))
    assert not ready_for_advanced(exercises, at_top, DAY + dt.timedelta(days=5)), "not two weeks yet"
    tilt = exercises["pelvic-tilt"]
    below = {"pelvic-tilt": [attempt(resolve(tilt.prescription), days=d) for d in range(0, 16)]}
    assert not ready_for_advanced(exercises, below, DAY + dt.timedelta(days=15)), "not at target"


outcomes = st.fixed_dictionaries(
    {
        "completed": st.booleans(),
        "difficulty": st.sampled_from(["easy", "right", "hard"]),
        "pain_during": st.none() | st.integers(0, 10),
        "pain_before": st.integers(0, 10),
        "pain_next_morning": st.none() | st.integers(0, 10),
    }
)


@settings(max_examples=2000)
@given(data=st.data(), start=prescriptions(), history=st.lists(outcomes, min_size=1, max_size=12))
def test_no_dose_rises_after_pain_or_a_flare_exceeds_a_target_or_falls_below_one(
    catalogue: Catalogue, data: st.DataObject, start: Prescription, history: list[dict[str, object]]
) -> None:
    """Thousands of random histories, each following the doses backcoach itself gave."""
    exercise: Exercise = data.draw(st.sampled_from(list(catalogue)))
    top = ceilings(exercise)
    attempts: list[Attempt] = []
    given_dose = start
    for day, outcome in enumerate(history):
        attempts.append(attempt(given_dose, days=day, **outcome))  # type: ignore[arg-type]
        decision = next_dose(exercise, attempts)
        new = decision.prescription
        assert new.reps is not None
        assert new.reps >= 1
        if top.reps:
            assert new.reps <= top.reps
        if top.hold_s and new.hold_s:
            assert new.hold_s <= top.hold_s
        assert (new.sets or 1) <= MAX_SETS
        last = attempts[-1]
        before = total(given_dose)
        after = total(new)
        if last.too_painful:
            assert decision.decision == "regress"
            assert all(a <= b for a, b in zip(after, before, strict=True)), "a dose rose after pain or a flare"
        if decision.decision == "progress":
            assert last.comfortable
            assert attempts[-2].comfortable
        if decision.decision != "progress":
            assert all(a <= b for a, b in zip(after, before, strict=True)), "only progress may raise a dose"
        given_dose = new
