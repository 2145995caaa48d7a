"""The Learn pages, their JSON twins, and the topic card on Today."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backcoach import content
from backcoach.domain.learn import topic_of_the_day
from tests.conftest import Clock
from tests.web.test_pages import browser_user

TOPIC_IDS = list(content.learn_topics())


def _text(page: str) -> str:
    return html.unescape(page)


def test_the_learn_page_lists_every_topic_signed_out(client: TestClient) -> None:
    page = client.get("/learn")
    assert page.status_code == 200
    text = _text(page.text)
    for topic in content.learn_topics().values():
        assert topic.title in text
        assert topic.summary in text
        assert f'href="/learn/{topic.id}"' in page.text
    assert 'href="/learn/get-help"' in page.text
    assert "not medical advice" in text
    assert 'href="/signin"' in page.text, "a signed-out visitor sees the signed-out navigation"


@pytest.mark.parametrize("topic_id", TOPIC_IDS)
def test_every_topic_has_its_own_page(client: TestClient, topic_id: str) -> None:
    topic = content.learn_topic(topic_id)
    page = client.get(f"/learn/{topic_id}")
    assert page.status_code == 200
    text = _text(page.text)
    assert f"<h1>{topic.title}</h1>" in text
    for section in topic.body:
        if section.heading:
            assert section.heading in text
        for passage in (*section.paragraphs, *section.points):
            assert passage in text
    for ref in topic.sources:
        assert ref.title in text
        if ref.url:
            assert f'href="{ref.url}"' in page.text
    assert "backcoach's own" in text
    assert 'href="/learn"' in page.text


def test_an_unknown_topic_is_the_not_found_page(client: TestClient) -> None:
    page = client.get("/learn/nope")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "Not found" in page.text


def test_the_pages_keep_the_security_headers_and_need_no_inline_code(client: TestClient) -> None:
    for path in ("/learn", "/learn/flare-ups"):
        page = client.get(path)
        assert "script-src 'self'" in page.headers["content-security-policy"]
        # Scripts only from the app's own files (the service worker's registration, for one), never inline code.
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page.text, flags=re.S)
        assert all('src="/static/' in attributes and not body.strip() for attributes, body in scripts), scripts
        assert "style=" not in page.text
        assert "<style" not in page.text


def test_a_signed_in_person_sees_their_own_navigation_on_learn(app: Any) -> None:
    user = browser_user(app, "learner@example.org")
    page = user.get("/learn/pacing")
    assert page.status_code == 200
    assert 'href="/today"' in page.text
    assert 'href="/account"' in page.text
    assert 'href="/learn">Learn</a>' in page.text


def test_the_api_lists_the_topics_and_serves_one(client: TestClient) -> None:
    listed = client.get("/api/v1/learn")
    assert listed.status_code == 200
    data = listed.json()
    assert [t["id"] for t in data] == TOPIC_IDS
    assert data == [t.model_dump() for t in content.learn_topics().values()]
    one = client.get("/api/v1/learn/get-help")
    assert one.status_code == 200
    assert one.json() == content.learn_topic("get-help").model_dump()
    missing = client.get("/api/v1/learn/nope")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "unknown topic 'nope'"}


def test_the_api_routes_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/learn" in paths
    assert "/api/v1/learn/{topic_id}" in paths
    assert "404" in paths["/api/v1/learn/{topic_id}"]["get"]["responses"]
    assert "/learn" not in paths, "pages stay out of the API document"


def test_today_shows_the_topic_of_the_day_and_rotates_daily(app: Any, clock: Clock) -> None:
    user = browser_user(app, "today.learn@example.org")
    topics = list(content.learn_topics().values())
    seen = []
    for _ in range(2):
        expected = topic_of_the_day(topics, app.state.runtime.today())
        page = user.get("/today")
        assert page.status_code == 200
        text = _text(page.text)
        assert expected.title in text
        assert expected.summary in text
        assert f'<a href="/learn/{expected.id}" aria-label="Read more: {expected.title}">Read more</a>' in text
        seen.append(expected.id)
        clock.advance(days=1)
    assert seen[0] != seen[1]
