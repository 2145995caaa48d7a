"""The dose rules (docs/dosing.md): one table test per rule, in words a clinician can read, and hypothesis
following the engine through random histories to try to break them."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcoach import content
from backcoach.domain.catalogue import Exercise, Prescription
from backcoach.domain.dosing import (
    BASELINE_DAYS,
    Attempt,
    DoseDecision,
    Limits,
    baseline,
    crept_up,
    gentle_start,
    next_dose,
    positions,
)
from backcoach.domain.ladders import Ladder, article_ceilings, longest_time_s, rung_exercise
from backcoach.domain.timeline import START_REPS, exercise_duration, resolve
from tests.strategies import examples

DAY = dt.date(2026, 11, 2)
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"


def ex(exercise_id: str) -> tuple[Exercise, Ladder]:
    return content.catalogue().get(exercise_id), content.ladders()[exercise_id]


def did(
    decision: DoseDecision,
    day: int,
    *,
    before: int = 2,
    during: int | None = 2,
    after: int | None = 2,
    morning: int | None = 2,
    completed: bool = True,
    difficulty: str = "right",
) -> Attempt:
    """The person did what the engine said, on DAY + day, with these pains."""
    return Attempt(
        date=DAY + dt.timedelta(days=day),
        prescription=decision.prescription,
        completed=completed,
        difficulty=difficulty,  # type: ignore[arg-type]
        pain_during=during,
        pain_before=before,
        pain_after=after,
        pain_next_morning=morning,
        rung=decision.rung,
    )


def plan(exercise_id: str, tries: list[Attempt], day: int, pains: list[tuple[dt.date, int]] | None = None):
    e, ladder = ex(exercise_id)
    return next_dose(e, ladder, tries, on=DAY + dt.timedelta(days=day), pains=pains or [])


def index_of(exercise_id: str, decision: DoseDecision) -> int:
    e, ladder = ex(exercise_id)
    steps = positions(e, ladder)
    return next(i for i, p in enumerate(steps) if p.rung.id == decision.rung and p.dose == decision.prescription)


def climb(exercise_id: str, good_days: int) -> tuple[list[Attempt], DoseDecision]:
    """A history of good days, one a day, following the engine."""
    tries: list[Attempt] = []
    decision = plan(exercise_id, tries, 0)
    for day in range(good_days):
        decision = plan(exercise_id, tries, day)
        tries.append(did(decision, day))
    return tries, plan(exercise_id, tries, good_days)


# Rule 1: baseline


def test_rule_1_the_baseline_is_the_median_pain_before_sessions_in_the_last_14_days() -> None:
    on = DAY + dt.timedelta(days=20)
    pains = [(on - dt.timedelta(days=d), p) for d, p in [(1, 6), (2, 6), (3, 5), (13, 7), (15, 0), (30, 0)]]
    assert baseline(pains, on) == 6
    assert baseline([], on) is None
    assert baseline([(on - dt.timedelta(days=BASELINE_DAYS + 1), 3)], on) is None


# Rule 2: pain during


@pytest.mark.parametrize(("usual", "limit"), [(None, 5), (0, 5), (3, 5), (4, 5), (5, 6), (6, 7), (6.5, 7), (8, 7)])
def test_rule_2_the_limit_for_pain_during_is_5_or_one_above_usual_pain_never_above_7(
    usual: float | None, limit: int
) -> None:
    assert Limits.for_baseline(usual).during == limit


def test_rule_2_a_person_who_lives_at_6_is_not_stepped_down_for_their_usual_pain() -> None:
    first = plan("bridge", [], 0)
    tries = [did(first, 0, before=6, during=6, after=6, morning=6)]
    pains = [(DAY, 6), (DAY - dt.timedelta(days=1), 6)]
    assert plan("bridge", tries, 1, pains).decision == "hold"
    assert plan("bridge", tries, 1, []).decision == "regress", "with no baseline, 6 is over the absolute limit of 5"


# Rules 3 and 4: pain after, next morning


@pytest.mark.parametrize(
    ("after", "morning", "decision"),
    [(4, 2, "hold"), (5, 2, "regress"), (2, 3, "hold"), (2, 4, "regress"), (5, 4, "regress")],
)
def test_rules_3_and_4_pain_after_up_to_2_above_and_the_morning_back_to_within_1(
    after: int, morning: int, decision: str
) -> None:
    first = plan("bridge", [], 0)
    assert plan("bridge", [did(first, 0, before=2, after=after, morning=morning)], 1).decision == decision


def test_pain_after_is_read_1_before_8_after_is_not_that_went_well() -> None:
    first = plan("superman", [], 0)
    decided = plan("superman", [did(first, 0, before=1, during=2, after=8, morning=1)], 1)
    assert decided.decision == "regress"
    assert "from 1 before the session to 8 after it" in decided.reason


# Rule 5: unknown is not zero


@pytest.mark.parametrize("missing", ["during", "after", "morning"])
def test_rule_5_a_missing_value_never_allows_a_step_up(missing: str) -> None:
    tries, _ = climb("pelvic-tilt", 3)
    last = tries[-1]
    gap = {"during": {"pain_during": None}, "after": {"pain_after": None}, "morning": {"pain_next_morning": None}}
    tries[-1] = replace(last, **gap[missing])  # type: ignore[arg-type]
    decided = plan("pelvic-tilt", tries, 3)
    assert decided.decision == "hold"
    assert "recorded" in decided.reason or "next morning" in decided.reason


# Rule 6: step up


def test_rule_6_two_good_days_at_one_dose_step_up_one_position() -> None:
    first = plan("pelvic-tilt", [], 0)
    tries = [did(first, 0)]
    assert plan("pelvic-tilt", tries, 1).decision == "hold", "one good day is not enough"
    tries.append(did(plan("pelvic-tilt", tries, 1), 1))
    up = plan("pelvic-tilt", tries, 2)
    assert up.decision == "progress"
    assert index_of("pelvic-tilt", up) == index_of("pelvic-tilt", first) + 1


def test_rule_6_several_sessions_on_one_day_count_as_one_day() -> None:
    first = plan("pelvic-tilt", [], 0)
    tries = [did(first, 0), did(first, 0), did(first, 0)]
    assert plan("pelvic-tilt", tries, 1).decision == "hold"


def test_rule_6_never_two_steps_within_two_days() -> None:
    tries, up = climb("pelvic-tilt", 2)
    assert up.decision == "progress"
    tries.append(did(up, 2))
    assert plan("pelvic-tilt", tries, 3).decision == "hold", "one day at the new dose is not enough"
    assert plan("pelvic-tilt", tries, 2).decision == "hold", "not again on the same day"


@pytest.mark.parametrize(("field", "value"), [("difficulty", "hard"), ("completed", False)])
def test_rule_6_hard_or_unfinished_holds(field: str, value: object) -> None:
    tries, _ = climb("pelvic-tilt", 2)
    tries[-1] = replace(tries[-1], **{field: value})  # type: ignore[arg-type]
    assert plan("pelvic-tilt", tries, 2).decision == "hold"


def test_rule_6_the_top_of_a_rung_leads_to_the_next_rung_not_more_sets() -> None:
    e, ladder = ex("pelvic-tilt")
    steps = positions(e, ladder)
    last_flat = max(i for i, p in enumerate(steps) if p.rung.id == "pelvic-tilt/flatten-only")
    at_top = DoseDecision(e.id, steps[last_flat].rung.id, "", steps[last_flat].dose, "hold", "")
    up = plan("pelvic-tilt", [did(at_top, 0), did(at_top, 1)], 2)
    assert up.decision == "progress"
    assert up.rung == "pelvic-tilt"
    assert up.prescription.sets in (None, 1)


# Rule 7: step down


def test_rule_7_over_the_limit_steps_down_one_position() -> None:
    tries, up = climb("pelvic-tilt", 4)
    tries.append(did(up, 4, during=6))
    down = plan("pelvic-tilt", tries, 5)
    assert down.decision == "regress"
    assert index_of("pelvic-tilt", down) == index_of("pelvic-tilt", up) - 1


def test_rule_7_a_big_flare_halves_the_time() -> None:
    e, ladder = ex("prone-opposite-arm-leg")
    steps = positions(e, ladder)
    top = max(i for i, p in enumerate(steps) if p.rung.id == e.id)
    here = DoseDecision(e.id, steps[top].rung.id, "", steps[top].dose, "hold", "")
    down = plan("prone-opposite-arm-leg", [did(here, 0, during=7)], 1)
    assert down.decision == "regress"
    assert steps[index_of(e.id, down)].seconds <= steps[top].seconds / 2
    small = plan("prone-opposite-arm-leg", [did(here, 0, during=6)], 1)
    assert index_of(e.id, small) == top - 1


def test_rule_7_a_flare_below_a_rungs_start_moves_to_the_rung_below() -> None:
    standard_start = plan("bridge", [], 0)
    down = plan("bridge", [did(standard_start, 0, morning=5)], 1)
    assert down.decision == "regress"
    assert down.rung == "bridge/short"


def test_rule_7_a_step_down_from_a_dose_below_the_rungs_start_asks_less_not_more() -> None:
    """A clinician kept the bridge at one set of 10, below the standard rung's start (3 sets of 15); after a flare,
    the rung below's top (3 sets of 15 short bridges) would be more work, not less."""
    kept = DoseDecision("bridge", "bridge", "Bridge", Prescription(reps=10), "hold", "")
    down = plan("bridge", [did(kept, 0, during=6)], 1)
    assert down.decision == "regress"
    assert down.rung == "bridge/short"
    assert (down.prescription.reps or 0) <= 10
    assert (down.prescription.sets or 1) == 1


