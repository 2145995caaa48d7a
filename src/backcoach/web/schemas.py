"""The JSON API's request and response bodies, so /openapi.json describes every one of them.

Each response model reads the domain's own JSON form (`to_dict`, which the CLI's `--json` prints), so the API and
the CLI give the same bytes. Response models forbid extra keys: a key added to a `to_dict` and not here fails the
tests instead of vanishing from the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, create_model

from backcoach.domain.catalogue import Prescription
from backcoach.domain.dosing import Decision, DoseDecision
from backcoach.domain.history import IsoDate, OptionalIsoDate, Pain, SessionItem, SessionRecord
from backcoach.domain.outcome import ACTIVITIES, ActivityScore, OutcomeRecord
from backcoach.domain.planner import Plan
from backcoach.domain.preferences import Preferences
from backcoach.domain.prescribed import PrescribedProgram, ProgramDraft
from backcoach.domain.screening import AGE_PROMPT, QUESTIONS, Clearance, ScreenResult
from backcoach.domain.vocab import Category, Equipment, PlanLevel, Position


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Accounts


class Credentials(_In):
    email: str
    password: str


class AccountOut(_Out):
    id: int
    email: str


class TokenOut(_Out):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class Created(_Out):
    id: int


# Screening


def _answers_model() -> type[BaseModel]:
    """The screen's answers as a request body: every question a strict boolean (absent means no), age required.
    Built from the domain's keys so the API and the screen can never drift apart."""
    fields: dict[str, Any] = {q.key: (StrictBool, Field(False, description=q.prompt)) for q in QUESTIONS}
    fields["age"] = (Annotated[StrictInt, Field(ge=1, le=129)], Field(description=AGE_PROMPT))
    return create_model("ScreeningAnswers", __config__=ConfigDict(extra="forbid"), **fields)


ScreeningAnswers = _answers_model()


class ReasonOut(_Out):
    item: str
    message: str


class ScreenOut(_Out):
    clearance: Clearance
    when: str | None = Field(description="now, today, within 1 to 2 weeks, before you start, or null when clear")
    reasons: list[ReasonOut]
    advice: str
    excludes: list[str] = Field(description="exercise ids these answers leave out of every plan")

    @classmethod
    def of(cls, result: ScreenResult) -> ScreenOut:
        return cls.model_validate(result.to_dict())


class StoredScreenOut(ScreenOut):
    taken_at: dt.datetime
    valid_until: dt.date = Field(description="a guided session needs a new screen after this day")

    @classmethod
    def stored(cls, result: ScreenResult, taken_at: dt.datetime, valid_until: dt.date) -> StoredScreenOut:
        return cls.model_validate({**result.to_dict(), "taken_at": taken_at, "valid_until": valid_until})


class ClearanceIn(_In):
    # A blank note is refused by the domain's own rule (loc "note"), in the same words on every adapter.
    note: str = Field(min_length=1, max_length=2000, description="what the clinician said; kept with the record")


# Plans and doses


class PlanItemOut(_Out):
    exercise: str
    rung: str = Field(description="the rung of the exercise's ladder (the exercise id for its standard rung)")
    name: str = Field(description="the rung's name")
    category: Category
    position: Position
    equipment: list[Equipment]
    prescription: Prescription
    estimated_duration_s: int
    note: str | None = Field(description="why the dose is what it is, or null")


class LeftOutOut(_Out):
    exercise: str
    name: str
    reason: str


class PlanOut(_Out):
    """A plan, as `backcoach plan --json` prints it."""

    minutes: int
    level: PlanLevel
    equipment: list[Equipment]
    floor: bool
    estimated_duration_s: int
    items: list[PlanItemOut]
    cautions: list[str]
    excluded: list[LeftOutOut] = Field(description="what the safety screen or the dose rules left out, and why")

    @classmethod
    def of(cls, plan: Plan) -> PlanOut:
        return cls.model_validate(plan.to_dict())


