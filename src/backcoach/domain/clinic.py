"""Clinician mode's vocabulary and rules: roles, a clinician's profile, invitation codes and their states, and
exactly what a patient consents to when they accept an invitation (docs/clinician.md).

Standard library only: the application layer stores and reads, this module decides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from backcoach.domain.errors import Conflict, InvalidInput, NotFound, Refused

Role = Literal["patient", "clinician"]
ROLES: tuple[Role, ...] = ("patient", "clinician")

InvitationState = Literal["open", "used", "declined", "revoked", "expired"]
INVITATION_DAYS = 14
MAX_DISPLAY_NAME = 120
MAX_PROFESSION = 80

# Letters and digits that cannot be misread for one another (no 0/O, 1/I/L, 5/S, 8/B, 2/Z), so a code read aloud
# or copied from paper survives; 12 of 26 symbols is about 56 bits, far beyond guessing within 14 days.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 12

CAN_SEE: tuple[str, ...] = (
    "your sessions: the date, each exercise with its dose and rung, how it felt and the pain you reported during it",
    "your pain before and after each session and the next morning",
    "your weekly check's activities and scores (the outcome score)",
    "the result of your safety check (whether it cleared you, and why not)",
    "the notes they and, if you allow it, your other clinicians write about you",
)
"""What a clinician will be able to see: shown to the patient, word for word, before they accept."""

CAN_DO: tuple[str, ...] = (
    "prescribe programs that Today follows, within the dose rules",
    "write notes about you and your sessions",
    "record a clearance after a safety check that stopped your sessions",
)
"""What a clinician will be able to do: shown to the patient, word for word, before they accept."""

NOT_SEE: tuple[str, ...] = (
    "your password, your sign-ins or your calendar address",
    "anything of yours after you end the link",
)
"""What stays private, said beside the above so the patient need not infer it."""


class ProfileError(InvalidInput):
    """A clinician's profile field that is missing or too long; `loc` names it."""


class NotAClinician(Refused):
    """Something only a clinician account may do (403): a patient asked for the clinic's side."""

    def __init__(self) -> None:
        super().__init__(
            'this needs a clinician account; sign up as a clinician (role "clinician") to invite and follow patients'
        )


class InvitationUnusable(Conflict):
    """A code that exists but can no longer be accepted or declined (409), saying which of the four it is."""

    def __init__(self, state: InvitationState, message: str) -> None:
        super().__init__(message, ("code",))
        self.state = state


class NoSuchInvitation(NotFound):
    def __init__(self) -> None:
        super().__init__("no invitation has this code; check it against what your clinician gave you", ("code",))


class OwnInvitation(Conflict):
    def __init__(self) -> None:
        super().__init__("this is your own invitation: a clinician cannot link to themselves", ("code",))


class AlreadyLinked(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(f"you are already linked to {name}", ("code",))


def parse_role(value: object) -> Role:
    found = next((r for r in ROLES if r == value), None)
    if found is None:
        raise InvalidInput(f"must be one of {', '.join(ROLES)}", ("role",))
    return found


def _text(value: object, field: str, limit: int) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        raise ProfileError("is required for a clinician account", (field,))
    if len(text) > limit:
        raise ProfileError(f"must be at most {limit} characters long", (field,))
    return text


def parse_profile(display_name: object, profession: object) -> tuple[str, str]:
    """A clinician's name as patients will see it and their profession, with runs of spaces collapsed."""
    return _text(display_name, "display_name", MAX_DISPLAY_NAME), _text(profession, "profession", MAX_PROFESSION)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: object) -> str:
    """A code as typed: case, spaces and dashes do not matter. Anything that cannot be a code is an error naming the
    field, before any lookup."""
    text = re.sub(r"[\s-]", "", code).upper() if isinstance(code, str) else ""
    if len(text) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in text):
        raise InvalidInput(f"must be the {CODE_LENGTH}-character code your clinician gave you", ("code",))
    return text


def format_code(code: str) -> str:
    """The code in groups of four, as it is shown and read aloud."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def hash_code(code: str) -> str:
    """What is stored: a code is a secret as good as a password for 14 days, and a database leak must not hand out
    the open ones. Plain SHA-256 suffices: the code is random and long, not a person's choice."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