def recorded_dose(e: Exercise, ladder: Ladder, draw: st.DrawFn) -> tuple[str, Prescription]:
    rung = draw(st.sampled_from([r.id for r in ladder.rungs]))
    reps = draw(st.none() | st.integers(1, 40))
    hold = draw(st.none() | st.integers(1, 60))
    sets = draw(st.none() | st.integers(1, 4))
    return rung, Prescription(reps=reps, hold_s=hold, sets=sets, rest_s=30 if sets and sets > 1 else None)


@st.composite
def off_ladder(draw: st.DrawFn) -> tuple[str, str, Prescription, Day, int]:
    exercise_id = draw(exercise_ids)
    e, ladder = ex(exercise_id)
    rung, dose = recorded_dose(e, ladder, draw)
    return exercise_id, rung, dose, draw(days), draw(st.sampled_from([1, 2, 7, 15, 30]))


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(case=off_ladder())
def test_any_recorded_dose_steps_down_to_no_longer_and_never_to_a_harder_rung(
    case: tuple[str, str, Prescription, Day, int],
) -> None:
    """Whatever dose was recorded (a clinician's, an import's, one shortened to fit the time), a step down never
    takes longer than it did, never moves to a harder rung, and a big flare at least halves the time."""
    exercise_id, rung, dose, d, gap = case
    e, ladder = ex(exercise_id)
    attempt = Attempt(
        date=DAY,
        prescription=dose,
        completed=d.completed,
        difficulty=d.difficulty,  # type: ignore[arg-type]
        pain_during=d.during,
        pain_before=d.before,
        pain_after=d.after,
        pain_next_morning=d.morning,
        rung=rung,
    )
    decided = next_dose(e, ladder, [attempt], on=DAY + dt.timedelta(days=gap), pains=[(DAY, d.before)])
    if decided.decision != "regress":
        return
    done = exercise_duration(rung_exercise(e, ladder.get(rung)), resolve(dose))
    after = exercise_duration(rung_exercise(e, ladder.get(decided.rung)), decided.prescription)
    smallest = positions(e, ladder)[0]
    is_bottom = decided.rung == smallest.rung.id and decided.prescription == smallest.dose
    assert after <= done or is_bottom, (decided, done, after)
    assert ladder.index(decided.rung) <= ladder.index(rung)
    limits = Limits.for_baseline(baseline([(DAY, d.before)], DAY + dt.timedelta(days=gap)))
    if limits.verdict(attempt) == "unacceptable" and limits.big_flare(attempt) and not is_bottom:
        assert after <= done / 2, (decided, done, after)


