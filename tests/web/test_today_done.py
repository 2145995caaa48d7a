"""What Today, History and the figures say once sessions are done, in-process: Today counts the sessions stored for
the person's day against the sessions a day they chose, and changes as soon as one is saved (it is cached per
revision); History says how each exercise felt in words; a figure carries a still frame for reduced motion."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backcoach.app import history, preferences
from backcoach.app.runtime import Runtime
from backcoach.domain.catalogue import Catalogue
from backcoach.render.figures import svg
from tests.conftest import Clock
from tests.test_figures import IDS, SPECS, SVG_NS
from tests.web.test_api import SESSION
from tests.web.test_pages import browser_user, page_csrf
from tests.web.test_words import visible


def person_today(runtime: Runtime, client: TestClient) -> dt.date:
    """The person's day, as Today counts it: in their time zone."""
    prefs = preferences.current(runtime, user_id(client))
    return runtime.today(preferences.zone_of(runtime, prefs))


def user_id(client: TestClient) -> int:
    found: int = client.get("/api/v1/me").json()["id"]
    return found


def save_session(client: TestClient, on: dt.date, difficulty: str = "right") -> None:
    items = [{**SESSION["items"][0], "difficulty": difficulty}]  # type: ignore[index]
    body = {**SESSION, "date": on.isoformat(), "items": items}
    response = client.post("/api/v1/sessions", json=body, headers={"X-CSRF-Token": page_csrf(client)})
    assert response.status_code == 201, response.text


def per_day(runtime: Runtime, client: TestClient, n: int) -> None:
    uid = user_id(client)
    raw = preferences.current(runtime, uid).model_dump(mode="json")
    raw.pop("times", None)  # each session's reminder time: left to the defaults for `n` a day
    preferences.save(runtime, uid, preferences.parse({**raw, "sessions_per_day": n}))


def today_text(client: TestClient) -> tuple[str, str]:
    page = client.get("/today")
    assert page.status_code == 200
    return page.text, " ".join(visible(page.text).split())


def test_one_a_day_today_says_done_after_the_session_and_offers_no_big_start(app: Any) -> None:
    runtime: Runtime = app.state.runtime
    client = browser_user(app, "once@example.org")
    html, text = today_text(client)  # cached now, under the revision before the session
    assert 'id="start"' in html
    assert "done" not in text.lower()
    save_session(client, person_today(runtime, client))
    html, text = today_text(client)
    assert "Today's session is done" in text
    assert 'id="start"' not in html, "no big Start as if nothing was done"
    assert 'id="again"' in html
    assert "stop if your pain rises" in text


def test_two_or_three_a_day_today_counts_each_and_offers_the_next(app: Any) -> None:
    runtime: Runtime = app.state.runtime
    client = browser_user(app, "thrice@example.org")
    per_day(runtime, client, 3)
    day = person_today(runtime, client)
    html, text = today_text(client)
    assert re.search(r'id="start">Start session 1 of 3<', html)
    for done in (1, 2):
        save_session(client, day)
        html, text = today_text(client)
        assert f"Done today: session {done} of 3" in text
        assert re.search(rf'id="start">Start session {done + 1} of 3<', html), text
    save_session(client, day)
    html, text = today_text(client)
    assert "Done today: session 3 of 3" in text
    assert 'id="start"' not in html
    # A fourth is more than they chose: said so, and still no big Start.
    save_session(client, day)
    html, text = today_text(client)
    assert "Done today: 4 sessions" in text
    assert "more than the 3 a day you chose" in text
    assert 'id="start"' not in html


def test_only_the_persons_own_day_counts_and_a_new_day_starts_afresh(app: Any, clock: Clock) -> None:
    runtime: Runtime = app.state.runtime
    client = browser_user(app, "days@example.org")
    day = person_today(runtime, client)
    save_session(client, day - dt.timedelta(days=1))
    html, text = today_text(client)
    assert 'id="start"' in html, "yesterday's session is not today's"
    assert "done" not in text.lower()
    save_session(client, day)
    assert "Today's session is done" in today_text(client)[1]
    # Past the person's midnight, with nothing written, the cached page gives way to the new day's.
    clock.advance(days=1)
    html, text = today_text(client)
    assert 'id="start"' in html
    assert "done" not in text.lower()


def test_another_persons_sessions_do_not_count(app: Any) -> None:
    runtime: Runtime = app.state.runtime
    alice = browser_user(app, "alice.today@example.org")
    bob = browser_user(app, "bob.today@example.org")
    save_session(alice, person_today(runtime, alice))
    assert 'id="start"' in today_text(bob)[0]


def test_history_says_how_each_exercise_felt_in_words(app: Any) -> None:
    runtime: Runtime = app.state.runtime
    client = browser_user(app, "felt@example.org")
    day = person_today(runtime, client)
    for difficulty in ("easy", "right", "hard"):
        save_session(client, day, difficulty)
    text = " ".join(visible(client.get("/history").text).split())
    for words in ("Bridge: felt easy", "Bridge: felt about right", "Bridge: felt hard"):
        assert words in text
    assert not re.search(r"\((easy|right|hard)\)", text), "a difficulty in brackets reads as a side"
    session = client.get("/api/v1/sessions").json()[0]["id"]
    edit = client.get(f"/history/{session}").text
    assert re.search(r'<option value="right"[^>]*>about right</option>', edit)


@pytest.mark.parametrize("exercise_id", IDS)
def test_every_animated_figure_carries_a_hidden_still_for_reduced_motion(
    catalogue: Catalogue, exercise_id: str
) -> None:
    text = svg(catalogue.get(exercise_id), SPECS[exercise_id])
    root = ET.fromstring(text)
    style = root.find(f"{SVG_NS}style")
    assert style is not None
    assert style.text
    assert "prefers-reduced-motion: reduce" in style.text
    groups = {g.get("class"): g for g in root.findall(f"{SVG_NS}g")}
    moving, still = groups["moving"], groups["still"]
    assert moving.findall(f".//{SVG_NS}animate"), "the moving figure moves"
    assert not still.findall(f".//{SVG_NS}animate"), "the still one does not"
    # Without the style (an SVG opened on its own, under the app's CSP), only the moving figure shows.
    assert still.get("display") == "none"
    assert moving.get("display") is None
    # The still is the figure's hold frame, the one `--frame hold` draws.
    held = ET.fromstring(svg(catalogue.get(exercise_id), SPECS[exercise_id], frame="hold"))
    drawn = [e.attrib for e in held.iter() if e.tag in (f"{SVG_NS}polyline", f"{SVG_NS}path")]
    assert drawn == [e.attrib for e in still.iter() if e.tag in (f"{SVG_NS}polyline", f"{SVG_NS}path")]


def test_counting_the_days_sessions_writes_nothing(runtime: Runtime) -> None:
    with runtime.accounts() as accounts:
        user = accounts.local_user_id(runtime.now())
    before = runtime.revision(user)
    assert history.sessions_on(runtime, user, runtime.today()) == 0
    assert runtime.revision(user) == before, "a read must leave the revision, and so every cached page, alone"
