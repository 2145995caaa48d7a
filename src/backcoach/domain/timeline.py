"""The timing model and the guided-session timeline: one piece of code for both.

A session is a list of steps. Each exercise contributes an `intro` (its name and set-up), then its repetitions:
every movement is a `rep` step lasting the exercise's tempo (`tempo.rep_s`), and a held exercise adds a `hold`
step (exactly the prescription's `hold_s`) and a `relax` step (`tempo.relax_s`) after it. An exercise that holds
more than one position in a repetition (`holds_per_rep`: the pelvic tilt arches, then flattens) moves and holds
once for each position, then relaxes once. A per-side exercise does
all of a set's repetitions on the left, a `switch-side` step, then the right; an alternating one takes the sides in
turn within each repetition (one repetition is a left and a right movement). Sets are separated by `rest` steps of
`rest_s`. Exercises are separated by `transition` steps, longer when the person has to get down to or up from the
floor. A final `done` step closes the session.

`exercise_duration` is the closed form of `exercise_steps` (the planner calls it thousands of times, so it must not
build the steps); a property test holds the two equal for every exercise and dose.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from backcoach.domain.catalogue import Exercise, Prescription
from backcoach.domain.describe import describe

INTRO_S = 10
"""Hearing the exercise's name and getting into its starting position."""
SWITCH_SIDE_S = 5
"""Turning over or changing legs between the two sides of a per-side exercise."""
TRANSITION_S = 10
"""Moving from one exercise to the next in the same place."""
FLOOR_CHANGE_S = 15
"""Extra time to get down onto the mat, or back up from it, between exercises."""
DEFAULT_REST_S = 30
"""Rest between sets when the article gives none."""
START_REPS = 5
"""Repetitions to start with when the article gives no count: the articles all ask for a slow start."""

StepKind = Literal["intro", "rep", "hold", "relax", "switch-side", "rest", "transition", "done"]
Side = Literal["left", "right"]
STEP_KINDS: tuple[StepKind, ...] = get_args(StepKind)


@dataclass(frozen=True, slots=True)
class Step:
    kind: StepKind
    exercise: str | None
    duration_s: int
    say: str
    side: Side | None = None
    set: int | None = None
    rep: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve(prescription: Prescription) -> Prescription:
    """Make a prescription concrete enough to time: every count a guided session needs gets a value.

    A vague field stays vague in the catalogue; here it takes the timing model's cautious default. Worked out once
    per distinct prescription: a plan resolves every eligible exercise's dose, the doses repeat from plan to plan,
    and copying a model costs several times what looking it up does. Prescriptions are immutable, so callers may
    share the result.
    """
    # Keyed on the fields it was given as well: pydantic's equality ignores them, but a stored record keeps only
    # those (`exclude_unset`), so without them a result would carry whichever equal prescription came first.
    return _resolve(prescription, frozenset(prescription.model_fields_set))


@functools.lru_cache(maxsize=8192)
def _resolve(prescription: Prescription, _given: frozenset[str]) -> Prescription:
    reps = prescription.reps or START_REPS
    if prescription.target_reps is not None:
        reps = min(reps, prescription.target_reps)
    sets = prescription.sets or 1
    return prescription.model_copy(
        update={
            "reps": reps,
            "hold_s": prescription.hold_s or prescription.hold_s_max,
            "sets": sets,
            "rest_s": (prescription.rest_s or DEFAULT_REST_S) if sets > 1 else None,
        }
    )


def resolution_notes(exercise: Exercise, dose: Prescription) -> list[str]:
    """Say which of a planned dose's values the articles do not give, so a person knows where a number came from.

    Read against the exercise's catalogue dose, not the planned one: by the time a dose is planned, `resolve` (and
    the dose rules) have filled every gap, so the planned dose alone cannot show what was missing.
    """
    given = exercise.prescription
    notes = []
    if given.reps is None and dose.reps == resolve(given).reps:
        start = Prescription(reps=dose.reps, per_side=dose.per_side, target_reps=given.target_reps)
        notes.append(f"The articles give no starting count: starting at {describe(start)}.")
    if given.hold_s is None and given.hold_s_max is not None and dose.hold_s == given.hold_s_max:
        notes.append(f"Hold for up to {given.hold_s_max} seconds.")
    if given.rest_s is None and (dose.sets or 1) > 1 and dose.rest_s == DEFAULT_REST_S:
        notes.append(f"No rest given: {DEFAULT_REST_S} seconds between sets.")
    return notes