def test_rule_7_the_session_flare_steps_down_every_exercise_in_it() -> None:
    for exercise_id in ("bridge", "pelvic-tilt", "superman"):
        tries, up = climb(exercise_id, 4)
        tries.append(did(up, 4, before=2, during=2, after=2, morning=5))
        assert plan(exercise_id, tries, 5).decision == "regress", exercise_id


# Rule 8: time away


def test_rule_8_two_weeks_away_one_step_down_six_weeks_start_again() -> None:
    tries, up = climb("pelvic-tilt", 6)
    tries.append(did(up, 6))
    here = index_of("pelvic-tilt", up)
    assert plan("pelvic-tilt", tries, 6 + 14).decision != "regress"
    back = plan("pelvic-tilt", tries, 6 + 15)
    assert back.decision == "regress"
    assert index_of("pelvic-tilt", back) == here - 1
    again = plan("pelvic-tilt", tries, 6 + 43)
    assert again.decision == "start"
    assert again.prescription == plan("pelvic-tilt", [], 0).prescription


# Rule 9: over the limit twice in a row


def test_rule_9_twice_over_the_limit_swaps_to_the_easier_rung() -> None:
    first = plan("superman", [], 0)
    once = plan("superman", [did(first, 0, during=6)], 1)
    swapped = plan("superman", [did(first, 0, during=6), did(once, 1, during=6)], 2)
    assert swapped.decision == "regress"
    _, ladder = ex("superman")
    assert ladder.index(swapped.rung) < ladder.index("superman")
    assert "two sessions in a row" in swapped.reason


