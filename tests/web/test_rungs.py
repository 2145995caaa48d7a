"""Rungs and dose decisions through the API and the pages (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import Person
from tests.web.test_api import SESSION
from tests.web.test_pages import browser_user, page_csrf


def item_of(session: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = session["items"][0]
    return item


def hurting_bridge(date: str) -> dict[str, Any]:
    session: dict[str, Any] = copy.deepcopy(SESSION)
    session["date"] = date
    item_of(session)["pain_during"] = 8
    return session


def test_the_dose_route_gives_the_rung_and_decision(client: TestClient, alice: Person) -> None:
    client.post("/api/v1/screening", json={"age": 40}, headers=alice.headers)
    first = client.get("/api/v1/dose/bridge?date=2026-11-21", headers=alice.headers)
    assert first.status_code == 200
    assert first.json() == {**first.json(), "exercise": "bridge", "rung": "bridge", "decision": "start"}
    assert set(first.json()) == {"exercise", "rung", "name", "prescription", "decision", "reason"}
    for day in ("2026-11-18", "2026-11-19"):
        assert client.post("/api/v1/sessions", json=hurting_bridge(day), headers=alice.headers).status_code == 201
    swapped = client.get("/api/v1/dose/bridge?date=2026-11-20", headers=alice.headers).json()
    assert (swapped["decision"], swapped["rung"]) == ("regress", "bridge/short")
    early = client.get("/api/v1/dose/bridge?date=2026-11-01", headers=alice.headers)
    assert early.status_code == 422
    assert "date" in early.json()["detail"][0]["loc"]
    assert client.get("/api/v1/dose/spiderman", headers=alice.headers).status_code == 404
    plan = client.get("/api/v1/plan?minutes=30&date=2026-11-20", headers=alice.headers).json()
    bridge = next(i for i in plan["items"] if i["exercise"] == "bridge")
    assert bridge["rung"] == "bridge/short"
    assert "twice in a row" in (bridge["note"] or "") or any("twice in a row" in c for c in plan["cautions"])


def test_sessions_record_the_rung_and_refuse_a_wrong_one(client: TestClient, alice: Person) -> None:
    session: dict[str, Any] = copy.deepcopy(SESSION)
    item_of(session)["rung"] = "bridge/held"
    created = client.post("/api/v1/sessions", json=session, headers=alice.headers)
    assert created.status_code == 201
    stored = client.get(f"/api/v1/sessions/{created.json()['id']}", headers=alice.headers).json()
    assert stored["items"][0]["rung"] == "bridge/held"
    item_of(session)["rung"] = "superman/arms-out"
    wrong = client.post("/api/v1/sessions", json=session, headers=alice.headers)
    assert wrong.status_code == 422
    assert "rung" in wrong.json()["detail"][0]["loc"]
    old_format = client.post("/api/v1/sessions", json=SESSION, headers=alice.headers)
    assert old_format.status_code == 201, "an item without a rung is the standard rung"
    exported = client.get("/api/v1/export", headers=alice.headers).json()
    assert "rung" not in exported["sessions"][-1]["items"][0]


def test_a_rungs_figure_and_the_player_show_the_rung(app: Any) -> None:
    user = browser_user(app, "rungs@example.org")
    figure = user.get("/figures/pelvic-tilt.svg?rung=pelvic-tilt/flatten-only")
    assert figure.status_code == 200
    assert figure.text.startswith("<svg") or "<svg" in figure.text[:200]
    assert user.get("/figures/pelvic-tilt.svg?rung=bridge/held").status_code == 404
    headers = {"X-CSRF-Token": page_csrf(user)}
    for day in ("2026-11-18", "2026-11-19"):
        assert user.post("/api/v1/sessions", json=hurting_bridge(day), headers=headers).status_code == 201
    player = user.get("/player")
    assert player.status_code == 200
    found = re.search(r'<script type="application/json" id="session-data">(.*?)</script>', player.text, re.S)
    assert found is not None
    items = json.loads(found.group(1))["items"]
    assert items
    for item in items:
        assert item["rung"].split("/")[0] == item["exercise"]
        assert ("?rung=" in item["figure"]) == (item["rung"] != item["exercise"])
        if item["exercise"] == "bridge":
            assert item["rung"] == "bridge/short"
    page = user.get("/exercises/bridge").text
    assert "Held bridge" in page
    assert "Short bridge" in page
