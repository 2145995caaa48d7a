"""The JSON API under /api/v1. Each route parses the request and calls the same service functions as the CLI.

Without a valid token: 401. Another person's resource: 404, never 403, so nobody learns what exists. Invalid input:
422 naming the field, and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, NoReturn

from fastapi import APIRouter, Body, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, create_model

from backcoach import content
from backcoach.app import accounts, history, outcomes, plans, safety
from backcoach.app.runtime import Runtime
from backcoach.app.transfer import TransferError, export_account, import_account
from backcoach.domain.catalogue import Prescription
from backcoach.domain.history import HistoryError, OptionalIsoDate, Pain, SessionItem, SessionRecord
from backcoach.domain.outcome import ACTIVITIES, ActivityScore, OutcomeError, parse_outcome
from backcoach.domain.planner import PlanInfeasible, PlanInputError, PlanRequest
from backcoach.domain.screening import AGE_PROMPT, QUESTIONS, SCREEN_VALID_DAYS, AnswersError, Clearance, parse_answers
from backcoach.domain.vocab import EQUIPMENT, Equipment
from backcoach.storage.repository import StoredSession
from backcoach.web.deps import ApiCaller, RowId, RuntimeDep, client_of

router = APIRouter(prefix="/api/v1")

Level = Literal["beginner", "advanced"]
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "no such resource (or not yours)"}}
AUTH: Responses = {401: {"description": "no valid token"}}


def unprocessable(loc: list[str | int], message: str) -> NoReturn:
    raise HTTPException(422, detail=[{"loc": loc, "msg": message, "type": "value_error"}])


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str
    password: str


class AccountOut(BaseModel):
    id: int
    email: str


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class Created(BaseModel):
    id: int


# Accounts


@router.post(
    "/auth/register",
    status_code=201,
    response_model=AccountOut,
    tags=["auth"],
    responses={409: {"description": "the email is taken"}},
)
def register(body: Credentials, runtime: RuntimeDep) -> AccountOut:
    try:
        account = accounts.register(runtime, body.email, body.password)
    except accounts.AccountError as exc:
        unprocessable(["body", exc.field], exc.message)
    except accounts.EmailTaken:
        raise HTTPException(409, "an account with this email already exists") from None
    return AccountOut(id=account.id, email=account.email)


@router.post(
    "/auth/token",
    response_model=TokenOut,
    tags=["auth"],
    responses={401: {"description": "wrong email or password"}, 429: {"description": "too many failed sign-ins"}},
)
def token(body: Credentials, runtime: RuntimeDep, request: Request) -> TokenOut:
    try:
        account = accounts.authenticate(runtime, body.email, body.password, client_of(request))
    except accounts.TooManyAttempts as exc:
        raise HTTPException(
            429, "too many failed sign-ins: wait and try again", headers={"Retry-After": str(exc.retry_after)}
        ) from None
    except accounts.BadCredentials:
        raise HTTPException(401, "wrong email or password", headers={"WWW-Authenticate": "Bearer"}) from None
    return TokenOut(access_token=accounts.issue_token(runtime, account.id, "api").token)


@router.delete("/auth/token", status_code=204, tags=["auth"], responses=AUTH)
def revoke_token(caller: ApiCaller, runtime: RuntimeDep, request: Request) -> Response:
    header = request.headers.get("authorization", "")
    accounts.revoke(runtime, header.partition(" ")[2].strip() or None)
    return Response(status_code=204)


@router.delete("/me", status_code=204, tags=["account"], responses=AUTH)
def delete_me(caller: ApiCaller, runtime: RuntimeDep) -> Response:
    accounts.delete_account(runtime, caller.user_id)
    return Response(status_code=204)


@router.get("/export", tags=["account"], responses=AUTH)
def export(caller: ApiCaller, runtime: RuntimeDep) -> dict[str, Any]:
    return export_account(runtime, caller.user_id)


@router.post("/import", tags=["account"], responses=AUTH)
def import_(caller: ApiCaller, runtime: RuntimeDep, body: Annotated[dict[str, Any], Body()]) -> dict[str, int]:
    try:
        return import_account(runtime, caller.user_id, body)
    except TransferError as exc:
        unprocessable(["body", *exc.loc], exc.message)


# Content (no sign-in needed)


@router.get("/exercises", tags=["content"])
def exercises() -> list[dict[str, Any]]:
    return [e.model_dump() for e in content.catalogue()]


@router.get("/exercises/{exercise_id}", tags=["content"], responses=NOT_FOUND)
def exercise(exercise_id: str) -> dict[str, Any]:
    if exercise_id not in content.catalogue():
        raise HTTPException(404, f"unknown exercise {exercise_id!r}")
    return content.catalogue().get(exercise_id).model_dump()


@router.get("/programs", tags=["content"])
def programs() -> list[dict[str, Any]]:
    return [p.model_dump() for p in content.programs().values()]


@router.get("/programs/{program_id}", tags=["content"], responses=NOT_FOUND)
def program(program_id: str) -> dict[str, Any]:
    found = content.programs().get(program_id)
    if found is None:
        raise HTTPException(404, f"unknown program {program_id!r}")
    return found.model_dump()


# Screening and planning


def _answers_model() -> type[BaseModel]:
    """The screen's answers as a request body: every question a strict boolean (absent means no), age required.
    Built from the domain's keys so the API and the screen can never drift apart."""
    fields: dict[str, Any] = {q.key: (StrictBool, Field(False, description=q.prompt)) for q in QUESTIONS}
    fields["age"] = (Annotated[StrictInt, Field(ge=1, le=129)], Field(description=AGE_PROMPT))
    return create_model("ScreeningAnswers", __config__=ConfigDict(extra="forbid"), **fields)


