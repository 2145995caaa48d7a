"""What a person reads on the pages and handouts: levels in words, no file names, no commands to type."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from backcoach import content
from tests.conftest import Clock
from tests.web.conftest import PASSWORD
from tests.web.test_pages import browser_user, csrf_of, page_csrf

FILE_NAME = re.compile(r"\b\d{3}_[0-9a-f]{16}(\.txt)?\b|\.txt\b")
LEVEL_CODE = re.compile(r"\b(see-doctor|check-first)\b|\b(clearance|emergency|urgent|clear)\)")
COMMAND = re.compile(
    r"\bbackcoach [a-z]+ ?--|`backcoach|\bbackcoach (plan|start|screen|dose|log|checkin|history)\b"
    r"|(?<![\w-])--[a-z][a-z-]+|\bcleared-by-clinician\b|\bRun:"
)
"""A command to type, or one of its options (`--cleared-by-clinician`, or the option's name as an error's field)."""

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def visible(page: str) -> str:
    """The text a person sees: no tags, no attribute values, no script data."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def check(text: str, where: str) -> None:
    assert not FILE_NAME.search(text), f"{where} shows a file name: {FILE_NAME.search(text)}"
    assert not LEVEL_CODE.search(text), f"{where} shows a level code: {LEVEL_CODE.search(text)}"
    assert not COMMAND.search(text), f"{where} tells the person to run a command: {COMMAND.search(text)}"


def screen(client: TestClient, **answers: str) -> str:
    token = csrf_of(client.get("/screen").text)
    response = client.post("/screen", data={"csrf": token, "age": "40", **answers})
    return str(response.text)


def pages() -> list[str]:
    paths = ["/", "/today", "/exercises", "/programs", "/account", "/progress", "/history", "/checkin", "/screen"]
    paths += [f"/exercises/{e.id}" for e in content.catalogue()]
    paths += [f"/programs/{p}" for p in content.programs()]
    return paths


def test_no_page_shows_a_file_name_a_level_code_or_a_command(app: Any) -> None:
    client = browser_user(app, "reader@example.org")
    screen(client, disc_disease="yes", worse_bending_forward="yes")
    for path in pages():
        response = client.get(path)
        assert response.status_code == 200, path
        check(visible(response.text), path)
    for answers in ({"cancer_history": "yes"}, {"fever_or_infection": "yes"}, {"saddle_numbness": "yes"}, {}):
        result = screen(client, **answers)
        check(visible(result), f"screen result {answers}")
        for path in ("/today", "/player"):
            check(visible(client.get(path).text), f"{path} after {answers}")


def test_the_result_page_says_the_level_and_time_frame_in_words(app: Any) -> None:
    client = browser_user(app, "words@example.org")
    expected = {
        "saddle_numbness": ("Get emergency care now", "When: now"),
        "fever_or_infection": ("See a doctor today", "When: today"),
        "cancer_history": ("See a doctor before you exercise", "When: within 1 to 2 weeks"),
        "disc_disease": ("Talk to your provider before you start", "When: before you start"),
    }
    for key, (title, when) in expected.items():
        text = visible(screen(client, **{key: "yes"}))
        assert title in text
        assert when in text


def test_the_player_sends_a_person_without_a_recent_screen_to_the_check(app: Any) -> None:
    client = TestClient(app, follow_redirects=False)
    from tests.web.conftest import PASSWORD

    token = csrf_of(client.get("/signup").text)
    client.post("/signup", data={"email": "new@example.org", "password": PASSWORD, "csrf": token})
    player = client.get("/player")
    assert player.status_code == 403
    assert 'href="/screen"' in player.text
    assert "safety check" in visible(player.text)


def test_handouts_name_articles_by_title_not_file(app: Any) -> None:
    client = browser_user(app, "handout@example.org")
    for path in ["/today/handout.pdf", *(f"/programs/{p}/handout.pdf" for p in content.programs())]:
        response = client.get(path)
        assert response.status_code == 200, path
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        check(text, path)


def test_today_after_an_old_or_a_blocking_screen_says_how_to_go_on_in_the_webs_words(app: Any, clock: Clock) -> None:
    client = browser_user(app, "onward@example.org")
    clock.advance(days=43)
    token = csrf_of(client.get("/signin").text)  # the browser sign-in has expired too
    client.post("/signin", data={"email": "onward@example.org", "password": PASSWORD, "csrf": token})
    today = client.get("/today")
    assert today.status_code == 200
    assert "more than 6 weeks old" in visible(today.text)
    check(visible(today.text), "/today after 6 weeks")
    for answers in ({"cancer_history": "yes"}, {"fever_or_infection": "yes"}, {"saddle_numbness": "yes"}):
        screen(client, **answers)
        for path in ("/today", "/today/handout.pdf"):
            blocked = client.get(path)
            assert blocked.status_code == 403, path
            text = visible(blocked.text)
            check(text, f"{path} blocked by {answers}")
            assert "take the safety check again" in text.lower()
            assert "Record the clearance" in text
    blank = client.post("/clearance", data={"csrf": page_csrf(client), "note": " "})
    assert blank.status_code == 422
    check(visible(blank.text), "a clearance without a note")
