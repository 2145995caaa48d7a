"""Repositories. `UserRepository` is built for one user and filters every query by that user, so no query can
forget the filter (the same invariant the web app's isolation tests check from the outside)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Text, bindparam, cast, delete, exists, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, selectinload

from backcoach.domain.history import SessionItem, SessionRecord, StoredSession
from backcoach.domain.outcome import OutcomeRecord, StoredOutcome
from backcoach.domain.screening import CLEARANCES, Reason, ScreenResult, StoredScreen
from backcoach.storage.models import (
    AccessLogRow,
    AuthToken,
    Base,
    CareLink,
    OutcomeRow,
    Screening,
    SessionItemRow,
    SessionRow,
    SignInAttempt,
    User,
)


@dataclass(frozen=True)
class Credentials:
    user_id: int
    email: str
    password_hash: str | None


@dataclass(frozen=True)
class StoredToken:
    user_id: int
    email: str | None
    csrf: str | None
    expires_at: dt.datetime
    revision: int
    """The person's revision when the token was checked: what anything cached for them is keyed on."""


class AttemptRow(NamedTuple):
    """One session item with its session's date and pains: a row of what the dose rules read."""

    exercise: str
    rung: str | None
    prescription: str
    """The prescription as the JSON text stored: prescriptions repeat, so the caller parses each text once."""
    completed_reps: int
    completed_sets: int
    difficulty: str
    pain_during: int | None
    date: dt.date
    pain_before: int
    pain_after: int | None
    pain_next_morning: int | None


_ATTEMPT = (
    SessionItemRow.exercise,
    SessionItemRow.rung,
    cast(SessionItemRow.prescription, Text),
    SessionItemRow.completed_reps,
    SessionItemRow.completed_sets,
    SessionItemRow.difficulty,
    SessionItemRow.pain_during,
    SessionRow.date,
    SessionRow.pain_before,
    SessionRow.pain_after,
    SessionRow.pain_next_morning,
)
# Built once: composing a statement costs more than running it, and a plan after every change runs these.
_RECENT = (
    select(*_ATTEMPT)
    .join(SessionRow, SessionRow.id == SessionItemRow.session_id)
    .where(SessionRow.user_id == bindparam("user"), SessionRow.date > bindparam("since"))
    .order_by(SessionRow.date, SessionRow.id, SessionItemRow.position)
)
_RANKED = (
    select(
        *_ATTEMPT,
        func.row_number()
        .over(
            partition_by=SessionItemRow.exercise,
            order_by=(SessionRow.date.desc(), SessionRow.id.desc(), SessionItemRow.position.desc()),
        )
        .label("n"),
    )
    .join(SessionRow, SessionRow.id == SessionItemRow.session_id)
    .where(
        SessionItemRow.user_id == bindparam("user"),
        SessionItemRow.exercise.in_(bindparam("exercises", expanding=True)),
        SessionRow.date <= bindparam("since"),
    )
    .subquery()
)
_OLDER = select(_RANKED).where(_RANKED.c.n <= bindparam("last")).order_by(_RANKED.c.date, _RANKED.c.n.desc())
_PAINS = (
    select(SessionRow.date, SessionRow.pain_before)
    .where(SessionRow.user_id == bindparam("user"), SessionRow.date >= bindparam("since"))
    .order_by(SessionRow.date, SessionRow.id)
)
_LATEST_DATE = select(func.max(SessionRow.date)).where(SessionRow.user_id == bindparam("user"))
_LATEST_SCREEN = (
    select(Screening)
    .where(Screening.user_id == bindparam("user"))
    .order_by(Screening.taken_at.desc(), Screening.id.desc())
    .limit(1)
)
_PREFERENCES = select(User.preferences).where(User.id == bindparam("user"))
_EARLIEST = (
    select(SessionRow.date)
    .where(SessionRow.user_id == bindparam("user"), exists().where(SessionItemRow.session_id == SessionRow.id))
    .order_by(SessionRow.date)
    .limit(1)
)


