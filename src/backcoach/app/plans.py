"""Plans and doses: the history the dose rules read, each exercise's next dose, and the day's plan
(docs/dosing.md, docs/planner.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

from backcoach.app import preferences
from backcoach.app.prescribing import Prescribed, active_programs, followed_on
from backcoach.app.runtime import Runtime
from backcoach.app.safety import check_screen, ensure_allowed, latest_screen, restored, screen_cautions
from backcoach.domain import dosing, ladders, prescribed, screening
from backcoach.domain.catalogue import Exercise, Prescription
from backcoach.domain.errors import InvalidInput
from backcoach.domain.history import completed
from backcoach.domain.planner import (
    SAFETY_CAUTIONS,
    Dose,
    Excluded,
    LeftOut,
    Plan,
    PlanItem,
    PlanRequest,
    build_plan,
)
from backcoach.domain.screening import StoredScreen
from backcoach.domain.timeline import exercise_duration, resolution_notes, transition_duration
from backcoach.domain.vocab import EQUIPMENT, Equipment, PlanLevel
from backcoach.storage.repository import AttemptRow, PatientPrograms, UserRepository


class DateBeforeHistory(InvalidInput):
    """A plan or dose asked for a day before the latest session: the rules only look forward."""

    def __init__(self, on: dt.date, latest: dt.date) -> None:
        super().__init__(
            f"{on.isoformat()} is before your latest session ({latest.isoformat()}); plan for that day or later",
            ("date",),
        )
        self.on = on
        self.latest = latest


@dataclass(frozen=True)
class DoseHistory:
    """What the dose rules read for one day, and no more: each exercise's attempts on its last two days (however
    old) and in the last 14 days, the pain before every session of the last 14 days, and the first attempt of
    all. The rules decide the same on this as on the whole history (a property test holds them to it)."""

    on: dt.date
    rows: dict[str, tuple[AttemptRow, ...]]
    """Each exercise's attempts as stored, oldest first: with the day and the pains, all that its dose decision
    reads, and cheap to hash (plain values), so decisions are memoised on them (`decider`)."""
    pains: tuple[tuple[dt.date, int], ...]
    earliest: dt.date | None

    @functools.cached_property
    def attempts(self) -> dict[str, list[dosing.Attempt]]:
        """Each exercise's attempts as the dose rules read them; made only when a decision is not memoised."""
        return {exercise: [_attempt(row) for row in rows] for exercise, rows in self.rows.items()}


def dose_history(runtime: Runtime, user_id: int, on: dt.date | None = None) -> DoseHistory:
    """The history the dose rules read for `on` (default the person's today). A day before the latest session is
    refused."""
    with runtime.unit(user_id) as repo:
        return read_dose_history(runtime, repo, on, preferences.zone_in(runtime, repo))


def read_dose_history(
    runtime: Runtime, repo: UserRepository, on: dt.date | None = None, zone: dt.tzinfo | None = None
) -> DoseHistory:
    """`dose_history` inside a unit of work the caller holds; `zone` is the person's time zone."""
    day = on or runtime.today(zone)
    since = day - dt.timedelta(days=dosing.HISTORY_DAYS)
    latest, earliest = repo.history_span()
    if on is not None and latest is not None and on < latest:
        raise DateBeforeHistory(on, latest)
    rows = repo.recent_attempts(since, runtime.catalogue.exercises, last=dosing.HISTORY_LAST)
    pains = tuple(repo.pains_before(day - dt.timedelta(days=dosing.BASELINE_DAYS)))
    grouped: dict[str, list[AttemptRow]] = {}
    for row in rows:
        grouped.setdefault(row.exercise, []).append(row)
    return DoseHistory(day, {e: tuple(found) for e, found in grouped.items()}, pains, earliest)


