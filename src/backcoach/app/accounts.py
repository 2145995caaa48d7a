"""Accounts: registration, sign-in with slow-down, sign-in tokens for browsers and the API, the calendar secret
and deletion.

Everything lives in the database (tokens are stored only as SHA-256 hashes), so any number of server processes can
share one database and agree on who is signed in and how many sign-ins have failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from backcoach.app.runtime import Runtime
from backcoach.domain.clinic import Role, parse_profile, parse_role
from backcoach.domain.errors import Conflict, InvalidInput, Throttled, Unauthenticated
from backcoach.storage.repository import OperatorRepository, signed_in

MIN_PASSWORD = 10
MAX_PASSWORD = 256
TOKEN_DAYS = 30
WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")

TokenKind = Literal["browser", "api"]
"""A browser's sign-in (a cookie, with a CSRF secret), or a bearer token for the API."""


class AccountError(InvalidInput):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, (field,))
        self.field = field


class EmailTaken(Conflict):
    def __init__(self, email: str) -> None:
        super().__init__("an account with this email already exists", ("email",))
        self.email = email


class BadCredentials(Unauthenticated):
    def __init__(self) -> None:
        super().__init__("wrong email or password")


class TooManyAttempts(Throttled):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} seconds", retry_after)


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
    role: Role = "patient"


def register(
    runtime: Runtime,
    email: object,
    password: object,
    role: object = "patient",
    display_name: object = None,
    profession: object = None,
) -> Account:
    """A new account. A clinician's also needs the name patients will see and a profession; it starts unverified
    until an operator runs `backcoach admin verify-clinician` (docs/clinician.md)."""
    address = check_email(email)
    secret = check_password(password)
    kind = parse_role(role)
    profile = parse_profile(display_name, profession) if kind == "clinician" else None
    with runtime.accounts() as repo:
        if repo.email_taken(address):
            raise EmailTaken(address)
        user_id = repo.add_user(address, runtime.hasher.hash(secret), runtime.now())
        if profile is not None:
            OperatorRepository(repo.db).set_profile(user_id, kind, *profile)
        return Account(user_id, address, kind)


def authenticate(runtime: Runtime, email: object, password: object, client: str) -> Account:
    """Check a password, refusing (TooManyAttempts) after repeated failures for this email or this client."""
    from argon2.exceptions import VerificationError

    address = normalise_email(email) if isinstance(email, str) else ""
    client = client[:64] or "unknown"
    now = runtime.now()
    with runtime.accounts() as repo:
        by_email, by_client, oldest = repo.failures(address, client, now - WINDOW)
    if by_email >= MAX_FAILURES_PER_EMAIL or by_client >= MAX_FAILURES_PER_CLIENT:
        free_at = (oldest or now) + WINDOW
        raise TooManyAttempts(max(1, int((free_at - now).total_seconds())))
    with runtime.accounts() as repo:
        found = repo.credentials(address)
        ok = False
        if found is not None and found.password_hash and isinstance(password, str):
            try:
                ok = bool(runtime.hasher.verify(found.password_hash, password))
            except VerificationError:
                ok = False
        if ok:
            repo.clear_failures(address)
        else:
            # Recorded in this committed transaction: the failure must count even though the call fails.
            repo.add_failure(address, client, now)
    if not ok or found is None:
        raise BadCredentials()
    return Account(found.user_id, found.email)


@dataclass(frozen=True)
class Issued:
    token: str
    csrf: str | None


def issue_token(runtime: Runtime, user_id: int, kind: TokenKind) -> Issued:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24) if kind == "browser" else None
    now = runtime.now()
    with runtime.accounts() as repo:
        repo.add_token(user_id, kind, hash_token(token), csrf, now, now + dt.timedelta(days=TOKEN_DAYS))
    return Issued(token, csrf)


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    email: str | None
    csrf: str | None
    revision: int = 0
    """The person's revision as the token was checked: what anything cached for them is matched against."""
    role: Role = "patient"
    verified: bool = False
    """Whether an operator verified this clinician (always False for a patient)."""


def resolve_token(runtime: Runtime, token: str | None, kind: TokenKind) -> SignedIn | None:
    """Who a token signs in, or None for a missing, unknown or expired one (an expired one is deleted).

    Read from the database on every request, so that signing out or deleting an account anywhere is seen at once
    by every process; it is one indexed row, which also brings the revision that caches are checked against."""
    if not token:
        return None
    digest = hash_token(token)
    with runtime.lookups() as lookups:
        # The role rides on the token's own row, so a clinician's requests cost no extra read.
        found = signed_in(lookups.conn, digest, kind)
    if found is None:
        return None
    if found.expires_at <= runtime.now():
        with runtime.accounts() as repo:
            repo.delete_token(digest)
        return None
    role = parse_role(found.role)
    return SignedIn(found.user_id, found.email, found.csrf, found.revision, role, found.verified_at is not None)


def revoke(runtime: Runtime, token: str | None) -> None:
    if token:
        with runtime.accounts() as repo:
            repo.delete_token(hash_token(token))


def delete_account(runtime: Runtime, user_id: int) -> None:
    """Delete the person and, by cascade, every row of theirs."""
    with runtime.unit(user_id) as repo:
        repo.delete_user()
    runtime.cache.forget(user_id)


def calendar_token(runtime: Runtime, user_id: int) -> str:
    with runtime.unit(user_id) as repo:
        return repo.calendar_token(secrets.token_urlsafe(24))


def user_for_calendar(runtime: Runtime, token: str) -> int | None:
    with runtime.accounts() as repo:
        return repo.user_for_calendar(token)


def verify_clinician(runtime: Runtime, email: object) -> str:
    """Mark a clinician's account verified (an operator's command); their display name. The first date is kept."""
    from backcoach.domain.errors import NotFound

    address = check_email(email)
    with runtime.accounts() as repo:
        found = OperatorRepository(repo.db).verify_clinician(address, runtime.now())
    if found is None:
        raise NotFound(f"no clinician account has the email {address}", ("email",))
    return found.name