_TOKEN = (
    select(AuthToken.user_id, User.email, AuthToken.csrf, AuthToken.expires_at, User.revision)
    .join(User, User.id == AuthToken.user_id)
    .where(AuthToken.token_hash == bindparam("hash"), AuthToken.kind == bindparam("kind"))
)
_REVISION = select(User.revision).where(User.id == bindparam("user"))

# The writes every session makes, on the tables rather than the mapped classes: an ORM-enabled INSERT or UPDATE
# builds its statement, its cache key and (for an UPDATE) an evaluator for the objects in the session on every call,
# which cost about five times the statement itself (py-spy, issue 13).
_users, _sessions, _items = (Base.metadata.tables[t.__tablename__] for t in (User, SessionRow, SessionItemRow))
_TOUCH = update(_users).where(_users.c.id == bindparam("user")).values(revision=_users.c.revision + 1)
_ADD_SESSION = insert(_sessions).returning(_sessions.c.id)
_ADD_ITEMS = insert(_items)


class Lookups:
    """The reads every request makes (who a token signs in, and their revision), on a plain connection: one
    indexed row each, with no unit of work or ORM objects around it, which would cost more than the read."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def token(self, token_hash: str, kind: str) -> StoredToken | None:
        row = self.conn.execute(_TOKEN, {"hash": token_hash, "kind": kind}).first()
        return StoredToken(*row) if row is not None else None

    def revision(self, user_id: int) -> int:
        found = self.conn.execute(_REVISION, {"user": user_id}).scalar()
        return found if found is not None else 0


_ACTIVE_LINK = (
    select(func.coalesce(User.display_name, User.email))
    .select_from(CareLink)
    .join(User, User.id == CareLink.clinician_id)
    .where(
        CareLink.clinician_id == bindparam("clinician"),
        CareLink.patient_id == bindparam("patient"),
        CareLink.ended_at.is_(None),
        User.role == "clinician",
    )
    .limit(1)
)
_LOG_ACCESS = insert(Base.metadata.tables[AccessLogRow.__tablename__])


class CareRepository:
    """A clinician's way to a patient's record: only through a care link the patient accepted and has not ended
    (the isolation invariant of clinician mode, docs/clinician.md)."""

    def __init__(self, db: Session, clinician_id: int) -> None:
        self.db = db
        self.clinician_id = clinician_id

    def active_link(self, patient_id: int) -> str | None:
        """The clinician's name as the patient sees it, if the patient is theirs now; None otherwise (no link, an
        ended one, or someone who is not a clinician)."""
        return self.db.scalar(_ACTIVE_LINK, {"clinician": self.clinician_id, "patient": patient_id})

    def log(self, patient_id: int, name: str, action: str, what: str, at: dt.datetime) -> None:
        """A line of the patient's access log. Written on the connection, not as an ORM change: reading a record is
        not a change to it, so it must not bump the patient's revision (which would drop what is cached for them)."""
        self.db.connection().execute(
            _LOG_ACCESS,
            {
                "patient_id": patient_id,
                "clinician_id": self.clinician_id,
                "clinician_name": name,
                "at": at,
                "action": action,
                "what": what[:200],
            },
        )


