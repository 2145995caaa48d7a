"""The next dose of an exercise: the pain-monitoring model, climbing each exercise's ladder.

docs/dosing.md states every rule in words a clinician can check, with its source; each sentence there has a table
test in tests/test_dosing.py, and hypothesis follows the engine through random histories trying to break them.

In short:

- **Baseline**: a person's usual pain is the median pain before their sessions in the last 14 days. The limit for
  pain during an exercise is 5/10 (Silbernagel 2007), or one above the baseline for someone who lives above 4, but
  never above 7.
- **Acceptable**: pain during within the limit, pain after no more than 2 above pain before, and the next morning
  no more than 1 above pain before. A missing value is unknown, never zero: it never allows a step up.
- **Step up** one position only when the last two days the exercise was done were both acceptable, finished and not
  hard, at the same dose, the latest next-morning answer is in, and usual pain has not crept up over the week.
- **Step down** after an unacceptable attempt: one position, or down to half the time for a big flare (a pain of 7
  or more, or 3 or more over a limit). Session pains (after, next morning) belong to every exercise of the session.
- **Time away**: more than 14 days since it was last done, one position down; more than 6 weeks, start again.
- **Ceiling**: every position lies on the exercise's ladder (`domain/ladders.py`), whose doses never pass what the
  articles give; at the top of a rung the next step is the next rung.
- **Rest**: over the limit twice in a row moves to the rung below; on the lowest rung the exercise rests (left out
  of plans) for a week, then starts again from the bottom.

A position is one dose on one rung. A rung's positions run from its `start` to its `top`, one small change at a
time (repetitions first, then the hold, then a set), and the ladder's positions are its rungs' in order.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from backcoach.domain.catalogue import Exercise, Prescription
from backcoach.domain.describe import describe
from backcoach.domain.history import Difficulty, SessionRecord
from backcoach.domain.ladders import Ladder, Rung, longest_time_s, rung_exercise
from backcoach.domain.timeline import DEFAULT_REST_S, START_REPS, exercise_duration, resolve

Decision = Literal["start", "progress", "hold", "regress", "rest"]
DECISIONS: tuple[Decision, ...] = get_args(Decision)

DURING_LIMIT = 5
"""Pain during exercise up to 5/10 is acceptable (the pain-monitoring model)."""
DURING_CAP = 7
"""A relative limit never goes above this: at 7/10 or more, any exercise is a flare."""
AFTER_RISE = 2
"""Pain after may be up to 2 above pain before."""
MORNING_RISE = 1
"""The next morning, pain should be back to about where it was before: at most 1 above."""
BIG_FLARE_PAIN = 7
BIG_FLARE_EXCESS = 3
BASELINE_DAYS = 14
CREEP = 2
"""Usual pain this week 2 or more above the week before: no step up until it settles."""
AWAY_DAYS = 14
RESTART_DAYS = 42
REST_DAYS = 7
STEP = 0.2
"""A step up changes one thing by about a fifth (at least 1)."""
ADVANCED_AFTER_DAYS = 14
HISTORY_DAYS = ADVANCED_AFTER_DAYS
"""Every attempt in these days is read (the advanced check reads them all); before them, each exercise's last
days (`HISTORY_LAST`) and nothing else: no rule reads more."""
HISTORY_LAST = 2
"""The days of an exercise its dose decision reads: its last two (however old, so time away can be measured);
several sessions on one day count as one day."""


@dataclass(frozen=True)
class Attempt:
    """One time an exercise was done, with the session's pains around it."""

    date: dt.date
    prescription: Prescription
    completed: bool
    difficulty: Difficulty
    pain_during: int | None
    pain_before: int
    pain_next_morning: int | None
    pain_after: int | None = None
    rung: str | None = None
    """The rung done; None means the exercise's standard rung (older records)."""


Verdict = Literal["acceptable", "unacceptable", "unknown"]


