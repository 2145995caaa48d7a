"""The JSON API under /api/v1. Each route parses the request, calls one use case of the application layer (the same
one the CLI calls) and returns a typed body (`web/schemas.py`).

Routes raise the application's errors and never choose a status: the web app's one handler maps them
(`web/errors.py`). Without a valid token: 401. Another person's resource: 404, never 403, so nobody learns what
exists. Invalid input: 422 naming the field, and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response

from backcoach import content
from backcoach.app import accounts, history, outcomes, plans, preferences, safety
from backcoach.app.runtime import Runtime
from backcoach.app.transfer import export_account, import_account
from backcoach.domain.camera import CameraRules
from backcoach.domain.catalogue import Exercise
from backcoach.domain.errors import NotFound
from backcoach.domain.history import SessionRecord
from backcoach.domain.outcome import parse_outcome
from backcoach.domain.preferences import Preferences
from backcoach.domain.programs import Program
from backcoach.domain.screening import parse_answers
from backcoach.domain.vocab import PlanLevel, parse_equipment
from backcoach.web import cached, offload
from backcoach.web.deps import ApiCaller, BearerToken, RowId, RuntimeDep, client_of
from backcoach.web.schemas import (
    AccountOut,
    ClearanceIn,
    Created,
    Credentials,
    DoseOut,
    ExportDocument,
    ImportCounts,
    ImportDocument,
    MeOut,
    OutcomeIn,
    OutcomeOut,
    OutcomesOut,
    PlanOut,
    RegisterIn,
    RoleTokenOut,
    ScreeningAnswers,
    ScreenOut,
    SessionOut,
    SessionPatch,
    StoredScreenOut,
)

router = APIRouter(prefix="/api/v1")

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "no such resource (or not yours)"}}
AUTH: Responses = {401: {"description": "no valid token"}}
BLOCKED: Responses = {403: {"description": "the latest safety screen rules out exercise"}}
Day = Annotated[dt.date | None, Query(description="the day to plan for (default today)")]


def exercise_of(runtime: Runtime, exercise_id: str) -> Exercise:
    if exercise_id not in runtime.catalogue:
        raise NotFound(f"unknown exercise {exercise_id!r}")
    return runtime.catalogue.get(exercise_id)


# The three requests clients make most often come first. Starlette tries a router's routes in order until one
# matches, and FastAPI does so twice a request (to choose the included router, then its route): declared where
# their topics are, today's plan was the 19th route tried and a new session the 21st, which cost a tenth of a
# cached plan's CPU and a twentieth of a write's (measured in process). Their paths overlap no other route's.


@router.get("/plan", response_model=PlanOut, tags=["plans"], responses={**AUTH, **BLOCKED})
async def plan(
    caller: ApiCaller,
    runtime: RuntimeDep,
    minutes: Annotated[int | None, Query(ge=5, le=60)] = None,
    equipment: Annotated[str | None, Query(description="comma-separated: chair, wall, kettlebell, or none")] = None,
    floor: bool | None = None,
    level: PlanLevel | None = None,
    date: Day = None,
) -> Response:
    """The plan, as `backcoach plan --json` gives it; options left out come from the saved preferences. A 422
    names the option to change, also when no safe session fits the options.

    Served from this process's cache while the person's revision and the day are unchanged (`web/cached.py`)."""

    def build() -> cached.Built:
        snapshot = plans.plan_snapshot(
            runtime,
            caller.user_id,
            on=date,
            minutes=minutes,
            equipment=parse_equipment(equipment) if equipment is not None else None,
            floor=floor,
            level=level,
        )
        body = PlanOut.of(snapshot.plan).model_dump_json().encode()
        return body, snapshot.revision, snapshot.valid_until

    key = ("api/plan", minutes, equipment, floor, level, date)
    return Response(await cached.personal(runtime, caller, key, build), media_type="application/json")


@router.post("/sessions", status_code=201, response_model=Created, tags=["sessions"], responses=AUTH)
async def create_session(request: Request, caller: ApiCaller, runtime: RuntimeDep, body: SessionRecord) -> Created:
    # The most frequent write: async, so that it makes one hop off the event loop (a plain `def` route makes two:
    # FastAPI serializes its response in the pool too), to the app's writer (web/offload.py).
    stored = await offload.write(request, history.add_session, runtime, caller.user_id, body)
    return Created(id=stored.id)


@router.get("/me", response_model=MeOut, tags=["account"], responses=AUTH)
async def me(caller: ApiCaller) -> MeOut:
    """Who the token signs in, and their role. Also the benchmarks' yardstick: the least an authenticated request
    can cost (the role is read in the token's own row)."""
    role = "clinician" if caller.role == "clinician" else "patient"
    # Tokens are only issued to email accounts.
    return MeOut(id=caller.user_id, email=caller.email or "", role=role, verified=caller.verified)


# Accounts


@router.post(
    "/auth/register",
    status_code=201,
    response_model=AccountOut,
    tags=["auth"],
    responses={409: {"description": "the email is taken"}},
)
def register(body: RegisterIn, runtime: RuntimeDep) -> AccountOut:
    account = accounts.register(runtime, body.email, body.password, body.role, body.display_name, body.profession)
    return AccountOut(id=account.id, email=account.email)


@router.post(
    "/auth/token",
    response_model=RoleTokenOut,
    tags=["auth"],
    responses={401: {"description": "wrong email or password"}, 429: {"description": "too many failed sign-ins"}},
)
def token(body: Credentials, runtime: RuntimeDep, request: Request) -> RoleTokenOut:
    account = accounts.authenticate(runtime, body.email, body.password, client_of(request))
    issued = accounts.issue_token(runtime, account.id, "api").token
    signed = accounts.resolve_token(runtime, issued, "api")
    return RoleTokenOut(access_token=issued, role=signed.role if signed else "patient")


@router.delete("/auth/token", status_code=204, tags=["auth"], responses=AUTH)
def revoke_token(caller: ApiCaller, runtime: RuntimeDep, bearer: BearerToken) -> Response:
    accounts.revoke(runtime, bearer)
    return Response(status_code=204)


@router.delete("/me", status_code=204, tags=["account"], responses=AUTH)
def delete_me(caller: ApiCaller, runtime: RuntimeDep) -> Response:
    accounts.delete_account(runtime, caller.user_id)
    return Response(status_code=204)


@router.get(
    "/export",
    response_model=ExportDocument,
    response_model_exclude_unset=True,  # a session leaves out what its record leaves out, as history export does
    tags=["account"],
    responses=AUTH,
)
def export(caller: ApiCaller, runtime: RuntimeDep) -> ExportDocument:
    return ExportDocument.model_validate(export_account(runtime, caller.user_id))


@router.post("/import", response_model=ImportCounts, tags=["account"], responses=AUTH)
def import_(caller: ApiCaller, runtime: RuntimeDep, body: ImportDocument) -> ImportCounts:
    """All or nothing: a 422 names the path of the first wrong value, and nothing is stored."""
    counts = import_account(runtime, caller.user_id, body.model_dump(exclude_unset=True))
    return ImportCounts.model_validate(counts)


# Preferences: the plan options and the reminder schedule (docs/reminders.md)


@router.get("/preferences", response_model=Preferences, tags=["preferences"], responses=AUTH)
def get_preferences(caller: ApiCaller, runtime: RuntimeDep) -> Preferences:
    """The saved preferences, or the defaults before any were chosen. `time_zone` null is the server's zone."""
    return preferences.current(runtime, caller.user_id)


@router.put("/preferences", response_model=Preferences, tags=["preferences"], responses=AUTH)
def put_preferences(caller: ApiCaller, runtime: RuntimeDep, body: Preferences) -> Preferences:
    """Replace the preferences whole: a field left out takes its default. Without `times`, the first
    `sessions_per_day` of 08:00, 14:00 and 20:00; without `sessions_per_day`, one session per time given. A 422
    names the field and what it allows, and nothing is stored."""
    preferences.save(runtime, caller.user_id, body)
    return body


# Content (no sign-in needed)


@router.get("/exercises", response_model=list[Exercise], tags=["content"])
def exercises(runtime: RuntimeDep) -> list[Exercise]:
    return list(runtime.catalogue)


@router.get("/exercises/{exercise_id}", response_model=Exercise, tags=["content"], responses=NOT_FOUND)
def exercise(exercise_id: str, runtime: RuntimeDep) -> Exercise:
    return exercise_of(runtime, exercise_id)


# The camera coach's rule set for one exercise (docs/camera.md, "Signals and rules"), kept as its own block.


@router.get("/exercises/{exercise_id}/camera", response_model=CameraRules, tags=["content"], responses=NOT_FOUND)
def exercise_camera(exercise_id: str, runtime: RuntimeDep) -> CameraRules:
    """What the camera coach measures in this exercise, or why it cannot (`reliable` false)."""
    rules = exercise_of(runtime, exercise_id).camera
    if rules is None:
        raise NotFound(f"exercise {exercise_id!r} has no camera rules")
    return rules


@router.get("/programs", response_model=list[Program], tags=["content"])
def programs() -> list[Program]:
    return list(content.programs().values())


@router.get("/programs/{program_id}", response_model=Program, tags=["content"], responses=NOT_FOUND)
def program(program_id: str) -> Program:
    found = content.programs().get(program_id)
    if found is None:
        raise NotFound(f"unknown program {program_id!r}")
    return found


# Screening and planning


@router.post("/screening", tags=["safety"], responses=AUTH, response_model=ScreenOut)
def screening(
    caller: ApiCaller,
    runtime: RuntimeDep,
    body: Annotated[ScreeningAnswers, Body()],  # type: ignore[valid-type]
) -> ScreenOut:
    answers = parse_answers(body.model_dump())  # type: ignore[attr-defined]
    return ScreenOut.of(safety.take_screen(runtime, caller.user_id, answers))


@router.get("/screening", tags=["safety"], responses={**AUTH, **NOT_FOUND}, response_model=StoredScreenOut)
def latest_screening(caller: ApiCaller, runtime: RuntimeDep) -> StoredScreenOut:
    """The latest safety screen, with what it leaves out and until when it is valid for guided sessions."""
    latest = safety.latest_screen(runtime, caller.user_id)
    if latest is None:
        raise NotFound("no safety screen yet")
    return StoredScreenOut.stored(latest.result, latest.taken_at, safety.valid_until(latest))


@router.post("/clearance", tags=["safety"], responses=AUTH, response_model=ScreenOut)
def clearance(caller: ApiCaller, runtime: RuntimeDep, body: ClearanceIn) -> ScreenOut:
    """A clinician has cleared the person to exercise: saved as a check-first screen that keeps what the earlier
    answers left out."""
    return ScreenOut.of(safety.record_clinician_clearance(runtime, caller.user_id, body.note))


@router.post("/red-flag", tags=["safety"], responses=AUTH, response_model=ScreenOut)
def red_flag(caller: ApiCaller, runtime: RuntimeDep) -> ScreenOut:
    """A new warning sign reported before a session: saved as an emergency screen, which blocks exercise."""
    return ScreenOut.of(safety.record_red_flag(runtime, caller.user_id))


@router.get(
    "/dose/{exercise_id}",
    tags=["plans"],
    response_model=DoseOut,
    responses={**AUTH, **NOT_FOUND, **BLOCKED},
)
def dose(exercise_id: str, caller: ApiCaller, runtime: RuntimeDep, date: Day = None) -> DoseOut:
    """The next dose of one exercise, as `backcoach dose EXERCISE --json` gives it."""
    return DoseOut.of(plans.next_dose(runtime, caller.user_id, exercise_of(runtime, exercise_id), date))


# Sessions: the response leaves out what the record leaves out (`partial` unless true, the standard rung).


@router.get(
    "/sessions", response_model=list[SessionOut], response_model_exclude_unset=True, tags=["sessions"], responses=AUTH
)
def list_sessions(caller: ApiCaller, runtime: RuntimeDep) -> list[SessionOut]:
    return [SessionOut.of(s.id, s.record) for s in history.sessions(runtime, caller.user_id)]


@router.get(
    "/sessions/{session_id}",
    response_model=SessionOut,
    response_model_exclude_unset=True,
    tags=["sessions"],
    responses={**AUTH, **NOT_FOUND},
)
def get_session(session_id: RowId, caller: ApiCaller, runtime: RuntimeDep) -> SessionOut:
    stored = history.get_session(runtime, caller.user_id, session_id)
    return SessionOut.of(stored.id, stored.record)


@router.patch(
    "/sessions/{session_id}",
    response_model=SessionOut,
    response_model_exclude_unset=True,
    tags=["sessions"],
    responses={**AUTH, **NOT_FOUND},
)
def patch_session(session_id: RowId, caller: ApiCaller, runtime: RuntimeDep, body: SessionPatch) -> SessionOut:
    """The fields given replace the stored ones; the result is checked like a new session, items included."""
    updated = history.edit_session(runtime, caller.user_id, session_id, body.model_dump(exclude_unset=True))
    return SessionOut.of(updated.id, updated.record)


@router.delete("/sessions/{session_id}", status_code=204, tags=["sessions"], responses={**AUTH, **NOT_FOUND})
def delete_session(session_id: RowId, caller: ApiCaller, runtime: RuntimeDep) -> Response:
    history.delete_session(runtime, caller.user_id, session_id)
    return Response(status_code=204)


# Outcomes: the weekly check (the Patient-Specific Functional Scale)


@router.get("/outcomes", response_model=OutcomesOut, tags=["outcomes"], responses=AUTH)
def list_outcomes(caller: ApiCaller, runtime: RuntimeDep) -> OutcomesOut:
    """Every weekly check, oldest first, with whether the next is due and each change against the minimal
    detectable change."""
    return OutcomesOut.model_validate(outcomes.outcome_report(runtime, caller.user_id))


@router.post("/outcomes", status_code=201, response_model=OutcomeOut, tags=["outcomes"], responses=AUTH)
def create_outcome(caller: ApiCaller, runtime: RuntimeDep, body: OutcomeIn) -> OutcomeOut:
    day = body.date or preferences.today(runtime, caller.user_id)
    raw = {"date": day, "activities": [a.model_dump() for a in body.activities]}
    recorded = outcomes.record_outcome(runtime, caller.user_id, parse_outcome(raw))
    return OutcomeOut.model_validate(recorded.stored.to_dict())
