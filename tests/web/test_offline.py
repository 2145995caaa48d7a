"""The installable, offline web app in Debian's Chromium against real `backcoach serve` processes (docs/pwa.md).

Each test runs its own browser profile (a persistent context): Chromium reports an incognito window, which is what a
plain Playwright context is, as not installable. `context.set_offline(True)` cuts the page and its service worker
from the network alike.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from backcoach.web import pwa
from tests.browser import ARGS, chromium_path, output_folder
from tests.conftest import IN_CI
from tests.web.test_browser import PHONE, api_sessions, free_port, server, sign_up

__all__ = ["server"]

pytestmark = pytest.mark.slow
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CACHES = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    found[name] = (await (await caches.open(name)).keys()).map((r) => r.url.slice(location.origin.length));
  }
  return found;
}"""


@pytest.fixture
def context(tmp_path: Path) -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        if IN_CI:
            pytest.fail("Chromium is missing: `make test` installs Debian's chromium")
        pytest.skip("Chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        profile = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=path,
            args=ARGS,
            viewport={"width": PHONE["width"], "height": PHONE["height"]},
        )
        yield profile
        profile.close()


def caches_of(page: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = page.evaluate(CACHES)
    return found


def wait_for(page: Any, script: str, arg: Any = None, timeout_s: float = 20) -> None:
    """Waits until an async script is true in the page (wait_for_function takes a promise for a true value)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"still false after {timeout_s} s: {script}"
        page.wait_for_timeout(100)


def wait_until_kept(page: Any, *keys: str) -> None:
    """Waits for the service worker to hold each page (it keeps them just after serving them)."""
    wait_for(page, "async (keys) => (await Promise.all(keys.map((k) => caches.match(k)))).every(Boolean)", list(keys))


def personal(found: dict[str, list[str]]) -> list[str]:
    return [key for name, keys in found.items() if name.startswith("backcoach-pages-") for key in keys]


def start_session(page: Any, base: str, speed: int) -> None:
    page.goto(f"{base}/player?speed={speed}")
    page.get_by_label("How much does your back hurt right now?").select_option("3")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("#live:not([hidden])")


@SQLITE
def test_after_one_visit_a_whole_session_runs_offline_and_is_stored_once(context: Any, server: str) -> None:
    folder = output_folder("web")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Offline, the page's own failed saves are expected network errors; anything else is a fault.
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "ERR_INTERNET_DISCONNECTED" not in m.text else None,
    )

    sign_up(page, server, "offline.run@example.org")
    page.goto(f"{server}/player")
    wait_until_kept(page, "/today", "/player")

    cdp = context.new_cdp_session(page)
    page.goto(f"{server}/today")
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == f"{server}/manifest.webmanifest"
    assert manifest["errors"] == []

    figures: list[str] = page.locator("img.figure").evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
    assert figures
    kept = personal(caches_of(page))
    assert set(figures) <= set(kept), "Today's figures are kept with it"

    context.set_offline(True)
    page.get_by_role("status").filter(has_text="You are offline").wait_for()
    response = page.reload()
    assert response is not None
    assert response.from_service_worker
    assert page.locator("ol.plan > li").count() == len(figures)
    page.wait_for_function("() => [...document.querySelectorAll('img.figure')].every(i => i.naturalWidth > 0)")
    page.screenshot(path=str(folder / "today-offline-phone.png"), full_page=True)

    start_session(page, server, 60)
    assert page.locator("#ex-figure").is_visible()
    page.wait_for_function("() => document.getElementById('ex-figure').naturalWidth > 0")
    page.screenshot(path=str(folder / "player-offline-running-phone.png"))
    page.wait_for_selector("#after:not([hidden])", timeout=120_000)
    page.get_by_label("How much does your back hurt now?").select_option("2")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#done:not([hidden])")
    assert "waiting" in page.locator("#sync").inner_text()
    page.screenshot(path=str(folder / "player-offline-saved-phone.png"))

    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('sync').textContent === 'All saved.'", timeout=30_000)
    # A few more rounds of the outbox (it tries every 3 s and on the `online` event) must not send it again.
    page.wait_for_timeout(4_000)
    [session] = api_sessions(page, server)
    assert session["pain_before"] == 3
    assert session["pain_after"] == 2
    assert "partial" not in session, "the whole plan was done offline"
    assert [i["exercise"] for i in session["items"]] == [f.split("/")[-1].split(".")[0] for f in figures]
    assert all(i["completed_reps"] == i["prescription"]["reps"] for i in session["items"])
    assert page.evaluate("() => localStorage.getItem('backcoach-outbox')") == "[]"
    assert not errors, errors


@SQLITE
def test_a_warning_sign_answered_offline_stops_the_session_until_the_server_has_it(context: Any, server: str) -> None:
    page = context.new_page()
    sign_up(page, server, "red.flag@example.org")
    # Today alone was opened: the Player, which shows the same plan, is kept with it.
    wait_until_kept(page, "/today", "/player")

    context.set_offline(True)
    page.goto(f"{server}/player?speed=60")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("#stopped:not([hidden])")
    assert page.get_by_role("heading", name="Please do not exercise").is_visible()
    assert page.locator("#live").is_hidden()

    # Trying again with no network: neither the Player nor Today offers the session any more.
    for path in ("/player", "/player?speed=60", "/player?program=staged-low-back", "/today"):
        page.goto(server + path)
        assert page.get_by_role("heading", name="Please do not exercise").is_visible(), path
        assert page.get_by_role("button", name="Start").count() == 0, path
        assert page.get_by_role("link", name="Start").count() == 0, path
    page.screenshot(path=str(output_folder("web") / "offline-warning-sign-phone.png"))
    assert personal(caches_of(page)) == []

    context.set_offline(False)
    response = page.goto(f"{server}/today")
    assert response is not None
    assert response.status == 403, "the warning sign was sent before the page was asked for"
    assert page.get_by_role("heading", name="No exercise for now").is_visible()
    response = page.goto(f"{server}/player?speed=60")
    assert response is not None
    assert response.status == 403
    assert page.get_by_role("button", name="Start").count() == 0
    screen = page.request.get(f"{server}/api/v1/screening").json()
    assert screen["clearance"] == "emergency"
    assert api_sessions(page, server) == []
    assert "backcoach-pending" not in caches_of(page)


@SQLITE
def test_signing_out_and_deleting_the_account_leave_no_personal_page(context: Any, server: str) -> None:
    page = context.new_page()
    for email, leave in (("leaving@example.org", "sign out"), ("deleting@example.org", "delete")):
        sign_up(page, server, email)
        page.goto(f"{server}/player")
        wait_until_kept(page, "/today", "/player")
        assert "/today" in personal(caches_of(page))
        # An unsent session of the Player's outbox must survive: it is not the worker's to drop.
        page.evaluate("() => localStorage.setItem('backcoach-outbox', JSON.stringify([{kind: 'patch', local: 'x'}]))")

        page.goto(f"{server}/account")
        if leave == "sign out":
            page.get_by_role("button", name="Sign out").click()
        else:
            page.get_by_label("Type delete to confirm").fill("delete")
            page.get_by_role("button", name="Delete").click()
        page.wait_for_url(f"{server}/")
        wait_for(page, "async () => !(await caches.match('/today'))")
        assert personal(caches_of(page)) == [], leave
        assert page.evaluate("() => JSON.parse(localStorage.getItem('backcoach-outbox')).length") == 1

        context.set_offline(True)
        page.goto(f"{server}/today")
        assert page.get_by_role("heading", name="You are offline").is_visible(), leave
        assert page.locator("ol.plan").count() == 0
        context.set_offline(False)
        page.evaluate("() => localStorage.removeItem('backcoach-outbox')")


@contextmanager
def serve(package: Path, home: Path, port: int) -> Iterator[str]:
    """`backcoach serve` run from the package at `package` (a release of its own), on `port`."""
    env = {**os.environ, "BACKCOACH_HOME": str(home), "PYTHONPATH": str(package.parent)}
    env.pop("BACKCOACH_DATABASE_URL", None)
    code = "import sys; from backcoach.cli.entry import main; main(sys.argv[1:])"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/sw.js", timeout=1) as answer:
                    assert answer.headers["X-Backcoach-Worker-Version"].startswith("0.")
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


# The release is served from its own copy of the package, with the database in its own home: no `server` needed.
def test_a_new_release_replaces_the_caches(context: Any, tmp_path: Path) -> None:
    # A copy of the package stands for the release: changing one of its files changes the worker's version.
    package = tmp_path / "release" / "backcoach"
    shutil.copytree(Path(pwa.__file__).parent.parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    home = tmp_path / "home"
    port = free_port()
    page = context.new_page()

    with serve(package, home, port) as base:
        sign_up(page, base, "upgrade@example.org")
        page.goto(f"{base}/player")
        wait_until_kept(page, "/today", "/player")
        before = caches_of(page)
        [old_version] = {name.split("-", 2)[2] for name in before if name.startswith("backcoach-shell-")}

    css = package / "web" / "static" / "css" / "site.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* the next release */\n", encoding="utf-8")
    with serve(package, home, port) as base:
        page.goto(f"{base}/today")
        new_version = page.request.get(f"{base}/sw.js").headers["x-backcoach-worker-version"]
        assert new_version != old_version
        # The browser checks the worker after a navigation; the new one installs, then activates.
        wait_for(page, "async (v) => (await caches.keys()).every((name) => name.endsWith(v))", new_version)
        after = caches_of(page)
        assert sorted(after) == [f"backcoach-pages-{new_version}", f"backcoach-shell-{new_version}"], after
        assert "/* the next release */" in page.evaluate(
            "async () => (await (await caches.match('/static/css/site.css')).text())"
        )
        # The personal pages come back under the new version, fetched afresh rather than carried over.
        wait_until_kept(page, "/today", "/player")
