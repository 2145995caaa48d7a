"""The application's use cases, shared by the CLI and the web app.

`create_coach` is the one place that wires settings, database, clock and content together. Every use case takes
the user it acts for and works through a `UserRepository` scoped to that user.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backcoach import content
from backcoach.domain import dosing, ladders, screening
from backcoach.domain import outcome as psfs
from backcoach.domain.catalogue import Catalogue, Exercise, Prescription
from backcoach.domain.history import (
    HistoryError,
    SessionItem,
    SessionRecord,
    completed,
    export_history,
    parse_history,
)
from backcoach.domain.ladders import Ladder
from backcoach.domain.planner import Dose, Excluded, LeftOut, Plan, PlanRequest, build_plan
from backcoach.domain.progress import ProgressSummary, summarise
from backcoach.domain.screening import Answers, ScreenResult
from backcoach.settings import Settings, load_settings
from backcoach.storage.engine import database_url, ensure_current, make_engine
from backcoach.storage.repository import StoredOutcome, StoredScreen, StoredSession, UserRepository, local_user_id

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Blocked(Exception):
    """The latest safety screen rules out exercise. The message says what to do, in no adapter's words: each
    adapter adds how to record a clinician's clearance or take the screen again."""

    def __init__(self, result: ScreenResult) -> None:
        super().__init__(screening.refusal(result))
        self.result = result


class ScreenNeeded(Exception):
    """A guided session needs a safety screen, and a recent one: none has been taken, or the latest has expired."""

    def __init__(self, taken_at: dt.datetime | None) -> None:
        if taken_at is None:
            message = "Please take the safety check before your first session: it takes about two minutes."
        else:
            message = (
                f"Your last safety check was on {taken_at.date().isoformat()}, more than "
                f"{screening.SCREEN_VALID_DAYS // 7} weeks ago. Please take it again before you start: things "
                "may have changed since."
            )
        super().__init__(message)
        self.taken_at = taken_at


class NotFound(LookupError):
    pass


@dataclass
class Coach:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    catalogue: Catalogue
    ladders: Mapping[str, Ladder]

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        """The person's own calendar day: sessions are dated in local time."""
        return self.clock().astimezone().date()

    @contextmanager
    def unit(self, user_id: int) -> Iterator[UserRepository]:
        """One transaction for one user: everything inside is stored together, or nothing is."""
        with self.sessions.begin() as session:
            yield UserRepository(session, user_id)

    def local_user(self) -> int:
        with self.sessions.begin() as session:
            return local_user_id(session, self.now())

    def dispose(self) -> None:
        self.engine.dispose()


def create_coach(settings: Settings | None = None, clock: Clock = utc_now, migrate: bool = True) -> Coach:
    settings = settings or load_settings()
    engine = make_engine(database_url(settings))
    if migrate:
        ensure_current(engine)
    return Coach(
        settings=settings,
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        clock=clock,
        catalogue=content.catalogue(),
        ladders=content.ladders(),
    )


# The safety screen


def take_screen(coach: Coach, user_id: int, answers: Answers) -> ScreenResult:
    result = screening.evaluate(answers, coach.catalogue)
    with coach.unit(user_id) as repo:
        repo.add_screening(result, answers.to_dict(), coach.now())
    return result


def record_clinician_clearance(coach: Coach, user_id: int, note: str) -> ScreenResult:
    """A clinician's clearance keeps the answers of the screen it follows, so what they ruled out stays out."""
    with coach.unit(user_id) as repo:
        earlier = repo.latest_screening()
        answers = screening.stored_answers(earlier.answers) if earlier else screening.Answers()
        result = screening.clinician_clearance(note, answers, coach.catalogue)
        kept = {k: v for k, v in answers.to_dict().items() if v} if earlier else {}
        repo.add_screening(result, kept, coach.now(), clinician_note=note)
    return result


def _restored(coach: Coach, stored: StoredScreen) -> StoredScreen:
    """A stored screen keeps the level it was given; what its answers leave out is worked out again from them,
    so a change to the catalogue applies at once."""
    answers = screening.stored_answers(stored.answers)
    return dataclasses.replace(stored, result=screening.shaped(stored.result, answers, coach.catalogue))


