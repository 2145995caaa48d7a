"""The application's use cases, shared by the CLI and the web app.

`create_coach` is the one place that wires settings, database, clock and content together. Every use case takes
the user it acts for and works through a `UserRepository` scoped to that user.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backcoach import content
from backcoach.domain import dosing, screening
from backcoach.domain.catalogue import Catalogue, Exercise, Prescription
from backcoach.domain.history import HistoryError, SessionItem, SessionRecord, export_history, parse_history
from backcoach.domain.planner import Plan, PlanRequest, build_plan
from backcoach.domain.progress import ProgressSummary, summarise
from backcoach.domain.screening import Answers, ScreenResult
from backcoach.settings import Settings, load_settings
from backcoach.storage.engine import database_url, ensure_current, make_engine
from backcoach.storage.repository import StoredScreen, StoredSession, UserRepository, local_user_id

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
    result = stored.result
    restored = ScreenResult(
        result.clearance,
        result.reasons,
        result.advice,
        screening.exclusions(answers, coach.catalogue),
        [screening.PREGNANCY_CAUTION] if "pregnant_or_recent_birth" in answers.flags else [],
    )
    return dataclasses.replace(stored, result=restored)


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
    with coach.unit(user_id) as repo:
        for record in parsed:
            repo.add_session(record, coach.now())
    return len(parsed)


def export(coach: Coach, user_id: int) -> dict[str, Any]:
    return export_history([s.record for s in sessions(coach, user_id)])


def add_session(coach: Coach, user_id: int, record: SessionRecord) -> StoredSession:
    unknown = [i.exercise for i in record.items if i.exercise not in coach.catalogue]
    if unknown:
        raise HistoryError(f"field 'exercise': unknown exercise {unknown[0]!r}")
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


def attempts(coach: Coach, user_id: int) -> dict[str, list[dosing.Attempt]]:
    """Every exercise's recent attempts, oldest first: its last two, and all from the last two weeks (what the
    dose rules read; a plan no longer loads a person's whole history)."""
    return _recent(coach, user_id)[0]


def _recent(coach: Coach, user_id: int) -> tuple[dict[str, list[dosing.Attempt]], dt.date | None]:
    since = coach.today() - dt.timedelta(days=dosing.ADVANCED_AFTER_DAYS)
    with coach.unit(user_id) as repo:
        rows, earliest = repo.recent_attempts(since, last=dosing.REVIEW_AFTER_REGRESSIONS)
    found: dict[str, list[dosing.Attempt]] = {}
    for row in rows:
        prescription = Prescription.model_validate(row["prescription"])
        item = SessionItem(
            exercise=row["exercise"],
            prescription=prescription,
            completed_reps=row["completed_reps"],
            completed_sets=row["completed_sets"],
            difficulty=row["difficulty"],
            pain_during=row["pain_during"],
        )
        found.setdefault(row["exercise"], []).append(
            dosing.Attempt(
                date=row["date"],
                prescription=prescription,
                completed=item.completed,
                difficulty=item.difficulty,
                pain_during=row["pain_during"],
                pain_before=row["pain_before"],
                pain_next_morning=row["pain_next_morning"],
            )
        )
    return found, earliest


def _decide(latest: StoredScreen | None) -> Callable[[Exercise, list[dosing.Attempt]], dosing.DoseDecision]:
    """The dose rule for this person: after a check-first screen, a first dose starts at the low end."""
    gentle = latest is not None and latest.result.clearance == "check-first"

    def decide(exercise: Exercise, tries: list[dosing.Attempt]) -> dosing.DoseDecision:
        decision = dosing.next_dose(exercise, tries)
        if gentle and decision.decision == "start":
            return dosing.gentle_start(exercise)
        return decision

    return decide


def next_dose(coach: Coach, user_id: int, exercise: Exercise) -> dosing.DoseDecision:
    latest = ensure_allowed(coach, user_id)
    return _decide(latest)(exercise, attempts(coach, user_id).get(exercise.id, []))


PLAN_CHANGING = frozenset(
    {"worse_bending_forward", "worse_bending_backward", "osteoporosis_or_steroids", "pregnant_or_recent_birth"}
)


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
        cautions += [r.message for r in result.reasons if r.item in PLAN_CHANGING]
    cautions += result.plan_cautions
    if result.exclusions:
        names = ", ".join(e.name for e in result.exclusions)
        cautions.append(f"Left out because of your safety check answers: {names}.")
    return cautions


def make_plan(coach: Coach, user_id: int, request: PlanRequest) -> Plan:
    """Today's plan: gated by the safety screen, shaped by its answers, dosed from the person's history."""
    latest = ensure_allowed(coach, user_id)
    tries, earliest = _recent(coach, user_id)
    cautions = screen_cautions(latest, coach.now())
    if latest is not None and latest.result.clearance == "check-first" and request.level != "beginner":
        request = PlanRequest(request.minutes, request.equipment, request.floor, "beginner")
    for exercise_id, history in sorted(tries.items()):
        if dosing.needs_review(history) and exercise_id in coach.catalogue:
            name = coach.catalogue.get(exercise_id).name
            cautions.append(
                f"{name} has hurt two sessions in a row. Please ask a physical therapist or doctor to review it "
                "before you carry on with it."
            )
    cleared = latest is None or latest.result.clearance == "clear"
    if (
        request.level == "beginner"
        and cleared
        and dosing.ready_for_advanced(coach.catalogue.exercises, tries, coach.today(), earliest)
    ):
        cautions.append(
            "You have been comfortable at full dose for two weeks: the advanced exercises are open to you "
            "(choose the advanced level in your plan options)."
        )
    decide = _decide(latest)

    def dose_for(e: Exercise) -> Prescription:
        return decide(e, tries.get(e.id, [])).prescription

    excluded = latest.result.exclusions if latest else []
    return build_plan(coach.catalogue, request, dose_for=dose_for, cautions=cautions, excluded=excluded)


LoggedItem = tuple[str, int, int, str, int | None]
"""(exercise id, repetitions done, sets done, difficulty, pain during)"""


def log_session(
    coach: Coach, user_id: int, *, date: dt.date, pain_before: int, pain_after: int, done: list[LoggedItem]
) -> StoredSession:
    """A session done away from the app; each item's prescription is the dose backcoach would have given."""
    tries = attempts(coach, user_id)
    decide = _decide(latest_screen(coach, user_id))
    items = []
    for exercise_id, reps, sets, difficulty, pain in done:
        exercise = coach.catalogue.get(exercise_id)
        planned = decide(exercise, tries.get(exercise_id, [])).prescription
        items.append(
            session_item(
                exercise_id,
                prescription=planned,
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
    prescription: Prescription,
    completed_reps: int,
    completed_sets: int,
    difficulty: str,
    pain_during: int | None,
) -> SessionItem:
    return SessionItem.model_validate(
        {
            "exercise": exercise_id,
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
    """Store one finished exercise straight away, in its own transaction."""
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
from backcoach.domain import outcome as psfs  # noqa: E402
from backcoach.storage.repository import StoredOutcome  # noqa: E402

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