@dataclass(frozen=True)
class Limits:
    during: int

    @classmethod
    def for_baseline(cls, baseline: float | None) -> Limits:
        if baseline is None:
            return cls(DURING_LIMIT)
        return cls(max(DURING_LIMIT, min(DURING_CAP, int(baseline) + 1)))

    def excess(self, a: Attempt) -> int:
        """How far the attempt went over its worst limit (0 or less when within every known one)."""
        overs = []
        if a.pain_during is not None:
            overs.append(a.pain_during - self.during)
        if a.pain_after is not None:
            overs.append(a.pain_after - a.pain_before - AFTER_RISE)
        if a.pain_next_morning is not None:
            overs.append(a.pain_next_morning - a.pain_before - MORNING_RISE)
        return max(overs, default=0)

    def hurt(self, a: Attempt) -> bool:
        """The exercise itself went over the limit: pain during it above the limit."""
        return a.pain_during is not None and a.pain_during > self.during

    def verdict(self, a: Attempt) -> Verdict:
        if self.excess(a) > 0:
            return "unacceptable"
        if a.pain_during is None or a.pain_after is None or a.pain_next_morning is None:
            return "unknown"
        return "acceptable"

    def big_flare(self, a: Attempt) -> bool:
        worst = max((p for p in (a.pain_during, a.pain_after, a.pain_next_morning) if p is not None), default=0)
        return self.excess(a) >= BIG_FLARE_EXCESS or (worst >= BIG_FLARE_PAIN and worst > self.during)


def baseline(pains: Iterable[tuple[dt.date, int]], on: dt.date) -> float | None:
    """The person's usual pain: the median pain before their sessions in the 14 days before `on`."""
    window = [p for d, p in pains if on - dt.timedelta(days=BASELINE_DAYS) <= d < on]
    return statistics.median(window) if window else None


def crept_up(pains: Iterable[tuple[dt.date, int]], on: dt.date) -> bool:
    """Usual pain over the last 7 days is at least 2 above the 7 days before (pain should not creep up)."""
    pains = list(pains)
    week = [p for d, p in pains if on - dt.timedelta(days=7) <= d < on]
    before = [p for d, p in pains if on - dt.timedelta(days=14) <= d < on - dt.timedelta(days=7)]
    return bool(week and before) and statistics.median(week) - statistics.median(before) >= CREEP


@dataclass(frozen=True)
class DoseDecision:
    exercise: str
    rung: str
    name: str
    prescription: Prescription
    decision: Decision
    reason: str
    swapped: bool = False
    """It hurt twice in a row, so today is its easier version (rule 9): a plan says so."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "rung": self.rung,
            "name": self.name,
            "prescription": self.prescription.model_dump(),
            "decision": self.decision,
            "reason": self.reason,
        }


# Positions: the doses of a ladder, in order


@dataclass(frozen=True)
class Position:
    rung: Rung
    dose: Prescription
    seconds: int


def _top(top: Prescription) -> Prescription:
    """A rung's top as a concrete dose: the upper end of every range."""
    reps = max((n for n in (top.reps, top.reps_max, top.target_reps) if n), default=START_REPS)
    hold = max((n for n in (top.hold_s, top.hold_s_max) if n), default=None)
    sets = top.sets or 1
    return top.model_copy(
        update={
            "reps": reps,
            "reps_max": None,
            "target_reps": None,
            "hold_s": hold,
            "hold_s_max": None,
            "sets": sets,
            "rest_s": (top.rest_s or DEFAULT_REST_S) if sets > 1 else None,
        }
    )


def _start(start: Prescription) -> Prescription:
    dose = resolve(start)
    return dose.model_copy(update={"reps_max": None, "hold_s_max": None, "target_reps": None})


def _increase(n: int) -> int:
    return max(1, round(n * STEP))


def _next(dose: Prescription, top: Prescription) -> Prescription | None:
    """One small step toward the rung's top: repetitions first, then the hold, then a set."""
    reps, most = dose.reps or START_REPS, top.reps or START_REPS
    if reps < most:
        return dose.model_copy(update={"reps": min(most, reps + _increase(reps))})
    if dose.hold_s and top.hold_s and dose.hold_s < top.hold_s:
        return dose.model_copy(update={"hold_s": min(top.hold_s, dose.hold_s + _increase(dose.hold_s))})
    sets = dose.sets or 1
    if sets < (top.sets or 1):
        return dose.model_copy(update={"sets": sets + 1, "rest_s": top.rest_s or dose.rest_s or DEFAULT_REST_S})
    return None


