"""Repositories. `UserRepository` is built for one user and filters every query by that user, so no query can
forget the filter (the same invariant the web app's isolation tests check from the outside)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Integer,
    String,
    Text,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session, selectinload

from backcoach.domain.clinic import AccessEntry
from backcoach.domain.history import SessionItem, SessionRecord, StoredSession
from backcoach.domain.outcome import OutcomeRecord, StoredOutcome
from backcoach.domain.screening import CLEARANCES, Reason, ScreenResult, StoredScreen
from backcoach.storage.models import (
    AccessLogRow,
    AuthToken,
    Base,
    CareLink,
    ClearanceRow,
    ClinicianNote,
    Invitation,
    OutcomeRow,
    Program,
    ProgramTemplate,
    ProgramVersion,
    Screening,
    SessionItemRow,
    SessionRow,
    SignInAttempt,
    User,
    UTCDateTime,
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
    camera_reps: int | None
    """The repetitions the camera counted, when it measured: they decide whether the attempt was completed."""


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
    # Only the count, out of the JSON in the database: the rest of the measure is never read by the dose rules.
    SessionItemRow.camera["reps"].as_integer().label("camera_reps"),
)
# Built once: composing a statement costs more than running it, and a plan after every change runs these.
_RECENT = (
    select(*_ATTEMPT)
    .join(SessionRow, SessionRow.id == SessionItemRow.session_id)
    .where(SessionRow.user_id == bindparam("user"), SessionRow.date > bindparam("since"))
    .order_by(SessionRow.date, SessionRow.id, SessionItemRow.position)
)
# Each exercise's days before the recent ones, newest first: the dose rules read an exercise's last two days
# (several sessions on one day count as one day), so a day is what is ranked, not an attempt.
_DAY = func.dense_rank().over(partition_by=SessionItemRow.exercise, order_by=SessionRow.date.desc()).label("day")
_OLDER_DAYS = (
    select(*_ATTEMPT, SessionRow.id.label("session"), SessionItemRow.position.label("position"), _DAY)
    .join(SessionRow, SessionRow.id == SessionItemRow.session_id)
    .where(
        SessionItemRow.user_id == bindparam("user"),
        SessionItemRow.exercise.in_(bindparam("exercises", expanding=True)),
        SessionRow.date <= bindparam("since"),
    )
    .subquery()
)
_OLDER = (
    select(*list(_OLDER_DAYS.c)[: len(_ATTEMPT)], _OLDER_DAYS.c.day)
    .where(_OLDER_DAYS.c.day <= bindparam("last"))
    .order_by(_OLDER_DAYS.c.date, _OLDER_DAYS.c.session, _OLDER_DAYS.c.position)
)
_PAINS = (
    select(SessionRow.date, SessionRow.pain_before)
    .where(SessionRow.user_id == bindparam("user"), SessionRow.date >= bindparam("since"))
    .order_by(SessionRow.date, SessionRow.id)
)
_LATEST_DATE = select(func.max(SessionRow.date)).where(SessionRow.user_id == bindparam("user"))
_LATEST_SCREEN = (
    select(
        Screening.id,
        Screening.taken_at,
        Screening.answers,
        Screening.clearance,
        Screening.reasons,
        Screening.advice,
        Screening.clinician_note,
    )
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
# Both ends of the record in one statement: a plan after every change reads them.
_SPAN = select(_LATEST_DATE.scalar_subquery(), _EARLIEST.scalar_subquery())


_TOKEN = (
    select(AuthToken.user_id, User.email, AuthToken.csrf, AuthToken.expires_at, User.revision)
    .join(User, User.id == AuthToken.user_id)
    .where(AuthToken.token_hash == bindparam("hash"), AuthToken.kind == bindparam("kind"))
)
_REVISION = select(User.revision).where(User.id == bindparam("user"))
_REVISION_AND_PREFERENCES = select(User.revision, User.preferences).where(User.id == bindparam("user"))

# The writes every session makes, on the tables rather than the mapped classes: an ORM-enabled INSERT or UPDATE
# builds its statement, its cache key and (for an UPDATE) an evaluator for the objects in the session on every call,
# which cost about five times the statement itself (py-spy, issue 13).
_users, _sessions, _items = (Base.metadata.tables[t.__tablename__] for t in (User, SessionRow, SessionItemRow))
_TOUCH = update(_users).where(_users.c.id == bindparam("user")).values(revision=_users.c.revision + 1)
_ADD_SESSION = insert(_sessions).returning(_sessions.c.id)
_ADD_ITEMS = insert(_items)


def _reader(db: Session) -> Connection:
    """The session's connection, for a plain read of a value or two on every plan: the ORM's statement handling
    costs more than such a read. Flushed first, as the ORM's own reads are, so it sees what this unit changed."""
    db.flush()
    return db.connection()


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
                    **({"camera": item.camera} if item.camera is not None else {}),
                }
                for item in row.items
            ],
        }
    )