def latest_screen(coach: Coach, user_id: int) -> StoredScreen | None:
    with coach.unit(user_id) as repo:
        stored = repo.latest_screening()
    return _restored(coach, stored) if stored else None


def ensure_allowed(coach: Coach, user_id: int, *, session: bool = False) -> StoredScreen | None:
    """Raise Blocked while the latest screen is emergency, urgent or see-doctor. A guided `session` also needs a
    screen taken in the last 6 weeks (ScreenNeeded); a plan is only a preview and goes ahead with a caution."""
    latest = latest_screen(coach, user_id)
    if latest is not None and latest.result.blocks:
        raise Blocked(latest.result)
    if session and (latest is None or screening.expired(latest.taken_at, coach.now())):
        raise ScreenNeeded(latest.taken_at if latest else None)
    return latest


# History


def sessions(coach: Coach, user_id: int) -> list[StoredSession]:
    with coach.unit(user_id) as repo:
        return repo.sessions()


def records(coach: Coach, user_id: int) -> list[SessionRecord]:
    """Every session record, oldest first (by date, then as stored)."""
    stored = sessions(coach, user_id)
    return [s.record for s in sorted(stored, key=lambda s: (s.record.date, s.id))]


def import_history(coach: Coach, user_id: int, raw: object) -> int:
    """Validate every session first, then store them all in one transaction: all or nothing."""
    parsed = parse_history(raw, coach.catalogue.exercises)
    for index, record in enumerate(parsed, 1):
        try:
            check_items(coach, record.items)
        except HistoryError as exc:
            raise HistoryError(f"session {index} ({record.date.isoformat()}): {exc}") from None
    with coach.unit(user_id) as repo:
        for record in parsed:
            repo.add_session(record, coach.now())
    return len(parsed)


def export(coach: Coach, user_id: int) -> dict[str, Any]:
    return export_history([s.record for s in sessions(coach, user_id)])


class ItemError(HistoryError):
    """A session item that names an unknown exercise, or a rung not on its exercise's ladder."""

    def __init__(self, index: int, field: str, detail: str) -> None:
        super().__init__(f"field {field!r}: {detail}")
        self.index = index
        self.field = field
        self.detail = detail


def check_items(coach: Coach, items: Iterable[SessionItem]) -> None:
    """Every item names a known exercise, and a rung on that exercise's ladder."""
    for index, item in enumerate(items):
        if item.exercise not in coach.catalogue:
            raise ItemError(index, "exercise", f"unknown exercise {item.exercise!r}")
        ladder = coach.ladders[item.exercise]
        if item.rung is not None and item.rung not in ladder:
            allowed = ", ".join(ladder.ids)
            raise ItemError(index, "rung", f"{item.rung!r} is not a rung of {item.exercise}; allowed: {allowed}")


def add_session(coach: Coach, user_id: int, record: SessionRecord) -> StoredSession:
    check_items(coach, record.items)
    with coach.unit(user_id) as repo:
        return repo.add_session(record, coach.now())


def checkin(coach: Coach, user_id: int, pain: int) -> StoredSession:
    """Record the next-morning pain of the latest session."""
    with coach.unit(user_id) as repo:
        latest = repo.latest_session_id()
        if latest is None:
            raise NotFound("there is no session yet to check in for")
        stored = repo.get_session(latest)
        assert stored is not None
        record = stored.record.model_copy(update={"pain_next_morning": pain})
        updated = repo.replace_session(latest, record)
        assert updated is not None
        return updated


def progress(coach: Coach, user_id: int) -> ProgressSummary:
    return summarise(records(coach, user_id), coach.today())


# Dosing and planning


class DateBeforeHistory(ValueError):
    """A plan or dose asked for a day before the latest session: the rules only look forward."""

    def __init__(self, on: dt.date, latest: dt.date) -> None:
        super().__init__(
            f"date: {on.isoformat()} is before your latest session ({latest.isoformat()}); plan for that day or later"
        )
        self.on = on
        self.latest = latest


@dataclass(frozen=True)
class DoseHistory:
    """What the dose rules read for one day, and no more: each exercise's attempts in the last 6 weeks (and its
    last two however old), the pain before every session of the last 14 days, and the first attempt of all."""

    on: dt.date
    attempts: dict[str, list[dosing.Attempt]]
    pains: list[tuple[dt.date, int]]
    earliest: dt.date | None


