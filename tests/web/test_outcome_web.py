"""The weekly check on the web, on SQLite and PostgreSQL: the API, the page, Today's card, Progress's chart, and the
account export and import."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.web.conftest import Person
from tests.web.test_api import SESSION, names_field
from tests.web.test_pages import browser_user, csrf_of, page_csrf

SOCKS, SITTING, GROCERIES = "bending to put on socks", "sitting for an hour", "lifting a bag of groceries"


def check(*scores: int, date: str | None = "2026-11-14", names: tuple[str, ...] = (SOCKS, SITTING, GROCERIES)):
    body: dict[str, Any] = {"activities": [{"activity": n, "score": s} for n, s in zip(names, scores, strict=True)]}
    if date is not None:
        body["date"] = date
    return body


# The API


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}])
def test_without_a_valid_token_the_outcomes_are_401(client: TestClient, method: str, headers: dict[str, str]) -> None:
    response = client.request(method, "/api/v1/outcomes", headers=headers, json=check(1, 2, 3))
    assert response.status_code == 401


def test_a_check_is_created_then_listed_with_the_due_flag(client: TestClient, alice: Person) -> None:
    empty = client.get("/api/v1/outcomes", headers=alice.headers)
    assert empty.status_code == 200
    assert empty.json() == {
        "count": 0,
        "due": True,
        "next_due": None,
        "average_change": None,
        "activity_changes": [],
        "outcomes": [],
    }
    created = client.post("/api/v1/outcomes", headers=alice.headers, json=check(2, 3, 4, date="2026-11-07"))
    assert created.status_code == 201, created.text
    first = created.json()
    assert first == {"id": first["id"], **check(2, 3, 4, date="2026-11-07"), "average": 3.0}
    today = client.post("/api/v1/outcomes", headers=alice.headers, json=check(5, 4, 6, date=None))
    assert today.status_code == 201
    assert today.json()["date"] == "2026-11-21"  # the clock's day
    listed = client.get("/api/v1/outcomes", headers=alice.headers).json()
    assert [o["id"] for o in listed["outcomes"]] == [first["id"], today.json()["id"]]
    assert listed["due"] is False
    assert listed["next_due"] == "2026-11-28"
    average = listed["average_change"]
    assert (average["activity"], average["first"], average["latest"], average["change"]) == (None, 3.0, 5.0, 2.0)
    assert average["beyond_noise"] is True
    assert average["mdc"] == 2
    assert "more than the 2 points" in average["words"]
    assert [c["beyond_noise"] for c in listed["activity_changes"]] == [True, False, False]
    assert {c["mdc"] for c in listed["activity_changes"]} == {3}


def test_the_next_check_falls_due_a_week_later(client: TestClient, alice: Person, clock: Clock) -> None:
    client.post("/api/v1/outcomes", headers=alice.headers, json=check(2, 3, 4, date=None))
    clock.advance(days=6)
    assert client.get("/api/v1/outcomes", headers=alice.headers).json()["due"] is False
    clock.advance(days=1)
    assert client.get("/api/v1/outcomes", headers=alice.headers).json()["due"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (check(1, 2, 11), "score"),
        (check(1, 2, -1), "score"),
        ({**check(1, 2, 3), "activities": check(1, 2, 3)["activities"][:2]}, "activities"),
        (check(1, 2, 3, names=(SOCKS, "ab", GROCERIES)), "activity"),
        (check(1, 2, 3, names=(SOCKS, "x" * 81, GROCERIES)), "activity"),
        (check(1, 2, 3, names=(SOCKS, SOCKS.title(), GROCERIES)), "activities"),
        ({**check(1, 2, 3), "date": "14/11/2026"}, "date"),
        ({**check(1, 2, 3), "date": 1795219200}, "date"),
        ({**check(1, 2, 3), "date": "2999-01-01"}, "date"),
        ({**check(1, 2, 3), "mood": "good"}, "mood"),
        ({"date": "2026-11-14"}, "activities"),
    ],
)
def test_an_invalid_check_is_422_naming_the_field_and_nothing_is_stored(
    client: TestClient, alice: Person, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/outcomes", headers=alice.headers, json=body)
    assert response.status_code == 422, response.text
    assert names_field(response, field)
    assert client.get("/api/v1/outcomes", headers=alice.headers).json()["outcomes"] == []


def test_nobody_sees_another_persons_checks(client: TestClient, alice: Person, bob: Person) -> None:
    client.post("/api/v1/outcomes", headers=alice.headers, json=check(2, 3, 4, date=None))
    theirs = client.get("/api/v1/outcomes", headers=bob.headers).json()
    assert theirs["outcomes"] == []
    assert theirs["due"] is True
    assert client.get("/api/v1/export", headers=bob.headers).json()["outcomes"] == []
    assert len(client.get("/api/v1/outcomes", headers=alice.headers).json()["outcomes"]) == 1


def test_the_openapi_document_describes_the_bodies(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operations = spec["paths"]["/api/v1/outcomes"]
    request = operations["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request.endswith("/OutcomeIn")
    assert operations["post"]["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/OutcomeOut"
    )
    assert operations["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/OutcomesOut"
    )
    schemas = spec["components"]["schemas"]
    assert schemas["OutcomeIn"]["properties"]["activities"]["minItems"] == 3
    assert schemas["OutcomeIn"]["properties"]["activities"]["maxItems"] == 3
    assert set(schemas["ActivityScore"]["properties"]) == {"activity", "score"}


# Export and import


def test_export_then_import_moves_the_checks_too(client: TestClient, alice: Person, bob: Person) -> None:
    client.post("/api/v1/sessions", headers=alice.headers, json=SESSION)
    client.post("/api/v1/outcomes", headers=alice.headers, json=check(2, 3, 4, date="2026-11-07"))
    client.post("/api/v1/outcomes", headers=alice.headers, json=check(5, 5, 5))
    exported = client.get("/api/v1/export", headers=alice.headers).json()
    assert exported["outcomes"] == [check(2, 3, 4, date="2026-11-07"), check(5, 5, 5)]
    imported = client.post("/api/v1/import", headers=bob.headers, json=exported)
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"sessions": 1, "screenings": 0, "outcomes": 2}
    assert client.get("/api/v1/export", headers=bob.headers).json()["outcomes"] == exported["outcomes"]
    mine = client.get("/api/v1/outcomes", headers=alice.headers).json()
    theirs = client.get("/api/v1/outcomes", headers=bob.headers).json()
    assert [o["activities"] for o in theirs["outcomes"]] == [o["activities"] for o in mine["outcomes"]]
    assert theirs["average_change"] == mine["average_change"]


def test_an_export_from_before_the_weekly_check_still_imports(client: TestClient, alice: Person) -> None:
    older = {"version": 1, "account": {"email": "old@example.org"}, "screenings": [], "sessions": [SESSION]}
    response = client.post("/api/v1/import", headers=alice.headers, json=older)
    assert response.status_code == 200, response.text
    assert response.json() == {"sessions": 1, "screenings": 0, "outcomes": 0}


@pytest.mark.parametrize(
    ("outcomes", "where"),
    [
        ([check(1, 2, 3), check(1, 2, 12)], ["outcomes", 1, "activities", 2, "score"]),
        ([check(1, 2, 3, date="2999-01-01")], ["outcomes", 0, "date"]),
        ([{"date": "2026-11-14"}], ["outcomes", 0, "activities"]),
        ([[]], ["outcomes", 0]),
        ({"date": "2026-11-14"}, ["outcomes"]),
    ],
)
def test_a_bad_check_in_an_import_stores_nothing_at_all(
    client: TestClient, alice: Person, outcomes: Any, where: list[str | int]
) -> None:
    bad = {"version": 1, "sessions": [SESSION], "outcomes": outcomes}
    response = client.post("/api/v1/import", headers=alice.headers, json=bad)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", *where]
    assert client.get("/api/v1/sessions", headers=alice.headers).json() == []
    assert client.get("/api/v1/outcomes", headers=alice.headers).json()["outcomes"] == []


# The pages


def weekly_check(user: TestClient, *scores: int, names: tuple[str, ...] = (SOCKS, SITTING, GROCERIES)) -> Any:
    token = csrf_of(user.get("/outcome").text)
    form = {"csrf": token}
    for index, (name, score) in enumerate(zip(names, scores, strict=True)):
        form |= {f"activity-{index}": name, f"score-{index}": str(score)}
    return user.post("/outcome", data=form)


def test_the_form_saves_a_check_and_progress_charts_it(app: Any) -> None:
    user = browser_user(app, "weekly@example.org")
    page = user.get("/outcome")
    assert page.status_code == 200
    assert "0 means you are unable to do it" in page.text
    assert "for example bending to put on socks" in page.text
    saved = weekly_check(user, 2, 3, 4)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/progress#weekly-check"
    stored = user.get("/api/v1/outcomes").json()["outcomes"]
    assert [(a["activity"], a["score"]) for a in stored[0]["activities"]] == [(SOCKS, 2), (SITTING, 3), (GROCERIES, 4)]
    assert stored[0]["date"] == "2026-11-21"

    progress = user.get("/progress")
    assert progress.status_code == 200
    assert 'src="/progress/outcome.svg"' in progress.text
    assert "Average: 3 out of 10, your starting point on 2026-11-21." in progress.text
    assert "Next check due on 2026-11-28" in progress.text
    chart = user.get("/progress/outcome.svg")
    assert chart.status_code == 200
    assert chart.headers["content-type"] == "image/svg+xml"
    assert chart.text.lstrip().startswith("<?xml")
    assert SOCKS in chart.text
    assert "average" in chart.text

    again = user.get("/outcome")
    assert f'value="{SOCKS}"' in again.text, "the saved activities are offered again"
    assert "next check is due on 2026-11-28" in again.text


def test_today_shows_the_weekly_check_card_only_when_one_is_due(app: Any, clock: Clock) -> None:
    user = browser_user(app, "card@example.org")
    today = user.get("/today")
    assert "Your weekly check" in today.text
    assert 'href="/outcome"' in today.text
    weekly_check(user, 5, 5, 5)
    assert "Your weekly check" not in user.get("/today").text
    clock.advance(days=7)
    assert "Your weekly check" in user.get("/today").text


def test_progress_links_to_the_first_check(app: Any) -> None:
    user = browser_user(app, "first@example.org")
    progress = user.get("/progress")
    assert 'href="/outcome"' in progress.text
    assert "/progress/outcome.svg" not in progress.text
    assert user.get("/progress/outcome.svg").status_code == 200


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"score-1": ""}, "Activity 2: choose a score from 0 to 10"),
        ({"score-1": "11"}, "Activity 2: Input should be less than or equal to 10"),
        ({"score-1": "²"}, "Activity 2: choose a score"),
        ({"activity-2": "ab"}, "Activity 3: must be 3 to 80 characters"),
        ({"activity-2": SOCKS.upper()}, "the three activities must be different"),
    ],
)
def test_a_bad_form_is_422_keeps_what_was_typed_and_stores_nothing(app: Any, change: dict[str, str], says: str) -> None:
    user = browser_user(app, f"bad{len(says)}{len(change)}@example.org")
    form = {"csrf": page_csrf(user), "activity-0": SOCKS, "activity-1": SITTING, "activity-2": GROCERIES}
    form |= {"score-0": "1", "score-1": "2", "score-2": "3"} | change
    response = user.post("/outcome", data=form)
    assert response.status_code == 422
    assert says in response.text
    assert f'value="{SITTING}"' in response.text
    assert user.get("/api/v1/outcomes").json()["outcomes"] == []


def test_the_form_needs_its_csrf_token_and_a_person(app: Any) -> None:
    user = browser_user(app, "csrf.outcome@example.org")
    form = {"activity-0": SOCKS, "activity-1": SITTING, "activity-2": GROCERIES, "score-0": "1"}
    assert user.post("/outcome", data={**form, "csrf": "wrong"}).status_code == 403
    anonymous = TestClient(app, follow_redirects=False)
    assert anonymous.get("/outcome").status_code == 303
    assert anonymous.get("/progress/outcome.svg").status_code == 303


def test_the_account_page_moves_the_checks_too(app: Any) -> None:
    alice = browser_user(app, "alice.outcome@example.org")
    weekly_check(alice, 2, 3, 4)
    exported = alice.get("/account/export.json")
    assert len(exported.json()["outcomes"]) == 1
    bob = browser_user(app, "bob.outcome@example.org")
    files = {"file": ("export.json", io.BytesIO(exported.content), "application/json")}
    page = bob.post("/account/import", data={"csrf": page_csrf(bob)}, files=files)
    assert "and 1 weekly checks" in page.text
    assert len(bob.get("/api/v1/outcomes").json()["outcomes"]) == 1
    broken = copy.deepcopy(exported.json())
    broken["outcomes"][0]["activities"][0]["score"] = 99
    files = {"file": ("bad.json", io.BytesIO(json.dumps(broken).encode()), "application/json")}
    refused = bob.post("/account/import", data={"csrf": page_csrf(bob)}, files=files)
    assert refused.status_code == 422
    assert "outcomes.0.activities.0.score" in refused.text
    assert len(bob.get("/api/v1/outcomes").json()["outcomes"]) == 1