def test_rule_9_on_the_lowest_rung_it_rests_for_a_week_then_starts_again_gently() -> None:
    e, ladder = ex("superman")
    lowest = positions(e, ladder)[0]
    here = DoseDecision(e.id, lowest.rung.id, "", lowest.dose, "hold", "")
    tries = [did(here, 0, during=7), did(here, 1, during=7)]
    rest = plan("superman", tries, 2)
    assert rest.decision == "rest"
    assert "physical therapist or doctor" in rest.reason
    assert plan("superman", tries, 7).decision == "rest"
    again = plan("superman", tries, 8)
    assert again.decision == "start"
    assert again.rung == ladder.rungs[0].id


def test_rule_9_a_session_that_flared_twice_steps_down_but_rests_nothing_that_did_not_hurt() -> None:
    e, ladder = ex("ankle-pump")
    lowest = positions(e, ladder)[0]
    here = DoseDecision(e.id, lowest.rung.id, "", lowest.dose, "hold", "")
    tries = [did(here, 0, during=1, morning=6), did(here, 1, during=1, morning=6)]
    decided = plan("ankle-pump", tries, 2)
    assert decided.decision == "regress"


# Rule 10: creep


def test_rule_10_usual_pain_creeping_up_over_the_week_stops_steps_up() -> None:
    tries, up = climb("pelvic-tilt", 2)
    assert up.decision == "progress"
    on = DAY + dt.timedelta(days=2)
    creeping = [(on - dt.timedelta(days=d), 2) for d in range(8, 14)] + [(on - dt.timedelta(days=1), 4)]
    assert crept_up(creeping, on)
    held = plan("pelvic-tilt", tries, 2, creeping)
    assert held.decision == "hold"
    assert "crept up" in held.reason


# Rule 11: ceiling


@pytest.mark.parametrize("exercise_id", sorted(content.catalogue().exercises))
def test_rule_11_no_position_passes_the_articles_ceilings_or_time(exercise_id: str) -> None:
    e, ladder = ex(exercise_id)
    cap = longest_time_s(e)
    for p in positions(e, ladder):
        assert not over_ceiling(e, p.dose), (p.rung.id, p.dose)
        assert p.seconds <= cap
        assert p.seconds == exercise_duration(rung_exercise(e, p.rung), p.dose)


def test_rule_11_the_prone_raise_and_pelvic_tilt_never_reach_three_sets() -> None:
    for exercise_id in ("prone-opposite-arm-leg", "pelvic-tilt"):
        _, last = climb(exercise_id, 200)
        assert (last.prescription.sets or 1) == 1
        assert last.decision == "hold"
        assert "top of this exercise's ladder" in last.reason


# Rule 12: start


def test_rule_12_the_first_time_is_the_standard_dose_and_gentle_after_check_first() -> None:
    e, ladder = ex("bridge")
    first = plan("bridge", [], 0)
    assert (first.decision, first.rung) == ("start", "bridge")
    assert first.prescription.sets == 3
    gentle = gentle_start(e, ladder)
    assert (gentle.rung, gentle.prescription.sets) == ("bridge", 1)


# Following the engine through random histories


@dataclass(frozen=True)
class Day:
    gap: int
    before: int
    during: int | None
    after: int | None
    morning: int | None
    completed: bool
    difficulty: str