class AccountRepository:
    """What is not yet any one person's: finding an account by email or token, counting failed sign-ins."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def local_user_id(self, now: dt.datetime) -> int:
        """The one local user the CLI acts as, created on first use."""
        found = self.db.scalars(select(User.id).where(User.is_local.is_(True)).order_by(User.id).limit(1)).first()
        if found is not None:
            return found
        user = User(is_local=True, created_at=now)
        self.db.add(user)
        self.db.flush()
        return user.id

    def email_taken(self, email: str) -> bool:
        return self.db.scalars(select(User.id).where(User.email == email)).first() is not None

    def add_user(self, email: str, password_hash: str, at: dt.datetime) -> int:
        user = User(email=email, password_hash=password_hash, created_at=at)
        self.db.add(user)
        self.db.flush()
        return user.id

    def credentials(self, email: str) -> Credentials | None:
        user = self.db.scalars(select(User).where(User.email == email)).first()
        if user is None or user.email is None:
            return None
        return Credentials(user.id, user.email, user.password_hash)

    def failures(self, email: str, client: str, since: dt.datetime) -> tuple[int, int, dt.datetime | None]:
        """Failed sign-ins after `since`: for this email, from this client, and the oldest for this email."""
        by_email = self.db.scalar(select(func.count()).where(SignInAttempt.email == email, SignInAttempt.at > since))
        by_client = self.db.scalar(select(func.count()).where(SignInAttempt.client == client, SignInAttempt.at > since))
        oldest = self.db.scalar(
            select(func.min(SignInAttempt.at)).where(SignInAttempt.email == email, SignInAttempt.at > since)
        )
        return by_email or 0, by_client or 0, oldest

    def add_failure(self, email: str, client: str, at: dt.datetime) -> None:
        self.db.add(SignInAttempt(email=email[:320], client=client, at=at))

    def clear_failures(self, email: str) -> None:
        self.db.execute(delete(SignInAttempt).where(SignInAttempt.email == email))

    def add_token(
        self, user_id: int, kind: str, token_hash: str, csrf: str | None, at: dt.datetime, expires_at: dt.datetime
    ) -> None:
        self.db.add(
            AuthToken(
                user_id=user_id, kind=kind, token_hash=token_hash, csrf=csrf, created_at=at, expires_at=expires_at
            )
        )

    def delete_token(self, token_hash: str) -> None:
        self.db.execute(delete(AuthToken).where(AuthToken.token_hash == token_hash))

    def user_for_calendar(self, token: str) -> int | None:
        return self.db.scalars(select(User.id).where(User.calendar_token == token)).first()


def _record(row: SessionRow) -> SessionRecord:
    return SessionRecord.model_validate(
        {
            "date": row.date,
            "pain_before": row.pain_before,
            "pain_after": row.pain_after,
            "pain_next_morning": row.pain_next_morning,
            "partial": row.status == "partial",
            "items": [
                {
                    "exercise": item.exercise,
                    **({"rung": item.rung} if item.rung is not None else {}),
                    "prescription": item.prescription,
                    "completed_reps": item.completed_reps,
                    "completed_sets": item.completed_sets,
                    "difficulty": item.difficulty,
                    "pain_during": item.pain_during,
                }
                for item in row.items
            ],
        }
    )


class UserRepository:
    def __init__(self, db: Session, user_id: int) -> None:
        self.db = db
        self.user_id = user_id

    # The account

    def _user(self) -> User:
        user = self.db.get(User, self.user_id)
        if user is None:
            raise LookupError(f"user {self.user_id} does not exist")
        return user

    def email(self) -> str | None:
        return self._user().email

    def revision(self) -> int:
        """The person's revision; 0 for a person who no longer exists."""
        found = self.db.scalar(_REVISION, {"user": self.user_id})
        return found if found is not None else 0

    def touch(self) -> None:
        """Mark the person's data as changed (`Runtime.unit` calls this after any write)."""
        self.db.execute(_TOUCH, {"user": self.user_id})

    def preferences(self) -> dict[str, Any] | None:
        prefs = self.db.scalar(_PREFERENCES, {"user": self.user_id})
        return dict(prefs) if prefs else None

    def save_preferences(self, prefs: dict[str, Any]) -> None:
        self._user().preferences = prefs

    def calendar_token(self, new: str) -> str:
        """The calendar feed's secret, set to `new` the first time it is asked for."""
        user = self._user()
        if not user.calendar_token:
            user.calendar_token = new
        return user.calendar_token

    def delete_user(self) -> None:
        """The person and, by cascade, every row of theirs."""
        user = self.db.get(User, self.user_id)
        if user is not None:
            self.db.delete(user)

    # Screens

    def screenings(self) -> list[StoredScreen]:
        """Every screen in the order it was stored."""
        rows = self.db.scalars(select(Screening).where(Screening.user_id == self.user_id).order_by(Screening.id))
        return [self._screen(row) for row in rows]

    def add_screening(
        self, result: ScreenResult, answers: dict[str, Any], at: dt.datetime, clinician_note: str | None = None
    ) -> StoredScreen:
        row = Screening(
            user_id=self.user_id,
            taken_at=at,
            answers=answers,
            clearance=result.clearance,
            reasons=[{"item": r.item, "message": r.message} for r in result.reasons],
            advice=result.advice,
            clinician_note=clinician_note,
        )
        self.db.add(row)
        self.db.flush()
        return self._screen(row)

    def latest_screening(self) -> StoredScreen | None:
        row = self.db.scalars(_LATEST_SCREEN, {"user": self.user_id}).first()
        return self._screen(row) if row else None

    def _screen(self, row: Screening) -> StoredScreen:
        clearance = next((c for c in CLEARANCES if c == row.clearance), None)
        if clearance is None:
            raise ValueError(f"screening {row.id} has an unknown clearance {row.clearance!r}")
        reasons = [Reason(r["item"], r["message"]) for r in row.reasons]
        result = ScreenResult(clearance, reasons, row.advice)
        return StoredScreen(row.id, row.taken_at, result, row.answers, row.clinician_note)

    # Sessions

    def add_session(self, record: SessionRecord, at: dt.datetime) -> StoredSession:
        # Two INSERT statements rather than the ORM's unit of work, which cost three times as much for the most
        # frequent write there is.
        session_id = self.db.execute(
            _ADD_SESSION,
            {
                "user_id": self.user_id,
                "date": record.date,
                "pain_before": record.pain_before,
                "pain_after": record.pain_after,
                "pain_next_morning": record.pain_next_morning,
                "status": "partial" if record.partial else "complete",
                "created_at": at,
            },
        ).scalar_one()
        if record.items:
            self.db.execute(_ADD_ITEMS, [self._item_values(session_id, i, item) for i, item in enumerate(record.items)])
        return StoredSession(session_id, record)

    def _item_values(self, session_id: int, position: int, item: SessionItem) -> dict[str, Any]:
        return {
            "session_id": session_id,
            "user_id": self.user_id,
            "position": position,
            "exercise": item.exercise,
            "rung": item.rung,
            "prescription": item.prescription.model_dump(mode="json", exclude_unset=True),
            "completed_reps": item.completed_reps,
            "completed_sets": item.completed_sets,
            "difficulty": item.difficulty,
            "pain_during": item.pain_during,
        }

    def _item_row(self, position: int, item: SessionItem) -> SessionItemRow:
        return SessionItemRow(
            user_id=self.user_id,
            position=position,
            exercise=item.exercise,
            rung=item.rung,
            prescription=item.prescription.model_dump(mode="json", exclude_unset=True),
            completed_reps=item.completed_reps,
            completed_sets=item.completed_sets,
            difficulty=item.difficulty,
            pain_during=item.pain_during,
        )

    def _rows(self) -> list[SessionRow]:
        return list(
            self.db.scalars(
                select(SessionRow)
                .where(SessionRow.user_id == self.user_id)
                .options(selectinload(SessionRow.items))
                .order_by(SessionRow.id)
            )
        )

    def sessions(self) -> list[StoredSession]:
        """Every session in the order it was stored (imports keep the file's order)."""
        return [StoredSession(row.id, _record(row)) for row in self._rows()]

    def _row(self, session_id: int) -> SessionRow | None:
        return self.db.scalars(
            select(SessionRow)
            .where(SessionRow.user_id == self.user_id, SessionRow.id == session_id)
            .options(selectinload(SessionRow.items))
        ).first()

    def get_session(self, session_id: int) -> StoredSession | None:
        row = self._row(session_id)
        return StoredSession(row.id, _record(row)) if row else None

    def replace_session(self, session_id: int, record: SessionRecord) -> StoredSession | None:
        row = self._row(session_id)
        if row is None:
            return None
        row.date = record.date
        row.pain_before = record.pain_before
        row.pain_after = record.pain_after
        row.pain_next_morning = record.pain_next_morning
        row.status = "partial" if record.partial else "complete"
        row.items = [self._item_row(i, item) for i, item in enumerate(record.items)]
        self.db.flush()
        return StoredSession(row.id, record)

    def add_item(self, session_id: int, item: SessionItem) -> StoredSession | None:
        """Append one finished exercise to a session (a guided session saves each one as it finishes)."""
        row = self._row(session_id)
        if row is None:
            return None
        row.items.append(self._item_row(len(row.items), item))
        self.db.flush()
        return StoredSession(row.id, _record(row))

    def delete_session(self, session_id: int) -> bool:
        row = self._row(session_id)
        if row is None:
            return False
        self.db.delete(row)
        self.db.flush()
        return True

    def recent_attempts(
        self, since: dt.date, exercises: Iterable[str], last: int = 2
    ) -> tuple[list[AttemptRow], dt.date | None]:
        """What the dose rules read, and no more: every attempt after `since`, and for each of `exercises` its
        `last` attempts however old, oldest first (by date, then the order stored); and the date of the earliest
        attempt of all.

        Index lookups instead of ranking the person's whole history: the recent sessions by date, then, only for
        the exercises with fewer than `last` recent attempts, their latest older ones (usually none: most of the
        catalogue is never done, or done every week)."""
        # Through the session's connection, not the session: these are plain rows, and the ORM's result handling
        # would cost more than the query (a plan reads every attempt of the last six weeks).
        conn = self.db.connection()
        recent = [AttemptRow._make(row) for row in conn.execute(_RECENT, {"user": self.user_id, "since": since}).all()]
        counts: dict[str, int] = {}
        for row in recent:
            counts[row.exercise] = counts.get(row.exercise, 0) + 1
        wanted = {e: last - counts.get(e, 0) for e in exercises if counts.get(e, 0) < last}
        older: list[AttemptRow] = []
        if wanted:
            found = conn.execute(
                _OLDER, {"user": self.user_id, "since": since, "exercises": list(wanted), "last": last}
            )
            older = [AttemptRow(*row[:-1]) for row in found if row[-1] <= wanted[row[0]]]
        earliest = conn.execute(_EARLIEST, {"user": self.user_id}).scalar()
        return older + recent, earliest

    def pains_before(self, since: dt.date) -> list[tuple[dt.date, int]]:
        """(date, pain before) of every session from `since` on: the dose rules' baseline and weekly check."""
        rows = self.db.connection().execute(_PAINS, {"user": self.user_id, "since": since})
        return [(d, p) for d, p in rows]

    def latest_session_date(self) -> dt.date | None:
        return self.db.connection().execute(_LATEST_DATE, {"user": self.user_id}).scalar()

    def latest_session_id(self) -> int | None:
        return self.db.scalars(
            select(SessionRow.id)
            .where(SessionRow.user_id == self.user_id)
            .order_by(SessionRow.date.desc(), SessionRow.id.desc())
            .limit(1)
        ).first()

    # Weekly checks (the Patient-Specific Functional Scale)

    def add_outcome(self, record: OutcomeRecord, at: dt.datetime) -> StoredOutcome:
        row = OutcomeRow(
            user_id=self.user_id,
            date=record.date,
            activities=[a.model_dump() for a in record.activities],
            created_at=at,
        )
        self.db.add(row)
        self.db.flush()
        return StoredOutcome(row.id, record)

    def _outcome(self, row: OutcomeRow) -> StoredOutcome:
        return StoredOutcome(row.id, OutcomeRecord.model_validate({"date": row.date, "activities": row.activities}))

    def outcomes(self) -> list[StoredOutcome]:
        """Oldest first: by date, then in the order stored."""
        rows = self.db.scalars(
            select(OutcomeRow).where(OutcomeRow.user_id == self.user_id).order_by(OutcomeRow.date, OutcomeRow.id)
        )
        return [self._outcome(row) for row in rows]

    def latest_outcome(self) -> StoredOutcome | None:
        row = self.db.scalars(
            select(OutcomeRow)
            .where(OutcomeRow.user_id == self.user_id)
            .order_by(OutcomeRow.date.desc(), OutcomeRow.id.desc())
            .limit(1)
        ).first()
        return self._outcome(row) if row else None