@functools.lru_cache(maxsize=65536)
def _attempt(row: AttemptRow) -> dosing.Attempt:
    """An attempt as the dose rules read it, made once per distinct stored row. A plan reads six weeks of
    attempts, and after a change all but the newest are the rows the last plan read: looking them up costs a
    fraction of building them. Attempts are immutable, so plans may share them."""
    prescription = _prescription(row.prescription)
    return dosing.Attempt(
        date=row.date,
        prescription=prescription,
        completed=completed(prescription, row.completed_reps, row.completed_sets, row.camera_reps),
        difficulty=row.difficulty,  # type: ignore[arg-type]  # stored only through SessionItem's check
        pain_during=row.pain_during,
        pain_before=row.pain_before,
        pain_after=row.pain_after,
        pain_next_morning=row.pain_next_morning,
        rung=row.rung,
    )


@functools.lru_cache(maxsize=4096)
def _prescription(stored: str) -> Prescription:
    """A stored prescription, parsed once per distinct text: a history repeats a handful of them hundreds of
    times, and a Prescription is immutable, so attempts may share one."""
    return Prescription.model_validate_json(stored)


def attempts(runtime: Runtime, user_id: int) -> dict[str, list[dosing.Attempt]]:
    """Every exercise's recent attempts, oldest first (what the dose rules read)."""
    return dose_history(runtime, user_id).attempts


Decide = Callable[[Exercise], dosing.DoseDecision]


def decider(runtime: Runtime, latest: StoredScreen | None, history: DoseHistory) -> Decide:
    """The dose rule for this person on this day: after a check-first screen, a first dose starts gently."""
    gentle = latest is not None and latest.result.clearance == "check-first"

    def decide(exercise: Exercise) -> dosing.DoseDecision:
        ladder = runtime.ladders[exercise.id]
        tried = exercise.id in history.rows
        # The decision reads only these (the exercise and its ladder are the runtime's own): after a change, the
        # exercises whose attempts did not change are looked up, not decided again.
        key = ("dose", exercise.id, history.rows.get(exercise.id, ()), history.on, history.pains)
        decision = runtime.memo.get(
            key,
            lambda: dosing.next_dose(
                exercise, ladder, history.attempts.get(exercise.id, []), on=history.on, pains=history.pains
            ),
        )
        if gentle and decision.decision == "start" and not tried:
            return dosing.gentle_start(exercise, ladder)
        return decision

    return decide


def todays_decider(runtime: Runtime, user_id: int) -> Decide:
    """Today's dose rule for this person, without the safety gate (for recording what was already done)."""
    return decider(runtime, latest_screen(runtime, user_id), dose_history(runtime, user_id))


def next_dose(runtime: Runtime, user_id: int, exercise: Exercise, on: dt.date | None = None) -> dosing.DoseDecision:
    """The exercise's next dose. One the safety screen leaves out rests, with the screen's reason: plans leave it
    out, and asking for its dose must not suggest otherwise."""
    latest = ensure_allowed(runtime, user_id)
    decision = decider(runtime, latest, dose_history(runtime, user_id, on))(exercise)
    left_out = next((e for e in (latest.result.exclusions if latest else []) if e.exercise == exercise.id), None)
    if left_out is not None:
        reason = f"Left out of your plans by your safety check: {left_out.reason}."
        return dataclasses.replace(decision, decision="rest", reason=reason)
    return decision


def rung_exercise(runtime: Runtime, exercise_id: str, rung_id: str | None) -> Exercise:
    """The exercise as a rung of its ladder is done (its own name and steps): what the player, timeline and
    handouts show. An unknown or missing rung is the standard exercise."""
    exercise = runtime.catalogue.get(exercise_id)
    ladder = runtime.ladders[exercise_id]
    if rung_id is None or rung_id not in ladder:
        return exercise
    return ladders.rung_exercise(exercise, ladder.get(rung_id))


@dataclass(frozen=True)
class PlanSnapshot:
    """A plan with what it was built from: the person's revision, read in the same transaction as everything the
    plan depends on, and the instant it may change with nothing written (the person's next midnight, or the moment
    the latest safety screen expires). Until then, the same revision means the same plan: what caches trust."""

    plan: Plan
    revision: int
    valid_until: dt.datetime
    program: Prescribed | None = None
    """The clinician's program the plan follows, on a day it is due."""


