"""Following patients on the web: the dashboard and patient summary in the API, notes and clearances with every
error code (403 for a patient, 404 for someone else's patient, 409, 422 naming the field), the pages in process, and
the two pages in Chromium at a phone's and a laptop's size with axe-core."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backcoach.storage.models import CareLink, User
from tests.browser import browser, output_folder
from tests.web.conftest import Person, make_person
from tests.web.test_a11y import axe_source, describe, violations
from tests.web.test_browser import LAPTOP, PASSWORD, PHONE, server
from tests.web.test_pages import browser_user, csrf_of

__all__ = ["axe_source", "browser", "server"]

SESSION = {
    "date": "2026-11-20",
    "pain_before": 2,
    "pain_after": 6,
    "pain_next_morning": 2,
    "items": [
        {
            "exercise": "bridge",
            "prescription": {"reps": 10},
            "completed_reps": 10,
            "completed_sets": 1,
            "difficulty": "right",
            "pain_during": 3,
        }
    ],
}


def link(app: Any, clinician: int, *patients: int, name: str = "Dr Ada") -> None:
    with app.state.runtime.transactions.begin() as db:
        user = db.get(User, clinician)
        user.role, user.display_name = "clinician", name
        for p in patients:
            db.add(CareLink(clinician_id=clinician, patient_id=p, accepted_at=app.state.runtime.now()))


def people(app: Any, client: TestClient) -> tuple[Person, Person, Person]:
    """Dr Ada with her patient Pat, and Dr Bo, linked to nobody."""
    ada, pat, bo = (make_person(client, n) for n in ("Ada", "Pat", "Bo"))
    link(app, ada.id, pat.id)
    link(app, bo.id, name="Dr Bo")
    return ada, pat, bo


@pytest.mark.databases
def test_the_dashboard_and_summary_in_the_api(app: Any, client: TestClient) -> None:
    ada, pat, bo = people(app, client)
    assert client.post("/api/v1/sessions", json=SESSION, headers=pat.headers).status_code == 201
    board = client.get("/api/v1/clinic/dashboard", headers=ada.headers)
    assert board.status_code == 200, board.text
    (entry,) = board.json()["patients"]
    assert (entry["id"], entry["email"]) == (pat.id, pat.email)
    assert [a["kind"] for a in entry["attention"]] == ["flare"]
    assert "2 before, 6 after" in entry["attention"][0]["words"]
    assert client.get("/api/v1/clinic/dashboard", headers=bo.headers).json() == {"patients": []}
    assert client.get("/api/v1/clinic/dashboard", headers=pat.headers).status_code == 403

    summary = client.get(f"/api/v1/clinic/patients/{pat.id}/summary", headers=ada.headers)
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert body["patient"]["email"] == pat.email
    assert body["pain"][0]["after"] == 6
    assert body["doses"][0]["exercise"] == "bridge"
    assert len(body["adherence"]) == 12
    assert body["adherence"][-1]["done"] == 1
    assert body["outcome"]["count"] == 0
    assert client.get(f"/api/v1/clinic/patients/{pat.id}/summary", headers=bo.headers).status_code == 404
    assert client.get(f"/api/v1/clinic/patients/{pat.id}/summary", headers=pat.headers).status_code == 403
    assert client.get("/api/v1/clinic/patients/999999/summary", headers=ada.headers).status_code == 404


@pytest.mark.databases
def test_notes_in_the_api(app: Any, client: TestClient) -> None:
    ada, pat, bo = people(app, client)
    session_id = client.post("/api/v1/sessions", json=SESSION, headers=pat.headers).json()["id"]
    base = f"/api/v1/clinic/patients/{pat.id}/notes"
    made = client.post(base, json={"body": "Looks good.", "session_id": session_id}, headers=ada.headers)
    assert made.status_code == 201, made.text
    assert (made.json()["clinician"], made.json()["own"], made.json()["session_id"]) == ("Dr Ada", True, session_id)
    for bad, field in (
        ({"body": ""}, "body"),
        ({"body": "x" * 2001}, "body"),
        ({"body": "x", "session_id": 0}, "session_id"),
    ):
        found = client.post(base, json=bad, headers=ada.headers)
        assert found.status_code == 422
        assert found.json()["detail"][0]["loc"][:2] == ["body", field]
    other = client.post(base, json={"body": "x", "session_id": session_id + 1000}, headers=ada.headers)
    assert (other.status_code, other.json()["detail"][0]["loc"]) == (422, ["body", "session_id"])
    assert client.post(base, json={"body": "x"}, headers=bo.headers).status_code == 404
    assert client.post(base, json={"body": "x"}, headers=pat.headers).status_code == 403
    notes = client.get(f"/api/v1/clinic/patients/{pat.id}/summary", headers=ada.headers).json()["notes"]
    assert [n["body"] for n in notes] == ["Looks good."]


@pytest.mark.databases
def test_a_clearance_in_the_api(app: Any, client: TestClient) -> None:
    ada, pat, bo = people(app, client)
    base = f"/api/v1/clinic/patients/{pat.id}/clearances"
    none_yet = client.post(base, json={"screen_id": 1, "note": "x"}, headers=ada.headers)
    assert none_yet.status_code == 409
    client.post("/api/v1/screening", json={"age": 40, "cancer_history": True}, headers=pat.headers)
    assert client.get("/api/v1/plan", headers=pat.headers).status_code == 403
    board = client.get("/api/v1/clinic/dashboard", headers=ada.headers).json()
    assert board["patients"][0]["attention"][0]["kind"] == "red-flag"
    screen = client.get(f"/api/v1/clinic/patients/{pat.id}/summary", headers=ada.headers).json()["screen"]
    assert screen["blocks"] is True
    stale = client.post(base, json={"screen_id": screen["id"] + 1, "note": "x"}, headers=ada.headers)
    assert stale.status_code == 409
    assert "not this patient's latest" in stale.json()["detail"]
    assert client.post(base, json={"screen_id": screen["id"]}, headers=ada.headers).status_code == 422
    assert client.post(base, json={"screen_id": screen["id"], "note": "x"}, headers=bo.headers).status_code == 404
    assert client.post(base, json={"screen_id": screen["id"], "note": "x"}, headers=pat.headers).status_code == 403
    made = client.post(base, json={"screen_id": screen["id"], "note": "Seen in clinic."}, headers=ada.headers)
    assert made.status_code == 201, made.text
    assert (made.json()["clinician"], made.json()["screen_id"]) == ("Dr Ada", screen["id"])
    plan = client.get("/api/v1/plan", headers=pat.headers)
    assert plan.status_code == 200
    assert any("Seen in clinic. (Dr Ada, 21 November 2026)" in c for c in plan.json()["cautions"])
    again = client.post(base, json={"screen_id": screen["id"], "note": "Again."}, headers=ada.headers)
    assert again.status_code == 409  # the latest is now the clearance itself: nothing to clear
    client.post("/api/v1/red-flag", headers=pat.headers)
    latest = client.get(f"/api/v1/clinic/patients/{pat.id}/summary", headers=ada.headers).json()["screen"]
    emergency = client.post(base, json={"screen_id": latest["id"], "note": "Fine."}, headers=ada.headers)
    assert emergency.status_code == 409
    assert "emergency" in emergency.json()["detail"]


def clinician_browser(app: Any, client: TestClient) -> tuple[TestClient, Person]:
    """Dr Ada signed in with a browser, and her patient Pat (by the API) with one session."""
    ada = browser_user(app, "ada@example.org")
    pat = make_person(client, "Pat")
    with app.state.runtime.transactions.begin() as db:
        ada_id = db.query(User.id).filter(User.email == "ada@example.org").scalar()
    link(app, ada_id, pat.id)
    assert client.post("/api/v1/sessions", json=SESSION, headers=pat.headers).status_code == 201
    return ada, pat


def test_the_pages_in_process(app: Any, client: TestClient) -> None:
    ada, pat = clinician_browser(app, client)
    home = ada.get("/clinic")
    assert home.status_code == 200
    assert 'href="/clinic">Patients</a>' in home.text
    assert f'href="/clinic/patients/{pat.id}"' in home.text
    assert "Flare" in home.text
    page = ada.get(f"/clinic/patients/{pat.id}")
    assert page.status_code == 200
    for part in ("Needs your attention", f"/clinic/patients/{pat.id}/pain.svg", "/doses.svg", "Add the note"):
        assert part in page.text
    chart = ada.get(f"/clinic/patients/{pat.id}/pain.svg")
    assert (chart.status_code, chart.headers["content-type"]) == (200, "image/svg+xml")
    assert ada.get(f"/clinic/patients/{pat.id}/nope.svg").status_code == 404

    token = csrf_of(page.text)
    empty = ada.post(f"/clinic/patients/{pat.id}/notes", data={"csrf": token, "body": "  "})
    assert empty.status_code == 422
    assert 'role="alert"' in empty.text
    assert "body must not be empty" in empty.text
    added = ada.post(f"/clinic/patients/{pat.id}/notes", data={"csrf": token, "body": "Keep going."})
    assert added.status_code == 303
    assert "Keep going." in ada.get(f"/clinic/patients/{pat.id}").text
    assert ada.post(f"/clinic/patients/{pat.id}/notes", data={"csrf": "wrong", "body": "x"}).status_code == 403
    nothing = ada.post(f"/clinic/patients/{pat.id}/clearances", data={"csrf": token, "screen_id": "1", "note": "x"})
    assert nothing.status_code == 409
    assert "nothing to clear" in nothing.text

    patient = TestClient(app, follow_redirects=False)
    patient.cookies.clear()
    assert patient.get("/clinic").status_code == 303  # signed out: sign in first
    other = browser_user(app, "other@example.org")
    assert other.get("/clinic").status_code == 403
    assert other.get(f"/clinic/patients/{pat.id}").status_code == 403
    with app.state.runtime.transactions.begin() as db:
        other_id = db.query(User.id).filter(User.email == "other@example.org").scalar()
    link(app, other_id, name="Dr Other")
    assert other.get(f"/clinic/patients/{pat.id}").status_code == 404
    assert other.get(f"/clinic/patients/{pat.id}/pain.svg").status_code == 404


def _call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


def _account(base: str, email: str, **extra: str) -> str:
    _call(base, "POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD, **extra})
    token: str = _call(base, "POST", "/api/v1/auth/token", {"email": email, "password": PASSWORD})["access_token"]
    return token


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_dashboard_and_patient_page_in_chromium(browser: Any, server: str, axe_source: str) -> None:
    folder = output_folder("web")
    ada = _account(server, "ada@example.org", role="clinician", display_name="Dr Ada Lee", profession="physio")
    first = None
    for n, (after, screen) in enumerate(((6, False), (2, True), (2, False))):
        code = _call(server, "POST", "/api/v1/clinic/invitations", token=ada)["code"]
        pat = _account(server, f"patient{n}@example.org")
        _call(server, "POST", "/api/v1/clinicians/accept", {"code": code}, token=pat)
        _call(server, "POST", "/api/v1/sessions", {**SESSION, "pain_after": after}, token=pat)
        if screen:
            _call(server, "POST", "/api/v1/screening", {"age": 40, "cancer_history": True}, token=pat)
        first = first or _call(server, "GET", "/api/v1/me", token=pat)["id"]
    problems = {}
    for size_name, size in (("phone", PHONE), ("laptop", LAPTOP)):
        context = browser.new_context(viewport=size)
        page = context.new_page()
        page.goto(f"{server}/signin")
        page.get_by_label("Email").fill("ada@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        page.goto(f"{server}/clinic")
        items = page.locator(".clinic-patients > li")
        assert items.count() == 3
        assert "Red flag" in items.nth(0).inner_text()
        assert "Flare" in items.nth(1).inner_text()
        page.screenshot(path=str(folder / f"clinic-dashboard-{size_name}.png"), full_page=True)
        problems[f"clinic {size_name}"] = violations(page, axe_source)
        page.get_by_role("link", name="patient0@example.org").click()
        page.wait_for_url(f"{server}/clinic/patients/{first}")
        page.wait_for_function("() => [...document.images].every((i) => i.complete && i.naturalWidth > 0)")
        assert page.get_by_role("heading", name="Pain around each session").is_visible()
        page.screenshot(path=str(folder / f"clinic-patient-{size_name}.png"), full_page=True)
        problems[f"patient {size_name}"] = violations(page, axe_source)
        context.close()
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, describe(problems)