@dataclass(frozen=True)
class InvitationDates:
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None
    declined_at: dt.datetime | None
    revoked_at: dt.datetime | None


def invitation_state(dates: InvitationDates, now: dt.datetime) -> InvitationState:
    """Which one thing is true of an invitation now. What was done to it (used, declined, revoked) outranks its
    age: a code used on day 3 is "used" on day 20, which is what the patient and clinician need to hear."""
    if dates.used_at is not None:
        return "used"
    if dates.declined_at is not None:
        return "declined"
    if dates.revoked_at is not None:
        return "revoked"
    return "expired" if now >= dates.expires_at else "open"


def check_usable(dates: InvitationDates, now: dt.datetime) -> None:
    """Raise `InvitationUnusable` naming why, unless the invitation is open."""
    state = invitation_state(dates, now)
    day = {
        "used": dates.used_at,
        "declined": dates.declined_at,
        "revoked": dates.revoked_at,
        "expired": dates.expires_at,
    }.get(state)
    when = f" on {day.date().isoformat()}" if day is not None else ""
    messages = {
        "used": f"this invitation was already used{when}; each code links one patient once",
        "declined": f"this invitation was declined{when}; ask your clinician for a new one",
        "revoked": f"this invitation was withdrawn by the clinician{when}; ask them for a new one",
        "expired": f"this invitation expired{when} (codes are valid for {INVITATION_DAYS} days); ask for a new one",
    }
    if state != "open":
        raise InvitationUnusable(state, messages[state])


@dataclass(frozen=True)
class Invitation:
    """An invitation as its clinician sees it. The code itself is only ever shown once, when it is created."""

    id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    state: InvitationState


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    code: str
    """The code in groups of four (`format_code`): shown this once, never stored."""

    @property
    def link(self) -> str:
        return f"/link/{self.code}"


@dataclass(frozen=True)
class ClinicianProfile:
    id: int
    name: str
    profession: str | None
    verified: bool


@dataclass(frozen=True)
class Preview:
    """What a patient sees before accepting: who is asking, until when, and exactly what they could see and do."""

    clinician: ClinicianProfile
    expires_at: dt.datetime
    can_see: tuple[str, ...] = CAN_SEE
    can_do: tuple[str, ...] = CAN_DO
    cannot_see: tuple[str, ...] = NOT_SEE


@dataclass(frozen=True)
class Link:
    """One of a patient's care links, active (`ended_at` None) or past."""

    id: int
    clinician: ClinicianProfile
    email: str | None
    since: dt.datetime
    ended_at: dt.datetime | None
    ended_by: str | None
    shares_notes: bool

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class Patient:
    """A patient as their clinician sees them in the list: a name (their email; the CLI's local user has none)."""

    id: int
    email: str | None
    since: dt.datetime

    @property
    def name(self) -> str:
        return self.email or f"patient {self.id}"


@dataclass(frozen=True)
class AccessEntry:
    at: dt.datetime
    clinician: str
    action: str
    what: str


def choose_link(links: list[Link], name: str) -> Link:
    """The active link whose clinician's display name or email is `name` (ignoring case); an unknown or ambiguous
    name is an error listing the choices, so the patient can type one that is unique."""
    wanted = " ".join(name.split()).casefold()
    active = [link for link in links if link.active]
    found = [
        link for link in active if wanted in {link.clinician.name.casefold(), (link.email or "").casefold()} and wanted
    ]
    if len(found) == 1:
        return found[0]
    choices = ", ".join(
        f"{link.clinician.name} <{link.email}>" if link.email else link.clinician.name for link in active
    )
    if not found:
        raise InvalidInput(
            f"no clinician of yours is called {name!r}; choose one of: {choices or 'none (you have no clinicians)'}",
            ("name",),
        )
    emails = ", ".join(link.email or link.clinician.name for link in found)
    raise InvalidInput(
        f"{len(found)} of your clinicians are called {name!r}; give the email of one: {emails}", ("name",)
    )