ScreeningAnswers = _answers_model()


class ReasonOut(BaseModel):
    item: str
    message: str


class ScreenOut(BaseModel):
    clearance: Clearance
    when: str | None = Field(description="now, today, within 1 to 2 weeks, before you start, or null when clear")
    reasons: list[ReasonOut]
    advice: str
    excludes: list[str] = Field(description="exercise ids these answers leave out of every plan")


class StoredScreenOut(ScreenOut):
    taken_at: dt.datetime
    valid_until: dt.date = Field(description="a guided session needs a new screen after this day")


@router.post("/screening", tags=["safety"], responses=AUTH, response_model=ScreenOut)
def screening(
    caller: ApiCaller,
    runtime: RuntimeDep,
    body: Annotated[ScreeningAnswers, Body()],  # type: ignore[valid-type]
) -> dict[str, Any]:
    try:
        answers = parse_answers(body.model_dump())  # type: ignore[attr-defined]
    except AnswersError as exc:
        unprocessable(["body", *([exc.key] if exc.key else [])], str(exc).removeprefix(f"{exc.key}: "))
    return safety.take_screen(runtime, caller.user_id, answers).to_dict()


@router.get("/screening", tags=["safety"], responses={**AUTH, **NOT_FOUND}, response_model=StoredScreenOut)
def latest_screening(caller: ApiCaller, runtime: RuntimeDep) -> dict[str, Any]:
    """The latest safety screen, with what it leaves out and until when it is valid for guided sessions."""
    latest = safety.latest_screen(runtime, caller.user_id)
    if latest is None:
        raise HTTPException(404, "no safety screen yet")
    valid_until = (latest.taken_at + dt.timedelta(days=SCREEN_VALID_DAYS)).date()
    return {**latest.result.to_dict(), "taken_at": latest.taken_at, "valid_until": valid_until}


CLEARANCE_HINT = (
    "When a clinician has cleared you to exercise, record it with POST /api/v1/clearance; if things have changed, "
    "take the screen again with POST /api/v1/screening."
)


class ClearanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=2000, description="what the clinician said; kept with the record")


@router.post("/clearance", tags=["safety"], responses=AUTH, response_model=ScreenOut)
def clearance(caller: ApiCaller, runtime: RuntimeDep, body: ClearanceIn) -> dict[str, Any]:
    """A clinician has cleared the person to exercise: saved as a check-first screen that keeps what the earlier
    answers left out."""
    try:
        return safety.record_clinician_clearance(runtime, caller.user_id, body.note).to_dict()
    except AnswersError as exc:
        unprocessable(["body", "note"], str(exc).removeprefix("cleared-by-clinician: "))


@router.post("/red-flag", tags=["safety"], responses=AUTH, response_model=ScreenOut)
def red_flag(caller: ApiCaller, runtime: RuntimeDep) -> dict[str, Any]:
    """A new warning sign reported before a session: saved as an emergency screen, which blocks exercise."""
    return safety.record_red_flag(runtime, caller.user_id).to_dict()


