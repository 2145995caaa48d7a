"""The prescription editor and the template pages in process: a program saved from the form is exactly what the API
would store (an article program loaded and saved unchanged round-trips), every change a version; a bad form is 422
with the problem next to the field, naming it and what is allowed, and saves nothing; a patient is 403, another
clinician's patient or template 404, a form without its CSRF token 403. And the invitation link for someone signed
out: sign in (or up) and come back to it, never to another site."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backcoach import content
from backcoach.domain.prescribed import PrescribedProgram, from_article
from backcoach.storage.models import User
from tests.web.conftest import PASSWORD, Person, make_person
from tests.web.test_clinic_pages import link
from tests.web.test_pages import browser_user, csrf_of

MONDAY = "2026-11-23"  # the clock starts on Saturday 21 November 2026


class FormFields(HTMLParser):
    """What a browser would send for the form whose action is `action`, as a list of (name, value)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside = action, False
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("method") == "post" and a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and "name" in a and a.get("type") != "submit":
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            else:
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select, self.options = a["name"], []
        elif tag == "option" and self.select is not None:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self.textarea, self.text = a["name"], ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = [v for v, s in self.options if s] or [self.options[0][0]]
            self.fields.append((self.select, chosen[0]))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.fields.append((self.textarea, self.text))
            self.textarea = None


def form_of(html: str, action: str) -> dict[str, Any]:
    parser = FormFields(action)
    parser.feed(html)
    found: dict[str, Any] = {}
    for name, value in parser.fields:
        if name in found:
            found[name] = [*found[name], value] if isinstance(found[name], list) else [found[name], value]
        else:
            found[name] = value
    return found


def user_id(app: Any, email: str) -> int:
    with app.state.runtime.transactions.begin() as db:
        found: int = db.query(User.id).filter(User.email == email).scalar()
    return found


def clinic(app: Any, client: TestClient) -> tuple[TestClient, Person, TestClient]:
    """Dr Ada (a browser) with her patient Pat (by the API), and Dr Bo (a browser), linked to nobody."""
    ada, bo = browser_user(app, "ada@example.org"), browser_user(app, "bo@example.org")
    pat = make_person(client, "Pat")
    link(app, user_id(app, "ada@example.org"), pat.id)
    link(app, user_id(app, "bo@example.org"), name="Dr Bo")
    return ada, pat, bo


def program_form(csrf: str, **changes: str) -> dict[str, str]:
    """A small valid program as the form sends it: a kept short bridge, and ankle pumps progressing."""
    data = {
        "csrf": csrf,
        "action": "save",
        "title": "Bridge and pump",
        "note": "Slow and steady.",
        "start_date": MONDAY,
        "days_per_week": "3",
        "sessions_per_day": "1",
        "row-0-exercise": "bridge",
        "row-0-rung": "bridge/short",
        "row-0-reps": "10",
        "row-0-sides": "both",
        "row-0-mode": "keep",
        "row-0-order": "1",
        "row-0-note": "Squeeze at the top.",
        "row-1-exercise": "ankle-pump",
        "row-1-rung": "ankle-pump/small-range",
        "row-1-reps": "5",
        "row-1-sides": "each",
        "row-1-mode": "progress",
        "row-1-ceiling-rung": "ankle-pump",
        "row-1-ceiling-reps": "10",
        "row-1-ceiling-sides": "each",
        "row-1-order": "2",
        "row-2-exercise": "",
        "row-2-order": "3",
    }
    data.update(changes)
    return data


