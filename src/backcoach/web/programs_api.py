"""Prescribed programs and templates in the JSON API: the clinician's side under /api/v1/clinic, the patient's
`GET /api/v1/program` (docs/api.md, docs/clinician.md "Programs and versions").

Each route calls one use case of `app/prescribing.py`. A patient asking for the clinic's routes gets 403; a patient
who is not the clinician's (or no longer is), or another clinician's program or template, is 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from backcoach.app import prescribing
from backcoach.app.prescribing import Prescribed
from backcoach.app.runtime import Runtime
from backcoach.domain.errors import NotFound
from backcoach.domain.prescribed import PrescribedProgram, ProgramDraft, ProgramError
from backcoach.web.deps import ApiCaller, RowId, RuntimeDep
from backcoach.web.schemas import (
    MyProgramOut,
    PrescribedOut,
    PrescribedWithVersionsOut,
    ProgramCreateIn,
    ProgramVersionOut,
    TemplateIn,
    TemplateOut,
)

router = APIRouter(prefix="/api/v1")

Responses = dict[int | str, dict[str, Any]]
CLINIC: Responses = {
    401: {"description": "no valid token"},
    403: {"description": "this needs a clinician account"},
    404: {"description": "no such patient of yours, program or template"},
}


def clinician(runtime: Runtime, caller: ApiCaller) -> int:
    """The caller's id, if their account is a clinician's. Read from the account itself, not the token: a role
    changed by an operator holds from the next request."""
    if not prescribing.is_clinician(runtime, caller.user_id):
        raise prescribing.NotAClinician()
    return caller.user_id


def _out(found: Prescribed) -> dict[str, Any]:
    stored = found.stored
    return {
        "id": stored.id,
        "title": stored.title,
        "prescribed_by": found.prescribed_by,
        "created_at": stored.created_at,
        "ended_at": stored.ended_at,
        "active": stored.ended_at is None,
        "version": found.version,
        "version_id": found.version_id,
        "program": found.program,
    }


def _with_versions(found: Prescribed) -> PrescribedWithVersionsOut:
    versions = [
        ProgramVersionOut(
            id=v.id,
            version=v.version,
            created_at=v.created_at,
            clinician_name=v.clinician_name,
            sessions=v.sessions,
            program=PrescribedProgram.model_validate(v.body),
        )
        for v in found.stored.versions
    ]
    return PrescribedWithVersionsOut(**_out(found), versions=versions)


def _template(found: prescribing.Template) -> TemplateOut:
    return TemplateOut(
        id=found.id,
        name=found.name,
        created_at=found.created_at,
        updated_at=found.updated_at,
        program=ProgramDraft.model_validate(found.body),
    )


# Programs, per patient

PROGRAMS = "/clinic/patients/{patient_id}/programs"


@router.get(PROGRAMS, response_model=list[PrescribedOut], tags=["clinic"], responses=CLINIC)
def list_programs(patient_id: RowId, runtime: RuntimeDep, caller: ApiCaller) -> list[PrescribedOut]:
    found = prescribing.list_programs(runtime, clinician(runtime, caller), patient_id)
    return [PrescribedOut(**_out(p)) for p in found]


@router.post(
    PROGRAMS,
    status_code=201,
    response_model=PrescribedWithVersionsOut,
    tags=["clinic"],
    responses={**CLINIC, 422: {"description": "an invalid program, naming the field"}},
)
def create_program(
    patient_id: RowId, body: ProgramCreateIn, runtime: RuntimeDep, caller: ApiCaller
) -> PrescribedWithVersionsOut:
    who = clinician(runtime, caller)
    start = body.start_date or runtime.today()
    try:
        program = prescribing.starting_program(
            runtime, who, start_date=start, article=body.article, template=body.template, body=body.program
        )
    except ProgramError as exc:
        # A full program's problem is in its `program` field; one built from an article or template has none.
        raise ProgramError(exc.message, ("program", *exc.loc) if body.program is not None else exc.loc) from None
    return _with_versions(prescribing.create_program(runtime, who, patient_id, program))


@router.get(PROGRAMS + "/{program_id}", response_model=PrescribedWithVersionsOut, tags=["clinic"], responses=CLINIC)
def get_program(patient_id: RowId, program_id: RowId, runtime: RuntimeDep, caller: ApiCaller) -> Any:
    return _with_versions(prescribing.get_program(runtime, clinician(runtime, caller), patient_id, program_id))


@router.put(
    PROGRAMS + "/{program_id}",
    response_model=PrescribedWithVersionsOut,
    tags=["clinic"],
    responses={**CLINIC, 422: {"description": "an invalid program, or one that has ended"}},
)
def change_program(
    patient_id: RowId, program_id: RowId, body: PrescribedProgram, runtime: RuntimeDep, caller: ApiCaller
) -> Any:
    """A new version of the program; the earlier versions stay as they were."""
    found = prescribing.change_program(runtime, clinician(runtime, caller), patient_id, program_id, body)
    return _with_versions(found)


@router.post(
    PROGRAMS + "/{program_id}/end", response_model=PrescribedWithVersionsOut, tags=["clinic"], responses=CLINIC
)
def end_program(patient_id: RowId, program_id: RowId, runtime: RuntimeDep, caller: ApiCaller) -> Any:
    return _with_versions(prescribing.end_program(runtime, clinician(runtime, caller), patient_id, program_id))


# Templates, the clinician's own


@router.get("/clinic/templates", response_model=list[TemplateOut], tags=["clinic"], responses=CLINIC)
def list_templates(runtime: RuntimeDep, caller: ApiCaller) -> list[TemplateOut]:
    return [_template(t) for t, _ in prescribing.list_templates(runtime, clinician(runtime, caller))]


@router.post(
    "/clinic/templates",
    status_code=201,
    response_model=TemplateOut,
    tags=["clinic"],
    responses={**CLINIC, 422: {"description": "an invalid program, naming the field"}},
)
def create_template(body: TemplateIn, runtime: RuntimeDep, caller: ApiCaller) -> TemplateOut:
    return _template(prescribing.create_template(runtime, clinician(runtime, caller), body.name, body.program))


@router.get("/clinic/templates/{template_id}", response_model=TemplateOut, tags=["clinic"], responses=CLINIC)
def get_template(template_id: RowId, runtime: RuntimeDep, caller: ApiCaller) -> TemplateOut:
    return _template(prescribing.get_template(runtime, clinician(runtime, caller), template_id)[0])


@router.put("/clinic/templates/{template_id}", response_model=TemplateOut, tags=["clinic"], responses=CLINIC)
def replace_template(template_id: RowId, body: TemplateIn, runtime: RuntimeDep, caller: ApiCaller) -> TemplateOut:
    found = prescribing.replace_template(runtime, clinician(runtime, caller), template_id, body.name, body.program)
    return _template(found)


@router.delete("/clinic/templates/{template_id}", status_code=204, tags=["clinic"], responses=CLINIC)
def delete_template(template_id: RowId, runtime: RuntimeDep, caller: ApiCaller) -> Response:
    prescribing.delete_template(runtime, clinician(runtime, caller), template_id)
    return Response(status_code=204)


# The patient's side


@router.get(
    "/program",
    response_model=MyProgramOut,
    tags=["programs"],
    responses={401: {"description": "no valid token"}, 404: {"description": "no program prescribed"}},
)
def my_program(runtime: RuntimeDep, caller: ApiCaller) -> MyProgramOut:
    """The caller's program: the one today's plan follows, else the newest that has not ended."""
    found, today = prescribing.current_program(runtime, caller.user_id)
    if found is None:
        raise NotFound("no clinician has prescribed you a program")
    return MyProgramOut(**_out(found), due_today=found.program.due(today), weekdays=list(found.program.weekdays))