pain = st.integers(0, 10)
days = st.builds(
    Day,
    gap=st.sampled_from([0, 1, 1, 1, 2, 3, 7, 15, 50]),
    before=pain,
    during=st.none() | pain,
    after=st.none() | pain,
    morning=st.none() | pain,
    completed=st.booleans(),
    difficulty=st.sampled_from(["easy", "right", "hard"]),
)
quiet_days = st.builds(
    Day,
    gap=st.sampled_from([0, 1, 1, 2]),
    before=st.integers(0, 3),
    during=st.integers(0, 4),
    after=st.integers(0, 4),
    morning=st.integers(0, 3),
    completed=st.just(True),
    difficulty=st.sampled_from(["easy", "right"]),
)


def over_ceiling(exercise: Exercise, dose: Prescription) -> list[tuple[str, int, int | None]]:
    """Fields past the articles' largest; where no article gives a count, the timing model's 5 is the count."""
    return [
        (field, value, limit)
        for field, value, limit in article_ceilings(exercise).excess(dose)
        if not (field == "reps" and limit is None and value <= START_REPS)
    ]


def amounts(p: Prescription) -> tuple[int, int, int]:
    return (p.reps or 0, p.hold_s or 0, p.sets or 1)


def follow(exercise_id: str, history: list[Day]) -> None:
    """Do whatever the engine says, day after day, and check every rule against what it decided."""
    e, ladder = ex(exercise_id)
    cap = longest_time_s(e)
    steps = positions(e, ladder)
    tries: list[Attempt] = []
    pains: list[tuple[dt.date, int]] = []
    today = DAY
    last_step: dt.date | None = None
    for d in history:
        today += dt.timedelta(days=d.gap)
        decided = next_dose(e, ladder, tries, on=today, pains=pains)
        assert not over_ceiling(e, decided.prescription), decided
        assert exercise_duration(rung_exercise(e, ladder.get(decided.rung)), decided.prescription) <= cap
        if tries:
            before = index_of(exercise_id, decided) if decided.decision != "rest" else -1
            previous = tries[-1]
            limits = Limits.for_baseline(baseline(pains, today))
            latest_day = [a for a in tries if a.date == previous.date]
            if decided.decision == "progress":
                assert all(a.pain_next_morning is not None for a in latest_day), "no step up without the morning"
                assert all(limits.verdict(a) == "acceptable" for a in latest_day), "no step up after a bad day"
                assert (today - previous.date).days <= 14, "no step up after time away"
                assert previous.date < today
                assert last_step is None or (today - last_step).days >= 2, "one step per 2 days at most"
                last_step = today
            if any(limits.verdict(a) == "unacceptable" for a in latest_day) and before >= 0:
                done = max(
                    i
                    for i, p in enumerate(steps)
                    if p.rung.id == (previous.rung or e.id)
                    and all(x <= y for x, y in zip(amounts(p.dose), amounts(previous.prescription), strict=True))
                )
                assert before <= done, ("the dose after a flare is never higher", decided, previous, today)
        if decided.decision == "rest":
            continue
        tries.append(
            Attempt(
                date=today,
                prescription=decided.prescription,
                completed=d.completed,
                difficulty=d.difficulty,  # type: ignore[arg-type]
                pain_during=d.during,
                pain_before=d.before,
                pain_after=d.after,
                pain_next_morning=d.morning,
                rung=decided.rung,
            )
        )
        pains.append((today, d.before))


exercise_ids = st.sampled_from(sorted(content.catalogue().exercises))


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(exercise_id=exercise_ids, history=st.lists(days, max_size=40))
def test_random_histories_never_break_a_rule(exercise_id: str, history: list[Day]) -> None:
    follow(exercise_id, history)


@settings(max_examples=examples(100), suppress_health_check=[HealthCheck.too_slow])
@given(exercise_id=exercise_ids, history=st.lists(quiet_days, min_size=20, max_size=80))
def test_quiet_histories_climb_and_never_break_a_rule(exercise_id: str, history: list[Day]) -> None:
    follow(exercise_id, history)


@pytest.mark.thorough
@pytest.mark.skipif(not THOROUGH, reason="100,000 histories: run with `make thorough`")
@settings(max_examples=100_000, suppress_health_check=[HealthCheck.too_slow])
@given(exercise_id=exercise_ids, history=st.lists(days, max_size=40))
def test_100000_random_histories_never_break_a_rule(exercise_id: str, history: list[Day]) -> None:
    follow(exercise_id, history)
