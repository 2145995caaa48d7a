"""A new user's whole loop in Debian's Chromium against a real `backcoach serve` process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import browser, output_folder

__all__ = ["browser"]

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
PASSWORD = "a long enough password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "BACKCOACH_HOME": str(tmp_path / "home")}
    env.pop("BACKCOACH_DATABASE_URL", None)
    if not database_url.startswith("sqlite"):
        env["BACKCOACH_DATABASE_URL"] = database_url
    exe = Path(sys.executable).parent / "backcoach"
    process = subprocess.Popen(
        [str(exe), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stderr.read() if process.stderr else b""
                    raise AssertionError(f"the server did not start: {output!r}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign_up(page: Any, base: str, email: str, minutes: int = 5) -> None:
    page.goto(f"{base}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{base}/onboarding")
    page.get_by_label("How old are you?").fill("42")
    page.get_by_role("button", name="Check").click()
    page.wait_for_url(f"{base}/preferences")
    page.get_by_label("Minutes per session").fill(str(minutes))
    page.get_by_role("button", name="Save and see today's session").click()
    page.wait_for_url(f"{base}/today")


def run_player(page: Any, base: str, speed: int, *, offline_after_start: bool = False) -> None:
    page.goto(f"{base}/player?speed={speed}")
    page.get_by_label("How much does your back hurt right now?").select_option("3")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("#live:not([hidden])")
    if offline_after_start:
        page.wait_for_function("() => document.getElementById('sync').textContent === 'All saved.'", timeout=20_000)
        page.context.set_offline(True)
    page.wait_for_selector("#after:not([hidden])", timeout=120_000)
    page.get_by_label("How much does your back hurt now?").select_option("2")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#done:not([hidden])")


def api_sessions(page: Any, base: str) -> list[dict[str, Any]]:
    response = page.request.get(f"{base}/api/v1/sessions")
    assert response.ok
    sessions: list[dict[str, Any]] = response.json()
    return sessions


@pytest.mark.databases
def test_a_new_user_goes_round_the_whole_loop(browser: Any, server: str) -> None:
    folder = output_folder("web")
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(f"{msg.text} {msg.location}") if msg.type == "error" else None)

    sign_up(page, server, "new.user@example.org")
    assert page.locator("ol.plan > li").count() >= 2
    assert page.locator("img.figure").first.evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=str(folder / "today-laptop.png"), full_page=True)

    run_player(page, server, 60)
    page.wait_for_function("() => document.getElementById('sync').textContent === 'All saved.'", timeout=20_000)
    [session] = api_sessions(page, server)
    assert session["pain_before"] == 3
    assert session["pain_after"] == 2
    assert "partial" not in session, "the whole plan was done"
    assert len(session["items"]) >= 2
    assert all(i["completed_reps"] == i["prescription"]["reps"] for i in session["items"])

    page.goto(f"{server}/checkin")
    page.get_by_label("Pain now").fill("2")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{server}/progress")
    assert "1" in page.locator(".progress-stats strong").first.inner_text()
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.chart')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert api_sessions(page, server)[0]["pain_next_morning"] == 2

    for name, size in (("phone", PHONE), ("laptop", LAPTOP)):
        page.set_viewport_size(size)
        for path in (
            "/",
            "/today",
            "/progress",
            "/history",
            "/exercises",
            "/exercises/bird-dog",
            "/programs",
            "/programs/staged-low-back",
            "/account",
            "/checkin",
            "/preferences",
            "/screen",
        ):
            page.goto(server + path)
            page.screenshot(
                path=str(folder / f"{path.strip('/').replace('/', '-') or 'landing'}-{name}.png"), full_page=True
            )
        page.goto(f"{server}/player?speed=1")
        page.screenshot(path=str(folder / f"player-precheck-{name}.png"))
    assert not errors, errors
    context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_dropped_network_mid_session_loses_nothing(browser: Any, server: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_up(page, server, "offline@example.org")
    run_player(page, server, 30, offline_after_start=True)
    waiting = page.locator("#sync").inner_text()
    assert "waiting" in waiting
    page.screenshot(path=str(output_folder("web") / "player-offline-phone.png"))
    page.context.set_offline(False)
    page.wait_for_function("() => document.getElementById('sync').textContent === 'All saved.'", timeout=30_000)
    [session] = api_sessions(page, server)
    assert session["pain_after"] == 2
    assert "partial" not in session
    assert len(session["items"]) >= 2
    context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_keyboard_only_use_works(browser: Any, server: str) -> None:
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    sign_up(page, server, "keys@example.org", minutes=10)
    context.clear_cookies()

    page.goto(f"{server}/signin")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    page.locator("input[name=email]").focus()
    page.keyboard.type("keys@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/today")

    page.goto(f"{server}/player?speed=4")
    page.locator("#pain-before").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#live:not([hidden])")
    page.keyboard.press("Space")
    page.wait_for_selector("#paused-badge:not([hidden])")
    page.screenshot(path=str(output_folder("web") / "player-paused-laptop.png"))
    page.keyboard.press("Space")
    page.wait_for_selector("#paused-badge[hidden]", state="attached")
    first = page.locator("#ex-name").inner_text()
    page.keyboard.press("s")
    page.wait_for_function(f"() => document.getElementById('ex-name').textContent !== {first!r}")
    page.keyboard.press("p")
    page.wait_for_selector("#pain-dialog[open]")
    page.locator("#pain-now").select_option("7")
    page.wait_for_selector("#pain-advice:not([hidden])")
    page.keyboard.press("Enter")  # the focused default: stop this exercise
    page.wait_for_selector("#pain-dialog:not([open])", state="attached")
    page.keyboard.press("q")
    page.wait_for_selector("#after:not([hidden])")
    for _ in range(20):  # Tab through the after-questions to Save, as a keyboard user would
        if page.evaluate("() => document.activeElement && document.activeElement.id") == "save-after":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#done:not([hidden])")
    page.wait_for_function("() => document.getElementById('sync').textContent === 'All saved.'", timeout=20_000)
    [session] = api_sessions(page, server)
    assert session["partial"] is True
    stopped = [i for i in session["items"] if i["pain_during"] == 7]
    assert stopped, [(i["exercise"], i["pain_during"], i["completed_reps"], i["difficulty"]) for i in session["items"]]
    assert stopped[0]["difficulty"] == "hard"
    context.close()
