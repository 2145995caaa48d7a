"""Clinician mode's consent over the JSON API, on SQLite and PostgreSQL: roles on tokens, invitations, accepting,
declining, ending, the clinician's patients, the access log, and the isolation invariant extended to clinicians."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.web.conftest import PASSWORD, Person, make_person

pytestmark = pytest.mark.databases


def make_clinician(client: TestClient, name: str, display: str = "Dr Ada") -> Person:
    email = f"{name.lower()}@example.org"
    body = {"email": email, "password": PASSWORD, "role": "clinician", "display_name": display, "profession": "physio"}
    created = client.post("/api/v1/auth/register", json=body)
    assert created.status_code == 201, created.text
    issued = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert issued.json()["role"] == "clinician"
    return Person(name, email, created.json()["id"], {"Authorization": f"Bearer {issued.json()['access_token']}"})


def invite(client: TestClient, clinician: Person) -> dict[str, str]:
    made = client.post("/api/v1/clinic/invitations", headers=clinician.headers)
    assert made.status_code == 201, made.text
    body: dict[str, str] = made.json()
    return body


def accept(client: TestClient, clinician: Person, patient: Person) -> int:
    done = client.post(
        "/api/v1/clinicians/accept", headers=patient.headers, json={"code": invite(client, clinician)["code"]}
    )
    assert done.status_code == 201, done.text
    link: int = done.json()["id"]
    return link


def test_registering_a_clinician_is_validated_with_the_field_named(client: TestClient) -> None:
    base = {"email": "c@example.org", "password": PASSWORD}
    for body, field in (
        ({**base, "role": "clinician", "profession": "physio"}, "display_name"),
        ({**base, "role": "clinician", "display_name": "Dr C"}, "profession"),
        ({**base, "role": "wizard"}, "role"),
    ):
        answer = client.post("/api/v1/auth/register", json=body)
        assert answer.status_code == 422
        assert field in [str(p) for d in answer.json()["detail"] for p in d["loc"]]


def test_me_says_the_role_and_whether_a_clinician_is_verified(client: TestClient, alice: Person) -> None:
    ada = make_clinician(client, "Ada")
    assert client.get("/api/v1/me", headers=ada.headers).json() == {
        "id": ada.id,
        "email": ada.email,
        "role": "clinician",
        "verified": False,
    }
    me = client.get("/api/v1/me", headers=alice.headers).json()
    assert (me["role"], me["verified"]) == ("patient", False)
    assert client.get("/api/v1/clinic/me", headers=ada.headers).json()["verified"] is False


def test_the_clinics_side_is_403_for_a_patient_with_a_clear_message(client: TestClient, alice: Person) -> None:
    for method, path in (
        ("POST", "/api/v1/clinic/invitations"),
        ("GET", "/api/v1/clinic/invitations"),
        ("DELETE", "/api/v1/clinic/invitations/1"),
        ("GET", "/api/v1/clinic/patients"),
        ("GET", "/api/v1/clinic/patients/1"),
        ("GET", "/api/v1/clinic/me"),
    ):
        answer = client.request(method, path, headers=alice.headers)
        assert answer.status_code == 403, path
        assert "clinician account" in answer.json()["detail"]


def test_invite_accept_list_and_end(client: TestClient, alice: Person) -> None:
    ada = make_clinician(client, "Ada")
    made = invite(client, ada)
    assert made["link"] == f"/link/{made['code']}"
    assert made["state"] == "open"
    preview = client.post("/api/v1/clinicians/preview", headers=alice.headers, json={"code": made["code"]}).json()
    assert preview["clinician"] == {"name": "Dr Ada", "profession": "physio", "verified": False}
    assert any("pain" in line for line in preview["can_see"])
    assert any("prescribe" in x for x in preview["can_do"])
    link = client.post("/api/v1/clinicians/accept", headers=alice.headers, json={"code": made["code"]})
    assert link.status_code == 201
    assert link.json()["active"]
    assert [p["email"] for p in client.get("/api/v1/clinic/patients", headers=ada.headers).json()] == [alice.email]
    assert client.get(f"/api/v1/clinic/patients/{alice.id}", headers=ada.headers).status_code == 200
    log = client.get("/api/v1/access-log", headers=alice.headers).json()
    assert [e["what"] for e in log] == ["your name and email", "your name and email, in their list of patients"]
    assert client.get("/api/v1/clinic/invitations", headers=ada.headers).json()[0]["state"] == "used"
    patched = client.patch(
        f"/api/v1/clinicians/{link.json()['id']}", headers=alice.headers, json={"shares_notes": True}
    )
    assert patched.json()["shares_notes"] is True
    assert client.delete(f"/api/v1/clinicians/{link.json()['id']}", headers=alice.headers).status_code == 204
    assert client.get(f"/api/v1/clinic/patients/{alice.id}", headers=ada.headers).status_code == 404
    assert client.get("/api/v1/clinic/patients", headers=ada.headers).json() == []
    past = client.get("/api/v1/clinicians", headers=alice.headers).json()
    assert [(x["active"], x["ended_by"]) for x in past] == [(False, "patient")]
    export = client.get("/api/v1/export", headers=alice.headers).json()
    assert export["care_links"][0]["ended_by"] == "patient"
    assert len(export["access_log"]) == 2


@pytest.mark.parametrize("how", ["used", "declined", "revoked", "expired"])
def test_each_unusable_code_is_409_naming_which(client: TestClient, clock: Clock, alice: Person, how: str) -> None:
    ada, bob = make_clinician(client, "Ada"), make_person(client, "Bob")
    made = invite(client, ada)
    if how == "used":
        client.post("/api/v1/clinicians/accept", headers=bob.headers, json={"code": made["code"]})
    elif how == "declined":
        assert (
            client.post("/api/v1/clinicians/decline", headers=bob.headers, json={"code": made["code"]}).status_code
            == 204
        )
    elif how == "revoked":
        assert (
            client.delete(f"/api/v1/clinic/invitations/{made['id']}", headers=ada.headers).json()["state"] == "revoked"
        )
    else:
        clock.advance(days=15)
    answer = client.post("/api/v1/clinicians/accept", headers=alice.headers, json={"code": made["code"]})
    assert answer.status_code == 409
    word = {"used": "used", "declined": "declined", "revoked": "withdrawn", "expired": "expired"}[how]
    assert word in answer.json()["detail"]


def test_unknown_own_and_malformed_codes(client: TestClient, alice: Person) -> None:
    ada = make_clinician(client, "Ada")
    unknown = client.post("/api/v1/clinicians/accept", headers=alice.headers, json={"code": "ACDE-FGHJ-KMNP"})
    assert unknown.status_code == 404
    own = client.post("/api/v1/clinicians/accept", headers=ada.headers, json={"code": invite(client, ada)["code"]})
    assert own.status_code == 409
    assert "themselves" in own.json()["detail"]
    bad = client.post("/api/v1/clinicians/accept", headers=alice.headers, json={"code": "x"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "code"]


def test_isolation_extended_to_clinicians(client: TestClient, alice: Person, bob: Person) -> None:
    """A clinician of Alice gets 404 for Bob and for Bob's link; a patient never sees another patient, another
    patient's links or log, or the clinician's other patients; nobody but the owner revokes an invitation."""
    ada = make_clinician(client, "Ada")
    bo = make_clinician(client, "Bo", "Bo Lind")
    alice_link = accept(client, ada, alice)
    accept(client, bo, bob)
    accept(client, ada, bob)
    assert client.get(f"/api/v1/clinic/patients/{alice.id}", headers=bo.headers).status_code == 404
    assert [p["id"] for p in client.get("/api/v1/clinic/patients", headers=bo.headers).json()] == [bob.id]
    for path in (f"/api/v1/clinic/patients/{bob.id}", "/api/v1/clinic/patients"):
        assert client.get(path, headers=alice.headers).status_code == 403, "a patient never sees the clinic's side"
    assert client.delete(f"/api/v1/clinicians/{alice_link}", headers=bob.headers).status_code == 404
    assert (
        client.patch(f"/api/v1/clinicians/{alice_link}", headers=bob.headers, json={"shares_notes": True}).status_code
        == 404
    )
    assert [x["clinician"]["name"] for x in client.get("/api/v1/clinicians", headers=alice.headers).json()] == [
        "Dr Ada"
    ]
    assert client.get("/api/v1/access-log", headers=alice.headers).json() == []
    own = invite(client, ada)
    assert client.delete(f"/api/v1/clinic/invitations/{own['id']}", headers=bo.headers).status_code == 404
    assert client.get("/api/v1/clinic/invitations", headers=bo.headers).json()[0]["state"] == "used"
    client.get(f"/api/v1/clinic/patients/{bob.id}", headers=ada.headers)
    assert client.get("/api/v1/access-log", headers=alice.headers).json() == [], "Bob's reads are not in Alice's log"


def test_a_deleted_patient_is_404_for_their_clinician(client: TestClient, alice: Person) -> None:
    ada = make_clinician(client, "Ada")
    accept(client, ada, alice)
    assert client.delete("/api/v1/me", headers=alice.headers).status_code == 204
    assert client.get(f"/api/v1/clinic/patients/{alice.id}", headers=ada.headers).status_code == 404
    assert client.get("/api/v1/clinic/patients", headers=ada.headers).json() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_pages_sign_up_a_clinician_show_the_link_and_end_it_from_account(app: Any) -> None:
    import re

    from tests.web.test_pages import browser_user, csrf_of

    doctor = TestClient(app, follow_redirects=False)
    token = csrf_of(doctor.get("/signup").text)
    form = {"email": "ada@example.org", "password": PASSWORD, "csrf": token, "role": "clinician"}
    missing = doctor.post("/signup", data={**form, "profession": "physio"})
    assert missing.status_code == 422
    assert "display name" in missing.text
    assert doctor.post("/signup", data={**form, "display_name": "Dr Ada", "profession": "physio"}).status_code == 303
    account = doctor.get("/account").text
    assert "not verified yet" in account
    made = doctor.post("/account/invitations", data={"csrf": csrf_of(account)})
    assert made.status_code == 201
    code = re.search(r"/link/([A-Z0-9-]+)", made.text)
    assert code is not None

    person = browser_user(app, "pat@example.org")
    page = person.get(f"/link/{code.group(1)}")
    assert page.status_code == 200
    assert "Dr Ada" in page.text
    assert "your pain before and after" in page.text
    assert (
        person.post(f"/link/{code.group(1)}", data={"csrf": csrf_of(page.text), "answer": "accept"}).status_code == 303
    )
    again = person.get(f"/link/{code.group(1)}")
    assert again.status_code == 409
    assert "already used" in again.text
    mine = person.get("/account").text
    assert "End the link to Dr Ada" in mine
    link_id = re.search(r"/account/clinicians/(\d+)/end", mine)
    assert link_id is not None
    assert person.post(f"/account/clinicians/{link_id.group(1)}/end", data={"csrf": csrf_of(mine)}).status_code == 303
    assert "ended" in person.get("/account").text
