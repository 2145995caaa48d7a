"""The screen through the API (SQLite and PostgreSQL): the same fields, levels and exclusions as the CLI."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Person


def post(client: TestClient, person: Person, body: Any) -> Any:
    return client.post("/api/v1/screening", json=body, headers=person.headers)


@pytest.mark.parametrize(
    ("answers", "clearance", "when"),
    [
        ({"age": 40}, "clear", None),
        ({"age": 40, "major_trauma": True}, "emergency", "now"),
        ({"age": 40, "cancer_history": True, "constant_night_pain": True}, "urgent", "today"),
        ({"age": 60, "new_episode": True}, "see-doctor", "within 1 to 2 weeks"),
        ({"age": 30, "pregnant_or_recent_birth": True}, "check-first", "before you start"),
    ],
)
def test_the_api_returns_the_contract(
    client: TestClient, alice: Person, answers: dict[str, Any], clearance: str, when: str | None
) -> None:
    response = post(client, alice, answers)
    assert response.status_code == 200, response.text
    data = response.json()
    assert set(data) == {"clearance", "when", "reasons", "advice", "excludes"}
    assert (data["clearance"], data["when"]) == (clearance, when)
    latest = client.get("/api/v1/screening", headers=alice.headers).json()
    assert latest["clearance"] == clearance
    assert latest["excludes"] == data["excludes"]
    assert "valid_until" in latest
    plan = client.get("/api/v1/plan", headers=alice.headers)
    if clearance in ("emergency", "urgent", "see-doctor"):
        assert plan.status_code == 403
        assert "backcoach screen" not in plan.json()["detail"]
    else:
        assert plan.status_code == 200
        assert {e["exercise"] for e in plan.json()["excluded"]} == set(data["excludes"])


def test_exclusions_reach_the_plan(client: TestClient, alice: Person) -> None:
    data = post(client, alice, {"age": 40, "worse_bending_forward": True}).json()
    assert "knee-to-chest" in data["excludes"]
    plan = client.get("/api/v1/plan?minutes=30", headers=alice.headers).json()
    assert "knee-to-chest" not in {i["exercise"] for i in plan["items"]}
    assert {e["exercise"] for e in plan["excluded"]} == set(data["excludes"])


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({}, "age"),
        ({"disc_disease": True}, "age"),
        ({"age": 40, "spaceship": True}, "spaceship"),
        ({"age": "forty"}, "age"),
        ({"age": 40, "disc_disease": "yes"}, "disc_disease"),
        ({"age": 0}, "age"),
    ],
)
def test_bad_answers_are_422_naming_the_key(client: TestClient, alice: Person, body: Any, key: str) -> None:
    response = post(client, alice, body)
    assert response.status_code == 422
    assert any(key in error["loc"] for error in response.json()["detail"]), response.json()
    assert client.get("/api/v1/screening", headers=alice.headers).status_code == 404, "nothing is stored"


def test_the_openapi_document_describes_the_screen(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    body = schema["components"]["schemas"]["ScreeningAnswers"]
    assert "age" in body["required"]
    assert "saddle_numbness" in body["properties"]
    assert set(schema["components"]["schemas"]["ScreenOut"]["properties"]) == {
        "clearance",
        "when",
        "reasons",
        "advice",
        "excludes",
    }


def test_a_clinicians_clearance_through_the_api_lifts_the_block(client: TestClient, alice: Person) -> None:
    post(client, alice, {"age": 40, "cancer_history": True, "worse_bending_backward": True})
    refused = client.get("/api/v1/plan", headers=alice.headers)
    assert refused.status_code == 403
    assert "/api/v1/clearance" in refused.json()["detail"]
    assert client.post("/api/v1/clearance", json={"note": " "}, headers=alice.headers).status_code == 422
    cleared = client.post("/api/v1/clearance", json={"note": "Seen by my doctor"}, headers=alice.headers)
    assert cleared.status_code == 200
    assert cleared.json()["clearance"] == "check-first"
    assert "superman" in cleared.json()["excludes"]
    plan = client.get("/api/v1/plan", headers=alice.headers)
    assert plan.status_code == 200
    assert "superman" in {e["exercise"] for e in plan.json()["excluded"]}