def make_plan(runtime: Runtime, user_id: int, request: PlanRequest, on: dt.date | None = None) -> Plan:
    """The plan for `on` (default today): gated by the safety screen, shaped by its answers, dosed from the
    person's history on each exercise's ladder."""
    return plan_snapshot(runtime, user_id, request, on).plan


def plan_snapshot(
    runtime: Runtime,
    user_id: int,
    request: PlanRequest | None = None,
    on: dt.date | None = None,
    *,
    minutes: int | None = None,
    equipment: frozenset[Equipment] | None = None,
    floor: bool | None = None,
    level: PlanLevel | None = None,
) -> PlanSnapshot:
    """`make_plan`, read in one transaction, with its revision and how long it holds. Without a `request`, the
    saved preferences with any option given over them."""
    now = runtime.now()
    with runtime.unit(user_id) as repo:
        # The preferences are read even with a request given: the person's time zone says which day "today" is.
        revision, stored_preferences = repo.revision_and_preferences()
        saved = preferences.restore(stored_preferences)
        zone = preferences.zone_of(runtime, saved)
        stored = repo.latest_screening()
        if request is None:
            request = saved.request(minutes=minutes, equipment=equipment, floor=floor, level=level)
        latest = restored(runtime, stored) if stored else None
        check_screen(latest)
        history = read_dose_history(runtime, repo, on, zone)
        followed = following(repo, history.on)
    if followed is not None:
        plan = _program_plan(runtime, request, followed, latest, history, now)
        if plan is not None:
            return PlanSnapshot(plan, revision, _valid_until(runtime, latest, now, zone), followed)
    plan = _plan(runtime, request, latest, history, now)
    return PlanSnapshot(plan, revision, _valid_until(runtime, latest, now, zone))


def _valid_until(
    runtime: Runtime, latest: StoredScreen | None, now: dt.datetime, zone: dt.tzinfo | None
) -> dt.datetime:
    until = runtime.day_ends(zone)
    if latest is not None and not screening.expired(latest.taken_at, now):
        until = min(until, latest.taken_at + dt.timedelta(days=screening.SCREEN_VALID_DAYS))
    return until


def _plan(
    runtime: Runtime, request: PlanRequest, latest: StoredScreen | None, history: DoseHistory, now: dt.datetime
) -> Plan:
    cautions = screen_cautions(latest, now)
    if latest is not None and latest.result.clearance == "check-first" and request.level != "beginner":
        request = PlanRequest(request.minutes, request.equipment, request.floor, "beginner")
    decide = decider(runtime, latest, history)
    catalogue = runtime.catalogue
    decisions = {e.id: decide(e) for e in catalogue}
    resting = [
        Excluded(e.id, e.name, decisions[e.id].reason.rstrip(".")) for e in catalogue if dosing.flagged(decisions[e.id])
    ]
    for left in resting:
        cautions.append(f"{left.name} is resting for now: {left.reason}.")
    cautions += [
        f"{e.name} went over your pain limit twice in a row: today it is {decisions[e.id].name}."
        for e in catalogue
        if decisions[e.id].swapped
    ]
    cleared = latest is None or latest.result.clearance == "clear"
    if (
        request.level == "beginner"
        and cleared
        and runtime.memo.get(
            ("advanced", tuple(history.rows.items()), history.on, history.earliest),
            lambda: dosing.ready_for_advanced(
                catalogue.exercises, runtime.ladders, history.attempts, history.on, history.earliest
            ),
        )
    ):
        cautions.append(
            "You have been comfortable at full dose for two weeks: the advanced exercises are open to you "
            "(choose the advanced level in your plan options)."
        )

    def dose(e: Exercise) -> Dose:
        decision = decisions[e.id]
        changed = decision.decision in ("progress", "regress") or (
            decision.decision == "start" and e.id in history.rows
        )
        return Dose(decision.prescription, decision.rung, decision.name, decision.reason if changed else None)

    doses = {e.id: dose(e) for e in catalogue}
    excluded: list[LeftOut] = [*(latest.result.exclusions if latest else []), *resting]
    # The plan reads only these (and the runtime's own catalogue): a change that leaves every dose as it was (a
    # check-in, a pain score within the limits) finds the plan already built. Plans are never changed once built.
    key = ("plan", request, tuple(doses.items()), tuple(cautions), tuple(excluded))
    return runtime.memo.get(
        key,
        lambda: build_plan(catalogue, request, dose_for=lambda e: doses[e.id], cautions=cautions, excluded=excluded),
    )