def counts(dose: Prescription) -> tuple[int, int, int]:
    """A resolved dose's repetitions, sets and sides (1, or 2 when done on each side); ValueError if unresolved."""
    if dose.reps is None or dose.sets is None:
        raise ValueError("the dose must be resolved first (see resolve)")
    sides = 2 if dose.per_side else 1
    return dose.reps, dose.sets, sides


def movement_s(exercise: Exercise, dose: Prescription) -> int:
    """One movement: the move itself, plus the hold and the relax when the exercise is held (a move and a hold
    for each position held)."""
    if dose.hold_s:
        return (dose.holds_per_rep or 1) * (exercise.tempo.rep_s + dose.hold_s) + exercise.tempo.relax_s
    return exercise.tempo.rep_s


def exercise_duration(exercise: Exercise, dose: Prescription) -> int:
    """Seconds from the exercise's intro to its last step, without the transition into it."""
    reps, sets, _ = counts(dose)
    return duration_of(
        exercise,
        reps=reps,
        sets=sets,
        hold_s=dose.hold_s,
        rest_s=dose.rest_s,
        per_side=dose.per_side,
        alternating=dose.alternating,
        positions=dose.holds_per_rep or 1,
    )


def duration_of(
    exercise: Exercise,
    *,
    reps: int,
    sets: int,
    hold_s: int | None,
    rest_s: int | None,
    per_side: bool,
    alternating: bool,
    positions: int = 1,
) -> int:
    """The closed form of `exercise_steps`, on plain numbers (the planner times thousands of doses)."""
    sides = 2 if per_side else 1
    tempo = exercise.tempo
    movement = positions * (tempo.rep_s + hold_s) + tempo.relax_s if hold_s else tempo.rep_s
    movements_per_side = reps * (2 if alternating else 1)
    one_set = sides * movements_per_side * movement + (sides - 1) * SWITCH_SIDE_S
    return INTRO_S + sets * one_set + (sets - 1) * (rest_s or 0)


def exercise_steps(exercise: Exercise, dose: Prescription) -> Iterator[Step]:
    reps, sets, sides = counts(dose)
    ex = exercise.id
    # Several positions are held only where there is a hold; without one, a repetition is a single movement.
    positions = (dose.holds_per_rep or 1) if dose.hold_s else 1
    cues = exercise.spoken.holds if positions > 1 else []
    yield Step("intro", ex, INTRO_S, f"{exercise.name}. {exercise.steps[0]}")
    side_order: tuple[Side | None, ...] = ("left", "right") if sides == 2 else (None,)
    for set_no in range(1, sets + 1):
        for i, side in enumerate(side_order):
            if i:
                yield Step("switch-side", ex, SWITCH_SIDE_S, "Other side", side, set_no)
            for rep_no in range(1, reps + 1):
                turns: tuple[Side | None, ...] = ("left", "right") if dose.alternating else (side,)
                for turn in turns:
                    for position in range(positions):
                        say = cues[position] if position < len(cues) else exercise.spoken.move
                        if position == 0 and turn is not None and (dose.alternating or rep_no == 1):
                            say = f"{turn.capitalize()} side. {say}"
                        yield Step("rep", ex, exercise.tempo.rep_s, say, turn, set_no, rep_no)
                        if dose.hold_s:
                            yield Step("hold", ex, dose.hold_s, "Hold", turn, set_no, rep_no)
                    if dose.hold_s:
                        yield Step("relax", ex, exercise.tempo.relax_s, exercise.spoken.release, turn, set_no, rep_no)
        if set_no < sets:
            yield Step("rest", ex, dose.rest_s or 0, f"Rest. Set {set_no + 1} of {sets} comes next.", None, set_no)


def transition_duration(previous: Exercise, following: Exercise) -> int:
    return TRANSITION_S + (FLOOR_CHANGE_S if previous.floor != following.floor else 0)


def transition_step(previous: Exercise, following: Exercise) -> Step:
    say = f"Next: {following.name}."
    if previous.floor != following.floor:
        say += " Take your time getting down onto the mat." if following.floor else " Take your time getting up."
    return Step("transition", following.id, transition_duration(previous, following), say)


DONE = Step("done", None, 0, "That's the session done. Well done.")


def compile_timeline(items: Sequence[tuple[Exercise, Prescription]]) -> list[Step]:
    """The whole session: every exercise with the transitions between them, then `done`."""
    steps: list[Step] = []
    previous: Exercise | None = None
    for exercise, dose in items:
        if previous is not None:
            steps.append(transition_step(previous, exercise))
        steps.extend(exercise_steps(exercise, dose))
        previous = exercise
    steps.append(DONE)
    return steps