class DoseOut(_Out):
    exercise: str
    rung: str = Field(description="the rung of the exercise's ladder, e.g. bridge or bridge/held")
    name: str = Field(description="the rung's name")
    prescription: Prescription
    decision: Decision
    reason: str

    @classmethod
    def of(cls, decision: DoseDecision) -> DoseOut:
        return cls.model_validate(decision.to_dict())


# Sessions


class SessionPatch(_In):
    """Any of a session's fields; the ones given replace the stored ones."""

    date: OptionalIsoDate = None
    pain_before: Pain | None = None
    pain_after: Pain | None = None
    pain_next_morning: Pain | None = None
    items: list[SessionItem] | None = None
    partial: bool | None = None


class SessionOut(_Out):
    """A stored session: its id, then the record as history export writes it. Routes returning it leave out
    what the record leaves out (`partial` unless true, an item's `rung` for the standard rung)."""

    id: int
    date: IsoDate
    pain_before: Pain
    pain_after: Pain | None = None
    pain_next_morning: Pain | None = None
    items: list[SessionItem]
    partial: bool = Field(False, description="present, and true, only for a session stopped early")

    @classmethod
    def of(cls, session_id: int, record: SessionRecord) -> SessionOut:
        return cls.model_validate({"id": session_id, **record.to_dict()})


# Outcomes: the weekly check (the Patient-Specific Functional Scale)


class OutcomeIn(_In):
    """One weekly check: three activities the person chose, each scored 0 (unable) to 10 (as before)."""

    date: OptionalIsoDate = Field(default=None, description="ISO date; default: today")
    activities: Annotated[list[ActivityScore], Field(min_length=ACTIVITIES, max_length=ACTIVITIES)]


class OutcomeOut(_Out):
    id: int
    date: dt.date
    activities: list[ActivityScore]
    average: float


class ChangeOut(_Out):
    activity: str | None = Field(description="the activity, or null for the average of the three")
    since: dt.date
    first: float
    latest: float
    change: float
    checks: int
    mdc: int = Field(description="the minimal detectable change: 2 for the average, 3 for one activity")
    beyond_noise: bool
    restarted: bool
    words: str


class OutcomesOut(_Out):
    count: int
    due: bool
    next_due: dt.date | None
    average_change: ChangeOut | None
    activity_changes: list[ChangeOut]
    outcomes: list[OutcomeOut]


# Export and import: a person's whole record


class ExportedLink(_Out):
    clinician: str
    profession: str | None
    verified: bool
    since: Annotated[str, Field(json_schema_extra={"format": "date-time"})]
    ended_at: Annotated[str | None, Field(json_schema_extra={"format": "date-time"})]
    ended_by: Literal["patient", "clinician"] | None
    shares_notes: bool


class AccessEntryOut(_Out):
    at: dt.datetime
    clinician: str = Field(description="the clinician's name as it was when they read or changed the record")
    action: Literal["read", "change"]
    what: str = Field(description="what they read or changed, in words")


class ExportedAccount(_Out):
    email: str


class ExportedScreen(_Out):
    taken_at: Annotated[str, Field(json_schema_extra={"format": "date-time"})] = Field(
        description="when the screen was taken: ISO 8601 with the time zone"
    )
    answers: dict[str, Any] = Field(description="the answers as given: each question's key, true or false, and age")
    clearance: Clearance = Field(description="what the answers gave then; an import works it out again")
    clinician_note: str | None


class ExportDocument(_Out):
    """A person's whole record, as `GET /export` gives it and `POST /import` takes it back."""

    version: Literal[1]
    account: ExportedAccount
    preferences: Preferences | None = Field(description="the saved plan options, or null before any were chosen")
    screenings: list[ExportedScreen]
    sessions: list[SessionRecord] = Field(description="as history export writes them")
    outcomes: list[OutcomeRecord]
    care_links: list[ExportedLink] = Field(description="every clinician the person linked to, active and past")
    access_log: list[AccessEntryOut] = Field(description="every read or change by a clinician, newest first")


