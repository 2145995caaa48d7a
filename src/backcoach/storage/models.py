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
