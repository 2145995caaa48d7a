"""Following patients in the JSON API (docs/api.md; docs/clinician.md "Following patients", "Clearances"): the
dashboard, one patient's summary, notes and clearances, under /api/v1/clinic.

Each route calls one use case of `app/follow.py`. A patient calling them gets 403; a patient who is not the
clinician's now, whether they exist or not, is 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backcoach.app import follow
from backcoach.domain.follow import Signal
from backcoach.web.deps import ApiCaller, RowId, RuntimeDep
from backcoach.web.schemas import (
    AttentionOut,
    ClearanceOut,
    ClinicClearanceIn,
    DashboardOut,
    DashboardPatientOut,
    DoseRunOut,
    ExerciseDosesOut,
    FollowedProgramOut,
    NoteIn,
    NoteOut,
    OutcomesOut,
    PainWeekOut,
    PatientOut,
    PatientSummaryOut,
    ScreenSeenOut,
    WeekAdherenceOut,
)

router = APIRouter(prefix="/api/v1/clinic")

Responses = dict[int | str, dict[str, Any]]
CLINICIAN: Responses = {401: {"description": "no valid token"}, 403: {"description": "not a clinician account"}}
PATIENT: Responses = {**CLINICIAN, 404: {"description": "no such patient of yours (linked now)"}}


def _attention(signals: list[Signal]) -> list[AttentionOut]:
    return [AttentionOut(kind=s.kind, words=s.words) for s in signals]


def note_out(note: follow.Note, clinician_id: int) -> NoteOut:
    return NoteOut(
        id=note.id,
        clinician=note.clinician_name,
        own=note.clinician_id == clinician_id,
        session_id=note.session_id,
        body=note.body,
        created_at=note.created_at,
    )


def _clearance(found: follow.Clearance) -> ClearanceOut:
    return ClearanceOut(
        id=found.id, screen_id=found.screening_id, clinician=found.clinician_name, note=found.note, at=found.at
    )


@router.get("/dashboard", response_model=DashboardOut, tags=["clinic"], responses=CLINICIAN)
def dashboard(caller: ApiCaller, runtime: RuntimeDep) -> DashboardOut:
    """The caller's patients now, who needs attention first, with the reasons in words (each patient read is in
    their access log)."""
    return DashboardOut(
        patients=[
            DashboardPatientOut(
                id=e.patient.id,
                name=e.patient.name,
                email=e.patient.email,
                since=e.patient.since,
                last_session=e.last_session,
                attention=_attention(e.signals),
            )
            for e in follow.dashboard(runtime, caller.user_id)
        ]
    )


@router.get("/patients/{patient_id}/summary", response_model=PatientSummaryOut, tags=["clinic"], responses=PATIENT)
def patient_summary(patient_id: RowId, caller: ApiCaller, runtime: RuntimeDep) -> PatientSummaryOut:
    """Adherence per week against the prescription, pain around sessions, the weekly check, each exercise's dose
    and rung over time, the safety check and its clearances, and the notes the caller may read."""
    found = follow.summary(runtime, caller.user_id, patient_id)
    screen = found.screen
    program = found.program
    return PatientSummaryOut(
        patient=PatientOut(
            id=found.patient.id, name=found.patient.name, email=found.patient.email, since=found.patient.since
        ),
        today=found.today,
        attention=_attention(found.signals),
        screen=ScreenSeenOut(
            id=screen.id,
            taken_at=screen.taken_at,
            clearance=screen.result.clearance,
            label=screen.result.label,
            blocks=screen.result.blocks,
            reasons=[r.message for r in screen.result.reasons],
        )
        if screen
        else None,
        clearances=[_clearance(c) for c in found.clearances],
        program=FollowedProgramOut(
            id=program.stored.id,
            title=program.stored.title,
            version=program.version,
            prescribed_by=program.prescribed_by,
            days_per_week=program.program.days_per_week,
            sessions_per_day=program.program.sessions_per_day,
            start_date=program.program.start_date,
        )
        if program
        else None,
        adherence=[WeekAdherenceOut(week_start=w.start, done=w.done, prescribed=w.prescribed) for w in found.weeks],
        pain=[
            PainWeekOut(week_start=w.start, sessions=w.sessions, before=w.before, after=w.after, next_morning=w.morning)
            for w in found.pain.weeks
        ],
        outcome=OutcomesOut.model_validate(
            {**found.outcome.to_dict(), "outcomes": [c.to_dict() for c in found.checks]}
        ),
        doses=[
            ExerciseDosesOut(
                exercise=d.exercise,
                name=d.name,
                runs=[
                    DoseRunOut(
                        rung=r.rung,
                        rung_name=r.rung_name,
                        first=r.first,
                        last=r.last,
                        dose=r.dose,
                        repetitions=r.repetitions,
                        sessions=r.sessions,
                        unfinished=r.unfinished,
                    )
                    for r in d.runs
                ],
            )
            for d in found.doses
        ],
        notes=[note_out(n, caller.user_id) for n in found.notes],
    )


@router.post(
    "/patients/{patient_id}/notes",
    status_code=201,
    response_model=NoteOut,
    tags=["clinic"],
    responses={**PATIENT, 422: {"description": "an empty or too long note, or a session not the patient's"}},
)
def add_note(patient_id: RowId, body: NoteIn, caller: ApiCaller, runtime: RuntimeDep) -> NoteOut:
    """A note about the patient, or one of their sessions (`session_id`)."""
    note = follow.add_note(runtime, caller.user_id, patient_id, body.body, body.session_id)
    return note_out(note, caller.user_id)


@router.post(
    "/patients/{patient_id}/clearances",
    status_code=201,
    response_model=ClearanceOut,
    tags=["clinic"],
    responses={
        **PATIENT,
        409: {"description": "screen_id is not the latest safety check, it does not block, or it is an emergency"},
    },
)
def add_clearance(patient_id: RowId, body: ClinicClearanceIn, caller: ApiCaller, runtime: RuntimeDep) -> ClearanceOut:
    """Clear the patient's latest safety check, which stopped sessions: their sessions go ahead, starting gently,
    as after a clearance they record themselves."""
    return _clearance(follow.record_clearance(runtime, caller.user_id, patient_id, body.screen_id, body.note))
