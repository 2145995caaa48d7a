"""Handouts and reports as PDFs (docs/clinician.md, "Handouts and reports"): a program's handout and the progress
report for the clinician, under /api/v1/clinic (each a read in the patient's access log), and the patient's own
program handout (`GET /api/v1/program/handout.pdf`, and the page `/today/program.pdf`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from backcoach.app import handouts
from backcoach.app.handouts import Handout, Report
from backcoach.domain.planner import SAFETY_CAUTIONS
from backcoach.domain.prescribed import PrescribedProgram
from backcoach.web.deps import ApiCaller, RowId, RuntimeDep

router = APIRouter(prefix="/api/v1")


class PdfResponse(Response):
    """Named as the routes' response class so OpenAPI lists their 200 as a PDF, not as JSON with no schema."""

    media_type = "application/pdf"


PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}, "description": "a PDF"}
}
CLINIC: dict[int | str, dict[str, Any]] = {
    **PDF,
    401: {"description": "no valid token"},
    403: {"description": "this needs a clinician account"},
    404: {"description": "no such patient of yours, or program"},
}


def _pdf(body: bytes, filename: str) -> Response:
    return PdfResponse(
        body,
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"},
    )


def handout_response(handout: Handout) -> Response:
    """The program's handout: who prescribed it (name, profession, verified or not), the version and its date, the
    clinician's note, then each exercise on its prescribed rung with its note."""
    from backcoach.render.handout import handout_pdf

    shown = handout.assigned
    program = shown.program
    version = shown.prescribed.stored.current
    days = ", ".join(d.capitalize() for d in program.weekdays)
    header = [
        f"For {handout.patient}. Prescribed by {shown.prescriber.described}.",
        f"Version {version.version} of {version.created_at.date().isoformat()}, from {program.start_date.isoformat()}"
        f" on {days}, {program.sessions_per_day} {'time' if program.sessions_per_day == 1 else 'times'} a day.",
    ]
    if program.note:
        header.append(f"From your clinician: {program.note}")
    pdf = handout_pdf(
        program.title,
        [(i.exercise, i.dose) for i in handout.items],
        list(SAFETY_CAUTIONS),
        header=header,
        item_notes=[i.note for i in handout.items],
    )
    return _pdf(pdf, "backcoach-program.pdf")


def report_response(report: Report) -> Response:
    from backcoach.render.report import VersionLine, report_pdf

    versions = []
    for found in report.programs:
        for v in found.stored.versions:
            program = PrescribedProgram.model_validate(v.body)
            versions.append(
                VersionLine(
                    program=v.body.get("title", found.stored.title),
                    version=v.version,
                    made=v.created_at.date(),
                    by=v.clinician_name,
                    start=program.start_date,
                    days=", ".join(d.capitalize() for d in program.weekdays),
                    sessions_per_day=program.sessions_per_day,
                    items=", ".join(report.names.get(i.rung, i.rung) for i in program.items),
                    sessions=v.sessions,
                )
            )
    pdf = report_pdf(
        patient=report.patient,
        clinician=report.clinician.described,
        first=report.first,
        last=report.last,
        made_at=report.made_at,
        weeks=report.weeks,
        outcomes=report.outcomes,
        stretches=report.stretches,
        versions=versions,
        names=report.names,
    )
    return _pdf(pdf, "backcoach-report.pdf")


@router.get(
    "/clinic/patients/{patient_id}/programs/{program_id}/handout.pdf",
    response_class=PdfResponse,
    tags=["clinic"],
    responses=CLINIC,
)
def program_handout(patient_id: RowId, program_id: RowId, runtime: RuntimeDep, caller: ApiCaller) -> Response:
    """The program's current version as the patient's handout, with the clinician's notes."""
    return handout_response(handouts.clinician_handout(runtime, caller.user_id, patient_id, program_id))


@router.get(
    "/clinic/patients/{patient_id}/report.pdf",
    response_class=PdfResponse,
    tags=["clinic"],
    responses={**CLINIC, 422: {"description": "weeks out of range"}},
)
def progress_report(
    patient_id: RowId,
    runtime: RuntimeDep,
    caller: ApiCaller,
    weeks: Annotated[int, Query(ge=handouts.REPORT_WEEKS[0], le=handouts.REPORT_WEEKS[1])] = 12,
) -> Response:
    """The patient's progress over the last `weeks` weeks, for the clinic's records. Not a diagnosis."""
    return report_response(handouts.progress_report(runtime, caller.user_id, patient_id, weeks))


@router.get(
    "/program/handout.pdf",
    response_class=PdfResponse,
    tags=["programs"],
    responses={**PDF, 401: {"description": "no valid token"}, 404: {"description": "no program prescribed"}},
)
def my_program_handout(runtime: RuntimeDep, caller: ApiCaller) -> Response:
    """The caller's program as a handout: the one today's plan follows, else the newest that has not ended."""
    return handout_response(handouts.my_handout(runtime, caller.user_id))