def _amounts(dose: Prescription) -> tuple[int, int, int]:
    return (dose.reps or 0, dose.hold_s or 0, dose.sets or 1)


_POSITIONS: dict[tuple[int, int], tuple[Exercise, Ladder, tuple[Position, ...]]] = {}


def positions(exercise: Exercise, ladder: Ladder) -> tuple[Position, ...]:
    """Every dose on the exercise's ladder, easiest first. Worked out once per exercise and ladder: a plan asks
    for every exercise's, and the objects are immutable (the entry keeps them alive, so an id is never reused)."""
    key = (id(exercise), id(ladder))
    found = _POSITIONS.get(key)
    if found is None:
        found = (exercise, ladder, _positions(exercise, ladder))
        _POSITIONS[key] = found
    return found[2]


def _positions(exercise: Exercise, ladder: Ladder) -> tuple[Position, ...]:
    cap = longest_time_s(exercise)
    found: list[Position] = []
    for rung in ladder.rungs:
        shown = rung_exercise(exercise, rung)
        top = _top(rung.top)
        dose: Prescription | None = _start(rung.start)
        while dose is not None:
            seconds = exercise_duration(shown, dose)
            # The time cap is part of the ceiling: a position that would take longer than any article's dose is
            # never offered; the next step is the next rung.
            if seconds > cap and any(p.rung.id == rung.id for p in found):
                break
            found.append(Position(rung, dose, seconds))
            dose = _next(dose, top)
    return tuple(found)


def _locate(steps: Sequence[Position], ladder: Ladder, rung_id: str | None, dose: Prescription) -> int:
    """Where a recorded dose sits: the highest position on its rung that asks no more than it did in any field.

    A dose that was shortened to fit the time, imported, or recorded before ladders existed snaps down, never up;
    a rung that no longer exists counts as the standard one."""
    rung = rung_id if rung_id in ladder else ladder.exercise
    done = _amounts(resolve(dose))
    on_rung = [i for i, p in enumerate(steps) if p.rung.id == rung]
    best = on_rung[0]
    for i in on_rung:
        if all(a <= b for a, b in zip(_amounts(steps[i].dose), done, strict=True)):
            best = i
    return best


def _decision(
    exercise: Exercise, position: Position, decision: Decision, reason: str, *, swapped: bool = False
) -> DoseDecision:
    return DoseDecision(exercise.id, position.rung.id, position.rung.name, position.dose, decision, reason, swapped)


def _days(attempts: Sequence[Attempt]) -> list[tuple[dt.date, list[Attempt]]]:
    """Attempts grouped by day, oldest first: several sessions on one day count as one day."""
    found: dict[dt.date, list[Attempt]] = {}
    for a in attempts:
        found.setdefault(a.date, []).append(a)
    return sorted(found.items())


def _why_over(a: Attempt, limits: Limits) -> str:
    if a.pain_during is not None and a.pain_during > limits.during:
        return f"pain during it was {a.pain_during} out of 10 (your limit is {limits.during})"
    if a.pain_after is not None and a.pain_after - a.pain_before > AFTER_RISE:
        return f"your pain went from {a.pain_before} before the session to {a.pain_after} after it"
    return f"your back was worse the next morning ({a.pain_before} before, {a.pain_next_morning} the next morning)"


def _halfway(steps: Sequence[Position], i: int) -> int:
    """The highest position below `i` that takes at most half its time (the bottom if none does)."""
    target = steps[i].seconds / 2
    below = [j for j in range(i) if steps[j].seconds <= target]
    return below[-1] if below else 0


def _no_longer(steps: Sequence[Position], to: int, seconds: float) -> int:
    """`to`, unless it takes longer than `seconds`: then the highest position below it that does not (the bottom if
    none does). A step down is for less, and a lower rung's top can take longer than the dose a person did on the
    rung above, most of all a clinician's dose set below that rung's start."""
    if steps[to].seconds <= seconds:
        return to
    below = [j for j in range(to) if steps[j].seconds <= seconds]
    return below[-1] if below else 0