class ImportDocument(BaseModel):
    """An export to take back, all or nothing. Every key but `version` may be missing.

    Sessions, screens and weekly checks stay loosely typed here: the application layer checks them, so a 422 names
    the session and the field in words (`session 2 (2026-11-20), field 'pain_before': ...`). Unknown top-level keys
    are refused there too, with the keys that are allowed; the schema says so with `additionalProperties: false`.
    """

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": False})

    version: Literal[1] = Field(description="the format's version: 1")
    account: dict[str, Any] | None = Field(None, description="ignored: the record joins the signed-in account")
    preferences: dict[str, Any] | None = Field(None, description="the plan options, as in an export")
    screenings: list[dict[str, Any]] | None = Field(None, description="the safety screens, as in an export")
    sessions: list[dict[str, Any]] | None = Field(None, description="the sessions, as in an export")
    outcomes: list[dict[str, Any]] | None = Field(None, description="the weekly checks, as in an export")
    care_links: list[Any] | None = Field(None, description="ignored: a link is made only by accepting an invitation")
    access_log: list[Any] | None = Field(None, description="ignored: the log is written by the server alone")


class ImportCounts(_Out):
    sessions: int
    screenings: int
    outcomes: int


# Clinician mode (docs/clinician.md)


class RegisterIn(Credentials):
    role: Literal["patient", "clinician"] = Field("patient", description="a clinician also needs the two below")
    display_name: str | None = Field(None, description="a clinician's name as patients see it (up to 120 characters)")
    profession: str | None = Field(None, description="a clinician's profession, e.g. physiotherapist (up to 80)")


class MeOut(AccountOut):
    role: Literal["patient", "clinician"]
    verified: bool = Field(description="whether an operator verified this clinician; always false for a patient")


class RoleTokenOut(TokenOut):
    role: Literal["patient", "clinician"] = Field(description="what the token may do: the clinic's side or not")


class InvitationOut(_Out):
    id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    state: Literal["open", "used", "declined", "revoked", "expired"]


class NewInvitationOut(InvitationOut):
    code: str = Field(description="the single-use code, shown only in this answer (only its hash is stored)")
    link: str = Field(description="the page where the patient accepts or declines, e.g. /link/ABCD-EFGH-JKMN")


class CodeIn(_In):
    code: str = Field(description="the invitation's code; case, spaces and dashes do not matter", max_length=64)


class ClinicianOut(_Out):
    name: str
    profession: str | None
    verified: bool


class PreviewOut(_Out):
    clinician: ClinicianOut
    expires_at: dt.datetime
    can_see: list[str] = Field(description="exactly what the clinician will be able to see")
    can_do: list[str] = Field(description="exactly what the clinician will be able to do")
    cannot_see: list[str]


class LinkOut(_Out):
    id: int
    clinician: ClinicianOut
    since: dt.datetime
    ended_at: dt.datetime | None
    ended_by: Literal["patient", "clinician"] | None
    active: bool
    shares_notes: bool = Field(description="whether this clinician may read the notes of the patient's other ones")


class LinkPatch(_In):
    shares_notes: StrictBool


class PatientOut(_Out):
    id: int
    name: str
    email: str | None
    since: dt.datetime


# Prescribed programs and templates (clinician mode, docs/clinician.md "Programs and versions")


class ProgramCreateIn(_In):
    """Where a new program comes from: exactly one of an article program, a template or a full program."""

    article: str | None = Field(None, description="one of the five article programs (GET /api/v1/programs)")
    # Bounded like every row id: a larger one overflowed the database's integer and was a 500 (found by the fuzzer).
    template: StrictInt | None = Field(None, ge=1, le=2**63 - 1, description="one of the clinician's own templates")
    program: PrescribedProgram | None = Field(None, description="a full program")
    start_date: dt.date | None = Field(None, description="for an article or a template; default today")


class ProgramVersionOut(_Out):
    id: int
    version: int
    created_at: dt.datetime
    clinician_name: str = Field(description="who made this version")
    sessions: int = Field(description="how many of the patient's sessions followed it")
    program: PrescribedProgram