def parse_equipment(raw: str | None) -> frozenset[Equipment]:
    items = [v.strip().lower() for v in (raw or "").split(",") if v.strip()]
    if items == ["none"]:
        return frozenset()
    for item in items:
        if item not in EQUIPMENT:
            unprocessable(["query", "equipment"], f"{item!r} is not one of {', '.join(EQUIPMENT)}")
    return frozenset(items)  # type: ignore[arg-type]


def plan_request(
    runtime: Runtime,
    user_id: int,
    minutes: int | None,
    equipment: str | None,
    floor: bool | None,
    level: Level | None,
) -> PlanRequest:
    """The query's values, falling back to the person's saved preferences, then to the defaults."""
    chosen = parse_equipment(equipment) if equipment is not None else None
    try:
        return plans.plan_request(runtime, user_id, minutes=minutes, equipment=chosen, floor=floor, level=level)
    except PlanInputError as exc:
        unprocessable(["query", exc.option], f"{exc.value!r} is not allowed; allowed: {exc.allowed}")


@router.get(
    "/plan",
    tags=["plans"],
    responses={**AUTH, 403: {"description": "the latest safety screen rules out exercise"}},
)
def plan(
    caller: ApiCaller,
    runtime: RuntimeDep,
    minutes: Annotated[int | None, Query(ge=5, le=60)] = None,
    equipment: Annotated[str | None, Query(description="comma-separated: chair, wall, kettlebell")] = None,
    floor: bool | None = None,
    level: Level | None = None,
    date: Annotated[dt.date | None, Query(description="the day to plan for (default today)")] = None,
) -> dict[str, Any]:
    request = plan_request(runtime, caller.user_id, minutes, equipment, floor, level)
    try:
        return plans.make_plan(runtime, caller.user_id, request, date).to_dict()
    except safety.Blocked as exc:
        raise HTTPException(403, f"{exc} {CLEARANCE_HINT}") from None
    except plans.DateBeforeHistory as exc:
        unprocessable(["query", "date"], str(exc).removeprefix("date: "))
    except PlanInfeasible as exc:
        unprocessable(["query", "floor" if not request.floor else "equipment"], str(exc))


class DoseOut(BaseModel):
    exercise: str
    rung: str = Field(description="the rung of the exercise's ladder, e.g. bridge or bridge/held")
    name: str = Field(description="the rung's name")
    prescription: Prescription
    decision: Literal["start", "progress", "hold", "regress", "rest"]
    reason: str


@router.get(
    "/dose/{exercise_id}",
    tags=["plans"],
    response_model=DoseOut,
    responses={**AUTH, **NOT_FOUND, 403: {"description": "the latest safety screen rules out exercise"}},
)
def dose(
    exercise_id: str,
    caller: ApiCaller,
    runtime: RuntimeDep,
    date: Annotated[dt.date | None, Query(description="the day to plan for (default today)")] = None,
) -> dict[str, Any]:
    """The next dose of one exercise, as `backcoach dose EXERCISE --json` gives it."""
    if exercise_id not in runtime.catalogue:
        raise HTTPException(404, f"unknown exercise {exercise_id!r}")
    try:
        return plans.next_dose(runtime, caller.user_id, runtime.catalogue.get(exercise_id), date).to_dict()
    except safety.Blocked as exc:
        raise HTTPException(403, f"{exc} {CLEARANCE_HINT}") from None
    except plans.DateBeforeHistory as exc:
        unprocessable(["query", "date"], str(exc).removeprefix("date: "))


# Sessions


class SessionPatch(BaseModel):
    """Any of a session's fields; the ones given replace the stored ones."""

    model_config = ConfigDict(extra="forbid")
    date: dt.date | None = None
    pain_before: Pain | None = None
    pain_after: Pain | None = None
    pain_next_morning: Pain | None = None
    items: list[SessionItem] | None = None
    partial: bool | None = None


def _session_out(stored: StoredSession) -> dict[str, Any]:
    return {"id": stored.id, **stored.record.to_dict()}


def _bad_item(exc: history.ItemError) -> NoReturn:
    unprocessable(["body", "items", exc.index, exc.field], exc.detail)


