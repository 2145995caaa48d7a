"""The isolation invariant over every route of clinician mode, listed from the app itself so that a new route cannot
be left out: every route under /api/v1/clinic/, /api/v1/clinicians and /api/v1/program, on SQLite and PostgreSQL.

- A clinician gets 404 for any patient who is not theirs now, and for another clinician's programs, templates and
  invitations; their lists never show another clinician's patients or templates.
- A patient gets 403 on every clinic route, 404 for another patient's links, and never sees another patient.
- A link the patient ended is 404 for the clinician at once, on every route that names the patient.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Person
from tests.web.test_clinic_api import accept, invite, make_clinician
from tests.web.test_programs_api import program

pytestmark = pytest.mark.databases

CLINIC = "/api/v1/clinic/"
PATIENT_SIDE = ("/api/v1/clinicians", "/api/v1/program")


def draft() -> dict[str, Any]:
    body = program()
    del body["start_date"]
    return body


BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/clinic/patients/{patient_id}/programs"): {"program": program()},
    ("PUT", "/api/v1/clinic/patients/{patient_id}/programs/{program_id}"): program(),
    ("POST", "/api/v1/clinic/templates"): {"name": "Mine", "program": draft()},
    ("PUT", "/api/v1/clinic/templates/{template_id}"): {"name": "Mine", "program": draft()},
    ("POST", "/api/v1/clinic/patients/{patient_id}/notes"): {"body": "A note."},
    ("POST", "/api/v1/clinic/patients/{patient_id}/clearances"): {"screen_id": 1, "note": "Cleared to exercise."},
    ("PATCH", "/api/v1/clinicians/{link_id}"): {"shares_notes": True},
    ("POST", "/api/v1/clinicians/preview"): {"code": "KMNP-3XQR-7CDE"},
    ("POST", "/api/v1/clinicians/accept"): {"code": "KMNP-3XQR-7CDE"},
    ("POST", "/api/v1/clinicians/decline"): {"code": "KMNP-3XQR-7CDE"},
}
"""A valid body for each route that takes one: an invalid body is 422 before any check of who is asking."""


def routes(app: Any) -> list[tuple[str, str]]:
    """From the OpenAPI document, where every API route is (its bodies typed, as the issue asks): FastAPI includes
    routers lazily, so `app.routes` does not list them."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        if path.startswith(CLINIC) or any(path == p or path.startswith(p + "/") for p in PATIENT_SIDE):
            found += [(method.upper(), path) for method in sorted(operations)]
    return found


def params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


class World:
    """Dr Ada with her patient Alice, Dr Bo with his patient Bob; each clinician has a program for their patient, a
    template and an open invitation."""

    def __init__(self, client: TestClient, alice: Person, bob: Person) -> None:
        self.client = client
        self.spec = client.get("/openapi.json").json()
        self.alice, self.bob = alice, bob
        self.ada = make_clinician(client, "Ada")
        self.bo = make_clinician(client, "Bo", "Dr Bo")
        self.links = {alice.id: accept(client, self.ada, alice), bob.id: accept(client, self.bo, bob)}
        self.ids: dict[int, dict[str, int]] = {}
        for clinician, patient, title in ((self.ada, alice, "Alice's own program"), (self.bo, bob, "Bob's own")):
            made = client.post(
                f"/api/v1/clinic/patients/{patient.id}/programs",
                json={"program": program(title=title)},
                headers=clinician.headers,
            )
            assert made.status_code == 201, made.text
            template = client.post(
                "/api/v1/clinic/templates",
                json={"name": f"{clinician.name}'s template", "program": draft()},
                headers=clinician.headers,
            )
            assert template.status_code == 201, template.text
            self.ids[clinician.id] = {
                "patient_id": patient.id,
                "program_id": made.json()["id"],
                "template_id": template.json()["id"],
                "invitation_id": int(invite(client, clinician)["id"]),
                "link_id": self.links[patient.id],
            }

    def call(self, who: Person, method: str, path: str, ids: dict[str, int]) -> Any:
        names = params(path)
        unknown = [n for n in names if n not in ids]
        assert not unknown, f"{method} {path}: add {unknown} to the isolation test's ids"
        url = path.format(**{n: ids[n] for n in names})
        body = BODIES.get((method, path))
        if method in ("POST", "PUT", "PATCH") and body is None:
            spec = self.spec["paths"][path][method.lower()]
            assert "requestBody" not in spec, f"{method} {path}: add a valid body to the isolation test's BODIES"
        return self.client.request(method, url, json=body, headers=who.headers)


