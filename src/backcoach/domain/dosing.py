"""The next dose of an exercise, from how the last times went.

This is the pain-monitoring model physical therapists use, with the articles' own build-up targets as ceilings:

- **regress** when, the last time, pain during the exercise was above 5, or the next morning's pain was 2 or more
  above that session's pain before: cut the dose by about a quarter (never below one repetition) and point to the
  easier variation;
- **hold** when pain during was 4 or 5, the person found it hard, or did not finish it;
- **progress** when the last two times were finished, easy or about right, with pain during at most 3 and no rise
  the next morning: change one thing by a small step (repetitions first, then the hold, then a set, up to 3), never
  past the exercise's ceiling;
- **start** the first time, at the default dose.

The ceiling for repetitions is the article's build-up target where one is given (30 for the pelvic tilt, 20 for the
prone opposite arm and leg), otherwise the highest count any article gives for the exercise; the hold's ceiling is
the longest hold any article gives. A pain value that was not recorded counts as no pain reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from backcoach.domain.catalogue import Exercise, Prescription
from backcoach.domain.history import Difficulty, SessionRecord
from backcoach.domain.timeline import resolve

Decision = Literal["start", "progress", "hold", "regress"]
DECISIONS: tuple[Decision, ...] = ("start", "progress", "hold", "regress")
MAX_SETS = 3
STEP = 0.2
CUT = 0.25
REVIEW_AFTER_REGRESSIONS = 2
ADVANCED_AFTER_DAYS = 14


@dataclass(frozen=True)
class Attempt:
    """One time an exercise was done, with the session's pain around it."""

    date: dt.date
    prescription: Prescription
    completed: bool
    difficulty: Difficulty
    pain_during: int | None
    pain_before: int
    pain_next_morning: int | None

    @property
    def flare(self) -> bool:
        return self.pain_next_morning is not None and self.pain_next_morning - self.pain_before >= 2

    @property
    def too_painful(self) -> bool:
        return (self.pain_during or 0) > 5 or self.flare

    @property
    def strained(self) -> bool:
        return (self.pain_during or 0) in (4, 5) or self.difficulty == "hard" or not self.completed

    @property
    def comfortable(self) -> bool:
        return (
            self.completed and self.difficulty in ("easy", "right") and (self.pain_during or 0) <= 3 and not self.flare
        )


def attempts_by_exercise(records: Iterable[SessionRecord]) -> dict[str, list[Attempt]]:
    """Every attempt at every exercise, oldest first (records are taken in the order given)."""
    found: dict[str, list[Attempt]] = {}
    for record in records:
        for item in record.items:
            found.setdefault(item.exercise, []).append(
                Attempt(
                    date=record.date,
                    prescription=item.prescription,
                    completed=item.completed,
                    difficulty=item.difficulty,
                    pain_during=item.pain_during,
                    pain_before=record.pain_before,
                    pain_next_morning=record.pain_next_morning,
                )
            )
    return found


@dataclass(frozen=True)
class Ceilings:
    reps: int | None
    hold_s: int | None
    sets: int = MAX_SETS


def ceilings(exercise: Exercise) -> Ceilings:
    doses = [exercise.prescription, *(s.prescription for s in exercise.sources)]
    targets = [d.target_reps for d in doses if d.target_reps]
    counts = [n for d in doses for n in (d.reps, d.reps_max) if n]
    holds = [n for d in doses for n in (d.hold_s, d.hold_s_max) if n]
    return Ceilings(
        reps=max(targets) if targets else (max(counts) if counts else None),
        hold_s=max(holds) if holds else None,
    )


@dataclass(frozen=True)
class DoseDecision:
    exercise: str
    prescription: Prescription
    decision: Decision
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "prescription": self.prescription.model_dump(),
            "decision": self.decision,
            "reason": self.reason,
        }


def _clamp(dose: Prescription, top: Ceilings) -> Prescription:
    """Never past a ceiling; a dose recorded above one (say, imported) comes back down to it."""
    assert dose.reps is not None
    reps = min(dose.reps, top.reps) if top.reps else dose.reps
    hold = min(dose.hold_s, top.hold_s) if dose.hold_s and top.hold_s else dose.hold_s
    sets = min(dose.sets or 1, top.sets)
    rest = dose.rest_s if sets > 1 else None
    return resolve(dose.model_copy(update={"reps": max(1, reps), "hold_s": hold, "sets": sets, "rest_s": rest}))


def _with_rest(dose: Prescription, original: Prescription) -> Prescription:
    # `resolve` gives a rest to every multi-set dose; keep the rest the person had where there was one.
    if (dose.sets or 1) > 1 and original.rest_s:
        return dose.model_copy(update={"rest_s": original.rest_s})
    return dose


def _step(n: int) -> int:
    return max(1, round(n * STEP))


def _progress(dose: Prescription, top: Ceilings) -> tuple[Prescription, str] | None:
    assert dose.reps is not None
    if top.reps and dose.reps < top.reps:
        reps = min(top.reps, dose.reps + _step(dose.reps))
        return dose.model_copy(update={"reps": reps}), f"up from {dose.reps} to {reps} repetitions"
    if dose.hold_s and top.hold_s and dose.hold_s < top.hold_s:
        hold = min(top.hold_s, dose.hold_s + _step(dose.hold_s))
        return dose.model_copy(update={"hold_s": hold}), f"holds up from {dose.hold_s} to {hold} seconds"
    sets = dose.sets or 1
    if sets < top.sets:
        return resolve(dose.model_copy(update={"sets": sets + 1, "rest_s": dose.rest_s})), f"a set added ({sets + 1})"
    return None