def dose_history(coach: Coach, user_id: int, on: dt.date | None = None) -> DoseHistory:
    """The history the dose rules read for `on` (default today). A day before the latest session is refused."""
    day = on or coach.today()
    since = day - dt.timedelta(days=dosing.HISTORY_DAYS)
    with coach.unit(user_id) as repo:
        latest = repo.latest_session_date()
        if on is not None and latest is not None and on < latest:
            raise DateBeforeHistory(on, latest)
        rows, earliest = repo.recent_attempts(since, last=dosing.HISTORY_LAST)
        pains = repo.pains_before(day - dt.timedelta(days=dosing.BASELINE_DAYS))
    found: dict[str, list[dosing.Attempt]] = {}
    for row in rows:
        prescription = Prescription.model_validate(row["prescription"])
        found.setdefault(row["exercise"], []).append(
            dosing.Attempt(
                date=row["date"],
                prescription=prescription,
                completed=completed(prescription, row["completed_reps"], row["completed_sets"]),
                difficulty=row["difficulty"],
                pain_during=row["pain_during"],
                pain_before=row["pain_before"],
                pain_after=row["pain_after"],
                pain_next_morning=row["pain_next_morning"],
                rung=row["rung"],
            )
        )
    return DoseHistory(day, found, pains, earliest)


def attempts(coach: Coach, user_id: int) -> dict[str, list[dosing.Attempt]]:
    """Every exercise's recent attempts, oldest first (what the dose rules read)."""
    return dose_history(coach, user_id).attempts


Decide = Callable[[Exercise], dosing.DoseDecision]


def _decide(coach: Coach, latest: StoredScreen | None, history: DoseHistory) -> Decide:
    """The dose rule for this person on this day: after a check-first screen, a first dose starts gently."""
    gentle = latest is not None and latest.result.clearance == "check-first"

    def decide(exercise: Exercise) -> dosing.DoseDecision:
        ladder = coach.ladders[exercise.id]
        tries = history.attempts.get(exercise.id, [])
        decision = dosing.next_dose(exercise, ladder, tries, on=history.on, pains=history.pains)
        if gentle and decision.decision == "start" and not tries:
            return dosing.gentle_start(exercise, ladder)
        return decision

    return decide


def next_dose(coach: Coach, user_id: int, exercise: Exercise, on: dt.date | None = None) -> dosing.DoseDecision:
    """The exercise's next dose. One the safety screen leaves out rests, with the screen's reason: plans leave it
    out, and asking for its dose must not suggest otherwise."""
    latest = ensure_allowed(coach, user_id)
    decision = _decide(coach, latest, dose_history(coach, user_id, on))(exercise)
    left_out = next((e for e in (latest.result.exclusions if latest else []) if e.exercise == exercise.id), None)
    if left_out is not None:
        reason = f"Left out of your plans by your safety check: {left_out.reason}."
        return dataclasses.replace(decision, decision="rest", reason=reason)
    return decision


def rung_exercise(coach: Coach, exercise_id: str, rung_id: str | None) -> Exercise:
    """The exercise as a rung of its ladder is done (its own name and steps): what the player, timeline and
    handouts show. An unknown or missing rung is the standard exercise."""
    exercise = coach.catalogue.get(exercise_id)
    ladder = coach.ladders[exercise_id]
    if rung_id is None or rung_id not in ladder:
        return exercise
    return ladders.rung_exercise(exercise, ladder.get(rung_id))


def screen_cautions(latest: StoredScreen | None, now: dt.datetime) -> list[str]:
    """What a plan must say because of the safety screen: missing or old, start gently, and every answer that
    changed the plan."""
    if latest is None:
        return [
            "You have not taken the safety check yet. This plan is only a preview: take the check before you "
            "start a session."
        ]
    result = latest.result
    cautions = []
    if screening.expired(latest.taken_at, now):
        cautions.append(
            f"Your last safety check is more than {screening.SCREEN_VALID_DAYS // 7} weeks old. Take it again "
            "before you start a session."
        )
    if result.clearance == "check-first":
        cautions.append(
            "Your safety check asks you to talk to your health care provider first and start gently: plans stay at "
            "beginner level and every exercise starts at the low end of its dose."
        )
        cautions += [r.message for r in result.reasons]
    else:
        cautions += [r.message for r in result.reasons if r.item in screening.PLAN_SHAPING]
    cautions += result.plan_cautions
    if result.exclusions:
        names = ", ".join(e.name for e in result.exclusions)
        cautions.append(f"Left out because of your safety check answers: {names}.")
    return cautions


