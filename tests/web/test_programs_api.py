"""Prescribed programs through the API: a clinician's round trip, the patient's side, and every error code (403 for a
patient, 404 for someone else's patient, program or template, 422 naming the field)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from backcoach.storage.models import CareLink, User
from tests.conftest import Clock
from tests.web.conftest import Person, make_person

pytestmark = pytest.mark.databases

MONDAY = "2026-11-23"  # the clock starts on Saturday 21 November 2026


def program(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Bridge and pump",
        "note": "Slow and steady.",
        "start_date": MONDAY,
        "days_per_week": 3,
        "items": [
            {"exercise": "ankle-pump", "rung": "ankle-pump", "dose": {"reps": 10, "per_side": True}, "note": "Easy."},
            {
                "exercise": "bridge",
                "rung": "bridge/short",
                "dose": {"reps": 10},
                "mode": "progress",
                "ceiling": {"rung": "bridge", "dose": {"reps": 15, "sets": 3, "rest_s": 60}},
            },
        ],
    }
    body.update(changes)
    return body


def clinicians(app: Any, client: TestClient) -> tuple[Person, Person, Person]:
    """Dr Ada with her patient Pat, and Dr Bo, who is linked to nobody."""
    ada, pat, bo = (make_person(client, n) for n in ("Ada", "Pat", "Bo"))
    with app.state.runtime.transactions.begin() as db:
        for who, name in ((ada, "Dr Ada"), (bo, "Dr Bo")):
            user = db.get(User, who.id)
            user.role, user.display_name = "clinician", name
        db.add(CareLink(clinician_id=ada.id, patient_id=pat.id, accepted_at=app.state.runtime.now()))
    return ada, pat, bo


def test_a_program_round_trip(app: Any, client: TestClient, clock: Clock) -> None:
    ada, pat, _ = clinicians(app, client)
    base = f"/api/v1/clinic/patients/{pat.id}/programs"
    assert client.get("/api/v1/program", headers=pat.headers).status_code == 404
    created = client.post(base, json={"program": program()}, headers=ada.headers)
    assert created.status_code == 201, created.text
    made = created.json()
    assert (made["version"], made["prescribed_by"], made["active"]) == (1, "Dr Ada", True)
    assert [v["version"] for v in made["versions"]] == [1]
    changed = client.put(f"{base}/{made['id']}", json=program(title="Lighter"), headers=ada.headers)
    assert changed.status_code == 200, changed.text
    assert [(v["version"], v["program"]["title"]) for v in changed.json()["versions"]] == [
        (1, "Bridge and pump"),
        (2, "Lighter"),
    ]
    listed = client.get(base, headers=ada.headers).json()
    assert [(p["id"], p["version"], p["title"]) for p in listed] == [(made["id"], 2, "Lighter")]
    assert client.get(f"{base}/{made['id']}", headers=ada.headers).json()["version_id"] == changed.json()["version_id"]

    mine = client.get("/api/v1/program", headers=pat.headers).json()
    assert (mine["title"], mine["prescribed_by"], mine["due_today"]) == ("Lighter", "Dr Ada", False)
    assert mine["weekdays"] == ["mon", "wed", "fri"]
    clock.advance(days=2)  # Monday: the plan follows it
    assert client.get("/api/v1/program", headers=pat.headers).json()["due_today"] is True
    plan = client.get("/api/v1/plan", headers=pat.headers).json()
    assert [i["exercise"] for i in plan["items"]] == ["ankle-pump", "bridge"]
    assert "prescribed by Dr Ada (version 2)" in plan["cautions"][0]
    assert "From your clinician: Easy." in plan["items"][0]["note"]

    ended = client.post(f"{base}/{made['id']}/end", headers=ada.headers)
    assert ended.status_code == 200
    assert ended.json()["active"] is False
    assert client.get("/api/v1/program", headers=pat.headers).status_code == 404
    assert "prescribed by" not in client.get("/api/v1/plan", headers=pat.headers).json()["cautions"][0]


def test_from_an_article_and_from_a_template(app: Any, client: TestClient) -> None:
    ada, pat, _ = clinicians(app, client)
    base = f"/api/v1/clinic/patients/{pat.id}/programs"
    article = client.post(base, json={"article": "staged-low-back", "start_date": MONDAY}, headers=ada.headers)
    assert article.status_code == 201, article.text
    assert article.json()["program"]["start_date"] == MONDAY
    draft = {k: v for k, v in program().items() if k != "start_date"}
    template = client.post("/api/v1/clinic/templates", json={"name": "Starter", "program": draft}, headers=ada.headers)
    assert template.status_code == 201, template.text
    tid = template.json()["id"]
    renamed = client.put(
        f"/api/v1/clinic/templates/{tid}", json={"name": "Renamed", "program": draft}, headers=ada.headers
    )
    assert renamed.json()["name"] == "Renamed"
    assert [t["name"] for t in client.get("/api/v1/clinic/templates", headers=ada.headers).json()] == ["Renamed"]
    used = client.post(base, json={"template": tid}, headers=ada.headers)
    assert used.status_code == 201, used.text
    assert [i["exercise"] for i in used.json()["program"]["items"]] == ["ankle-pump", "bridge"]
    assert used.json()["program"]["start_date"] == "2026-11-21"  # a template starts today unless told
    assert client.delete(f"/api/v1/clinic/templates/{tid}", headers=ada.headers).status_code == 204
    assert client.get(f"/api/v1/clinic/templates/{tid}", headers=ada.headers).status_code == 404


def test_patients_get_403_and_strangers_get_404(app: Any, client: TestClient) -> None:
    ada, pat, bo = clinicians(app, client)
    base = f"/api/v1/clinic/patients/{pat.id}/programs"
    made = client.post(base, json={"program": program()}, headers=ada.headers).json()
    draft = {k: v for k, v in program().items() if k != "start_date"}
    tid = client.post("/api/v1/clinic/templates", json={"name": "T", "program": draft}, headers=ada.headers).json()[
        "id"
    ]
    for method, path, body in [
        ("get", base, None),
        ("post", base, {"program": program()}),
        ("get", "/api/v1/clinic/templates", None),
        ("post", "/api/v1/clinic/templates", {"name": "T", "program": draft}),
    ]:
        assert client.request(method, path, json=body, headers=pat.headers).status_code == 403, path
    stranger = [
        ("get", base, None),
        ("post", base, {"program": program()}),
        ("get", f"{base}/{made['id']}", None),
        ("put", f"{base}/{made['id']}", program()),
        ("post", f"{base}/{made['id']}/end", None),
        ("get", f"/api/v1/clinic/templates/{tid}", None),
        ("put", f"/api/v1/clinic/templates/{tid}", {"name": "Mine", "program": draft}),
        ("delete", f"/api/v1/clinic/templates/{tid}", None),
        ("post", base, {"template": tid}),
    ]
    for method, path, body in stranger:
        assert client.request(method, path, json=body, headers=bo.headers).status_code == 404, (method, path)
    # Ada's own patient list has no Bo: her program for a patient she is not linked to is 404 too.
    assert client.get(f"/api/v1/clinic/patients/{bo.id}/programs", headers=ada.headers).status_code == 404
    assert client.get(f"{base}/{made['id'] + 99}", headers=ada.headers).status_code == 404
    assert client.get(base, headers=ada.headers).json()[0]["version"] == 1  # nothing Bo tried changed it


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"program": program(days_per_week=9)}, ["body", "program", "days_per_week"]),
        (
            {"program": program(items=[{**program()["items"][0], "rung": "ankle-pump/x"}])},
            ["body", "program", "items", 0, "rung"],
        ),
        (
            {"program": program(items=[{**program()["items"][0], "exercise": "moonwalk"}])},
            ["body", "program", "items", 0, "exercise"],
        ),
        ({"article": "yoga"}, ["body", "article"]),
        ({"article": "core-five", "program": program()}, ["body", "source"]),
        ({}, ["body", "source"]),
        ({"template": 0}, ["body", "template"]),
    ],
)
def test_invalid_bodies_are_422_naming_the_field(
    app: Any, client: TestClient, body: dict[str, Any], loc: list[Any]
) -> None:
    ada, pat, _ = clinicians(app, client)
    response = client.post(f"/api/v1/clinic/patients/{pat.id}/programs", json=body, headers=ada.headers)
    assert response.status_code == 422, response.text
    assert any(d["loc"][: len(loc)] == loc for d in response.json()["detail"]), response.json()
    assert client.get(f"/api/v1/clinic/patients/{pat.id}/programs", headers=ada.headers).json() == []


def test_every_body_is_typed_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = {p: v for p, v in spec["paths"].items() if p.startswith("/api/v1/clinic/templates") or "/programs" in p}
    # The PDFs (handout_api.py) answer no JSON body; their own tests read them.
    paths = {p: v for p, v in paths.items() if "clinic" in p and not p.endswith(".pdf")}
    paths |= {"/api/v1/program": spec["paths"]["/api/v1/program"]}
    assert len(paths) == 6
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method in ("post", "put") and not path.endswith("/end"):
                assert "$ref" in str(operation["requestBody"]), (method, path)
            ok = operation["responses"].get("200") or operation["responses"].get("201")
            if ok is not None:
                assert "$ref" in str(ok["content"]["application/json"]["schema"]), (method, path)
    assert "PrescribedProgram" in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["PrescribedItem"]["properties"]["mode"]["enum"] == ["keep", "progress"]