def _regress(dose: Prescription) -> tuple[Prescription, str]:
    assert dose.reps is not None
    if dose.reps > 1:
        reps = max(1, dose.reps - max(1, round(dose.reps * CUT)))
        return dose.model_copy(update={"reps": reps}), f"down from {dose.reps} to {reps} repetitions"
    if (dose.sets or 1) > 1:
        sets = (dose.sets or 1) - 1
        cut = resolve(dose.model_copy(update={"sets": sets, "rest_s": dose.rest_s if sets > 1 else None}))
        return cut, f"one set fewer ({sets})"
    if dose.hold_s and dose.hold_s > 1:
        hold = max(1, dose.hold_s - max(1, round(dose.hold_s * CUT)))
        return dose.model_copy(update={"hold_s": hold}), f"holds down from {dose.hold_s} to {hold} seconds"
    return dose, "already at the smallest dose"


def _easier(exercise: Exercise) -> str:
    easier = [v.name for v in exercise.variations if v.direction == "easier"]
    return f" You can also switch to the easier version: {easier[0]}." if easier else ""


def _harder(exercise: Exercise) -> str:
    harder = [v.name for v in exercise.variations if v.direction == "harder"]
    return f" If it keeps feeling easy, try the harder version: {harder[0]}." if harder else ""


def next_dose(exercise: Exercise, attempts: Sequence[Attempt]) -> DoseDecision:
    """The dose for the next time, with a reason a person can understand."""
    top = ceilings(exercise)
    if not attempts:
        dose = _clamp(resolve(exercise.prescription), top)
        return DoseDecision(exercise.id, dose, "start", "First time: start at the default dose and see how it feels.")
    last = attempts[-1]
    base = resolve(last.prescription)
    dose = _with_rest(_clamp(base, top), base)
    if last.too_painful:
        why = (
            f"pain during it was {last.pain_during} out of 10"
            if (last.pain_during or 0) > 5
            else f"your back was worse the next morning ({last.pain_before} before, {last.pain_next_morning} after)"
        )
        cut, what = _regress(dose)
        reason = f"Last time {why}, so the dose goes down ({what}).{_easier(exercise)}"
        return DoseDecision(exercise.id, _with_rest(cut, base), "regress", reason)
    if last.strained:
        if not last.completed:
            why = "you did not finish it"
        elif last.difficulty == "hard":
            why = "it felt hard"
        else:
            why = f"pain during it was {last.pain_during} out of 10"
        return DoseDecision(exercise.id, dose, "hold", f"Last time {why}, so keep the same dose until it feels right.")
    if len(attempts) < 2 or not attempts[-2].comfortable:
        return DoseDecision(
            exercise.id, dose, "hold", "That went well. One more comfortable session at this dose before stepping up."
        )
    stepped = _progress(dose, top)
    if stepped is None:
        reason = "You are at the full dose the articles give for this exercise: keep it here." + _harder(exercise)
        return DoseDecision(exercise.id, dose, "hold", reason)
    new, what = stepped
    reason = f"The last two times went comfortably, so one small step up: {what}."
    return DoseDecision(exercise.id, _with_rest(new, base), "progress", reason)


def gentle_start(exercise: Exercise) -> DoseDecision:
    """The first dose after a check-first screen: the low end of every range the default article gives, and one
    set. The articles' own advice for a previous injury or disc disease is to start slowly; a range's low end is
    the most cautious dose the article itself stands behind, and one set is our own choice on top of it."""
    given = exercise.prescription
    low = given.model_copy(update={"reps_max": None, "sets": None, "rest_s": None})
    if given.hold_s is not None:
        low = low.model_copy(update={"hold_s_max": None})
    dose = _clamp(resolve(low), ceilings(exercise))
    return DoseDecision(
        exercise.id,
        dose,
        "start",
        "First time, and your safety check asks you to start gently: the low end of the dose, one set.",
    )


def needs_review(attempts: Sequence[Attempt]) -> bool:
    """Two regressions in a row on this exercise."""
    recent = attempts[-REVIEW_AFTER_REGRESSIONS:]
    return len(recent) == REVIEW_AFTER_REGRESSIONS and all(a.too_painful for a in recent)


def at_ceiling(exercise: Exercise, dose: Prescription) -> bool:
    top = ceilings(exercise)
    d = resolve(dose)
    assert d.reps is not None
    return (top.reps is None or d.reps >= top.reps) and (top.hold_s is None or (d.hold_s or 0) >= top.hold_s)


def ready_for_advanced(
    exercises: Mapping[str, Exercise],
    attempts: Mapping[str, Sequence[Attempt]],
    today: dt.date,
    earliest: dt.date | None = None,
) -> bool:
    """The beginner exercises have been comfortably at their targets for two weeks. `earliest` is the first
    attempt of all, when `attempts` holds only the recent ones."""
    since = today - dt.timedelta(days=ADVANCED_AFTER_DAYS)
    window = {
        ex: [a for a in tries if a.date > since]
        for ex, tries in attempts.items()
        if ex in exercises and exercises[ex].level != "advanced"
    }
    window = {ex: tries for ex, tries in window.items() if tries}
    if not window:
        return False
    first = earliest or min(a.date for tries in attempts.values() for a in tries)
    if first > since:
        return False
    return all(
        a.comfortable and at_ceiling(exercises[ex], a.prescription) for ex, tries in window.items() for a in tries
    )
