"""The JSON API of clinician mode's consent (docs/clinician.md): the clinic's side under /api/v1/clinic (a clinician
account only: 403 for a patient), and the patient's side under /api/v1/clinicians and /api/v1/access-log.

Each route calls one use case in `backcoach.app.clinic`; errors are mapped by the web app's one handler. A patient
who is not the clinician's, now, is 404, whether they exist or not.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from backcoach.app import clinic
from backcoach.domain.clinic import ClinicianProfile, Invitation, Link, Patient
from backcoach.web.deps import ApiCaller, RowId, RuntimeDep
from backcoach.web.schemas import (
    AccessEntryOut,
    ClinicianOut,
    CodeIn,
    InvitationOut,
    LinkOut,
    LinkPatch,
    NewInvitationOut,
    PatientOut,
    PreviewOut,
)

router = APIRouter(prefix="/api/v1")

Responses = dict[int | str, dict[str, Any]]
AUTH: Responses = {401: {"description": "no valid token"}}
CLINICIAN: Responses = {**AUTH, 403: {"description": "not a clinician account"}}
CODE: Responses = {
    **AUTH,
    404: {"description": "no invitation has this code"},
    409: {"description": "the invitation was used, declined, withdrawn or has expired (the message says which)"},
    422: {"description": "not a code at all"},
}


def _invitation(found: Invitation) -> InvitationOut:
    return InvitationOut(id=found.id, created_at=found.created_at, expires_at=found.expires_at, state=found.state)


def _clinician(found: ClinicianProfile) -> ClinicianOut:
    return ClinicianOut(name=found.name, profession=found.profession, verified=found.verified)


def _link(found: Link) -> LinkOut:
    ended_by = found.ended_by if found.ended_by in ("patient", "clinician") else None
    return LinkOut(
        id=found.id,
        clinician=_clinician(found.clinician),
        since=found.since,
        ended_at=found.ended_at,
        ended_by=ended_by,
        active=found.active,
        shares_notes=found.shares_notes,
    )


def _patient(found: Patient) -> PatientOut:
    return PatientOut(id=found.id, name=found.name, email=found.email, since=found.since)


# The clinic's side


@router.get("/clinic/me", response_model=ClinicianOut, tags=["clinic"], responses=CLINICIAN)
def clinic_me(caller: ApiCaller, runtime: RuntimeDep) -> ClinicianOut:
    """The clinician's profile as patients see it, with whether an operator has verified them."""
    return _clinician(clinic.me_as_clinician(runtime, caller.user_id))


@router.post(
    "/clinic/invitations", status_code=201, response_model=NewInvitationOut, tags=["clinic"], responses=CLINICIAN
)
def create_invitation(caller: ApiCaller, runtime: RuntimeDep) -> NewInvitationOut:
    """A single-use code and link, valid 14 days. The code is in this answer only: the server keeps its hash."""
    made = clinic.create_invitation(runtime, caller.user_id)
    return NewInvitationOut(**_invitation(made.invitation).model_dump(), code=made.code, link=made.link)


@router.get("/clinic/invitations", response_model=list[InvitationOut], tags=["clinic"], responses=CLINICIAN)
def list_invitations(caller: ApiCaller, runtime: RuntimeDep) -> list[InvitationOut]:
    return [_invitation(i) for i in clinic.invitations(runtime, caller.user_id)]


@router.delete(
    "/clinic/invitations/{invitation_id}",
    response_model=InvitationOut,
    tags=["clinic"],
    responses={**CLINICIAN, 404: {"description": "no such invitation of yours"}},
)
def revoke_invitation(invitation_id: RowId, caller: ApiCaller, runtime: RuntimeDep) -> InvitationOut:
    """Withdraw an invitation; one already used, declined or withdrawn keeps its state (and is answered as is)."""
    return _invitation(clinic.revoke_invitation(runtime, caller.user_id, invitation_id))


@router.get("/clinic/patients", response_model=list[PatientOut], tags=["clinic"], responses=CLINICIAN)
def list_patients(caller: ApiCaller, runtime: RuntimeDep) -> list[PatientOut]:
    """Patients linked now (each listing is in each patient's access log)."""
    return [_patient(p) for p in clinic.patients(runtime, caller.user_id)]


@router.get(
    "/clinic/patients/{patient_id}",
    response_model=PatientOut,
    tags=["clinic"],
    responses={**CLINICIAN, 404: {"description": "no such patient of yours (linked now)"}},
)
def get_patient(patient_id: RowId, caller: ApiCaller, runtime: RuntimeDep) -> PatientOut:
    return _patient(clinic.patient(runtime, caller.user_id, patient_id))


# The patient's side


@router.post("/clinicians/preview", response_model=PreviewOut, tags=["clinicians"], responses=CODE)
def preview(body: CodeIn, caller: ApiCaller, runtime: RuntimeDep) -> PreviewOut:
    """Who sent this code and exactly what they could see and do; nothing is changed."""
    found = clinic.preview(runtime, caller.user_id, body.code)
    return PreviewOut(
        clinician=_clinician(found.clinician),
        expires_at=found.expires_at,
        can_see=list(found.can_see),
        can_do=list(found.can_do),
        cannot_see=list(found.cannot_see),
    )


@router.post("/clinicians/accept", status_code=201, response_model=LinkOut, tags=["clinicians"], responses=CODE)
def accept(body: CodeIn, caller: ApiCaller, runtime: RuntimeDep) -> LinkOut:
    return _link(clinic.accept(runtime, caller.user_id, body.code))


@router.post("/clinicians/decline", status_code=204, tags=["clinicians"], responses=CODE)
def decline(body: CodeIn, caller: ApiCaller, runtime: RuntimeDep) -> Response:
    clinic.decline(runtime, caller.user_id, body.code)
    return Response(status_code=204)


@router.get("/clinicians", response_model=list[LinkOut], tags=["clinicians"], responses=AUTH)
def list_clinicians(caller: ApiCaller, runtime: RuntimeDep) -> list[LinkOut]:
    """The caller's clinicians: active links first, then past ones."""
    return [_link(link) for link in clinic.links(runtime, caller.user_id)]


@router.patch(
    "/clinicians/{link_id}",
    response_model=LinkOut,
    tags=["clinicians"],
    responses={**AUTH, 404: {"description": "no such link of yours"}},
)
def patch_link(link_id: RowId, body: LinkPatch, caller: ApiCaller, runtime: RuntimeDep) -> LinkOut:
    return _link(clinic.set_shares_notes(runtime, caller.user_id, link_id, body.shares_notes))


@router.delete(
    "/clinicians/{link_id}",
    status_code=204,
    tags=["clinicians"],
    responses={**AUTH, 404: {"description": "no such link of yours"}},
)
def end_link(link_id: RowId, caller: ApiCaller, runtime: RuntimeDep) -> Response:
    """End the link now: the clinician loses access with this answer. Ending an ended link changes nothing."""
    clinic.end_link(runtime, caller.user_id, link_id)
    return Response(status_code=204)


@router.get("/access-log", response_model=list[AccessEntryOut], tags=["clinicians"], responses=AUTH)
def access_log(caller: ApiCaller, runtime: RuntimeDep) -> list[AccessEntryOut]:
    """Every read or change of the caller's record by a clinician, newest first."""
    return [
        AccessEntryOut(at=e.at, clinician=e.clinician, action=e.action, what=e.what)
        for e in clinic.access_log(runtime, caller.user_id)
    ]