def make_plan(coach: Coach, user_id: int, request: PlanRequest, on: dt.date | None = None) -> Plan:
    """The plan for `on` (default today): gated by the safety screen, shaped by its answers, dosed from the
    person's history on each exercise's ladder."""
    latest = ensure_allowed(coach, user_id)
    history = dose_history(coach, user_id, on)
    cautions = screen_cautions(latest, coach.now())
    if latest is not None and latest.result.clearance == "check-first" and request.level != "beginner":
        request = PlanRequest(request.minutes, request.equipment, request.floor, "beginner")
    decide = _decide(coach, latest, history)
    decisions = {e.id: decide(e) for e in coach.catalogue}
    resting = [
        Excluded(e.id, e.name, decisions[e.id].reason.rstrip("."))
        for e in coach.catalogue
        if dosing.flagged(decisions[e.id])
    ]
    for left in resting:
        cautions.append(f"{left.name} is resting for now: {left.reason}.")
    cautions += [
        f"{e.name} went over your pain limit twice in a row: today it is {decisions[e.id].name}."
        for e in coach.catalogue
        if decisions[e.id].swapped
    ]
    cleared = latest is None or latest.result.clearance == "clear"
    if (
        request.level == "beginner"
        and cleared
        and dosing.ready_for_advanced(
            coach.catalogue.exercises, coach.ladders, history.attempts, history.on, history.earliest
        )
    ):
        cautions.append(
            "You have been comfortable at full dose for two weeks: the advanced exercises are open to you "
            "(choose the advanced level in your plan options)."
        )

    def dose_for(e: Exercise) -> Dose:
        decision = decisions[e.id]
        changed = decision.decision in ("progress", "regress") or (
            decision.decision == "start" and e.id in history.attempts
        )
        return Dose(decision.prescription, decision.rung, decision.name, decision.reason if changed else None)

    excluded: list[LeftOut] = [*(latest.result.exclusions if latest else []), *resting]
    return build_plan(coach.catalogue, request, dose_for=dose_for, cautions=cautions, excluded=excluded)


LoggedItem = tuple[str, int, int, str, int | None]
"""(exercise id, repetitions done, sets done, difficulty, pain during)"""


def log_session(
    coach: Coach, user_id: int, *, date: dt.date, pain_before: int, pain_after: int, done: list[LoggedItem]
) -> StoredSession:
    """A session done away from the app; each item's prescription is the dose backcoach would have given."""
    decide = _decide(coach, latest_screen(coach, user_id), dose_history(coach, user_id))
    items = []
    for exercise_id, reps, sets, difficulty, pain in done:
        planned = decide(coach.catalogue.get(exercise_id))
        items.append(
            session_item(
                exercise_id,
                rung=planned.rung,
                prescription=planned.prescription,
                completed_reps=reps,
                completed_sets=sets,
                difficulty=difficulty,
                pain_during=pain,
            )
        )
    record = SessionRecord(date=date, pain_before=pain_before, pain_after=pain_after, items=items)
    return add_session(coach, user_id, record)


def session_item(
    exercise_id: str,
    *,
    rung: str | None = None,
    prescription: Prescription,
    completed_reps: int,
    completed_sets: int,
    difficulty: str,
    pain_during: int | None,
) -> SessionItem:
    return SessionItem.model_validate(
        {
            "exercise": exercise_id,
            "rung": rung,
            "prescription": prescription,
            "completed_reps": completed_reps,
            "completed_sets": completed_sets,
            "difficulty": difficulty,
            "pain_during": pain_during,
        }
    )


# Guided sessions


def begin_session(coach: Coach, user_id: int, pain_before: int) -> int:
    """Open today's session record before the first exercise, so that nothing done is ever lost."""
    record = SessionRecord(date=coach.today(), pain_before=pain_before, partial=True)
    with coach.unit(user_id) as repo:
        return repo.add_session(record, coach.now()).id