def test_every_clinic_route_is_404_for_another_clinicians_patient_and_things(
    app: Any, client: TestClient, alice: Person, bob: Person
) -> None:
    world = World(client, alice, bob)
    listed = routes(app)
    assert ("GET", "/api/v1/clinic/patients/{patient_id}/report.pdf") in listed, "the listing finds the routes"
    assert len(listed) >= 25
    secrets = {world.bo.id: ("alice@example.org", "Alice's own program", "Ada's template")}
    secrets[world.ada.id] = ("bob@example.org", "Bob's own", "Bo's template")
    for attacker, owner in ((world.bo, world.ada), (world.ada, world.bo)):
        for method, path in listed:
            if not path.startswith(CLINIC):
                continue
            response = world.call(attacker, method, path, world.ids[owner.id])
            if params(path):
                assert response.status_code == 404, f"{attacker.name}: {method} {path} is {response.status_code}"
                assert response.headers["content-type"].startswith("application/json")
            elif method == "GET":
                assert response.status_code == 200, f"{method} {path}"
                for secret in secrets[attacker.id]:
                    assert secret not in response.text, f"{attacker.name} sees {secret!r} in {path}"
    # Nothing the attackers tried changed the owners' things.
    for owner in (world.ada, world.bo):
        ids = world.ids[owner.id]
        got = client.get(f"/api/v1/clinic/templates/{ids['template_id']}", headers=owner.headers)
        assert got.status_code == 200
        prog = client.get(
            f"/api/v1/clinic/patients/{ids['patient_id']}/programs/{ids['program_id']}", headers=owner.headers
        )
        assert (prog.json()["version"], prog.json()["active"]) == (1, True)


def test_a_patient_is_refused_the_clinic_and_never_sees_another_patient(
    app: Any, client: TestClient, alice: Person, bob: Person
) -> None:
    world = World(client, alice, bob)
    for method, path in routes(app):
        if path.startswith(CLINIC):
            # Alice's own ids, and Bob's: a patient is refused either way, before anything is looked up.
            for ids in world.ids.values():
                response = world.call(alice, method, path, ids)
                assert response.status_code == 403, f"patient: {method} {path} is {response.status_code}"
                assert response.headers["content-type"].startswith("application/json")
        elif params(path):
            response = world.call(alice, method, path, world.ids[world.bo.id])  # Bob's link
            assert response.status_code == 404, f"patient: {method} {path} is {response.status_code}"
        elif method == "GET":
            for who, other in ((alice, ("bob@example.org", "Bob's own", "Dr Bo")), (bob, ("alice@example.org",))):
                response = world.call(who, method, path, {})
                assert response.status_code == 200, f"{method} {path}"
                for secret in other:
                    assert secret not in response.text, f"{who.name} sees {secret!r} in {path}"


def test_an_ended_link_is_404_at_once_on_every_route_that_names_the_patient(
    app: Any, client: TestClient, alice: Person, bob: Person
) -> None:
    world = World(client, alice, bob)
    ended = client.delete(f"/api/v1/clinicians/{world.links[alice.id]}", headers=alice.headers)
    assert ended.status_code == 204
    named = [(m, p) for m, p in routes(app) if "patient_id" in params(p)]
    assert len(named) >= 8
    for method, path in named:
        response = world.call(world.ada, method, path, world.ids[world.ada.id])
        assert response.status_code == 404, f"after the end: {method} {path} is {response.status_code}"
    patients = client.get("/api/v1/clinic/patients", headers=world.ada.headers).json()
    assert patients == []
