"""Handouts and reports (docs/clinician.md, "Handouts and reports"): the program handout for the clinician and the
patient, the progress report, read back as text from the PDFs; who may fetch them; and what the patient reads about
their program on Today, on Account and in `backcoach plan` / `backcoach start`."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from backcoach.app import accounts, history, outcomes, prescribing, safety
from backcoach.app.runtime import Runtime
from backcoach.domain.history import SessionItem, SessionRecord
from backcoach.domain.outcome import parse_outcome
from backcoach.domain.prescribed import PrescribedProgram, parse_program
from backcoach.domain.screening import parse_answers
from backcoach.storage.models import AccessLogRow, CareLink, User
from backcoach.web.app import create_app
from tests.browser import output_folder
from tests.conftest import Clock

MONDAY = dt.date(2026, 11, 23)  # the clock starts on Saturday 21 November 2026
PASSWORD = "a long enough password"
NOTE = "Slow & steady: <b>never</b> hold your breath [bold]."


def text_of(pdf: bytes, name: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    if name and shutil.which("pdftoppm"):
        folder = output_folder("web")
        path = folder / f"{name}.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(path.with_suffix(""))], check=True)
    # pypdf breaks lines where the PDF does; the words are what the tests read.
    return " ".join(text.split())


def body(**changes: Any) -> dict[str, Any]:
    program: dict[str, Any] = {
        "title": "Bridge and pump",
        "note": NOTE,
        "start_date": MONDAY.isoformat(),
        "days_per_week": 3,
        "items": [
            {
                "exercise": "ankle-pump",
                "rung": "ankle-pump",
                "dose": {"reps": 10, "per_side": True},
                "note": "Before you get up.",
            },
            {
                "exercise": "bridge",
                "rung": "bridge/short",
                "dose": {"reps": 10},
                "mode": "progress",
                "ceiling": {"rung": "bridge", "dose": {"reps": 15, "sets": 3, "rest_s": 60}},
                "note": "Squeeze your glutes.",
            },
        ],
    }
    program.update(changes)
    return program


def program(**changes: Any) -> PrescribedProgram:
    return parse_program(body(**changes), PrescribedProgram)


def clinician(runtime: Runtime, email: str, name: str) -> int:
    found = accounts.register(runtime, email, PASSWORD).id
    with runtime.transactions.begin() as db:
        user = db.get(User, found)
        assert user is not None
        user.role, user.display_name, user.profession = "clinician", name, "physiotherapist"
    return found


def link(runtime: Runtime, clinician_id: int, patient_id: int) -> None:
    with runtime.transactions.begin() as db:
        db.add(CareLink(clinician_id=clinician_id, patient_id=patient_id, accepted_at=runtime.now()))


def bearer(client: TestClient, email: str) -> dict[str, str]:
    issued = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert issued.status_code == 200, issued.text
    return {"Authorization": f"Bearer {issued.json()['access_token']}"}


def to(clock: Clock, day: dt.date) -> None:
    clock.advance(days=(day - clock().date()).days)


def session(day: dt.date, before: int, after: int, reps: int = 10) -> SessionRecord:
    item = SessionItem(
        exercise="bridge",
        rung="bridge/short",
        prescription={"reps": reps},
        completed_reps=reps,
        completed_sets=1,
        difficulty="right",
    )
    return SessionRecord(date=day, pain_before=before, pain_after=after, items=[item])


@pytest.fixture
def web(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), follow_redirects=False) as client:
        yield client


@pytest.mark.databases
def test_the_clinicians_handout_and_report_read_back(runtime: Runtime, clock: Clock, web: TestClient) -> None:
    ada = clinician(runtime, "ada@example.org", "Dr Ada Byrne")
    clinician(runtime, "bo@example.org", "Dr Bo")  # linked to nobody
    pat = accounts.register(runtime, "pat@example.org", PASSWORD).id
    link(runtime, ada, pat)
    created = prescribing.create_program(runtime, ada, pat, program())
    to(clock, MONDAY)
    history.add_session(runtime, pat, session(MONDAY, 4, 3))
    to(clock, MONDAY + dt.timedelta(days=2))
    prescribing.change_program(runtime, ada, pat, created.stored.id, program(title="Bridge and pump, lighter"))
    history.add_session(runtime, pat, session(MONDAY + dt.timedelta(days=2), 3, 2, reps=12))
    outcomes.record_outcome(
        runtime,
        pat,
        parse_outcome(
            {
                "date": (MONDAY + dt.timedelta(days=2)).isoformat(),
                "activities": [
                    {"activity": "tying shoes", "score": 4},
                    {"activity": "sitting an hour", "score": 6},
                    {"activity": "lifting a bag", "score": 5},
                ],
            }
        ),
    )
    to(clock, MONDAY + dt.timedelta(days=6))  # Sunday: the first week is whole
    ada_h, bo_h, pat_h = (bearer(web, e) for e in ("ada@example.org", "bo@example.org", "pat@example.org"))
    base = f"/api/v1/clinic/patients/{pat}"

    handout = web.get(f"{base}/programs/{created.stored.id}/handout.pdf", headers=ada_h)
    assert handout.status_code == 200, handout.text
    assert handout.headers["content-type"] == "application/pdf"
    text = text_of(handout.content, "clinic-handout")
    for words in (
        "backcoach: Bridge and pump, lighter",
        "For pat@example.org. Prescribed by Dr Ada Byrne, physiotherapist (not verified).",
        "Version 2 of 2026-11-25, from 2026-11-23 on Mon, Wed, Fri, 1 time a day.",
        f"From your clinician: {NOTE}",  # escaped: the markup-like note is shown as typed
        "From your clinician: Before you get up.",
        "From your clinician: Squeeze your glutes.",
        "never past Bridge",
        "Not medical advice",
        "Safety notes",
    ):
        assert words in text, words

    report = web.get(f"{base}/report.pdf", headers=ada_h)
    assert report.status_code == 200, report.text
    text = text_of(report.content, "clinic-report")
    for words in (
        "Patient: pat@example.org",
        "Period: 2026-11-21 to 2026-11-29",  # from the program's making: nothing earlier to report
        "not a diagnosis",
        "For: Dr Ada Byrne, physiotherapist (not verified).",
        "2 sessions done; 3 prescribed (67%).",
        "2026-11-23 2 3 67% 3.5 2.5 -",  # Monday's week: both sessions, three prescribed, pains averaged
        "tying shoes: 4; sitting an hour: 6; lifting a bag: 5",
        "Short bridge",
        "10 repetitions",
        "12 repetitions",
        "Bridge and pump, lighter 2 2026-11-25 Dr Ada Byrne",
    ):
        assert words in text, words
    assert web.get(f"{base}/report.pdf?weeks=1", headers=ada_h).status_code == 200
    too_many = web.get(f"{base}/report.pdf?weeks=0", headers=ada_h)
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["loc"] == ["query", "weeks"]

    with runtime.transactions.begin() as db:
        rows = db.scalars(select(AccessLogRow.what).where(AccessLogRow.patient_id == pat))
        logged = list(rows)
    assert f"the handout of program {created.stored.id}" in logged
    assert "a progress report of the last 12 weeks" in logged

    for path in (f"{base}/programs/{created.stored.id}/handout.pdf", f"{base}/report.pdf"):
        assert web.get(path, headers=bo_h).status_code == 404, "another clinician's patient is no such patient"
        assert web.get(path, headers=pat_h).status_code == 403, "a patient never uses the clinic's side"
    with runtime.transactions.begin() as db:
        found = db.scalars(select(CareLink).where(CareLink.patient_id == pat)).one()
        found.ended_at = runtime.now()
    assert web.get(f"{base}/report.pdf", headers=ada_h).status_code == 404, "an ended link is 404 at once"


def browser(web: TestClient, email: str) -> TestClient:
    """The test client signed in as `email` through the sign-in page (its cookie jar is the client's)."""
    page = web.get("/signin").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token
    signed = web.post("/signin", data={"email": email, "password": PASSWORD, "csrf": token.group(1)})
    assert signed.status_code == 303, signed.text
    return web


def test_the_patient_sees_who_prescribed_it_on_today_account_and_the_handout(
    runtime: Runtime, clock: Clock, web: TestClient
) -> None:
    ada = clinician(runtime, "ada@example.org", "Dr Ada Byrne")
    pat = accounts.register(runtime, "pat@example.org", PASSWORD).id
    safety.take_screen(runtime, pat, parse_answers({"age": 40}))
    link(runtime, ada, pat)
    me = browser(web, "pat@example.org")
    assert me.get("/today/program.pdf").status_code == 404
    assert "No clinician has prescribed you a program" in me.get("/account").text
    prescribing.create_program(runtime, ada, pat, program())
    accounts.verify_clinician(runtime, "ada@example.org")

    saturday = me.get("/today").text  # before the program starts
    assert "Today is your own plan" in saturday
    assert "is done on Mon, Wed, Fri from 2026-11-23" in saturday
    assert "The plan below is your own choice" in saturday

    to(clock, MONDAY)
    today = me.get("/today").text
    assert "Your program: Bridge and pump" in today
    assert "Dr Ada Byrne</strong>, physiotherapist (verified) · version 1 of 2026-11-21" in today
    assert "Slow &amp; steady: &lt;b&gt;never&lt;/b&gt; hold your breath [bold]." in today, "escaped, as typed"
    assert "From your clinician: Squeeze your glutes." in today
    assert "Today follows" not in today, "the card replaces the plan's first caution"

    to(clock, MONDAY + dt.timedelta(days=1))
    tuesday = me.get("/today").text
    assert "is done on Mon, Wed, Fri, and today is not one of them" in tuesday

    account = me.get("/account").text
    for words in ("Bridge and pump, version 1 of 2026-11-21", "Dr Ada Byrne, physiotherapist (verified)"):
        assert words in account
    assert "<dt>Starts</dt><dd>2026-11-23</dd>" in account
    assert "Mon, Wed, Fri, 1 session a day" in account

    pdf = me.get("/today/program.pdf")
    assert pdf.status_code == 200
    text = text_of(pdf.content, "today-program")
    assert "Prescribed by Dr Ada Byrne, physiotherapist (verified)." in text
    assert "From your clinician: Squeeze your glutes." in text
    api = web.get("/api/v1/program/handout.pdf", headers=bearer(web, "pat@example.org"))
    assert api.status_code == 200
    assert "Bridge and pump" in text_of(api.content)


def test_plan_and_start_say_whose_program_it_is(db_home: object, run: Any) -> None:
    from backcoach.app.runtime import create_runtime
    from backcoach.cli.base import now

    runtime = create_runtime()
    try:
        patient = runtime.local_user()
        ada = clinician(runtime, "ada@example.org", "Dr Ada Byrne")
        link(runtime, ada, patient)
        today = now().date()
        every_day = program(start_date=today.isoformat(), days_per_week=7)
        prescribing.create_program(runtime, ada, patient, every_day)
    finally:
        runtime.dispose()
    shown = run("plan")
    assert shown.exit_code == 0, shown.output
    out = " ".join(shown.output.split())
    assert "Your program: Bridge and pump (version 1 of" in out
    assert "Prescribed by Dr Ada Byrne, physiotherapist (not verified)." in out
    assert f"From your clinician: {NOTE}" in out, "brackets in a note are shown, not read as markup"
    assert "From your clinician: Squeeze your glutes." in out
    assert "Today follows" not in out
    run("screen", "--answers", "-", input='{"age": 40}')
    started = run("start", "--auto", "--speed", "1000", "--pain-before", "2", "--pain-after", "2")
    assert "Prescribed by Dr Ada Byrne, physiotherapist (not verified)." in " ".join(started.output.split())


def test_plan_says_when_a_program_is_not_due(db_home: object, run: Any) -> None:
    from backcoach.app.runtime import create_runtime
    from backcoach.cli.base import now

    runtime = create_runtime()
    try:
        patient = runtime.local_user()
        ada = clinician(runtime, "ada@example.org", "Dr Ada Byrne")
        link(runtime, ada, patient)
        tomorrow = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(now().weekday() + 1) % 7]
        later = program(start_date=(now().date() - dt.timedelta(days=7)).isoformat(), days_per_week=1, days=[tomorrow])
        prescribing.create_program(runtime, ada, patient, later)
    finally:
        runtime.dispose()
    out = " ".join(run("plan").output.split())
    assert "Your program 'Bridge and pump' from Dr Ada Byrne, physiotherapist (not verified) is done on " in out
    assert "Today is not one of its days, so this plan is your own choice from your plan options" in out
