"""The Player's outbox, shared by every tab and account of one browser: a change is sent once, and only with the
sign-in of the account that made it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tests.browser import browser
from tests.web.test_browser import PASSWORD, PHONE, api_sessions, server, sign_up

__all__ = ["browser", "server"]

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


def me(page: Any, base: str) -> int:
    response = page.request.get(f"{base}/api/v1/me")
    assert response.ok
    return int(response.json()["id"])


def waiting(page: Any, person: int, local: str) -> None:
    """Put an unsent new session of `person` in the outbox, as a Player that lost the network leaves it."""
    op = {
        "kind": "create",
        "local": local,
        "person": person,
        "id": f"test-{local}",
        "body": {
            "date": dt.datetime.now().astimezone().date().isoformat(),
            "pain_before": 2,
            "partial": True,
            "items": [],
        },
    }
    page.evaluate("(op) => localStorage.setItem('backcoach-outbox', JSON.stringify([op]))", op)


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/today")


def all_saved(page: Any) -> None:
    page.wait_for_function("() => document.getElementById('sync').textContent.startsWith('All saved.')", timeout=20_000)


def test_one_accounts_unsent_session_waits_for_that_account(browser: Any, server: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_up(page, server, "first@example.org")
    first = me(page, server)
    waiting(page, first, "a")
    page.goto(f"{server}/account")
    page.get_by_role("button", name="Sign out").click()

    sign_up(page, server, "second@example.org")
    page.goto(f"{server}/player")
    page.wait_for_function(
        "() => document.getElementById('sync').textContent.includes('from another account')", timeout=20_000
    )
    page.wait_for_timeout(4000)  # more than one of the Player's 3-second retries
    assert api_sessions(page, server) == []
    page.goto(f"{server}/account")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server, "first@example.org")
    page.goto(f"{server}/player")
    all_saved(page)
    assert len(api_sessions(page, server)) == 1
    assert json.loads(page.evaluate("() => localStorage.getItem('backcoach-outbox')")) == []
    context.close()


def test_two_tabs_send_a_waiting_session_once(browser: Any, server: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_up(page, server, "tabs@example.org")
    waiting(page, me(page, server), "b")
    tabs = [context.new_page() for _ in range(3)]
    for tab in tabs:
        tab.goto(f"{server}/player")
    for tab in tabs:
        all_saved(tab)
    [session] = api_sessions(page, server)
    assert session["pain_before"] == 2
    context.close()