def _camera(item: SessionItem) -> dict[str, Any] | None:
    return item.camera.model_dump(mode="json") if item.camera is not None else None


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

    def touch(self) -> None:
        """Mark the person's data as changed (`Runtime.unit` calls this after any write)."""
        self.db.execute(_TOUCH, {"user": self.user_id})

    def preferences(self) -> dict[str, Any] | None:
        prefs = _reader(self.db).execute(_PREFERENCES, {"user": self.user_id}).scalar()
        return dict(prefs) if prefs else None

    def revision_and_preferences(self) -> tuple[int, dict[str, Any] | None]:
        """The person's revision (0 for a person who no longer exists) and their stored preferences, in one read:
        a plan needs both."""
        row = _reader(self.db).execute(_REVISION_AND_PREFERENCES, {"user": self.user_id}).first()
        if row is None:
            return 0, None
        return row[0], dict(row[1]) if row[1] else None

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
        # Its columns through the connection, not a mapped object: every plan reads it, and loading it as an ORM
        # object cost more than the rest of the read (a first plan after a change 5.20 -> 4.88 ms of CPU).
        row = _reader(self.db).execute(_LATEST_SCREEN, {"user": self.user_id}).first()
        return self._screen(row) if row else None

    def _screen(self, row: Screening | Row[Any]) -> StoredScreen:
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
            "camera": _camera(item),
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
            camera=_camera(item),
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

    def recent_attempts(self, since: dt.date, exercises: Iterable[str], last: int = 2) -> list[AttemptRow]:
        """What the dose rules read, and no more: every attempt after `since`, and for each of `exercises` the
        attempts on its `last` days however old (several sessions on one day count as one day), oldest first (by
        date, then the order stored).

        Index lookups instead of ranking the person's whole history: the sessions after `since` by date, then,
        only for the exercises with fewer than `last` days among them, their latest older days (usually none: most
        of the catalogue is never done, or done every week). SQLite finds rows far faster than it hands them to
        Python, so the fewer rows the better: ranking in SQL to return fewer was slower still (measured)."""
        # Through the session's connection, not the session: these are plain rows, and the ORM's result handling
        # would cost more than the query.
        conn = self.db.connection()
        recent = [AttemptRow._make(row) for row in conn.execute(_RECENT, {"user": self.user_id, "since": since}).all()]
        days: dict[str, set[dt.date]] = {}
        for row in recent:
            days.setdefault(row.exercise, set()).add(row.date)
        wanted = {e: last - len(days.get(e, ())) for e in exercises if len(days.get(e, ())) < last}
        older: list[AttemptRow] = []
        if wanted:
            found = conn.execute(
                _OLDER, {"user": self.user_id, "since": since, "exercises": list(wanted), "last": last}
            )
            older = [AttemptRow._make(row[:-1]) for row in found if row[-1] <= wanted[row[0]]]
        return older + recent

    def pains_before(self, since: dt.date) -> list[tuple[dt.date, int]]:
        """(date, pain before) of every session from `since` on: the dose rules' baseline and weekly check."""
        rows = self.db.connection().execute(_PAINS, {"user": self.user_id, "since": since})
        return [(d, p) for d, p in rows]

    def history_span(self) -> tuple[dt.date | None, dt.date | None]:
        """The date of the latest session, and of the first with an exercise in it (None when there is none)."""
        latest, earliest = self.db.connection().execute(_SPAN, {"user": self.user_id}).one()
        return latest, earliest

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


# Clinician mode (docs/clinician.md): invitations and care links, seen from the clinician's side (CareRepository,
# above), the patient's (ConsentRepository) and the operator's (OperatorRepository).

_SIGNED_IN = (
    select(
        AuthToken.user_id,
        User.email,
        AuthToken.csrf,
        AuthToken.expires_at,
        User.revision,
        User.role,
        User.verified_at,
    )
    .join(User, User.id == AuthToken.user_id)
    .where(AuthToken.token_hash == bindparam("hash"), AuthToken.kind == bindparam("kind"))
)


@dataclass(frozen=True)
class SignedInRow:
    """A token's row with the role it carries: who is asking, and whether they may use the clinic's side."""

    user_id: int
    email: str | None
    csrf: str | None
    expires_at: dt.datetime
    revision: int
    role: str
    verified_at: dt.datetime | None


def signed_in(conn: Connection, token_hash: str, kind: str) -> SignedInRow | None:
    """`Lookups.token` with the role and the clinician's verification, in the same one indexed row."""
    row = conn.execute(_SIGNED_IN, {"hash": token_hash, "kind": kind}).first()
    return SignedInRow(*row) if row is not None else None


@dataclass(frozen=True)
class ProfileRow:
    id: int
    email: str | None
    role: str
    display_name: str | None
    profession: str | None
    verified_at: dt.datetime | None

    @property
    def name(self) -> str:
        return self.display_name or self.email or f"user {self.id}"


@dataclass(frozen=True)
class InvitationRow:
    id: int
    clinician_id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None
    declined_at: dt.datetime | None
    revoked_at: dt.datetime | None


@dataclass(frozen=True)
class LinkRow:
    id: int
    clinician: ProfileRow
    accepted_at: dt.datetime
    ended_at: dt.datetime | None
    ended_by: str | None
    shares_notes: bool


def _profile(user: User) -> ProfileRow:
    return ProfileRow(user.id, user.email, user.role, user.display_name, user.profession, user.verified_at)


