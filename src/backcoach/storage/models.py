"""The database tables. Every row belongs to a user; deleting a user deletes everything of theirs."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (which keeps no time zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC time")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def new_revision() -> int:
    return secrets.randbelow(2**62)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON, dt.datetime: UTCDateTime}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_local: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]
    preferences: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The person's plan options (`backcoach.domain.preferences.Preferences` as JSON), or null until chosen."""
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    """A secret for the calendar feed's address: calendar apps cannot sign in."""
    role: Mapped[str] = mapped_column(String(16), default="patient", server_default="patient")
    """"patient" (everyone who exercises) or "clinician" (prescribes to and follows linked patients)."""
    display_name: Mapped[str | None] = mapped_column(String(120))
    """A clinician's name as patients see it."""
    profession: Mapped[str | None] = mapped_column(String(80))
    verified_at: Mapped[dt.datetime | None]
    """When an operator marked the clinician as verified (`backcoach admin verify-clinician`); null until then."""
    revision: Mapped[int] = mapped_column(BigInteger, default=new_revision, server_default="0")
    """Bumped in the same transaction as every change to the person's data (`Runtime.unit`): what anything cached
    for them (today's plan, their pages) is keyed on, so every server process sees a change at once. It starts at
    a random number, so that an account created with the id of a deleted one (SQLite reuses the highest id) can
    never match what a process still holds for the deleted one."""


class AuthToken(Base):
    """A sign-in: a browser's cookie (kind "browser", with its CSRF secret) or a bearer token for the API (kind
    "api"). Only a hash is stored, and tokens live in the database so that any server process can check them."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class SignInAttempt(Base):
    """Failed sign-ins, counted across every server process to slow down password guessing. Not tied to a user:
    most guesses name no account, and an attacker must not learn which emails exist."""

    __tablename__ = "sign_in_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)


class Screening(Base):
    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    taken_at: Mapped[dt.datetime]
    answers: Mapped[dict[str, Any]]
    clearance: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[Any]]
    advice: Mapped[str] = mapped_column(Text)
    clinician_note: Mapped[str | None] = mapped_column(Text)


class SessionRow(Base):
    """One exercise session a person did (a `SessionRecord`); the database's own sessions are called `db` here."""

    __tablename__ = "sessions"
    # Today's plan reads the last weeks by date, and the latest and first session.
    __table_args__ = (Index("ix_sessions_user_id_date", "user_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    pain_before: Mapped[int] = mapped_column(Integer)
    pain_after: Mapped[int | None] = mapped_column(Integer)
    pain_next_morning: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="complete")
    created_at: Mapped[dt.datetime]
    program_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_versions.id", ondelete="SET NULL"), index=True
    )
    """The version of a clinician's program this session followed; null for a self-chosen plan."""

    items: Mapped[list[SessionItemRow]] = relationship(
        back_populates="session",
        order_by="SessionItemRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class SessionItemRow(Base):
    __tablename__ = "session_items"
    # The dose rules look up an exercise's last attempts when none are recent.
    __table_args__ = (Index("ix_session_items_user_id_exercise", "user_id", "exercise"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    exercise: Mapped[str] = mapped_column(String(64))
    rung: Mapped[str | None] = mapped_column(String(96))
    """The rung of the exercise's ladder that was done; null for the standard rung (and rows from before ladders)."""
    prescription: Mapped[dict[str, Any]]
    completed_reps: Mapped[int] = mapped_column(Integer)
    completed_sets: Mapped[int] = mapped_column(Integer)
    difficulty: Mapped[str] = mapped_column(String(8))
    pain_during: Mapped[int | None] = mapped_column(Integer)
    camera: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    """What the camera measured (`backcoach.domain.camera.CameraMeasure` as JSON); SQL NULL when it was off, so
    the dose rules' reads can tell the two apart without parsing."""

    session: Mapped[SessionRow] = relationship(back_populates="items")


class OutcomeRow(Base):
    """One weekly check (the Patient-Specific Functional Scale): three activities the person chose, each scored."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    activities: Mapped[list[Any]]
    """[{activity, score}] in the person's order; always read back through the domain's validation."""
    created_at: Mapped[dt.datetime]


# Clinician mode (docs/clinician.md). A clinician reaches a patient's rows only through a care link the patient
# accepted and has not ended; every row below belongs to the patient (deleted with them) unless it is the
# clinician's own (invitations, templates).


class Invitation(Base):
    """A single-use code a clinician gives a patient. Only its hash is stored; it is valid for 14 days."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declined_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class CareLink(Base):
    """A patient's consent to one clinician: from acceptance until either ends it. Ended links are kept (the patient's
    record of who could see what, and when); only a link with no end gives access."""

    __tablename__ = "care_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    accepted_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(16))
    """"patient" or "clinician"."""
    shares_notes: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Whether the patient lets this clinician read the notes of their other clinicians."""


class Program(Base):
    """A program a clinician prescribed to a patient; what it asks is in its versions, the newest current."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    """Null once the clinician's account is gone: the patient keeps the program and its history."""
    title: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


class ProgramVersion(Base):
    """One version of a program: every change makes a new one, and sessions keep the version they followed."""

    __tablename__ = "program_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]]
    """The prescription (`backcoach.domain.prescribed`, as JSON): always read back through its validation."""
    created_at: Mapped[dt.datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    clinician_name: Mapped[str] = mapped_column(String(120))
    """Who made this version, as the patient saw the name then."""


class ProgramTemplate(Base):
    """A clinician's own starting point for programs."""

    __tablename__ = "program_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    body: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class ClinicianNote(Base):
    """A clinician's note about a patient (a session's or the patient's in general). Other clinicians of the patient
    read it only if the patient lets them (`CareLink.shares_notes`)."""

    __tablename__ = "clinician_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    clinician_name: Mapped[str] = mapped_column(String(120))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class AccessLogRow(Base):
    """Every time a clinician read or changed a patient's record: the patient's to read and export."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_patient_id_at", "patient_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    clinician_name: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(String(16))
    """"read" or "change"."""
    what: Mapped[str] = mapped_column(String(200))


class ClearanceRow(Base):
    """A clinician's clearance after a screen that blocked sessions, with their name and the date."""

    __tablename__ = "clearances"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"), index=True)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    clinician_name: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime]