class PrescribedOut(_Out):
    id: int
    title: str
    prescribed_by: str = Field(description="who made the current version")
    created_at: dt.datetime
    ended_at: dt.datetime | None
    active: bool
    version: int = Field(description="the current version's number (1, 2, ...)")
    version_id: int = Field(description="the current version's id: what sessions that follow it store")
    program: PrescribedProgram = Field(description="the current version")


class PrescribedWithVersionsOut(PrescribedOut):
    versions: list[ProgramVersionOut] = Field(description="every version, oldest first")


class MyProgramOut(PrescribedOut):
    due_today: bool = Field(description="whether today's plan follows it")
    weekdays: list[str] = Field(description="the days it is done on")


class TemplateIn(_In):
    name: str = Field(min_length=1, max_length=120)
    program: ProgramDraft


class TemplateOut(_Out):
    id: int
    name: str
    created_at: dt.datetime
    updated_at: dt.datetime
    program: ProgramDraft


# Following patients: the dashboard, one patient's summary, notes and clearances (docs/clinician.md "Following
# patients" and "Clearances")

AttentionKind = Literal["red-flag", "flare", "stepped-down", "no-session", "adherence"]


class AttentionOut(_Out):
    kind: AttentionKind = Field(description="most urgent first: red-flag, flare, stepped-down, no-session, adherence")
    words: str = Field(description="the reason in words")


class DashboardPatientOut(_Out):
    id: int
    name: str
    email: str | None
    since: dt.datetime
    last_session: dt.date | None
    attention: list[AttentionOut] = Field(description="every reason to look at this patient, most urgent first")


class DashboardOut(_Out):
    patients: list[DashboardPatientOut] = Field(description="who needs attention first, then the rest by name")


class ScreenSeenOut(_Out):
    id: int = Field(description="what a clearance names in screen_id")
    taken_at: dt.datetime
    clearance: Clearance
    label: str
    blocks: bool
    reasons: list[str]


class ClearanceOut(_Out):
    id: int
    screen_id: int = Field(description="the safety check it cleared")
    clinician: str
    note: str
    at: dt.datetime


class WeekAdherenceOut(_Out):
    week_start: dt.date
    done: int
    prescribed: int | None = Field(description="sessions the program asked for that week (to today); null: none")


class PainWeekOut(_Out):
    week_start: dt.date
    sessions: int
    before: float
    after: float | None
    next_morning: float | None


class DoseRunOut(_Out):
    rung: str
    rung_name: str
    first: dt.date
    last: dt.date
    dose: str
    repetitions: int
    sessions: int
    unfinished: int


class ExerciseDosesOut(_Out):
    exercise: str
    name: str
    runs: list[DoseRunOut]


class FollowedProgramOut(_Out):
    id: int
    title: str
    version: int
    prescribed_by: str
    days_per_week: int
    sessions_per_day: int
    start_date: dt.date


class NoteOut(_Out):
    id: int
    clinician: str
    own: bool = Field(description="written by the caller")
    session_id: int | None
    body: str
    created_at: dt.datetime


class PatientSummaryOut(_Out):
    patient: PatientOut
    today: dt.date = Field(description="the patient's own day, in their time zone")
    attention: list[AttentionOut]
    screen: ScreenSeenOut | None
    clearances: list[ClearanceOut]
    program: FollowedProgramOut | None
    adherence: list[WeekAdherenceOut]
    pain: list[PainWeekOut]
    outcome: OutcomesOut
    doses: list[ExerciseDosesOut]
    notes: list[NoteOut]


class NoteIn(_In):
    body: Annotated[str, Field(min_length=1, max_length=2000)]
    session_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = Field(
        default=None, description="one of the patient's sessions, when the note is about it"
    )


class ClinicClearanceIn(_In):
    screen_id: Annotated[int, Field(ge=1, le=2**63 - 1)] = Field(
        description="the latest safety check, which the clinician read: a newer one is never cleared unread"
    )
    note: Annotated[str, Field(min_length=1, max_length=2000)]
