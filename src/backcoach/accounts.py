"""Accounts: registration, sign-in with slow-down, browser sessions and API tokens, preferences, deletion.

Everything lives in the database (tokens are stored only as SHA-256 hashes), so any number of server processes can
share one database and agree on who is signed in and how many sign-ins have failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete, func, select

from backcoach.domain.planner import DEFAULT_MINUTES, PlanRequest
from backcoach.domain.vocab import Equipment, PlanLevel
from backcoach.service import Coach
from backcoach.storage.models import AuthToken, SignInAttempt, User

MIN_PASSWORD = 10
MAX_PASSWORD = 256
TOKEN_DAYS = 30
WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")

TokenKind = Literal["session", "api"]


class AccountError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class EmailTaken(Exception):
    pass


class BadCredentials(Exception):
    pass


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} seconds")
        self.retry_after = retry_after


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: object) -> str:
    if not isinstance(email, str) or not EMAIL.match(normalise_email(email)) or len(email) > 320:
        raise AccountError("email", "must be an email address such as name@example.org")
    return normalise_email(email)


def check_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountError("password", f"must be at least {MIN_PASSWORD} characters long")
    if len(password) > MAX_PASSWORD:
        raise AccountError("password", f"must be at most {MAX_PASSWORD} characters long")
    return password


@dataclass(frozen=True)
class Account:
    id: int
    email: str


def register(coach: Coach, email: object, password: object) -> Account:
    address = check_email(email)
    secret = check_password(password)
    with coach.sessions.begin() as session:
        if session.scalars(select(User.id).where(User.email == address)).first() is not None:
            raise EmailTaken(address)
        user = User(email=address, password_hash=_hasher().hash(secret), created_at=coach.now())
        session.add(user)
        session.flush()
        return Account(user.id, address)


def _failures(coach: Coach, email: str, client: str) -> tuple[int, int, dt.datetime | None]:
    since = coach.now() - WINDOW
    with coach.sessions.begin() as session:
        by_email = session.scalar(select(func.count()).where(SignInAttempt.email == email, SignInAttempt.at > since))
        by_client = session.scalar(select(func.count()).where(SignInAttempt.client == client, SignInAttempt.at > since))
        oldest = session.scalar(
            select(func.min(SignInAttempt.at)).where(SignInAttempt.email == email, SignInAttempt.at > since)
        )
    return by_email or 0, by_client or 0, oldest


def authenticate(coach: Coach, email: object, password: object, client: str) -> Account:
    """Check a password, refusing (TooManyAttempts) after repeated failures for this email or this client."""
    address = normalise_email(email) if isinstance(email, str) else ""
    client = client[:64] or "unknown"
    by_email, by_client, oldest = _failures(coach, address, client)
    if by_email >= MAX_FAILURES_PER_EMAIL or by_client >= MAX_FAILURES_PER_CLIENT:
        free_at = (oldest or coach.now()) + WINDOW
        raise TooManyAttempts(max(1, int((free_at - coach.now()).total_seconds())))
    with coach.sessions.begin() as session:
        user = session.scalars(select(User).where(User.email == address)).first()
        ok = user is not None and bool(user.password_hash) and isinstance(password, str) and _verify(user, password)
        if ok:
            session.execute(delete(SignInAttempt).where(SignInAttempt.email == address))
        else:
            # Recorded in this committed transaction: the failure must count even though the call fails.
            session.add(SignInAttempt(email=address[:320], client=client, at=coach.now()))
    if not ok or user is None:
        raise BadCredentials()
    return Account(user.id, address)


def _verify(user: User, password: str) -> bool:
    from argon2.exceptions import VerificationError

    try:
        return bool(_hasher().verify(user.password_hash, password))
    except VerificationError:
        return False


@dataclass(frozen=True)
class Issued:
    token: str
    csrf: str | None


def issue_token(coach: Coach, user_id: int, kind: TokenKind) -> Issued:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24) if kind == "session" else None
    with coach.sessions.begin() as session:
        session.add(
            AuthToken(
                user_id=user_id,
                kind=kind,
                token_hash=hash_token(token),
                csrf=csrf,
                created_at=coach.now(),
                expires_at=coach.now() + dt.timedelta(days=TOKEN_DAYS),
            )
        )
    return Issued(token, csrf)


@dataclass(frozen=True)
class Signed:
    user_id: int
    email: str | None
    csrf: str | None


def resolve_token(coach: Coach, token: str | None, kind: TokenKind) -> Signed | None:
    if not token:
        return None
    with coach.sessions.begin() as session:
        row = session.execute(
            select(AuthToken, User.email)
            .join(User, User.id == AuthToken.user_id)
            .where(AuthToken.token_hash == hash_token(token), AuthToken.kind == kind)
        ).first()
        if row is None:
            return None
        auth, email = row
        if auth.expires_at <= coach.now():
            session.delete(auth)
            return None
        return Signed(auth.user_id, email, auth.csrf)


def revoke(coach: Coach, token: str | None) -> None:
    if token:
        with coach.sessions.begin() as session:
            session.execute(delete(AuthToken).where(AuthToken.token_hash == hash_token(token)))


def delete_account(coach: Coach, user_id: int) -> None:
    """Delete the person and, by cascade, every row of theirs."""
    with coach.sessions.begin() as session:
        user = session.get(User, user_id)
        if user is not None:
            session.delete(user)


def preferences(coach: Coach, user_id: int) -> dict[str, Any] | None:
    with coach.sessions.begin() as session:
        user = session.get(User, user_id)
        return dict(user.preferences) if user is not None and user.preferences else None


def preferred_request(
    coach: Coach,
    user_id: int,
    *,
    minutes: int | None = None,
    equipment: frozenset[Equipment] | None = None,
    floor: bool | None = None,
    level: PlanLevel | None = None,
) -> PlanRequest:
    """The plan options given, falling back to the person's saved preferences, then to the defaults.
    Raises PlanInputError for a value outside its allowed set."""
    prefs = preferences(coach, user_id) or {}
    return PlanRequest(
        minutes=minutes if minutes is not None else int(prefs.get("minutes", DEFAULT_MINUTES)),
        equipment=equipment if equipment is not None else frozenset(prefs.get("equipment", [])),
        floor=floor if floor is not None else bool(prefs.get("floor", True)),
        level=level if level is not None else prefs.get("level", "beginner"),
    )


def save_preferences(coach: Coach, user_id: int, prefs: dict[str, Any]) -> None:
    with coach.sessions.begin() as session:
        user = session.get(User, user_id)
        if user is not None:
            user.preferences = prefs


def calendar_token(coach: Coach, user_id: int) -> str:
    with coach.sessions.begin() as session:
        user = session.get(User, user_id)
        assert user is not None
        if not user.calendar_token:
            user.calendar_token = secrets.token_urlsafe(24)
        return user.calendar_token


def user_for_calendar(coach: Coach, token: str) -> int | None:
    with coach.sessions.begin() as session:
        return session.scalars(select(User.id).where(User.calendar_token == token)).first()
