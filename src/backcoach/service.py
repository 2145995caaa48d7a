"""The application's use cases, shared by the CLI and the web app.

`create_coach` is the one place that wires settings, database, clock and content together. Every use case takes
the user it acts for and works through a `UserRepository` scoped to that user.
"""

from __future__ import annotations

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
    """The latest safety screen rules out exercise; the message says what to do."""


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
    result = screening.evaluate(answers)
    with coach.unit(user_id) as repo:
        repo.add_screening(result, answers.to_dict(), coach.now())
    return result


def record_clinician_clearance(coach: Coach, user_id: int, note: str) -> ScreenResult:
    result = screening.clinician_clearance(note)
    with coach.unit(user_id) as repo:
        repo.add_screening(result, {}, coach.now(), clinician_note=note)
    return result


def latest_screen(coach: Coach, user_id: int) -> StoredScreen | None:
    with coach.unit(user_id) as repo:
        return repo.latest_screening()


def ensure_allowed(coach: Coach, user_id: int) -> StoredScreen | None:
    """Raise Blocked while the latest screen is emergency or see-doctor; return the screen otherwise."""
    latest = latest_screen(coach, user_id)
    if latest is not None and latest.result.blocks:
        raise Blocked(
            screening.refusal(latest.result)
            + ' Once a clinician has cleared you, record it with: backcoach screen --cleared-by-clinician "note"'
            + " (or take the screen again if things have changed)."
        )
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


def next_dose(coach: Coach, user_id: int, exercise: Exercise) -> dosing.DoseDecision:
    ensure_allowed(coach, user_id)
    return dosing.next_dose(exercise, attempts(coach, user_id).get(exercise.id, []))


def make_plan(coach: Coach, user_id: int, request: PlanRequest) -> Plan:
    """Today's plan: gated by the safety screen, dosed from the person's history."""
    latest = ensure_allowed(coach, user_id)
    tries, earliest = _recent(coach, user_id)
    cautions: list[str] = []
    if latest is None:
        cautions.append("You have not taken the safety screen yet: run `backcoach screen` before you start.")
    elif latest.result.clearance == "check-first":
        if request.level != "beginner":
            request = PlanRequest(request.minutes, request.equipment, request.floor, "beginner")
        cautions += [f"Beginner level only: {r.message}" for r in latest.result.reasons]
    for exercise_id, history in sorted(tries.items()):
        if dosing.needs_review(history) and exercise_id in coach.catalogue:
            name = coach.catalogue.get(exercise_id).name
            cautions.append(
                f"{name} has hurt two sessions in a row. Please ask a physiotherapist or doctor to review it "
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
            "(backcoach plan --level advanced)."
        )

    def dose_for(e: Exercise) -> Prescription:
        return dosing.next_dose(e, tries.get(e.id, [])).prescription

    return build_plan(coach.catalogue, request, dose_for=dose_for, cautions=cautions)


LoggedItem = tuple[str, int, int, str, int | None]
"""(exercise id, repetitions done, sets done, difficulty, pain during)"""


def log_session(
    coach: Coach, user_id: int, *, date: dt.date, pain_before: int, pain_after: int, done: list[LoggedItem]
) -> StoredSession:
    """A session done away from the app; each item's prescription is the dose backcoach would have given."""
    tries = attempts(coach, user_id)
    items = []
    for exercise_id, reps, sets, difficulty, pain in done:
        exercise = coach.catalogue.get(exercise_id)
        planned = dosing.next_dose(exercise, tries.get(exercise_id, [])).prescription
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
