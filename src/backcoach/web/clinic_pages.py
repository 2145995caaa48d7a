"""The clinician's pages: the dashboard `/clinic` and a patient's page `/clinic/patients/{id}` with its charts, a
note form and the clearance form (docs/clinician.md "Following patients", "Clearances"; docs/web.md).

Each calls the same use cases as the API (`app/follow.py`), so a patient is refused (403) and a patient not linked
now is 404 alike; a bad form comes back with the problem next to it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from backcoach.app import follow
from backcoach.app.runtime import Runtime
from backcoach.domain.errors import Conflict, InvalidInput, NotFound
from backcoach.domain.follow import CLEARABLE, day
from backcoach.domain.history import camera_words
from backcoach.render import charts
from backcoach.web.deps import Caller, PageCaller, RowId, RuntimeDep
from backcoach.web.pages import check_csrf, redirect, render, signed_in

router = APIRouter(include_in_schema=False)

CHART_HEADERS = {"Cache-Control": "private, no-store"}
"""A patient's chart is read through the care link each time (and logged): never kept by the browser."""


@router.get("/clinic", response_class=HTMLResponse)
def dashboard(request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    me = signed_in(caller)
    entries = follow.dashboard(runtime, me.user_id)
    return render(request, "clinic.html", me, entries=entries, day=day)


def _page(
    request: Request,
    runtime: Runtime,
    me: Caller,
    patient_id: int,
    status_code: int = 200,
    note_error: str | None = None,
    clearance_error: str | None = None,
    entered: dict[str, str] | None = None,
) -> HTMLResponse:
    found = follow.summary(runtime, me.user_id, patient_id)
    sizes = {"pain": charts.px(charts.PAIN_SIZE), "doses": charts.px(charts.doses_size(found.doses))}
    screen = found.screen
    return render(
        request,
        "clinic_patient.html",
        me,
        status_code,
        s=found,
        sizes=sizes,
        day=day,
        clearable=screen is not None and screen.result.clearance in CLEARABLE,
        note_error=note_error,
        clearance_error=clearance_error,
        entered=entered or {},
        names=runtime.names,
        camera_words=camera_words,
    )


@router.get("/clinic/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(patient_id: RowId, request: Request, runtime: RuntimeDep, caller: PageCaller) -> HTMLResponse:
    return _page(request, runtime, signed_in(caller), patient_id)


@router.get("/clinic/patients/{patient_id}/{chart}.svg")
def patient_chart(patient_id: RowId, chart: str, runtime: RuntimeDep, caller: PageCaller) -> Response:
    me = signed_in(caller)
    if chart not in follow.CHARTS:
        raise NotFound(f"no such chart: {chart!r}; the charts are {', '.join(follow.CHARTS)}")
    body = follow.chart(runtime, me.user_id, patient_id, chart)
    return Response(body, media_type="image/svg+xml", headers=CHART_HEADERS)


@router.post("/clinic/patients/{patient_id}/notes", response_class=HTMLResponse)
async def add_note(patient_id: RowId, request: Request, runtime: RuntimeDep, caller: PageCaller) -> Response:
    me = signed_in(caller)
    form = await request.form()
    check_csrf(request, me, str(form.get("csrf", "")))
    body = str(form.get("body", ""))
    session = str(form.get("session_id", "")).strip()
    entered = {"body": body, "session_id": session}
    if session and not (session.isascii() and session.isdigit() and 0 < len(session) <= 18):
        return _page(request, runtime, me, patient_id, 422, note_error="Session: choose one from the list.")
    try:
        follow.add_note(runtime, me.user_id, patient_id, body, int(session) if session else None)
    except InvalidInput as exc:
        return _page(request, runtime, me, patient_id, 422, note_error=f"{exc.message}.", entered=entered)
    return redirect(f"/clinic/patients/{patient_id}#notes")


@router.post("/clinic/patients/{patient_id}/clearances", response_class=HTMLResponse)
async def add_clearance(patient_id: RowId, request: Request, runtime: RuntimeDep, caller: PageCaller) -> Response:
    me = signed_in(caller)
    form = await request.form()
    check_csrf(request, me, str(form.get("csrf", "")))
    note = str(form.get("note", ""))
    screen = str(form.get("screen_id", "")).strip()
    entered = {"note": note}
    if not (screen.isascii() and screen.isdigit() and 0 < len(screen) <= 18):
        return _page(request, runtime, me, patient_id, 422, clearance_error="Reload the page and try again.")
    try:
        follow.record_clearance(runtime, me.user_id, patient_id, int(screen), note)
    except InvalidInput as exc:
        return _page(request, runtime, me, patient_id, 422, clearance_error=f"{exc.message}.", entered=entered)
    except Conflict as exc:
        return _page(request, runtime, me, patient_id, 409, clearance_error=f"{exc.message}.", entered=entered)
    return redirect(f"/clinic/patients/{patient_id}#safety")