def gentle_start(exercise: Exercise, ladder: Ladder) -> DoseDecision:
    """The first dose after a check-first screen: the standard rung at the low end of every range its article
    gives, and one set. The articles' own advice for a previous injury or disc disease is to start slowly; a
    range's low end is the most cautious dose the article itself stands behind, and one set is our own choice."""
    steps = positions(exercise, ladder)
    first = next(p for p in steps if p.rung.id == ladder.exercise)
    dose = first.dose.model_copy(update={"sets": 1, "rest_s": None})
    gentle = Position(first.rung, dose, exercise_duration(rung_exercise(exercise, first.rung), dose))
    return _decision(
        exercise,
        gentle,
        "start",
        "First time, and your safety check asks you to start gently: the low end of the dose, one set.",
    )


def next_dose(
    exercise: Exercise,
    ladder: Ladder,
    attempts: Sequence[Attempt],
    *,
    on: dt.date,
    pains: Iterable[tuple[dt.date, int]] = (),
) -> DoseDecision:
    """The dose for `on`, with a reason a person can understand.

    `attempts` are this exercise's attempts before `on`, oldest first; `pains` the (date, pain before) of the
    person's sessions, for the baseline and the week-to-week check.
    """
    pains = list(pains)
    steps = positions(exercise, ladder)
    standard = next(i for i, p in enumerate(steps) if p.rung.id == ladder.exercise)
    if not attempts:
        first = "First time: start at the usual dose and see how it feels."
        return _decision(exercise, steps[standard], "start", first)
    last = attempts[-1]
    here = _locate(steps, ladder, last.rung, last.prescription)
    limits = Limits.for_baseline(baseline(pains, on))
    days = _days(attempts)
    away = (on - last.date).days

    if away > RESTART_DAYS:
        # Start again: at the usual dose, or at the start of the easier version the person was on, if lower.
        rung_start = next(i for i, p in enumerate(steps) if p.rung.id == steps[here].rung.id)
        again = min(standard, rung_start)
        return _decision(
            exercise,
            steps[again],
            "start",
            f"It has been {away} days since you last did this: start again from the beginning of "
            f"{steps[again].rung.name}.",
        )

    # What the latest attempt took, as it was done: every step down is capped by it (`_no_longer`).
    done_s = exercise_duration(rung_exercise(exercise, steps[here].rung), resolve(last.prescription))
    latest_day = days[-1][1]
    over = [a for a in latest_day if limits.verdict(a) == "unacceptable"]
    # Twice in a row is about the exercise itself: its own pain during, over the limit on both days. A whole
    # session that flared steps every exercise in it down (below), but does not put an exercise that did not
    # hurt on rest.
    hurt_twice = len(days) >= 2 and all(any(limits.hurt(a) for a in day) for _, day in days[-2:])
    if hurt_twice:
        rung_index = ladder.index(steps[here].rung.id)
        if rung_index > 0:
            easier = ladder.rungs[rung_index - 1]
            to = _no_longer(steps, next(i for i, p in enumerate(steps) if p.rung.id == easier.id), done_s)
            reason = (
                f"It went over your pain limit two sessions in a row, so switch to the easier version "
                f"({easier.name}) at its starting dose. If that hurts too, ask a physical therapist or doctor."
            )
            return _decision(exercise, steps[to], "regress", reason, swapped=True)
        if away < REST_DAYS:
            reason = (
                f"It went over your pain limit two sessions in a row, even in its easiest version: leave it out for "
                f"{REST_DAYS} days, and ask a physical therapist or doctor to look at it before you go back to it."
            )
            return _decision(exercise, steps[0], "rest", reason)
        return _decision(
            exercise,
            steps[0],
            "start",
            f"After {REST_DAYS} days' rest, start again gently from its easiest version.",
        )

    if over:
        worst = max(over, key=limits.excess)
        why = _why_over(worst, limits)
        if limits.big_flare(worst):
            to = _no_longer(steps, _halfway(steps, here), done_s / 2)
            what = "about half the time" if to < here else "already the smallest dose"
            reason = f"Last time {why}: a big flare, so the dose drops a long way ({what})."
        else:
            to = _no_longer(steps, max(0, here - 1), done_s)
            what = "one step" if to < here else "already the smallest dose"
            reason = f"Last time {why}, so the dose goes down ({what})."
        if steps[to].rung.id != steps[here].rung.id:
            reason += f" That means the easier version: {steps[to].rung.name}."
        return _decision(exercise, steps[to], "regress", reason)

    if away > AWAY_DAYS:
        to = _no_longer(steps, max(0, here - 1), done_s)
        return _decision(
            exercise,
            steps[to],
            "regress",
            f"It has been {away} days since you last did this, so come back one step lower and build up again.",
        )

    hold = _why_not_up(days, steps, here, ladder, limits, pains, on)
    if hold is not None:
        return _decision(exercise, steps[here], "hold", hold)
    if here + 1 >= len(steps):
        return _decision(
            exercise,
            steps[here],
            "hold",
            "You are at the top of this exercise's ladder, the most the articles ask: keep it here.",
        )
    up = steps[here + 1]
    if up.rung.id != steps[here].rung.id:
        reason = f"The last two days went well at the top of this version, so move on to the next: {up.rung.name}."
    else:
        reason = f"The last two days went well, so one small step up: {describe(up.dose, today=True)}."
    return _decision(exercise, up, "progress", reason)


