"""A simulation of the dose rules: 1,000 simulated people follow their plans for 12 weeks.

Each person has a pain course (settling, steady low, steady high, up and down, flare-prone, worsening), skips some
days and sometimes goes away for weeks. Every day they train, the real planner builds a 20-minute plan dosed by the
real rules (`domain/dosing.py`) from everything they did before, and the person answers pain during each exercise,
pain after, and the next morning, more painfully the harder the dose is for them. Nothing here is a clinical
claim: it shows what the rules do with many kinds of history, and checks that no dose passes its ceiling.

`make simulate` runs it, writes bench/results/simulate.json, and puts the report into docs/dosing.md.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from backcoach import content
from backcoach.domain import dosing
from backcoach.domain.catalogue import Exercise
from backcoach.domain.dosing import Attempt, DoseDecision
from backcoach.domain.ladders import Ladder, longest_time_s
from backcoach.domain.planner import Dose, Excluded, PlanInfeasible, PlanRequest, build_plan
from bench.common import save

PEOPLE = 1000
WEEKS = 12
START = dt.date(2026, 1, 5)
COURSES = ("settling", "steady low", "steady high", "up and down", "flare-prone", "worsening")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "dosing.md"


@dataclass
class Person:
    number: int
    course: str
    rng: random.Random
    tolerance: float
    """How much dose a person takes before it hurts: 0.6 (sensitive) to 1.4 (robust)."""
    attempts: dict[str, list[Attempt]] = field(default_factory=dict)
    pains: list[tuple[dt.date, int]] = field(default_factory=list)
    stepped_down: int = 0
    rested: int = 0
    progressed: int = 0
    top_rungs: set[str] = field(default_factory=set)
    """Exercises whose ladder this person climbed to the top: the last rung at its top dose."""
    longest_session_s: int = 0
    longest_exercise_s: int = 0
    over_cap: int = 0
    sessions: int = 0
    away_days: int = 0
    no_plan: int = 0
    """Days when everything that could open a session was resting, so no plan could be made."""

    def usual(self, day: int) -> float:
        week = day / 7
        if self.course == "settling":
            return max(0.5, 5 - week * 0.4)
        if self.course == "steady low":
            return 2.0
        if self.course == "steady high":
            return 6.0
        if self.course == "up and down":
            return 3 + 2 * ((day // 5) % 2)
        if self.course == "flare-prone":
            return 3 + (4 if self.rng.random() < 0.06 else 0)
        return min(7, 2 + week * 0.4)  # worsening


def pain(value: float) -> int:
    return max(0, min(10, round(value)))


def simulate_person(number: int) -> Person:
    rng = random.Random(number)
    person = Person(number, COURSES[number % len(COURSES)], rng, rng.uniform(0.6, 1.4))
    catalogue, ladders = content.catalogue(), content.ladders()
    request = PlanRequest(minutes=20, equipment=frozenset({"chair", "wall"}), floor=True, level="beginner")
    away_from = rng.randrange(10, 70) if rng.random() < 0.15 else None
    away_for = rng.choice([16, 20, 45]) if away_from is not None else 0
    previous_items: list[tuple[str, Attempt]] = []
    for day in range(WEEKS * 7):
        today = START + dt.timedelta(days=day)
        usual = person.usual(day)
        # The morning check-in for yesterday's session (sometimes forgotten).
        if previous_items and rng.random() < 0.85:
            morning = pain(usual + rng.gauss(0, 0.5) + previous_effect(previous_items, person))
            for exercise_id, a in previous_items:
                tries = person.attempts[exercise_id]
                tries[tries.index(a)] = replace(a, pain_next_morning=morning)
        previous_items = []
        if away_from is not None and away_from <= day < away_from + away_for:
            person.away_days += 1
            continue
        if rng.random() < 0.3:
            continue

        decisions = {
            e.id: dosing.next_dose(e, ladders[e.id], person.attempts.get(e.id, []), on=today, pains=person.pains)
            for e in catalogue
        }
        resting = [Excluded(e.id, e.name, decisions[e.id].reason) for e in catalogue if dosing.flagged(decisions[e.id])]

        def dose_for(e: Exercise, decisions: dict[str, DoseDecision] = decisions) -> Dose:
            decided = decisions[e.id]
            return Dose(decided.prescription, decided.rung, decided.name)

        person.rested = len(resting)
        try:
            plan = build_plan(catalogue, request, dose_for=dose_for, excluded=resting)
        except PlanInfeasible:
            person.no_plan += 1
            continue
        person.sessions += 1
        person.longest_session_s = max(person.longest_session_s, plan.estimated_duration_s)
        before = pain(usual + rng.gauss(0, 0.5))
        person.pains.append((today, before))
        worst_during = before
        for item in plan.items:
            decided = decisions[item.exercise]
            exercise = catalogue.get(item.exercise)
            person.longest_exercise_s = max(person.longest_exercise_s, item.estimated_duration_s)
            if item.estimated_duration_s > longest_time_s(exercise) + 30:
                person.over_cap += 1
            if decided.decision == "regress":
                person.stepped_down += 1
            if decided.decision == "progress":
                person.progressed += 1
            steps = dosing.positions(exercise, ladders[item.exercise])
            if steps[-1].rung.id == decided.rung and steps[-1].dose == decided.prescription:
                person.top_rungs.add(item.exercise)
            load = intensity(exercise, decided, ladders) / person.tolerance
            during = pain(usual + 3 * max(0.0, load - 0.6) + rng.gauss(0, 1))
            worst_during = max(worst_during, during)
            completed = rng.random() > 0.05 + 0.2 * max(0.0, load - 1)
            difficulty = "hard" if load > 1.1 else ("easy" if load < 0.5 else "right")
            attempt = Attempt(
                date=today,
                prescription=item.prescription,
                completed=completed,
                difficulty=difficulty,  # type: ignore[arg-type]
                pain_during=during if rng.random() < 0.95 else None,
                pain_before=before,
                pain_after=None,
                pain_next_morning=None,
                rung=item.rung,
            )
            person.attempts.setdefault(item.exercise, []).append(attempt)
            previous_items.append((item.exercise, attempt))
        after = pain((before + worst_during) / 2 + rng.gauss(0, 0.5))
        for exercise_id, a in previous_items:
            tries = person.attempts[exercise_id]
            tries[tries.index(a)] = replace(a, pain_after=after)
        previous_items = [(x, person.attempts[x][-1]) for x, _ in previous_items]
    return person


def intensity(exercise: Exercise, decided: DoseDecision, ladders: Mapping[str, Ladder]) -> float:
    """How demanding a dose is along its ladder: 0 at the easiest position, 1 at the top."""
    steps = dosing.positions(exercise, ladders[exercise.id])
    at = next(
        (i for i, p in enumerate(steps) if p.rung.id == decided.rung and p.dose == decided.prescription),
        0,
    )
    return at / max(1, len(steps) - 1)


def previous_effect(items: list[tuple[str, Attempt]], person: Person) -> float:
    worst = max(((a.pain_during or 0) - a.pain_before for _, a in items), default=0)
    return 0.5 * max(0, worst) / person.tolerance


def run() -> dict[str, object]:
    people = [simulate_person(n) for n in range(PEOPLE)]
    by_course: dict[str, dict[str, object]] = {}
    for course in COURSES:
        group = [p for p in people if p.course == course]
        by_course[course] = {
            "people": len(group),
            "reached_a_top_rung": sum(1 for p in group if p.top_rungs),
            "stepped_down_at_least_once": sum(1 for p in group if p.stepped_down),
            "resting_an_exercise_at_the_end": sum(1 for p in group if p.rested),
            "median_sessions": sorted(p.sessions for p in group)[len(group) // 2],
        }
    result = {
        "people": PEOPLE,
        "weeks": WEEKS,
        "plan": "20 minutes, beginner, chair and wall, floor allowed",
        "reached_a_top_rung": sum(1 for p in people if p.top_rungs),
        "stepped_down_at_least_once": sum(1 for p in people if p.stepped_down),
        "resting_an_exercise_at_the_end": sum(1 for p in people if p.rested),
        "longest_session_s": max(p.longest_session_s for p in people),
        "longest_exercise_s": max(p.longest_exercise_s for p in people),
        "items_over_their_time_cap": sum(p.over_cap for p in people),
        "days_with_no_plan": sum(p.no_plan for p in people),
        "top_rungs_reached": dict(Counter(x for p in people for x in p.top_rungs).most_common()),
        "by_course": by_course,
    }
    return result


def report(result: dict[str, object]) -> str:
    courses = result["by_course"]
    assert isinstance(courses, dict)
    lines = [
        f"{result['people']} simulated people, {result['weeks']} weeks, plans of {result['plan']} "
        "(`make simulate`; seeded, so the same code gives the same numbers):",
        "",
        f"- reached the top of at least one exercise's ladder (its top rung at its top dose): "
        f"{result['reached_a_top_rung']}",
        f"- stepped down at least once: {result['stepped_down_at_least_once']}",
        f"- resting an exercise at the end: {result['resting_an_exercise_at_the_end']}",
        f"- longest session: {result['longest_session_s']} s (the plan asks for 20 minutes, 1,200 s)",
        f"- longest single exercise in a session: {result['longest_exercise_s']} s",
        f"- items over their exercise's time cap: {result['items_over_their_time_cap']}",
        f"- days when every exercise that could open a session was resting: {result['days_with_no_plan']}",
        "",
        "| pain course | people | reached a ladder's top | stepped down | resting one at the end | median sessions |",
        "|---|---|---|---|---|---|",
    ]
    for course, row in courses.items():
        lines.append(
            f"| {course} | {row['people']} | {row['reached_a_top_rung']} | {row['stepped_down_at_least_once']} "
            f"| {row['resting_an_exercise_at_the_end']} | {row['median_sessions']} |"
        )
    return "\n".join(lines)


def write_docs(text: str) -> None:
    doc = DOCS.read_text(encoding="utf-8")
    start, end = "<!-- simulation:start -->", "<!-- simulation:end -->"
    block = f"{start}\n{text}\n{end}"
    if start in doc:
        doc = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, doc, flags=re.S)
    else:
        doc = doc.replace("SIMULATION_REPORT", block)
    DOCS.write_text(doc, encoding="utf-8")


def main() -> None:
    result = run()
    save("simulate", result)
    text = report(result)
    write_docs(text)
    print(text)
    if result["items_over_their_time_cap"]:
        sys.exit("an item passed its exercise's time cap")


if __name__ == "__main__":
    main()
