"""Reminders on the web: the preferences page and the API round trip, the calendar feed they drive, and the
person's own day on the Player page (in-process, with the injected clock); then, in Chromium against a real server,
the device's time zone offered and never filled in, and a session dated by the person's day, not the device's."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from backcoach.app.runtime import local_zone_name
from tests.browser import browser
from tests.conftest import Clock
from tests.web.conftest import Person
from tests.web.test_browser import api_sessions, run_player, server, sign_up
from tests.web.test_pages import browser_user, csrf_of

__all__ = ["browser", "server"]

KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14: the first to reach each new day
HONOLULU = "Pacific/Honolulu"  # UTC-10: always one calendar day behind Kiritimati


def schedule(client: TestClient, **fields: Any) -> Any:
    """Post the options form as a browser does: every field present, the days as ticked boxes."""
    token = csrf_of(client.get("/preferences").text)
    data: dict[str, Any] = {
        "csrf": token,
        "minutes": "10",
        "floor": "yes",
        "level": "beginner",
        "schedule": "yes",
        "sessions_per_day": "1",
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "time-1": "08:00",
        "time-2": "14:00",
        "time-3": "20:00",
        "time_zone": "Europe/London",
        **fields,
    }
    return client.post("/preferences", data=data)


def feed(app: Any, client: TestClient) -> Calendar:
    address = re.search(r"/calendar/([\w-]+)\.ics", client.get("/account").text)
    assert address
    response = TestClient(app).get(f"/calendar/{address.group(1)}.ics")
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def api_preferences(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/v1/preferences")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def test_the_preferences_page_sets_the_schedule_and_the_feed_follows(app: Any) -> None:
    user = browser_user(app, "schedule@example.org")
    page = user.get("/preferences").text
    assert page.count('type="checkbox" name="days"') == 7
    assert 'name="time-1" value="08:00"' in page
    assert f'name="time_zone" list="zones" value="{local_zone_name() or ""}"' in page, "the server's zone to start"
    assert '<option value="Europe/London">' in page
    assert 'src="/static/js/timezone.js"' in page

    saved = schedule(user, sessions_per_day="2", days=["mon", "fri"], **{"time-1": "07:30", "time-2": "18:00"})
    assert saved.status_code == 303
    page = user.get("/preferences").text
    assert re.search(r'value="mon"\s+checked', page)
    assert re.search(r'value="fri"\s+checked', page)
    assert not re.search(r'value="tue"\s+checked', page)
    assert 'name="time-2" value="18:00"' in page
    assert 'value="Europe/London"' in page
    stored = api_preferences(user)
    assert (stored["days"], stored["times"], stored["time_zone"]) == (
        ["mon", "fri"],
        ["07:30", "18:00"],
        "Europe/London",
    )

    events = list(feed(app, user).walk("VEVENT"))
    assert events
    for event in events:
        start = event.decoded("dtstart")
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert start.strftime("%a") in ("Mon", "Fri")
        assert start.strftime("%H:%M") in ("07:30", "18:00")
        assert "session 1 of 2" in str(event["summary"]) or "session 2 of 2" in str(event["summary"])
    assert "your options" in user.get("/account").text


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"days": []}, "Days: choose at least one day: mon, tue, wed, thu, fri, sat, sun"),
        ({"sessions_per_day": "2", "time-2": "08:30"}, "Session times: 08:30 is less than an hour after 08:00"),
        ({"sessions_per_day": "2", "time-2": ""}, "Session times: session 2 has no time"),
        ({"sessions_per_day": "2", "time-1": "20:00", "time-2": "07:00"}, "in increasing order"),
        ({"time-1": "noon"}, "Session times: 'noon' (session 1) is not a time: use HH:MM"),
        ({"time_zone": "Mars/Olympus_Mons"}, "Time zone: 'Mars/Olympus_Mons' is not a time zone: use an IANA"),
        ({"sessions_per_day": "4"}, "Sessions a day:"),
    ],
)
def test_a_bad_schedule_comes_back_on_the_form_naming_the_field(app: Any, fields: dict[str, Any], words: str) -> None:
    user = browser_user(app, "badschedule@example.org")
    before = api_preferences(user)
    answer = schedule(user, **fields)
    assert answer.status_code == 422
    text = html.unescape(answer.text)
    assert words in text
    assert 'name="time-1"' in text, "the form comes back"
    for name in ("time-1", "time-2"):
        if name in fields:
            assert f'name="{name}" value="{fields[name]}"' in text, "with what was typed"
    assert api_preferences(user) == before, "nothing was saved"


def test_the_api_round_trips_the_schedule_and_names_a_bad_field(client: TestClient, alice: Person) -> None:
    defaults = client.get("/api/v1/preferences", headers=alice.headers).json()
    assert defaults["times"] == ["08:00"]
    assert defaults["days"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert defaults["time_zone"] is None
    assert {"minutes", "equipment", "floor", "level", "sessions_per_day"} <= set(defaults), "the old fields stay"

    chosen = {**defaults, "sessions_per_day": 3, "times": ["06:30", "12:00", "21:00"], "days": ["sat", "sun"]}
    chosen["time_zone"] = "America/New_York"
    put = client.put("/api/v1/preferences", headers=alice.headers, json=chosen)
    assert put.status_code == 200, put.text
    assert put.json() == chosen
    assert client.get("/api/v1/preferences", headers=alice.headers).json() == chosen

    only_times = client.put("/api/v1/preferences", headers=alice.headers, json={"times": ["09:00", "19:00"]})
    assert only_times.json()["sessions_per_day"] == 2, "one session per time given"

    for body, field, words in [
        ({"times": ["09:00", "09:30"]}, "times", "less than an hour after 09:00"),
        ({"days": ["someday"]}, "days", "use mon, tue, wed, thu, fri, sat, sun"),
        ({"time_zone": "Nowhere/Special"}, "time_zone", "is not a time zone"),
        ({"sessions_per_day": 2, "times": ["09:00"]}, "times", "2 sessions a day need 2 times"),
    ]:
        refused = client.put("/api/v1/preferences", headers=alice.headers, json=body)
        assert refused.status_code == 422
        [problem] = refused.json()["detail"]
        assert problem["loc"] == ["body", field]
        assert words in problem["msg"]
    assert client.get("/api/v1/preferences", headers=alice.headers).json()["times"] == ["09:00", "19:00"]
    assert client.get("/api/v1/preferences").status_code == 401


def test_the_openapi_document_types_the_schedule(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schema = spec["components"]["schemas"]["Preferences"]["properties"]
    assert schema["days"]["items"]["enum"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert schema["times"]["items"]["pattern"] == r"^([01]\d|2[0-3]):[0-5]\d$"
    assert schema["times"]["maxItems"] == 3
    assert {"type": "null"} in schema["time_zone"]["anyOf"]
    assert {"minutes", "equipment", "floor", "level", "sessions_per_day"} <= set(schema)
    assert set(spec["paths"]["/api/v1/preferences"]) == {"get", "put"}


def session_data(client: TestClient) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="session-data">(.*?)</script>', client.get("/player").text)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_the_player_dates_a_session_by_the_persons_zone(app: Any, clock: Clock) -> None:
    clock.current = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)  # 02:00 on 22 November in Kiritimati
    ahead = browser_user(app, "ahead@example.org")
    assert schedule(ahead, time_zone="Pacific/Kiritimati").status_code == 303
    assert session_data(ahead)["today"] == "2026-11-22"
    here = browser_user(app, "here@example.org")
    assert session_data(here)["today"] == clock.current.astimezone().date().isoformat(), "no zone chosen: the server's"

    clock.advance(hours=22, seconds=-1)  # 23:59:59 on the 22nd in Kiritimati
    assert session_data(ahead)["today"] == "2026-11-22"
    clock.advance(seconds=1)  # its midnight: 10:00 UTC, when the server's day is still the 22nd
    assert session_data(ahead)["today"] == "2026-11-23"


def test_a_weekly_check_is_dated_by_the_persons_zone(client: TestClient, alice: Person, clock: Clock) -> None:
    clock.current = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
    client.put("/api/v1/preferences", headers=alice.headers, json={"time_zone": "Pacific/Kiritimati"})
    activities = [{"activity": name, "score": 4} for name in ("sitting an hour", "putting on socks", "gardening")]
    made = client.post("/api/v1/outcomes", headers=alice.headers, json={"activities": activities})
    assert made.status_code == 201, made.text
    assert made.json()["date"] == "2026-11-22"


def test_preferences_stored_before_the_schedule_still_show_and_feed(app: Any) -> None:
    user = browser_user(app, "old@example.org")
    user_id = user.get("/api/v1/me").json()["id"]
    old = {"minutes": 10, "equipment": [], "floor": True, "level": "beginner", "sessions_per_day": 2}
    with app.state.runtime.unit(user_id) as repo:
        repo.save_preferences(old)  # as backcoach wrote them before the schedule, through the real table
    page = user.get("/preferences")
    assert page.status_code == 200
    assert 'name="time-2" value="14:00"' in page.text
    assert len(list(feed(app, user).walk("VEVENT"))) == 56


# In Chromium, against a real server and its real clock


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_device_zone_is_offered_and_only_used_when_chosen(browser: Any, server: str) -> None:
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    sign_up(page, server, "tokyo@example.org")
    page.goto(f"{server}/preferences")
    zone = page.get_by_label("Time zone")
    offer = page.locator("#zone-suggestion")
    assert offer.is_visible()
    assert "This device is set to Asia/Tokyo." in offer.inner_text()
    assert zone.input_value() != "Asia/Tokyo", "never filled in by itself"
    page.get_by_role("button", name="Use this time zone").click()
    assert zone.input_value() == "Asia/Tokyo"
    assert not offer.is_visible()
    page.get_by_role("button", name="Save and see today's session").click()
    page.wait_for_url(f"{server}/today")
    assert page.request.get(f"{server}/api/v1/preferences").json()["time_zone"] == "Asia/Tokyo"
    page.goto(f"{server}/preferences")
    assert not page.locator("#zone-suggestion").is_visible(), "nothing to offer once chosen"
    context.close()


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_session_is_recorded_on_the_persons_day_not_the_devices(browser: Any, server: str) -> None:
    context = browser.new_context(timezone_id=HONOLULU)
    page = context.new_page()
    sign_up(page, server, "kiritimati@example.org")
    page.goto(f"{server}/preferences")
    page.get_by_label("Time zone").fill("Pacific/Kiritimati")
    page.get_by_role("button", name="Save and see today's session").click()
    page.wait_for_url(f"{server}/today")
    device_day = page.evaluate("() => new Date().toLocaleDateString('en-CA')")
    before = dt.datetime.now(KIRITIMATI).date()
    run_player(page, server, 60)
    after = dt.datetime.now(KIRITIMATI).date()
    [stored] = api_sessions(page, server)
    assert stored["date"] in (before.isoformat(), after.isoformat())
    assert stored["date"] != device_day, "the device's own date is a day behind"
    context.close()
