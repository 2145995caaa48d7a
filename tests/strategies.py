"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st

from backcoach.domain.catalogue import Prescription
from backcoach.domain.planner import MAX_MINUTES, MIN_MINUTES, PlanRequest
from backcoach.domain.runner import Runner
from backcoach.domain.vocab import EQUIPMENT, PLAN_LEVELS


def examples(budget: int) -> int:
    """How many examples a property test runs: its `budget` at hypothesis's default of 100 examples a test, scaled
    by the loaded profile (tests/conftest.py), so `make check` looks quickly and CI looks harder."""
    return max(1, budget * settings().max_examples // 100)


plan_requests = st.builds(
    PlanRequest,
    minutes=st.integers(MIN_MINUTES, MAX_MINUTES),
    equipment=st.frozensets(st.sampled_from(EQUIPMENT)),
    floor=st.booleans(),
    level=st.sampled_from(PLAN_LEVELS),
)


@st.composite
def prescriptions(draw: st.DrawFn) -> Prescription:
    """Any valid dose, including vague (null) fields."""
    reps = draw(st.none() | st.integers(1, 40))
    reps_max = draw(st.none() | st.integers(reps or 1, 45)) if reps is not None else None
    hold = draw(st.none() | st.integers(1, 30))
    hold_max = draw(st.none() | st.integers(hold or 1, 40))
    sets = draw(st.none() | st.integers(1, 4))
    rest = draw(st.none() | st.integers(5, 120)) if sets and sets > 1 else None
    side = draw(st.sampled_from(["none", "per_side", "alternating"]))
    return Prescription(
        reps=reps,
        reps_max=reps_max,
        hold_s=hold,
        hold_s_max=hold_max,
        sets=sets,
        rest_s=rest,
        per_side=side == "per_side",
        alternating=side == "alternating",
        times_per_day=draw(st.none() | st.integers(1, 3)),
        target_reps=draw(st.none() | st.integers(1, 40)),
        holds_per_rep=draw(st.none() | st.integers(1, 3)) if hold or hold_max else None,
    )


def drive(runner: Runner, commands: list[tuple[str, float, int]]) -> float:
    """Start `runner` at 0 and give it each (command, seconds since the last, pain) in turn: a pain goes with
    `report_pain` and `stop_for_pain`, every other command is the runner's method of that name. Returns the time
    after the last command."""
    now = 0.0
    runner.start(now)
    for name, seconds, pain in commands:
        now += seconds
        if name == "report_pain":
            runner.report_pain(pain)
        elif name == "stop_for_pain":
            runner.stop_for_pain(now, pain)
        else:
            getattr(runner, name)(now)
    return now