def _why_not_up(
    days: Sequence[tuple[dt.date, list[Attempt]]],
    steps: Sequence[Position],
    here: int,
    ladder: Ladder,
    limits: Limits,
    pains: Sequence[tuple[dt.date, int]],
    on: dt.date,
) -> str | None:
    """Why the dose stays where it is, or None when every condition for a step up holds."""
    if days[-1][0] >= on:
        return "You did it today already: the next step can come on another day."
    latest = days[-1][1]
    for a in latest:
        if not a.completed:
            return "Last time you did not finish it, so keep the same dose until it feels right."
        if a.difficulty == "hard":
            return "Last time it felt hard, so keep the same dose until it feels right."
    for a in latest:
        if a.pain_during is None:
            return "Pain during it was not recorded last time, so keep the same dose: a missing answer never counts."
        if a.pain_after is None:
            return "Pain after the session was not recorded, so keep the same dose: a missing answer never counts."
        if a.pain_next_morning is None:
            return "Tell backcoach how your back was the next morning: until then, keep the same dose."
    if len(days) < 2:
        return "That went well. One more good day at this dose before stepping up."
    previous = days[-2][1]
    at_same = all(_locate(steps, ladder, a.rung, a.prescription) == here for a in previous)
    if not at_same:
        return "That went well at a new dose. One more good day at it before the next step."
    for a in previous:
        if limits.verdict(a) != "acceptable" or not a.completed or a.difficulty == "hard":
            return "That went well. One more good day at this dose before stepping up."
    if crept_up(pains, on):
        return "Your usual pain has crept up over the last week, so keep the same dose until it settles."
    return None


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
                    pain_after=record.pain_after,
                    rung=item.rung,
                )
            )
    return found


def flagged(decision: DoseDecision) -> bool:
    """The exercise is left out of plans for now."""
    return decision.decision == "rest"


def at_top_of_standard(exercise: Exercise, ladder: Ladder, attempt: Attempt) -> bool:
    """The attempt was at or above the top of the standard rung (the full dose the articles give)."""
    steps = positions(exercise, ladder)
    here = _locate(steps, ladder, attempt.rung, attempt.prescription)
    last_standard = max(i for i, p in enumerate(steps) if p.rung.id == ladder.exercise)
    return here >= last_standard


def ready_for_advanced(
    exercises: Mapping[str, Exercise],
    ladders: Mapping[str, Ladder],
    attempts: Mapping[str, Sequence[Attempt]],
    today: dt.date,
    earliest: dt.date | None = None,
) -> bool:
    """The beginner exercises done in the last two weeks were all acceptable, finished and not hard, at the top of
    their standard rung or above, and the person started at least two weeks ago."""
    since = today - dt.timedelta(days=ADVANCED_AFTER_DAYS)
    limits = Limits(DURING_LIMIT)
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
        limits.verdict(a) == "acceptable"
        and a.completed
        and a.difficulty != "hard"
        and at_top_of_standard(exercises[ex], ladders[ex], a)
        for ex, tries in window.items()
        for a in tries
    )