def _invitation(row: Invitation) -> InvitationRow:
    return InvitationRow(
        row.id, row.clinician_id, row.created_at, row.expires_at, row.used_at, row.declined_at, row.revoked_at
    )


def profile(db: Session, user_id: int) -> ProfileRow | None:
    user = db.get(User, user_id)
    return _profile(user) if user is not None else None


class ClinicRepository(CareRepository):
    """The clinician's own rows: their invitations, and who their patients are now (only the ids and since when:
    a patient's record is reached through `Runtime.care` alone)."""

    def add_invitation(self, code_hash: str, at: dt.datetime, expires_at: dt.datetime) -> InvitationRow:
        row = Invitation(clinician_id=self.clinician_id, code_hash=code_hash, created_at=at, expires_at=expires_at)
        self.db.add(row)
        self.db.flush()
        return _invitation(row)

    def invitations(self) -> list[InvitationRow]:
        rows = self.db.scalars(
            select(Invitation)
            .where(Invitation.clinician_id == self.clinician_id)
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
        return [_invitation(row) for row in rows]

    def revoke_invitation(self, invitation_id: int, at: dt.datetime) -> InvitationRow | None:
        """Withdraw one of this clinician's invitations; None if it is not theirs. A used, declined or already
        revoked one keeps what happened to it."""
        row = self.db.scalars(
            select(Invitation).where(Invitation.id == invitation_id, Invitation.clinician_id == self.clinician_id)
        ).first()
        if row is None:
            return None
        if row.used_at is None and row.declined_at is None and row.revoked_at is None:
            row.revoked_at = at
            self.db.flush()
        return _invitation(row)

    def active_patients(self) -> list[tuple[int, dt.datetime]]:
        """(patient id, accepted at) of every active link, longest-standing first."""
        rows = self.db.execute(
            select(CareLink.patient_id, CareLink.accepted_at)
            .where(CareLink.clinician_id == self.clinician_id, CareLink.ended_at.is_(None))
            .order_by(CareLink.accepted_at, CareLink.id)
        )
        return [(patient, since) for patient, since in rows]

    def link_since(self, patient_id: int) -> dt.datetime | None:
        return self.db.scalar(
            select(CareLink.accepted_at).where(
                CareLink.clinician_id == self.clinician_id,
                CareLink.patient_id == patient_id,
                CareLink.ended_at.is_(None),
            )
        )


class ConsentRepository:
    """The patient's side of clinician mode: accepting or declining an invitation, their links, their access log.
    Every query is filtered by the one patient, as `UserRepository`'s are."""

    def __init__(self, db: Session, patient_id: int) -> None:
        self.db = db
        self.patient_id = patient_id

    def invitation(self, code_hash: str) -> InvitationRow | None:
        """Any clinician's invitation by its code's hash: holding the code is what entitles the patient to it."""
        row = self.db.scalars(select(Invitation).where(Invitation.code_hash == code_hash).with_for_update()).first()
        return _invitation(row) if row is not None else None

    def mark_invitation(self, invitation_id: int, at: dt.datetime, used: bool) -> None:
        row = self.db.get(Invitation, invitation_id)
        if row is None:
            raise LookupError(f"invitation {invitation_id} does not exist")
        if used:
            row.used_at, row.used_by = at, self.patient_id
        else:
            row.declined_at = at

    def active_link_to(self, clinician_id: int) -> bool:
        found = self.db.scalar(
            select(CareLink.id).where(
                CareLink.patient_id == self.patient_id,
                CareLink.clinician_id == clinician_id,
                CareLink.ended_at.is_(None),
            )
        )
        return found is not None

    def add_link(self, clinician_id: int, invitation_id: int, at: dt.datetime) -> int:
        row = CareLink(
            clinician_id=clinician_id, patient_id=self.patient_id, invitation_id=invitation_id, accepted_at=at
        )
        self.db.add(row)
        self.db.flush()
        return row.id

    def links(self) -> list[LinkRow]:
        """Every link, active first, then newest first."""
        rows = self.db.execute(
            select(CareLink, User)
            .join(User, User.id == CareLink.clinician_id)
            .where(CareLink.patient_id == self.patient_id)
            .order_by(CareLink.ended_at.is_not(None), CareLink.accepted_at.desc(), CareLink.id.desc())
        )
        return [
            LinkRow(link.id, _profile(user), link.accepted_at, link.ended_at, link.ended_by, link.shares_notes)
            for link, user in rows
        ]

    def _link(self, link_id: int) -> CareLink | None:
        return self.db.scalars(
            select(CareLink).where(CareLink.id == link_id, CareLink.patient_id == self.patient_id)
        ).first()

    def end_link(self, link_id: int, at: dt.datetime) -> bool:
        """End one of the patient's links now; False if it is not theirs. Ending an ended link keeps its end."""
        link = self._link(link_id)
        if link is None:
            return False
        if link.ended_at is None:
            link.ended_at, link.ended_by = at, "patient"
            self.db.flush()
        return True

    def set_shares_notes(self, link_id: int, shares: bool) -> bool:
        link = self._link(link_id)
        if link is None:
            return False
        link.shares_notes = shares
        self.db.flush()
        return True

    def access_log(self) -> list[AccessEntry]:
        """Newest first."""
        rows = self.db.scalars(
            select(AccessLogRow)
            .where(AccessLogRow.patient_id == self.patient_id)
            .order_by(AccessLogRow.at.desc(), AccessLogRow.id.desc())
        )
        return [AccessEntry(row.at, row.clinician_name, row.action, row.what) for row in rows]


class OperatorRepository:
    """What only the operator of a server does, from its command line: verifying a clinician."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def set_profile(self, user_id: int, role: str, display_name: str | None, profession: str | None) -> None:
        user = self.db.get(User, user_id)
        if user is None:
            raise LookupError(f"user {user_id} does not exist")
        user.role, user.display_name, user.profession = role, display_name, profession

    def verify_clinician(self, email: str, at: dt.datetime) -> ProfileRow | None:
        """Mark the clinician with this email verified (keeping the first date); None if there is no such clinician."""
        user = self.db.scalars(select(User).where(User.email == email, User.role == "clinician")).first()
        if user is None:
            return None
        if user.verified_at is None:
            user.verified_at = at
            self.db.flush()
        return _profile(user)


# Prescribed programs and templates (clinician mode): `PatientPrograms` is built for one patient and `Templates`
# for one clinician; each filters every query by its one person, as `UserRepository` does.


@dataclass(frozen=True)
class StoredVersion:
    id: int
    version: int
    body: dict[str, Any]
    created_at: dt.datetime
    clinician_name: str
    sessions: int
    """How many of the patient's sessions followed this version."""


@dataclass(frozen=True)
class StoredProgram:
    id: int
    clinician_id: int | None
    title: str
    created_at: dt.datetime
    ended_at: dt.datetime | None
    versions: list[StoredVersion]
    """Oldest first; the last is the current one."""

    @property
    def current(self) -> StoredVersion:
        return self.versions[-1]


@dataclass(frozen=True)
class StoredTemplate:
    id: int
    name: str
    body: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


_HAS_ACTIVE = select(Program.id).where(Program.patient_id == bindparam("patient"), Program.ended_at.is_(None)).limit(1)


class PatientPrograms:
    def __init__(self, db: Session, patient_id: int) -> None:
        self.db = db
        self.patient_id = patient_id

    def _versions(self, program_ids: list[int]) -> dict[int, list[StoredVersion]]:
        if not program_ids:
            return {}
        found_counts = self.db.execute(
            select(SessionRow.program_version_id, func.count())
            .where(SessionRow.user_id == self.patient_id, SessionRow.program_version_id.is_not(None))
            .group_by(SessionRow.program_version_id)
        )
        counts: dict[int | None, int] = dict(found_counts.all())
        rows = self.db.scalars(
            select(ProgramVersion)
            .where(ProgramVersion.patient_id == self.patient_id, ProgramVersion.program_id.in_(program_ids))
            .order_by(ProgramVersion.program_id, ProgramVersion.version)
        )
        found: dict[int, list[StoredVersion]] = {}
        for r in rows:
            found.setdefault(r.program_id, []).append(
                StoredVersion(r.id, r.version, dict(r.body), r.created_at, r.clinician_name, counts.get(r.id, 0))
            )
        return found

    def programs(self, clinician_id: int | None = None, active_only: bool = False) -> list[StoredProgram]:
        """The patient's programs, oldest first: all of them, or one clinician's; only those not ended."""
        query = select(Program).where(Program.patient_id == self.patient_id).order_by(Program.id)
        if clinician_id is not None:
            query = query.where(Program.clinician_id == clinician_id)
        if active_only:
            query = query.where(Program.ended_at.is_(None))
        rows = list(self.db.scalars(query))
        versions = self._versions([r.id for r in rows])
        return [
            StoredProgram(r.id, r.clinician_id, r.title, r.created_at, r.ended_at, versions.get(r.id, []))
            for r in rows
            if versions.get(r.id)
        ]

    def has_active(self) -> bool:
        """Whether any program of the patient's has not ended: one indexed read, so a plan for someone without a
        program costs little more than before."""
        found = _reader(self.db).execute(_HAS_ACTIVE, {"patient": self.patient_id}).first()
        return found is not None

    def program(self, program_id: int, clinician_id: int | None = None) -> StoredProgram | None:
        return next((p for p in self.programs(clinician_id) if p.id == program_id), None)

    def add_program(self, clinician_id: int, title: str, at: dt.datetime) -> int:
        row = Program(patient_id=self.patient_id, clinician_id=clinician_id, title=title, created_at=at)
        self.db.add(row)
        self.db.flush()
        return row.id

    def add_version(
        self, program_id: int, title: str, body: dict[str, Any], clinician_id: int, name: str, at: dt.datetime
    ) -> None:
        latest = self.db.scalar(
            select(func.max(ProgramVersion.version)).where(
                ProgramVersion.program_id == program_id, ProgramVersion.patient_id == self.patient_id
            )
        )
        self.db.add(
            ProgramVersion(
                program_id=program_id,
                patient_id=self.patient_id,
                version=(latest or 0) + 1,
                body=body,
                created_at=at,
                created_by=clinician_id,
                clinician_name=name,
            )
        )
        self.db.execute(
            update(Program).where(Program.id == program_id, Program.patient_id == self.patient_id).values(title=title)
        )
        self.db.flush()

    def end_program(self, program_id: int, at: dt.datetime) -> None:
        self.db.execute(
            update(Program)
            .where(Program.id == program_id, Program.patient_id == self.patient_id, Program.ended_at.is_(None))
            .values(ended_at=at)
        )

    def mark_session(self, session_id: int, version_id: int) -> None:
        """Record that a session followed a version of one of the patient's programs."""
        self.db.execute(
            update(SessionRow)
            .where(SessionRow.id == session_id, SessionRow.user_id == self.patient_id)
            .values(program_version_id=version_id)
        )

    def session_versions(self) -> dict[int, int]:
        """Each of the patient's sessions that followed a program, with the version's id."""
        rows = self.db.execute(
            select(SessionRow.id, SessionRow.program_version_id).where(
                SessionRow.user_id == self.patient_id, SessionRow.program_version_id.is_not(None)
            )
        )
        return {s: v for s, v in rows if v is not None}


class Templates:
    def __init__(self, db: Session, clinician_id: int) -> None:
        self.db = db
        self.clinician_id = clinician_id

    def _row(self, template_id: int) -> ProgramTemplate | None:
        return self.db.scalars(
            select(ProgramTemplate).where(
                ProgramTemplate.id == template_id, ProgramTemplate.clinician_id == self.clinician_id
            )
        ).first()

    @staticmethod
    def _stored(row: ProgramTemplate) -> StoredTemplate:
        return StoredTemplate(row.id, row.name, dict(row.body), row.created_at, row.updated_at)

    def list(self) -> list[StoredTemplate]:
        rows = self.db.scalars(
            select(ProgramTemplate)
            .where(ProgramTemplate.clinician_id == self.clinician_id)
            .order_by(ProgramTemplate.id)
        )
        return [self._stored(r) for r in rows]

    def get(self, template_id: int) -> StoredTemplate | None:
        row = self._row(template_id)
        return self._stored(row) if row else None

    def add(self, name: str, body: dict[str, Any], at: dt.datetime) -> StoredTemplate:
        row = ProgramTemplate(clinician_id=self.clinician_id, name=name, body=body, created_at=at, updated_at=at)
        self.db.add(row)
        self.db.flush()
        return self._stored(row)

    def replace(self, template_id: int, name: str, body: dict[str, Any], at: dt.datetime) -> StoredTemplate | None:
        row = self._row(template_id)
        if row is None:
            return None
        row.name, row.body, row.updated_at = name, body, at
        self.db.flush()
        return self._stored(row)

    def delete(self, template_id: int) -> bool:
        row = self._row(template_id)
        if row is None:
            return False
        self.db.delete(row)
        self.db.flush()
        return True


def account_role(db: Session, user_id: int) -> tuple[str, str | None] | None:
    """An account's role and the name it shows others (its display name, else its email); None when it is gone."""
    row = db.execute(select(User.role, func.coalesce(User.display_name, User.email)).where(User.id == user_id)).first()
    return (row[0], row[1]) if row is not None else None


# Following patients (clinician mode's dashboard, patient page, notes and clearances; docs/clinician.md "Following
# patients"). `FollowRepository` reads all of one clinician's patients at once, one statement per kind of fact, for
# `Runtime.care_all`; `PatientFollow` is one patient's notes and clearances, inside `Runtime.care`.


class LinkedPatient(NamedTuple):
    id: int
    email: str | None
    since: dt.datetime
    preferences: dict[str, Any] | None
    revision: int
    """Bumped with every write of theirs (`Runtime.unit`, `Runtime.care`): what was read of them at it still holds."""


class ScreenFacts(NamedTuple):
    patient_id: int
    id: int
    taken_at: dt.datetime
    clearance: str
    reasons: list[Any]
    advice: str


class SessionFacts(NamedTuple):
    patient_id: int
    id: int
    date: dt.date
    pain_before: int
    pain_after: int | None
    pain_next_morning: int | None


class ItemFacts(NamedTuple):
    patient_id: int
    session_id: int
    exercise: str
    pain_during: int | None


class VersionFacts(NamedTuple):
    patient_id: int
    program_id: int
    created_at: dt.datetime
    body: dict[str, Any]
    """Only the schedule's fields of the version's body: start_date, days_per_week, days, sessions_per_day."""


class Overview(NamedTuple):
    """What every patient's row on the dashboard needs, counted in the database: one row per patient."""

    patient_id: int
    last_session: dt.date | None
    weeks: dict[dt.date, int]
    """For each day asked about: the sessions from that day's Monday to it."""
    maybe_over: bool
    """A session in the window went over the lowest limits there are: only such a patient can flare or have an
    exercise stepped down, so only theirs are read in detail."""


@dataclass(frozen=True)
class NoteRow:
    id: int
    clinician_id: int | None
    clinician_name: str
    session_id: int | None
    body: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ClearanceFacts:
    id: int
    screening_id: int
    clinician_name: str
    note: str
    at: dt.datetime


def _patients() -> Any:
    """The list of patient ids a statement below is run for (one parameter, expanded when it runs)."""
    return bindparam("patients", expanding=True)


_ACTIVE = (CareLink.clinician_id == bindparam("clinician"), CareLink.ended_at.is_(None))
_LINKED_IDS = select(CareLink.patient_id).where(*_ACTIVE)
"""The clinician's patients now, inside each statement that reads all of them: no list of ids to send, and no row
of anyone whose link is not active in the statement's own transaction."""

_LINKED = (
    select(CareLink.patient_id, User.email, CareLink.accepted_at, User.preferences, User.revision)
    .join(User, User.id == CareLink.patient_id)
    .where(*_ACTIVE)
    .order_by(CareLink.accepted_at, CareLink.id)
)
_CLINICIAN_NAME = select(func.coalesce(User.display_name, User.email)).where(
    User.id == bindparam("clinician"), User.role == "clinician"
)
_SCREEN_RANKED = (
    select(
        Screening.user_id,
        Screening.id,
        Screening.taken_at,
        Screening.clearance,
        Screening.reasons,
        Screening.advice,
        func.row_number()
        .over(partition_by=Screening.user_id, order_by=(Screening.taken_at.desc(), Screening.id.desc()))
        .label("n"),
    )
    .where(Screening.user_id.in_(_LINKED_IDS))
    .subquery()
)
_STOPPING_SCREENS = select(*list(_SCREEN_RANKED.c)[:-1]).where(
    _SCREEN_RANKED.c.n == 1, _SCREEN_RANKED.c.clearance.in_(bindparam("stopping", expanding=True))
)
_RECENT_SESSIONS = (
    select(
        SessionRow.user_id,
        SessionRow.id,
        SessionRow.date,
        SessionRow.pain_before,
        SessionRow.pain_after,
        SessionRow.pain_next_morning,
    )
    .where(SessionRow.user_id.in_(_patients()), SessionRow.date >= bindparam("since"))
    .order_by(SessionRow.user_id, SessionRow.date, SessionRow.id)
)
_HURT_ITEMS = (
    select(SessionRow.user_id, SessionItemRow.session_id, SessionItemRow.exercise, SessionItemRow.pain_during)
    .join(SessionRow, SessionRow.id == SessionItemRow.session_id)
    .where(
        SessionRow.user_id.in_(_patients()),
        SessionRow.date >= bindparam("since"),
        SessionItemRow.pain_during > bindparam("above"),
    )
    .order_by(SessionItemRow.session_id, SessionItemRow.position)
)
_DAYS_RANKED = (
    select(
        SessionRow.user_id,
        SessionItemRow.exercise,
        SessionRow.date,
        func.max(SessionItemRow.pain_during).label("during"),
        func.row_number()
        .over(partition_by=(SessionRow.user_id, SessionItemRow.exercise), order_by=SessionRow.date.desc())
        .label("n"),
    )
    .join(SessionRow, SessionRow.id == SessionItemRow.session_id)
    .where(SessionRow.user_id.in_(_patients()), SessionRow.date >= bindparam("since"))
    .group_by(SessionRow.user_id, SessionItemRow.exercise, SessionRow.date)
    .subquery()
)
_LAST_TWO_DAYS = (
    select(_DAYS_RANKED.c.user_id, _DAYS_RANKED.c.exercise, _DAYS_RANKED.c.date, _DAYS_RANKED.c.during)
    .where(_DAYS_RANKED.c.n <= 2)
    .order_by(_DAYS_RANKED.c.user_id, _DAYS_RANKED.c.exercise, _DAYS_RANKED.c.date)
)
_NEWEST_VERSION = (
    select(func.max(ProgramVersion.version))
    .where(ProgramVersion.program_id == Program.id)
    .correlate(Program)
    .scalar_subquery()
)
_CURRENT_VERSIONS = (
    select(
        Program.patient_id,
        Program.id,
        ProgramVersion.created_at,
        # Only what a schedule needs: a program's body holds every item, and decoding 200 of them cost more than
        # the query.
        ProgramVersion.body["start_date"].as_string(),
        ProgramVersion.body["days_per_week"].as_integer(),
        ProgramVersion.body["sessions_per_day"].as_integer(),
        ProgramVersion.body["days"],
    )
    .join(ProgramVersion, ProgramVersion.program_id == Program.id)
    .where(Program.patient_id.in_(_patients()), Program.ended_at.is_(None), ProgramVersion.version == _NEWEST_VERSION)
    .order_by(Program.patient_id, Program.id)
)
_LOG_READS = insert(Base.metadata.tables[AccessLogRow.__tablename__]).from_select(
    ["patient_id", "clinician_id", "clinician_name", "at", "action", "what"],
    select(
        CareLink.patient_id,
        bindparam("clinician", type_=Integer()),
        bindparam("name", type_=String()),
        bindparam("at", type_=UTCDateTime()),
        literal("read", String()),
        bindparam("what", type_=String()),
    ).where(*_ACTIVE),
)


def _over_least() -> Any:
    """A session over the lowest limits there are (`follow.LEAST`, bound as `during_limit`, `after_rise` and
    `morning_rise`). Null pains are unknown, and a comparison with null is not true: as `dosing.Limits.excess`
    skips them."""
    hurt = exists().where(
        SessionItemRow.session_id == SessionRow.id, SessionItemRow.pain_during > bindparam("during_limit")
    )
    return or_(
        SessionRow.pain_after - SessionRow.pain_before > bindparam("after_rise"),
        SessionRow.pain_next_morning - SessionRow.pain_before > bindparam("morning_rise"),
        hurt,
    )


_OVER_DAYS = (
    select(SessionRow.user_id, SessionRow.date)
    .where(
        SessionRow.user_id.in_(_patients()),
        SessionRow.date >= bindparam("since"),
        SessionRow.date <= bindparam("until"),
        _over_least(),
    )
    .group_by(SessionRow.user_id, SessionRow.date)
)


@cache
def _overview(days: int) -> Any:
    """One row per patient of the clinician's now: their latest session date, the sessions of the week up to each
    of `days` days (bound as `monday0`, `day0`, ...: the patients' own todays, which their time zones can make
    differ), and whether a session in the window went over the lowest limits. Each part is an index range scan on
    sessions (user_id, date) for one patient, so the cost grows with the patients and the window, never with the
    years of history behind them."""

    def of_patient(*where: Any) -> Any:
        return select(*where).where(SessionRow.user_id == CareLink.patient_id).correlate(CareLink)

    last = of_patient(func.max(SessionRow.date)).scalar_subquery()
    weeks = [
        of_patient(func.count())
        .where(SessionRow.date >= bindparam(f"monday{n}"), SessionRow.date <= bindparam(f"day{n}"))
        .scalar_subquery()
        for n in range(days)
    ]
    maybe_over = exists(
        of_patient(SessionRow.id).where(
            SessionRow.date > bindparam("after"), SessionRow.date <= bindparam("until"), _over_least()
        )
    )
    return select(CareLink.patient_id, last, maybe_over, *weeks).where(*_ACTIVE).order_by(CareLink.id)


class FollowRepository:
    """Every patient linked to one clinician now, and the facts the dashboard's rules read about them. The
    statements over all of them join the clinician's active care links in the same transaction, and those over some
    of them take ids that `linked` read from those links: no statement here reaches anyone else's rows (the
    isolation invariant of clinician mode)."""

    def __init__(self, db: Session, clinician_id: int) -> None:
        self.db = db
        self.clinician_id = clinician_id
        self._linked: list[LinkedPatient] | None = None
        self._name: str | None = None

    def _run(self, statement: Any, **params: Any) -> Any:
        return self.db.connection().execute(statement, {"clinician": self.clinician_id, **params})

    def name(self) -> str | None:
        """The clinician's name as their patients see it; None for an account that is not a clinician's."""
        if self._name is None:
            self._name = self.db.scalar(_CLINICIAN_NAME, {"clinician": self.clinician_id})
        return self._name

    def linked(self) -> list[LinkedPatient]:
        """The clinician's patients now, longest-standing first; nobody for an account that is not a clinician's."""
        if self._linked is None:
            if self.name() is None:
                self._linked = []
            else:
                rows = self._run(_LINKED)
                self._linked = [LinkedPatient(p, e, s, dict(prefs) if prefs else None, r) for p, e, s, prefs, r in rows]
        return self._linked

    def _some(self, only: Iterable[int]) -> list[int]:
        linked = {p.id for p in self.linked()}
        return [p for p in only if p in linked]

    def overview(
        self, todays: Sequence[dt.date], window: tuple[dt.date, dt.date], least: tuple[int, int, int]
    ) -> dict[int, Overview]:
        """Each patient's `Overview`: the week's sessions up to each of `todays`, and whether a session dated after
        `window[0]` up to `window[1]` went over `least` (pain during, rise after, rise the next morning)."""
        if not self.linked():
            return {}
        days = sorted(set(todays))
        params: dict[str, Any] = {"after": window[0], "until": window[1]}
        params |= dict(zip(("during_limit", "after_rise", "morning_rise"), least, strict=True))
        for n, d in enumerate(days):
            params |= {f"monday{n}": d - dt.timedelta(days=d.weekday()), f"day{n}": d}
        found = {}
        for patient, last, maybe_over, *weeks in self._run(_overview(len(days)), **params):
            found[patient] = Overview(patient, last, dict(zip(days, weeks, strict=True)), bool(maybe_over))
        return found

    def over_days(
        self, since: dt.date, until: dt.date, least: tuple[int, int, int], only: Iterable[int]
    ) -> list[tuple[int, dt.date]]:
        """(patient, date): the days from `since` to `until` on which `only` these patients had a session over
        `least` (as in `overview`)."""
        ids = self._some(only)
        if not ids:
            return []
        params = dict(zip(("during_limit", "after_rise", "morning_rise"), least, strict=True))
        return [(p, d) for p, d in self._run(_OVER_DAYS, patients=ids, since=since, until=until, **params)]

    def stopping_screens(self, stopping: Iterable[str]) -> list[ScreenFacts]:
        """Each patient's latest safety screen when its level is one of `stopping`: only those are decoded."""
        if not self.linked():
            return []
        return [ScreenFacts._make(r) for r in self._run(_STOPPING_SCREENS, stopping=sorted(stopping))]

    def sessions_since(self, since: dt.date, only: Iterable[int]) -> list[SessionFacts]:
        """The sessions of `only` these patients from `since` on, oldest first for each."""
        ids = self._some(only)
        if not ids:
            return []
        return [SessionFacts._make(r) for r in self._run(_RECENT_SESSIONS, patients=ids, since=since)]

    def items_over(self, since: dt.date, above: int, only: Iterable[int]) -> list[ItemFacts]:
        """The exercises `only` these patients did from `since` on whose pain during was over `above`: the few a
        flare can name."""
        ids = self._some(only)
        if not ids:
            return []
        return [ItemFacts._make(r) for r in self._run(_HURT_ITEMS, patients=ids, since=since, above=above)]

    def last_two_days(self, since: dt.date, only: Iterable[int]) -> list[tuple[int, str, dt.date, int | None]]:
        """(patient, exercise, date, worst pain during it that day): each exercise's last two days from `since`
        on, oldest first, ranked in the database rather than read whole, for `only` these patients."""
        ids = self._some(only)
        if not ids:
            return []
        rows = self._run(_LAST_TWO_DAYS, patients=ids, since=since)
        return [(p, e, d, during) for p, e, d, during in rows]

    def current_versions(self, only: Iterable[int]) -> list[VersionFacts]:
        """The current version of every program of `only` these patients that has not ended."""
        ids = self._some(only)
        if not ids:
            return []
        found = []
        for p, i, c, start, per_week, per_day, days in self._run(_CURRENT_VERSIONS, patients=ids):
            body = {"start_date": start, "days_per_week": per_week, "days": days or ()}
            found.append(VersionFacts(p, i, c, body | ({"sessions_per_day": per_day} if per_day else {})))
        return found

    def log_reads(self, what: str, at: dt.datetime) -> None:
        """One line in each linked patient's access log, all in one INSERT ... SELECT over the active links; on the
        connection, so no patient's revision changes (a read is not a change)."""
        name = self.name()
        if name is None or not self.linked():
            return
        self._run(_LOG_READS, name=name, at=at, what=what[:200])


class PatientFollow:
    """One patient's clinician notes and clearances, for a clinician inside `Runtime.care`: every query is filtered
    by the patient, and notes also by who may read them."""

    def __init__(self, db: Session, patient_id: int, clinician_id: int) -> None:
        self.db = db
        self.patient_id = patient_id
        self.clinician_id = clinician_id

    def shares_notes(self) -> bool:
        """Whether the patient lets this clinician read their other clinicians' notes (on the active link)."""
        found = self.db.scalar(
            select(CareLink.shares_notes).where(
                CareLink.clinician_id == self.clinician_id,
                CareLink.patient_id == self.patient_id,
                CareLink.ended_at.is_(None),
            )
        )
        return bool(found)

    def notes(self) -> list[NoteRow]:
        """The notes this clinician may read, newest first: their own, and the others' only when shared."""
        query = select(ClinicianNote).where(ClinicianNote.patient_id == self.patient_id)
        if not self.shares_notes():
            query = query.where(ClinicianNote.clinician_id == self.clinician_id)
        rows = self.db.scalars(query.order_by(ClinicianNote.created_at.desc(), ClinicianNote.id.desc()))
        return [NoteRow(r.id, r.clinician_id, r.clinician_name, r.session_id, r.body, r.created_at) for r in rows]

    def has_session(self, session_id: int) -> bool:
        found = self.db.scalar(
            select(SessionRow.id).where(SessionRow.id == session_id, SessionRow.user_id == self.patient_id)
        )
        return found is not None

    def add_note(self, name: str, body: str, session_id: int | None, at: dt.datetime) -> NoteRow:
        row = ClinicianNote(
            patient_id=self.patient_id,
            clinician_id=self.clinician_id,
            clinician_name=name,
            session_id=session_id,
            body=body,
            created_at=at,
        )
        self.db.add(row)
        self.db.flush()
        return NoteRow(row.id, row.clinician_id, row.clinician_name, row.session_id, row.body, row.created_at)

    def clearances(self) -> list[ClearanceFacts]:
        """Every clearance recorded for the patient, by any clinician, newest first: a clearance changes what the
        patient may do, so each of their clinicians sees it (the patient agreed to that in the consent)."""
        rows = self.db.scalars(
            select(ClearanceRow)
            .where(ClearanceRow.patient_id == self.patient_id)
            .order_by(ClearanceRow.at.desc(), ClearanceRow.id.desc())
        )
        return [ClearanceFacts(r.id, r.screening_id, r.clinician_name, r.note, r.at) for r in rows]

    def add_clearance(self, screening_id: int, name: str, note: str, at: dt.datetime) -> ClearanceFacts:
        row = ClearanceRow(
            patient_id=self.patient_id,
            screening_id=screening_id,
            clinician_id=self.clinician_id,
            clinician_name=name,
            note=note,
            at=at,
        )
        self.db.add(row)
        self.db.flush()
        return ClearanceFacts(row.id, row.screening_id, row.clinician_name, row.note, row.at)
