"""The pages in-process: forms, CSRF, page-level isolation, history editing, account data, handouts, calendar."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.browser import output_folder
from tests.web.conftest import PASSWORD
from tests.web.test_api import SESSION


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def browser_user(app: Any, email: str) -> TestClient:
    """A signed-in browser: its own cookie jar, onboarded with a clear screen and preferences."""
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/signup").text)
    assert client.post("/signup", data={"email": email, "password": PASSWORD, "csrf": token}).status_code == 303
    token = csrf_of(client.get("/screen").text)
    assert client.post("/screen", data={"csrf": token, "age": "40"}).status_code == 303
    token = csrf_of(client.get("/preferences").text)
    client.post("/preferences", data={"csrf": token, "minutes": "10", "floor": "yes", "level": "beginner"})
    return client


def page_csrf(client: TestClient) -> str:
    return csrf_of(client.get("/account").text)


def add_session(client: TestClient) -> int:
    response = client.post("/api/v1/sessions", json=SESSION, headers={"X-CSRF-Token": page_csrf(client)})
    assert response.status_code == 201, response.text
    session_id: int = response.json()["id"]
    return session_id


def test_sign_up_rejects_a_short_password_and_a_taken_email(app: Any) -> None:
    client = TestClient(app)
    token = csrf_of(client.get("/signup").text)
    short = client.post("/signup", data={"email": "x@example.org", "password": "short", "csrf": token})
    assert short.status_code == 422
    assert "at least 10 characters" in short.text
    browser_user(app, "taken@example.org")
    token = csrf_of(client.get("/signup").text)
    taken = client.post("/signup", data={"email": "taken@example.org", "password": PASSWORD, "csrf": token})
    assert taken.status_code == 409


def test_every_form_needs_its_csrf_token(app: Any) -> None:
    anonymous = TestClient(app, follow_redirects=False)
    assert (
        anonymous.post("/signup", data={"email": "y@example.org", "password": PASSWORD, "csrf": "x"}).status_code == 403
    )
    user = browser_user(app, "csrf@example.org")
    for path, data in (
        ("/screen", {"age": "40"}),
        ("/checkin", {"pain": "2"}),
        ("/account/delete", {"confirm": "delete"}),
    ):
        assert user.post(path, data={**data, "csrf": "wrong"}).status_code == 403
    assert user.post("/api/v1/sessions", json=SESSION).status_code == 403, (
        "cookie-authenticated API calls need the header"
    )


def test_signing_in_is_slowed_down_after_repeated_failures(app: Any) -> None:
    browser_user(app, "slow@example.org")
    client = TestClient(app)
    for _ in range(5):
        token = csrf_of(client.get("/signin").text)
        wrong = client.post("/signin", data={"email": "slow@example.org", "password": "wrong password", "csrf": token})
        assert wrong.status_code == 401
    token = csrf_of(client.get("/signin").text)
    slowed = client.post("/signin", data={"email": "slow@example.org", "password": PASSWORD, "csrf": token})
    assert slowed.status_code == 429
    assert "Too many failed sign-ins" in slowed.text


def test_history_can_be_edited_and_deleted(app: Any) -> None:
    user = browser_user(app, "hist@example.org")
    session_id = add_session(user)
    page = user.get(f"/history/{session_id}")
    assert page.status_code == 200
    token = csrf_of(page.text)
    edited = user.post(
        f"/history/{session_id}",
        data={"csrf": token, "date": "2026-11-19", "pain_before": "4", "pain_after": "1", "difficulty-0": "easy"},
    )
    assert edited.status_code == 303
    stored = user.get(f"/api/v1/sessions/{session_id}").json()
    assert stored["date"] == "2026-11-19"
    assert stored["pain_after"] == 1
    assert stored["items"][0]["difficulty"] == "easy"
    bad = user.post(f"/history/{session_id}", data={"csrf": token, "date": "2026-11-19", "pain_before": "12"})
    assert bad.status_code == 422
    assert user.get(f"/api/v1/sessions/{session_id}").json()["pain_before"] == 4
    assert user.post(f"/history/{session_id}/delete", data={"csrf": token}).status_code == 303
    assert user.get(f"/api/v1/sessions/{session_id}").status_code == 404


def test_no_page_shows_or_changes_another_persons_session(app: Any) -> None:
    alice = browser_user(app, "alice.pages@example.org")
    bob = browser_user(app, "bob.pages@example.org")
    session_id = add_session(alice)
    token = page_csrf(bob)
    assert bob.get(f"/history/{session_id}").status_code == 404
    assert bob.post(f"/history/{session_id}", data={"csrf": token, "pain_before": "9"}).status_code == 404
    assert bob.post(f"/history/{session_id}/delete", data={"csrf": token}).status_code == 404
    assert "2026-11-20" not in bob.get("/history").text
    assert bob.get("/account/export.json").json()["sessions"] == []
    assert alice.get(f"/api/v1/sessions/{session_id}").status_code == 200


def test_account_export_import_and_delete(app: Any) -> None:
    alice = browser_user(app, "alice.account@example.org")
    add_session(alice)
    exported = alice.get("/account/export.json")
    assert exported.headers["content-disposition"].startswith("attachment")
    assert len(exported.json()["sessions"]) == 1
    bob = browser_user(app, "bob.account@example.org")
    token = page_csrf(bob)
    files = {"file": ("export.json", io.BytesIO(exported.content), "application/json")}
    assert "Imported 1 sessions" in bob.post("/account/import", data={"csrf": token}, files=files).text
    broken = {"file": ("bad.json", io.BytesIO(b'{"version": 1, "sessions": [{"date": "x"}]}'), "application/json")}
    refused = bob.post("/account/import", data={"csrf": token}, files=broken)
    assert refused.status_code == 422
    assert len(bob.get("/api/v1/sessions").json()) == 1, "a bad import changes nothing"
    assert bob.post("/account/delete", data={"csrf": token, "confirm": "no"}).status_code == 422
    assert bob.post("/account/delete", data={"csrf": token, "confirm": "delete"}).status_code == 303
    assert bob.get("/today").status_code in (303, 401)


def test_a_red_flag_replaces_today_and_the_player_with_advice(app: Any) -> None:
    user = browser_user(app, "flag@example.org")
    token = csrf_of(user.get("/screen").text)
    user.post("/screen", data={"csrf": token, "age": "40", "bladder_or_bowel_change": "yes"})
    for path in ("/today", "/player"):
        page = user.get(path)
        assert page.status_code == 403
        assert "emergency" in page.text.lower()
    token = page_csrf(user)
    assert user.post("/clearance", data={"csrf": token, "note": "Seen in A&E, cleared"}).status_code == 200
    assert user.get("/today").status_code == 200


def test_pages_serve_their_own_assets_and_security_headers(app: Any) -> None:
    user = browser_user(app, "assets@example.org")
    for path in ("/", "/today", "/player", "/progress", "/exercises", "/exercises/bridge", "/programs", "/account"):
        page = user.get(path)
        assert page.status_code == 200, path
        assert "unsafe-inline" not in page.headers["content-security-policy"]
        for url in re.findall(r'(?:src|href)="([^"]+)"', page.text):
            assert not url.startswith(("http:", "https:", "//")), f"{path} loads {url} from elsewhere"
        assert "<script>" not in page.text, "no inline scripts"


def test_the_calendar_feed_has_reminders(app: Any) -> None:
    user = browser_user(app, "cal@example.org")
    feed = re.search(r"/calendar/([\w-]+)\.ics", user.get("/account").text)
    assert feed
    ics = TestClient(app).get(f"/calendar/{feed.group(1)}.ics")
    assert ics.status_code == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    assert ics.text.count("BEGIN:VEVENT") == 28
    assert "BEGIN:VALARM" in ics.text
    assert "TRIGGER:-PT10M" in ics.text
    assert TestClient(app).get("/calendar/not-a-secret.ics").status_code == 404


@pytest.mark.parametrize("path", ["/today/handout.pdf", "/programs/staged-low-back/handout.pdf"])
def test_the_handout_reads_back_and_renders(app: Any, path: str) -> None:
    user = browser_user(app, f"pdf{len(path)}@example.org")
    response = user.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 1
    assert "Not medical advice" in text
    assert "Safety notes" in text
    assert "Repetitions" in text
    if "staged" in path:
        assert "Knee-to-chest stretch" in text
        assert "Abdominal crunch" in text
        assert len(reader.pages) >= 3
    if shutil.which("pdftoppm"):
        folder = output_folder("handouts")
        pdf = folder / (path.strip("/").replace("/", "-"))
        pdf.write_bytes(response.content)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(pdf.with_suffix(""))], check=True)
        assert list(folder.glob(f"{pdf.stem}*.png"))


def set_preferences(client: TestClient, **fields: str) -> Any:
    token = csrf_of(client.get("/preferences").text)
    data = {"csrf": token, "minutes": "10", "floor": "yes", "level": "beginner", **fields}
    return client.post("/preferences", data=data)


def test_the_preferences_form_sets_sessions_a_day_for_the_calendar(app: Any) -> None:
    user = browser_user(app, "twice@example.org")
    assert 'name="sessions_per_day"' in user.get("/preferences").text
    refused = set_preferences(user, sessions_per_day="4")
    assert refused.status_code == 422
    assert 'name="sessions_per_day"' in refused.text, "the form comes back with its error"
    assert set_preferences(user, sessions_per_day="2").status_code == 303
    feed = re.search(r"/calendar/([\w-]+)\.ics", user.get("/account").text)
    assert feed
    assert TestClient(app).get(f"/calendar/{feed.group(1)}.ics").text.count("BEGIN:VEVENT") == 56


def test_a_plan_that_cannot_be_built_is_422_on_today_and_on_its_handout(app: Any) -> None:
    user = browser_user(app, "nofloor@example.org")
    assert set_preferences(user, floor="no").status_code == 303
    for path in ("/today", "/today/handout.pdf"):
        page = user.get(path)
        assert page.status_code == 422, path
        assert "No session fits these options" in page.text
        assert "allow floor exercises" in page.text
        assert "floor:" not in page.text, "the message without the field name"


def test_a_blocking_screen_is_403_on_today_and_on_its_handout_with_the_ways_forward(app: Any) -> None:
    user = browser_user(app, "blocked@example.org")
    token = csrf_of(user.get("/screen").text)
    user.post("/screen", data={"csrf": token, "age": "40", "fever_or_infection": "yes"})
    for path in ("/today", "/today/handout.pdf"):
        page = user.get(path)
        assert page.status_code == 403, path
        assert "see a doctor today" in page.text.lower()
        assert 'href="/screen"' in page.text
        assert 'action="/clearance"' in page.text
        assert csrf_of(page.text) == page_csrf(user), "the clearance form carries the person's own token"
    blank = user.post("/clearance", data={"csrf": page_csrf(user), "note": "   "})
    assert blank.status_code == 422
    assert "say briefly what the clinician said" in blank.text
    cleared = user.post("/clearance", data={"csrf": csrf_of(user.get("/today").text), "note": "GP: fine to exercise"})
    assert cleared.status_code == 200
    assert user.get("/today").status_code == 200


def test_editing_a_session_is_checked_like_the_api(app: Any) -> None:
    user = browser_user(app, "edits@example.org")
    session_id = add_session(user)
    token = page_csrf(user)
    before = user.get(f"/api/v1/sessions/{session_id}").json()
    for data, words in (
        ({"date": "2026-11-19", "pain_before": "two"}, "Pain before: must be a whole number"),
        ({"date": "2026-11-19", "pain_before": "2", "difficulty-0": "impossible"}, "Exercise 1, difficulty:"),
        ({"date": "not a date", "pain_before": "2"}, "Date:"),
    ):
        refused = user.post(f"/history/{session_id}", data={"csrf": token, **data})
        assert refused.status_code == 422, data
        assert words in refused.text, refused.text
        assert 'action="/history/' in refused.text, "the form comes back with its error"
    assert user.get(f"/api/v1/sessions/{session_id}").json() == before, "a refused edit changes nothing"
    missing = session_id + 1000
    assert user.get(f"/history/{missing}").status_code == 404
    assert user.post(f"/history/{missing}", data={"csrf": token, "pain_before": "2"}).status_code == 404
    assert user.post(f"/history/{missing}/delete", data={"csrf": token}).status_code == 404
    assert user.post("/checkin", data={"csrf": token, "pain": "2"}).status_code == 303
    nobody = browser_user(app, "nothing-yet@example.org")
    assert nobody.post("/checkin", data={"csrf": page_csrf(nobody), "pain": "2"}).status_code == 404


def test_render_error_sends_a_person_without_a_screen_to_the_check(app: Any) -> None:
    from starlette.requests import Request

    from backcoach.app.safety import ScreenNeeded
    from backcoach.domain.errors import Conflict
    from backcoach.web.pages import render_error

    scope = {"type": "http", "app": app, "method": "GET", "path": "/player", "headers": [], "query_string": b""}
    needed = render_error(Request(scope), ScreenNeeded(None), 403)
    assert needed.status_code == 403
    assert 'href="/screen"' in bytes(needed.body).decode()
    clash = bytes(render_error(Request(scope), Conflict("already there", ("email",)), 409).body).decode()
    assert "already there" in clash
    assert "email:" not in clash