def following(repo: UserRepository, on: dt.date) -> Prescribed | None:
    """The clinician's program a plan on `on` follows, if one is due that day."""
    if not PatientPrograms(repo.db, repo.user_id).has_active():
        return None
    return followed_on(active_programs(repo), on)


def _program_plan(
    runtime: Runtime,
    request: PlanRequest,
    followed: Prescribed,
    latest: StoredScreen | None,
    history: DoseHistory,
    now: dt.datetime,
) -> Plan | None:
    """The program's items in the clinician's order, each at today's dose (`prescribed.follow`): after what the
    safety screen leaves out, and without an item the dose rules rest. None when nothing is left to do, so the
    person gets their own plan rather than an empty one."""
    program = followed.program
    cautions = screen_cautions(latest, now)
    title = f"Today follows {program.title!r}, prescribed by {followed.prescribed_by} (version {followed.version})"
    cautions.insert(0, f"{title}: {program.note}" if program.note else f"{title}.")
    if program.sessions_per_day > 1:
        cautions.insert(1, f"Your clinician asks for this {program.sessions_per_day} times a day.")
    screened_out = {e.exercise: e for e in (latest.result.exclusions if latest else [])}
    # Attempts before this version (or the program's start) say nothing about the clinician's new starting point.
    since = max(program.start_date, followed.stored.current.created_at.date())
    excluded: list[LeftOut] = []
    chosen: list[tuple[Exercise, Prescription, str | None]] = []
    for item in program.items:
        exercise = runtime.catalogue.get(item.exercise)
        if item.exercise in screened_out:
            excluded.append(screened_out[item.exercise])
            continue
        ladder = runtime.ladders[item.exercise]
        tries = [a for a in history.attempts.get(item.exercise, []) if a.date >= since]
        decision = dosing.next_dose(exercise, ladder, tries, on=history.on, pains=history.pains)
        today = prescribed.follow(item, exercise, ladder, decision, tried=bool(tries))
        if today.resting:
            reason = (today.reason or "resting for now").rstrip(".")
            excluded.append(Excluded(exercise.id, exercise.name, reason))
            cautions.append(f"{exercise.name} is resting for now: {reason}.")
            continue
        shown = ladders.rung_exercise(exercise, ladder.get(today.rung))
        notes = [n for n in (today.reason, item.note and f"From your clinician: {item.note}") if n]
        notes += resolution_notes(exercise, today.prescription)
        chosen.append((shown, today.prescription, " ".join(notes) or None))
    if not chosen:
        return None
    items: list[PlanItem] = []
    previous: Exercise | None = None
    for shown, dose, note in chosen:
        duration = exercise_duration(shown, dose) + (transition_duration(previous, shown) if previous else 0)
        items.append(
            PlanItem(
                exercise=shown.id,
                rung=shown.rung or shown.id,
                name=shown.name,
                category=shown.category,
                position=shown.position,
                equipment=list(shown.equipment),
                prescription=dose,
                estimated_duration_s=duration,
                note=note,
            )
        )
        previous = shown
    total = sum(i.estimated_duration_s for i in items)
    used = {e for shown, _, _ in chosen for e in shown.equipment}
    return Plan(
        minutes=max(1, math.ceil(total / 60)),
        level=request.level,
        equipment=[e for e in EQUIPMENT if e in used],
        floor=any(shown.floor for shown, _, _ in chosen),
        estimated_duration_s=total,
        items=items,
        cautions=[*cautions, *SAFETY_CAUTIONS],
        excluded=[Excluded(e.exercise, e.name, e.reason) for e in excluded],
    )


def todays_plan(runtime: Runtime, user_id: int) -> Plan:
    """Today's plan with the person's saved options (Today, the Player, the handout)."""
    return plan_snapshot(runtime, user_id).plan