def programs(client: TestClient, pat: Person, ada_token: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(f"/api/v1/clinic/patients/{pat.id}/programs", headers=ada_token).json()
    return found


def token_of(client: TestClient, email: str) -> dict[str, str]:
    issued = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {issued.json()['access_token']}"}


def test_the_editor_prescribes_and_each_save_is_a_version(app: Any, client: TestClient) -> None:
    ada, pat, _ = clinic(app, client)
    headers = token_of(client, "ada@example.org")
    editor = f"/clinic/patients/{pat.id}/program"
    patient_page = ada.get(f"/clinic/patients/{pat.id}")
    assert f'href="{editor}">Prescribe a program' in patient_page.text
    page = ada.get(editor)
    assert page.status_code == 200
    assert "Prescribe this program" in page.text
    assert 'src="/static/js/prescribe.js"' in page.text
    assert "<script>" not in page.text
    assert "style=" not in page.text

    saved = ada.post(editor, data=program_form(csrf_of(page.text)))
    assert saved.status_code == 303, saved.text
    [made] = programs(client, pat, headers)
    assert (made["version"], made["prescribed_by"], made["title"]) == (1, "Dr Ada", "Bridge and pump")
    body = client.get(f"/api/v1/clinic/patients/{pat.id}/programs/{made['id']}", headers=headers).json()["program"]
    assert body["start_date"] == MONDAY
    bridge, pump = body["items"]
    assert (bridge["rung"], bridge["dose"]["reps"], bridge["mode"], bridge["note"]) == (
        "bridge/short",
        10,
        "keep",
        "Squeeze at the top.",
    )
    assert (pump["mode"], pump["dose"]["per_side"], pump["ceiling"]["rung"]) == ("progress", True, "ankle-pump")

    # Reordered and one dose lowered: version 2, by the same form, and the page lists both versions.
    page = ada.get(editor)
    assert "Change the program" in ada.get(f"/clinic/patients/{pat.id}").text
    changed = program_form(csrf_of(page.text), **{"row-0-order": "2", "row-1-order": "1", "row-0-reps": "8"})
    assert ada.post(editor, data=changed).status_code == 303
    [now] = programs(client, pat, headers)
    assert (now["id"], now["version"]) == (made["id"], 2)
    body = client.get(f"/api/v1/clinic/patients/{pat.id}/programs/{made['id']}", headers=headers).json()
    assert [i["exercise"] for i in body["program"]["items"]] == ["ankle-pump", "bridge"]
    assert body["program"]["items"][1]["dose"]["reps"] == 8
    page = ada.get(editor)
    versions = page.text.split('id="versions"')[1]
    assert len(re.findall(r"<th scope=\"row\">\d+</th><td>2026-11-21</td><td>Dr Ada</td>", versions)) == 2
    assert "Save as version 3" in page.text


def test_an_article_program_loaded_and_saved_unchanged_is_the_article_program(app: Any, client: TestClient) -> None:
    ada, pat, _ = clinic(app, client)
    headers = token_of(client, "ada@example.org")
    editor = f"/clinic/patients/{pat.id}/program"
    for article in content.programs():
        page = ada.get(f"{editor}?start=article:{article}")
        assert page.status_code == 200
        sent = form_of(page.text, editor) | {"action": "save"}
        assert ada.post(editor, data=sent).status_code == 303, article
        [found] = programs(client, pat, headers)
        body = client.get(f"/api/v1/clinic/patients/{pat.id}/programs/{found['id']}", headers=headers).json()
        expected = from_article(content.programs()[article], dt.date(2026, 11, 21), content.ladders())
        assert PrescribedProgram.model_validate(body["program"]) == expected, article
    assert ada.get(f"{editor}?start=article:nope").status_code == 422


BAD_FORMS: list[tuple[dict[str, str], str, str]] = [
    ({"title": "  "}, "title", "Title: 1 to 120 characters"),
    ({"start_date": "23/11/2026"}, "start_date", "Start date: a date as YYYY-MM-DD"),
    ({"days_per_week": "9"}, "days_per_week", "Days per week: 9 is not a whole number from 1 to 7"),
    ({"sessions_per_day": "4"}, "sessions_per_day", "Sessions per day: 4 is not a whole number from 1 to 3"),
    ({"row-0-exercise": "moonwalk"}, "row-0-exercise", "unknown exercise &#39;moonwalk&#39;; allowed: "),
    (
        {"row-0-rung": "ankle-pump"},
        "row-0-rung",
        "Exercise 1 (Bridge), rung: &#39;ankle-pump&#39; is not a rung of bridge; allowed: bridge/short, bridge, "
        "bridge/held, bridge/single-leg",
    ),
    ({"row-0-reps": "99"}, "row-0-dose", "Exercise 1 (Bridge), dose: asks more than the top of bridge/short"),
    ({"row-0-reps": "ten"}, "row-0-dose", "Exercise 1 (Bridge), dose, repetitions: &#39;ten&#39; is not a whole"),
    ({"row-0-reps": "0"}, "row-0-dose", "dose, repetitions: 0 is not a whole number, 1 or more"),
    ({"row-1-sides": "both"}, "row-1-dose", "ankle-pump/small-range is done with per_side=true"),
    (
        {"row-1-ceiling-rung": "ankle-pump/small-range", "row-1-ceiling-reps": "3"},
        "row-1-ceiling",
        "the ceiling must be at or above the starting rung and dose",
    ),
    ({"row-0-rest_s": "30"}, "row-0-dose", "rest_s is the rest between sets, so it needs sets of 2 or more"),
    (
        {"row-1-exercise": "bridge", "row-1-rung": "", "row-1-sides": "both", "row-1-mode": "keep"},
        "row-1-exercise",
        "Exercise 2 (Bridge), exercise: bridge is already in the program",
    ),
    ({"days": "mon"}, "days", "days must name 3 different weekdays"),
    ({"row-0-mode": "sometimes"}, "row-0-mode", "how the dose may change: choose keep or progress"),
]


@pytest.mark.parametrize(
    ("change", "field", "words"), BAD_FORMS, ids=[b[1] + ":" + str(i) for i, b in enumerate(BAD_FORMS)]
)
def test_a_bad_form_comes_back_with_the_problem_next_to_its_field_and_saves_nothing(
    app: Any, client: TestClient, change: dict[str, str], field: str, words: str
) -> None:
    ada, pat, _ = clinic(app, client)
    headers = token_of(client, "ada@example.org")
    editor = f"/clinic/patients/{pat.id}/program"
    token = csrf_of(ada.get(editor).text)
    assert ada.post(editor, data=program_form(token)).status_code == 303  # version 1
    sent = program_form(token, title="Changed", **change) if "title" not in change else program_form(token, **change)
    found = ada.post(editor, data=sent)
    assert found.status_code == 422, found.text
    problem = re.search(rf'<p class="problems" id="problem-{field}" role="alert">([^<]*)</p>', found.text)
    assert problem, f"no problem shown next to {field}"
    assert words in problem.group(1), problem.group(1)
    assert 'aria-invalid="true"' in found.text
    assert "Squeeze at the top." in found.text  # the form comes back as it was sent
    [kept] = programs(client, pat, headers)
    assert (kept["version"], kept["title"]) == (1, "Bridge and pump")


def test_too_many_exercises_is_422_and_nothing_is_saved(app: Any, client: TestClient) -> None:
    ada, pat, _ = clinic(app, client)
    editor = f"/clinic/patients/{pat.id}/program"
    token = csrf_of(ada.get(editor).text)
    many = program_form(token)
    names = [e.id for e in content.catalogue()]
    for i in range(31):
        many |= {f"row-{i}-exercise": names[i % len(names)], f"row-{i}-rung": "", f"row-{i}-order": str(i + 1)}
    found = ada.post(editor, data=many)
    assert found.status_code == 422
    assert "Exercises: " in found.text
    assert programs(client, pat, token_of(client, "ada@example.org")) == []


def test_patients_get_403_strangers_404_and_forms_need_their_csrf_token(app: Any, client: TestClient) -> None:
    ada, pat, bo = clinic(app, client)
    editor = f"/clinic/patients/{pat.id}/program"
    token = csrf_of(ada.get(editor).text)
    patient = browser_user(app, "patient@example.org")
    patient_token = csrf_of(patient.get("/account").text)
    for path in (editor, "/clinic/templates", "/clinic/templates/new"):
        assert patient.get(path).status_code == 403, path
    assert patient.post(editor, data=program_form(patient_token)).status_code == 403
    bo_token = csrf_of(bo.get("/clinic").text)
    assert bo.get(editor).status_code == 404
    assert bo.post(editor, data=program_form(bo_token)).status_code == 404
    assert ada.get("/clinic/patients/999999/program").status_code == 404
    assert ada.post(editor, data=program_form("forged")).status_code == 403
    assert ada.post(editor, data=program_form(token, action="template", name="T") | {"csrf": ""}).status_code == 403
    signed_out = TestClient(app, follow_redirects=False)
    assert signed_out.get(editor).status_code == 303
    assert programs(client, pat, token_of(client, "ada@example.org")) == []
    assert ada.get("/clinic/templates").text.count('class="card"') == 0


def test_templates_are_the_clinicians_own(app: Any, client: TestClient) -> None:
    ada, pat, bo = clinic(app, client)
    editor = f"/clinic/patients/{pat.id}/program"
    token = csrf_of(ada.get(editor).text)
    nameless = ada.post(editor, data=program_form(token, action="template", name=" "))
    assert nameless.status_code == 422
    assert "Template name: 1 to 120 characters" in nameless.text
    kept = ada.post(editor, data=program_form(token, action="template", name="Starter"))
    assert kept.status_code == 200
    assert "Saved as the template &#39;Starter&#39;." in kept.text
    assert programs(client, pat, token_of(client, "ada@example.org")) == []  # a template prescribes nothing
    listed = ada.get("/clinic/templates")
    [tid] = [int(t) for t in re.findall(r'href="/clinic/templates/(\d+)">Starter</a>', listed.text)]
    assert f'value="template:{tid}">Starter</option>' in ada.get(editor).text

    loaded = ada.get(f"{editor}?start=template:{tid}")
    assert 'value="Bridge and pump"' in loaded.text
    assert 'value="2026-11-21"' in loaded.text  # a template starts today unless changed

    opened = ada.get(f"/clinic/templates/{tid}")
    assert opened.status_code == 200
    renamed = form_of(opened.text, f"/clinic/templates/{tid}") | {"name": "Gentle start", "row-0-reps": "12"}
    assert ada.post(f"/clinic/templates/{tid}", data=renamed).status_code == 303
    bad = ada.post(f"/clinic/templates/{tid}", data=renamed | {"row-0-reps": "99"})
    assert bad.status_code == 422
    assert "choose a harder rung" in bad.text
    assert "Gentle start" in ada.get("/clinic/templates").text
    stored = client.get(f"/api/v1/clinic/templates/{tid}", headers=token_of(client, "ada@example.org")).json()
    assert (stored["name"], stored["program"]["items"][0]["dose"]["reps"]) == ("Gentle start", 12)

    bo_token = csrf_of(bo.get("/clinic").text)
    assert "Gentle start" not in bo.get("/clinic/templates").text
    assert bo.get(f"/clinic/templates/{tid}").status_code == 404
    assert bo.post(f"/clinic/templates/{tid}", data=renamed | {"csrf": bo_token}).status_code == 404
    assert bo.post(f"/clinic/templates/{tid}/delete", data={"csrf": bo_token}).status_code == 404
    bo_editor = bo.get(f"/clinic/patients/{pat.id}/program?start=template:{tid}")
    assert bo_editor.status_code == 404

    made = ada.get("/clinic/templates/new?start=article:staged-low-back")
    assert made.status_code == 200
    new = form_of(made.text, "/clinic/templates/new")
    assert ada.post("/clinic/templates/new", data=new).status_code == 303
    assert ada.get("/clinic/templates").text.count("/delete") == 2
    assert ada.post(f"/clinic/templates/{tid}/delete", data={"csrf": token}).status_code == 303
    assert ada.get(f"/clinic/templates/{tid}").status_code == 404


def test_the_dashboard_links_to_templates_and_invites(app: Any, client: TestClient) -> None:
    ada, _, _ = clinic(app, client)
    board = ada.get("/clinic").text
    assert 'href="/clinic/templates"' in board
    invited = ada.post("/account/invitations", data={"csrf": csrf_of(board)})
    assert invited.status_code == 201
    assert "Give your patient this code" in invited.text


def test_an_invitation_link_opened_signed_out_comes_back_after_sign_in_or_sign_up(app: Any, client: TestClient) -> None:
    browser_user(app, "ada@example.org")
    link(app, user_id(app, "ada@example.org"))
    ada = token_of(client, "ada@example.org")
    code = client.post("/api/v1/clinic/invitations", headers=ada).json()["code"]
    visitor = TestClient(app, follow_redirects=False)
    sent = visitor.get(f"/link/{code}")
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/signin?next=%2Flink%2F{code}"
    signin = visitor.get(sent.headers["location"])
    assert f'name="next" value="/link/{code}"' in signin.text
    assert f'href="/signup?next=/link/{code}"' in signin.text
    signup = visitor.get(f"/signup?next=/link/{code}")
    data = {"email": "new@example.org", "password": PASSWORD, "csrf": csrf_of(signup.text), "next": f"/link/{code}"}
    made = visitor.post("/signup", data=data)
    assert (made.status_code, made.headers["location"]) == (303, f"/link/{code}")
    assert "asks to follow your exercise" in visitor.get(f"/link/{code}").text

    returning = TestClient(app, follow_redirects=False)
    token = csrf_of(returning.get(f"/signin?next=/link/{code}").text)
    form = {"email": "new@example.org", "password": PASSWORD, "csrf": token, "next": f"/link/{code}"}
    back = returning.post("/signin", data=form)
    assert (back.status_code, back.headers["location"]) == (303, f"/link/{code}")


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/link/X",
        "//evil.example/link/X",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "",
    ],
)
def test_sign_in_never_sends_anyone_to_another_site(app: Any, client: TestClient, elsewhere: str) -> None:
    make_person(client, "Sam")
    visitor = TestClient(app, follow_redirects=False)
    page = visitor.get("/signin", params={"next": elsewhere})
    assert 'name="next"' not in page.text
    form = {"email": "sam@example.org", "password": PASSWORD, "csrf": csrf_of(page.text), "next": elsewhere}
    back = visitor.post("/signin", data=form)
    assert (back.status_code, back.headers["location"]) == (303, "/onboarding")
    other = TestClient(app, follow_redirects=False)
    token = csrf_of(other.get("/signup").text)
    made = other.post(
        "/signup", data={"email": "x@example.org", "password": PASSWORD, "csrf": token, "next": elsewhere}
    )
    assert (made.status_code, made.headers["location"]) == (303, "/onboarding")
