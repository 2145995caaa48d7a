"""The web app on a phone, checked as a person sees it: what is visible (Playwright's visibility, not the DOM), where
the controls sit, what a screen reader hears, and the figures with reduced motion. Debian's Chromium against a real
`backcoach serve` process."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import ARGS, browser, chromium_path, output_folder
from tests.web.test_browser import LAPTOP, PHONE, server, sign_up

__all__ = ["browser", "server"]

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

MAIN_CONTROLS = ("#btn-pause", "#btn-next", "#btn-pain", "#btn-more")
MENU_CONTROLS = ("#btn-back", "#btn-skip", "#btn-mute", "#btn-quit")

# Every change to the text inside a live region (aria-live other than "off", or role alert or status), and every
# change of the big countdown, with the moment it happened. Installed before the page's own script runs.
RECORD_LIVE = """
window.__announced = [];
window.__ticks = 0;
new MutationObserver((mutations) => {
  for (const m of mutations) {
    const el = m.target.nodeType === Node.TEXT_NODE ? m.target.parentElement : m.target;
    if (!el) continue;
    if (el.closest("#countdown")) { window.__ticks += 1; continue; }
    const region = el.closest("[aria-live], [role=alert], [role=status]");
    if (!region || region.getAttribute("aria-live") === "off") continue;
    window.__announced.push({ region: region.id, text: region.textContent, at: performance.now() });
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""

# What the page asks the browser to say aloud. Headless Chromium has no voices; the page's calls are what matter.
RECORD_SPEECH = """
window.__spoken = [];
if ("speechSynthesis" in window) {
  window.speechSynthesis.speak = (utterance) => { window.__spoken.push(utterance.text); };
}
"""


def start_player(page: Any, base: str, speed: float) -> None:
    page.goto(f"{base}/player?speed={speed}")
    page.get_by_label("How much does your back hurt right now?").select_option("2")
    page.get_by_role("button", name="Start").click()
    expect(page.locator("#live")).to_be_visible()


def box(page: Any, selector: str) -> dict[str, float]:
    found: dict[str, float] | None = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not laid out"
    return found


def test_on_a_phone_the_player_and_today_show_what_each_moment_needs(browser: Any, server: str) -> None:
    folder = output_folder("web")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_up(page, server, "phone@example.org")

    # Today, before the day's session: a Start button, big figures, no word of a session done.
    expect(page.locator("#start")).to_be_visible()
    expect(page.locator("#done-today")).to_have_count(0)
    figures = page.locator("ol.plan img.figure")
    assert figures.count() >= 2
    for i in range(figures.count()):
        width = figures.nth(i).bounding_box()["width"]
        assert width >= PHONE["width"] / 2, f"figure {i} is {width} px wide on a {PHONE['width']} px screen"

    page.goto(f"{server}/player?speed=1")
    expect(page.locator("#precheck")).to_be_visible()
    expect(page.locator("#live")).to_be_hidden()
    start_player(page, server, 1)
    expect(page.locator("#precheck")).to_be_hidden()

    # Running: no PAUSED badge, then or a moment later.
    badge = page.locator("#paused-badge")
    expect(badge).to_be_hidden()
    page.wait_for_timeout(1200)
    expect(badge).to_be_hidden()

    # The main controls on one row inside the screen; the rest behind "More".
    rows = {round(box(page, s)["y"]) for s in MAIN_CONTROLS}
    assert len(rows) == 1, f"the main controls sit on {len(rows)} rows: {rows}"
    for selector in MAIN_CONTROLS:
        expect(page.locator(selector)).to_be_visible()
        found = box(page, selector)
        assert found["x"] >= 0
        assert found["x"] + found["width"] <= PHONE["width"], f"{selector} runs off the screen"
        assert found["height"] >= 44, f"{selector} is too small a target to tap"
    for selector in MENU_CONTROLS:
        expect(page.locator(selector)).to_be_hidden()
    # The figure fills its area: the whole width of the Player's one column.
    assert box(page, "#ex-figure")["width"] >= 0.95 * box(page, ".live-grid")["width"]
    page.screenshot(path=str(folder / "phone-player-running.png"))

    # Paused: the badge shows, and the button says how to go on.
    page.locator("#btn-pause").click()
    expect(badge).to_be_visible()
    expect(page.locator("#btn-pause")).to_have_accessible_name("Resume")
    page.screenshot(path=str(folder / "phone-player-paused.png"))
    page.locator("#btn-pause").click()
    expect(badge).to_be_hidden()

    # The menu opens and closes (Escape too), and a command chosen from it closes it.
    page.locator("#btn-more").click()
    for selector in MENU_CONTROLS:
        expect(page.locator(selector)).to_be_visible()
    page.screenshot(path=str(folder / "phone-player-menu.png"))
    page.keyboard.press("Escape")
    expect(page.locator("#btn-skip")).to_be_hidden()
    expect(page.locator("#btn-more")).to_be_focused()
    expect(badge).to_be_hidden()

    # Pain: one tap away; the dialog shows over the paused session, and carrying on resumes it.
    page.locator("#btn-pain").click()
    expect(page.locator("#pain-dialog")).to_be_visible()
    expect(page.get_by_role("dialog", name="How much does it hurt?")).to_be_visible()
    expect(badge).to_be_visible()
    page.screenshot(path=str(folder / "phone-player-pain.png"))
    page.get_by_role("button", name="Carry on").click()
    expect(page.locator("#pain-dialog")).to_be_hidden()
    expect(badge).to_be_hidden()

    # Finished: the questions afterwards, then the saved page; the session's screen is gone.
    page.locator("#btn-more").click()
    page.locator("#btn-quit").click()
    expect(page.locator("#after")).to_be_visible()
    expect(page.locator("#live")).to_be_hidden()
    expect(page.locator("#btn-pause")).to_be_hidden()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#after")).to_be_hidden()
    page.wait_for_function("() => document.getElementById('sync').textContent === 'All saved.'", timeout=20_000)

    # Today, right after the session is saved (the page is cached per revision): done, and no big Start.
    page.goto(f"{server}/today")
    expect(page.get_by_role("heading", name="Today's session is done")).to_be_visible()
    expect(page.locator("#start")).to_have_count(0)
    expect(page.get_by_role("link", name="Do it again")).to_be_visible()
    page.screenshot(path=str(folder / "phone-today-done.png"), full_page=True)

    # With two sessions a day, the second is still offered.
    page.goto(f"{server}/preferences")
    page.get_by_label("Sessions a day").fill("2")
    page.get_by_role("button", name="Save and see today's session").click()
    page.wait_for_url(f"{server}/today")
    expect(page.get_by_role("heading", name="Done today: session 1 of 2")).to_be_visible()
    expect(page.locator("#start")).to_be_visible()
    expect(page.locator("#start")).to_have_text("Start session 2 of 2")
    page.screenshot(path=str(folder / "phone-today-one-of-two.png"), full_page=True)
    context.close()


def test_the_menu_works_from_the_keyboard_and_says_whether_it_is_open(browser: Any, server: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_up(page, server, "menu.keys@example.org")
    start_player(page, server, 1)
    more = page.get_by_role("button", name="More", exact=True)
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(more).to_have_attribute("aria-controls", "more-menu")
    more.focus()
    page.keyboard.press("Enter")
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("group", name="More session controls")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Back a step")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press(" ")  # presses the focused button, closing the menu, and does not pause
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#btn-back")).to_be_hidden()
    expect(page.locator("#paused-badge")).to_be_hidden()
    # The shortcuts still reach the session while the menu is open, and close it.
    page.keyboard.press("Enter")
    expect(page.locator("#btn-skip")).to_be_visible()
    first = page.locator("#ex-name").text_content()
    page.keyboard.press("s")
    expect(page.locator("#ex-name")).not_to_have_text(first or "")
    expect(page.locator("#btn-skip")).to_be_hidden()
    # A tap elsewhere closes it too.
    more.click()
    page.locator("#ex-name").click()
    expect(page.locator("#btn-skip")).to_be_hidden()
    # Mute is a toggle: its name stays, and aria-pressed says whether it is on.
    more.click()
    page.get_by_role("button", name="Mute voice", pressed=False).click()
    more.click()
    expect(page.get_by_role("button", name="Mute voice", pressed=True)).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("p")
    expect(page.locator("#pain-dialog")).to_be_visible()
    context.close()


def test_screen_readers_hear_each_step_once_not_each_second(browser: Any, server: str) -> None:
    context = browser.new_context(viewport=LAPTOP)
    context.add_init_script(RECORD_LIVE)
    page = context.new_page()
    sign_up(page, server, "live@example.org")
    start_player(page, server, 1)
    tables = json.loads(page.locator("#runner-tables").text_content())
    cues = {step["say"] for step in tables["steps"]}
    page.evaluate("() => { window.__announced = []; window.__ticks = 0; }")
    page.wait_for_timeout(6000)
    ticks = page.evaluate("() => window.__ticks")
    announced: list[dict[str, Any]] = page.evaluate("() => window.__announced")
    said = [a["text"] for a in announced if a["region"] == "say"]
    assert ticks >= 4, "the countdown moved on every second"
    assert set(said) <= cues, f"only the steps' cues are announced: {said}"
    assert len(said) < ticks, f"announced {len(said)} times in {ticks} ticks: {said}"
    repeats = [b for a, b in itertools.pairwise(said) if a == b]
    assert not repeats, f"a cue was announced twice running: {repeats}"
    others = [a for a in announced if a["region"] != "say"]
    assert len(others) <= 1, f"other live regions spoke too: {others}"
    # The countdown itself is not announced at all.
    assert page.locator("#countdown").get_attribute("aria-live") == "off"
    # Moving to the next step announces its cue.
    page.evaluate("() => { window.__announced = []; }")
    page.keyboard.press("n")
    page.wait_for_function("() => window.__announced.some((a) => a.region === 'say')")
    context.close()


@pytest.fixture
def still_browser(browser: Any) -> Iterator[Any]:
    """A second Chromium with reduced motion asked for browser-wide, as the system setting does. Playwright's
    per-page emulation (`reduced_motion="reduce"`) reaches the page's CSS but not an <img>'s SVG document, whose own
    media query is what stills a figure; the system setting reaches both."""
    path = chromium_path()
    assert path is not None, "the browser fixture found it"
    instance = browser.browser_type.launch(executable_path=path, args=[*ARGS, "--force-prefers-reduced-motion"])
    yield instance
    instance.close()


def figure_moves(page: Any) -> bool:
    figure = page.locator("#ex-figure")
    page.wait_for_function("() => document.getElementById('ex-figure').complete")
    first = figure.screenshot(animations="allow")
    for _ in range(6):
        time.sleep(0.4)
        if figure.screenshot(animations="allow") != first:
            return True
    return False


def test_with_reduced_motion_figures_stand_still_and_counts_are_still_spoken(
    browser: Any, still_browser: Any, server: str
) -> None:
    moving = browser.new_context(viewport=PHONE)
    page = moving.new_page()
    sign_up(page, server, "motion@example.org")
    start_player(page, server, 1)
    assert figure_moves(page), "without reduced motion the figure moves"
    moving.close()

    # Playwright's context emulates "no preference" unless told otherwise, which would hide the browser's setting
    # from the page itself.
    context = still_browser.new_context(viewport=PHONE, reduced_motion="reduce")
    context.add_init_script(RECORD_SPEECH)
    page = context.new_page()
    sign_up(page, server, "still@example.org")
    assert page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
    start_player(page, server, 2)
    assert not figure_moves(page), "with reduced motion the figure stands still"
    page.screenshot(path=str(output_folder("web") / "phone-player-reduced-motion.png"))
    # Skip ahead to the first exercise that holds, and hear its count.
    tables = json.loads(page.locator("#runner-tables").text_content())
    holding = next(s["item"] for s in tables["steps"] if s["kind"] == "hold")
    name = tables["items"][holding]["name"]
    for _ in range(len(tables["items"])):
        if page.locator("#ex-name").text_content() == name:
            break
        page.keyboard.press("s")
    expect(page.locator("#ex-name")).to_have_text(name)
    page.wait_for_function("() => ['3', '2', '1'].every((n) => window.__spoken.includes(n))", timeout=60_000)
    assert any(len(text) > 3 for text in page.evaluate("() => window.__spoken")), "the cues are spoken too"
    context.close()