def save_exercise(coach: Coach, user_id: int, session_id: int, item: SessionItem) -> None:
    """Store one finished exercise right away, in its own transaction."""
    check_items(coach, [item])
    with coach.unit(user_id) as repo:
        if repo.add_item(session_id, item) is None:
            raise NotFound(f"session {session_id} does not exist")


def finish_session(
    coach: Coach,
    user_id: int,
    session_id: int,
    *,
    pain_after: int | None,
    difficulties: dict[int, str],
    partial: bool,
) -> StoredSession:
    """Close a guided session: pain after, how each exercise felt, and whether it was done in full."""
    with coach.unit(user_id) as repo:
        stored = repo.get_session(session_id)
        if stored is None:
            raise NotFound(f"session {session_id} does not exist")
        items = [
            item.model_copy(update={"difficulty": difficulties.get(i, item.difficulty)})
            for i, item in enumerate(stored.record.items)
        ]
        record = SessionRecord.model_validate(
            {
                **stored.record.model_dump(),
                "items": [i.model_dump() for i in items],
                "pain_after": pain_after,
                "partial": partial or pain_after is None,
            }
        )
        updated = repo.replace_session(session_id, record)
        assert updated is not None
        return updated


def record_red_flag(coach: Coach, user_id: int) -> ScreenResult:
    """A new warning sign reported at the pre-session check: saved as an emergency screen, which blocks exercise
    until a newer screen is clear or a clinician's clearance is recorded."""
    result = screening.pre_session_red_flag()
    with coach.unit(user_id) as repo:
        repo.add_screening(result, {"pre_session_red_flag": True}, coach.now())
    return result


# Outcomes: the Patient-Specific Functional Scale
#
# The weekly check of three activities the person chose (see backcoach.domain.outcome and docs/outcome.md).

# Imported here rather than in the block at the top so that this section stays self-contained.

FUTURE_LEEWAY_DAYS = 1
"""A check may be dated up to a day ahead of the server's calendar: the person's own day may already have begun."""


@dataclass(frozen=True)
class RecordedOutcome:
    stored: StoredOutcome
    restarted: list[str]
    """Activities the previous check did not have: their comparisons start again from this check."""


def check_outcome_date(coach: Coach, record: psfs.OutcomeRecord) -> None:
    latest_allowed = coach.today() + dt.timedelta(days=FUTURE_LEEWAY_DAYS)
    if record.date > latest_allowed:
        raise psfs.OutcomeError(("date",), f"cannot be in the future (today is {coach.today().isoformat()})")


def record_outcome(coach: Coach, user_id: int, record: psfs.OutcomeRecord) -> RecordedOutcome:
    check_outcome_date(coach, record)
    with coach.unit(user_id) as repo:
        previous = repo.latest_outcome()
        stored = repo.add_outcome(record, coach.now())
    restarted = psfs.changed_activities(previous.record if previous else None, record)
    return RecordedOutcome(stored, restarted)


def outcomes(coach: Coach, user_id: int) -> list[StoredOutcome]:
    """Every weekly check, oldest first."""
    with coach.unit(user_id) as repo:
        return repo.outcomes()


def latest_outcome(coach: Coach, user_id: int) -> StoredOutcome | None:
    with coach.unit(user_id) as repo:
        return repo.latest_outcome()


def outcome_due(coach: Coach, user_id: int) -> bool:
    """None yet, or the latest is a week old by the person's own calendar."""
    latest = latest_outcome(coach, user_id)
    return psfs.is_due([latest.record] if latest else [], coach.today())


def outcome_summary(coach: Coach, user_id: int) -> psfs.OutcomeSummary:
    return psfs.summarise([s.record for s in outcomes(coach, user_id)], coach.today())


def outcome_report(coach: Coach, user_id: int) -> dict[str, Any]:
    """Every check with its changes, as `backcoach outcome history --json` and `GET /api/v1/outcomes` give it."""
    stored = outcomes(coach, user_id)
    summary = psfs.summarise([s.record for s in stored], coach.today())
    return {**summary.to_dict(), "outcomes": [s.to_dict() for s in stored]}