@router.post("/sessions", status_code=201, response_model=Created, tags=["sessions"], responses=AUTH)
def create_session(caller: ApiCaller, runtime: RuntimeDep, body: SessionRecord) -> Created:
    try:
        return Created(id=history.add_session(runtime, caller.user_id, body).id)
    except history.ItemError as exc:
        _bad_item(exc)
    except HistoryError as exc:
        unprocessable(["body"], str(exc))


@router.get("/sessions", tags=["sessions"], responses=AUTH)
def list_sessions(caller: ApiCaller, runtime: RuntimeDep) -> list[dict[str, Any]]:
    return [_session_out(s) for s in history.sessions(runtime, caller.user_id)]


@router.get("/sessions/{session_id}", tags=["sessions"], responses={**AUTH, **NOT_FOUND})
def get_session(session_id: RowId, caller: ApiCaller, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.unit(caller.user_id) as repo:
        stored = repo.get_session(session_id)
    if stored is None:
        raise HTTPException(404, "no such session")
    return _session_out(stored)


@router.patch("/sessions/{session_id}", tags=["sessions"], responses={**AUTH, **NOT_FOUND})
def patch_session(session_id: RowId, caller: ApiCaller, runtime: RuntimeDep, body: SessionPatch) -> dict[str, Any]:
    with runtime.unit(caller.user_id) as repo:
        stored = repo.get_session(session_id)
        if stored is None:
            raise HTTPException(404, "no such session")
        merged = {**stored.record.model_dump(), **body.model_dump(exclude_unset=True)}
        if body.items is not None:
            merged["items"] = [i.model_dump(exclude_unset=False) for i in body.items]
        try:
            record = SessionRecord.model_validate(merged)
        except ValueError as exc:
            unprocessable(["body"], str(exc))
        try:
            history.check_items(runtime, record.items)
        except history.ItemError as exc:
            _bad_item(exc)
        updated = repo.replace_session(session_id, record)
        assert updated is not None
    return _session_out(updated)


@router.delete("/sessions/{session_id}", status_code=204, tags=["sessions"], responses={**AUTH, **NOT_FOUND})
def delete_session(session_id: RowId, caller: ApiCaller, runtime: RuntimeDep) -> Response:
    with runtime.unit(caller.user_id) as repo:
        if not repo.delete_session(session_id):
            raise HTTPException(404, "no such session")
    return Response(status_code=204)


# Outcomes: the weekly check (the Patient-Specific Functional Scale)


class OutcomeIn(BaseModel):
    """One weekly check: three activities the person chose, each scored 0 (unable) to 10 (as before)."""

    model_config = ConfigDict(extra="forbid")
    date: OptionalIsoDate = Field(default=None, description="ISO date; default: today")
    activities: Annotated[list[ActivityScore], Field(min_length=ACTIVITIES, max_length=ACTIVITIES)]


class OutcomeOut(BaseModel):
    id: int
    date: dt.date
    activities: list[ActivityScore]
    average: float


class ChangeOut(BaseModel):
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


class OutcomesOut(BaseModel):
    count: int
    due: bool
    next_due: dt.date | None
    average_change: ChangeOut | None
    activity_changes: list[ChangeOut]
    outcomes: list[OutcomeOut]


@router.get("/outcomes", response_model=OutcomesOut, tags=["outcomes"], responses=AUTH)
def list_outcomes(caller: ApiCaller, runtime: RuntimeDep) -> OutcomesOut:
    """Every weekly check, oldest first, with whether the next is due and each change against the minimal
    detectable change."""
    return OutcomesOut.model_validate(outcomes.outcome_report(runtime, caller.user_id))


@router.post("/outcomes", status_code=201, response_model=OutcomeOut, tags=["outcomes"], responses=AUTH)
def create_outcome(caller: ApiCaller, runtime: RuntimeDep, body: OutcomeIn) -> OutcomeOut:
    raw = {
        "date": body.date or runtime.today(),
        "activities": [a.model_dump() for a in body.activities],
    }
    try:
        recorded = outcomes.record_outcome(runtime, caller.user_id, parse_outcome(raw))
    except OutcomeError as exc:
        unprocessable(["body", *exc.loc], exc.message)
    return OutcomeOut.model_validate(recorded.stored.to_dict())
