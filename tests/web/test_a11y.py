"""axe-core on every page, at a phone's and a laptop's size, in light and dark: no serious or critical violation.

axe-core comes from npm at the exact version scripts/ensure-js names, which fetches it into a cache outside git
(`make test` runs it first; the tests never fetch anything). It is run with `page.evaluate`, which Playwright sends
over the DevTools protocol: the pages' CSP rightly refuses an inline <script>, so `add_script_tag` would be blocked,
and evaluating the source leaves the CSP in force for everything the page itself does.

One person is signed up per size and scheme and taken through every page in one browser context, as a person would
go: the pages before sign-up, the safety check, plan options, Today, every state of the Player, Today once the
session is done, and the rest. A screenshot of each is saved as test-output/web/<page>-<phone|laptop>-<light|dark>.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser import browser, output_folder
from tests.conftest import IN_CI, ROOT
from tests.web.test_browser import LAPTOP, PASSWORD, PHONE, server

__all__ = ["browser", "server"]

pytestmark = pytest.mark.slow

BLOCKING = ("serious", "critical")
SIZES = {"phone": PHONE, "laptop": LAPTOP}
PAGES = 31
"""How many pages and Player states the tour looks at."""


def axe_path() -> Path:
    """Where scripts/ensure-js keeps the axe-core version it names."""
    script = (ROOT / "scripts" / "ensure-js").read_text(encoding="utf-8")
    found = re.search(r"^AXE_VERSION=(\S+)$", script, re.MULTILINE)
    assert found, "scripts/ensure-js names axe-core's version"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "backcoach-dev" / "npm" / f"axe-core@{found.group(1)}" / "axe.min.js"


@pytest.fixture(scope="module")
def axe_source() -> str:
    path = axe_path()
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing: `make test` fetches it with scripts/ensure-js")
        pytest.skip("axe-core is not fetched yet: run scripts/ensure-js")
    return path.read_text(encoding="utf-8")


def violations(page: Any, axe: str) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe)
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
          }));
        }"""
    )
    return [v for v in found if v["impact"] in BLOCKING]


def describe(problems: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for where, found in problems.items():
        for v in found:
            lines.append(f"{where}: {v['impact']} {v['id']}: {v['help']}")
            lines += [f"    {n['target']}: {n['summary']}".replace("\n", " ") for n in v["nodes"][:5]]
    return "\n".join(lines)


def go(page: Any, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == status, f"{url}: HTTP {response.status}"


def tour(page: Any, base: str, email: str, look: Callable[..., None]) -> None:
    """Every page and every state of the Player, in the order a new person meets them; `look` checks each."""
    go(page, f"{base}/")
    look("landing")
    go(page, f"{base}/signin")
    look("signin")
    go(page, f"{base}/signup")
    look("signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{base}/onboarding")
    look("onboarding")

    # Before any safety check, the Player sends the person to take one.
    go(page, f"{base}/player", 403)
    look("screen-needed")

    go(page, f"{base}/onboarding")
    page.get_by_label("How old are you?").fill("42")
    page.get_by_role("button", name="Check").click()
    page.wait_for_url(f"{base}/preferences")
    look("preferences")
    page.get_by_label("Minutes per session").fill("5")
    page.get_by_role("button", name="Save and see today's session").click()
    page.wait_for_url(f"{base}/today")
    look("today")

    go(page, f"{base}/player?speed=1")
    look("player-precheck")
    page.get_by_label("How much does your back hurt right now?").select_option("3")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("#live:not([hidden])")
    look("player-running", full_page=False)
    page.locator("#btn-pause").click()
    page.wait_for_selector("#paused-badge:not([hidden])")
    look("player-paused", full_page=False)
    page.locator("#btn-pause").click()
    page.locator("#btn-more").click()
    look("player-menu", full_page=False)
    page.keyboard.press("Escape")
    page.locator("#btn-pain").click()
    page.wait_for_selector("#pain-dialog[open]")
    look("player-pain", full_page=False)
    page.get_by_role("button", name="Carry on").click()
    page.wait_for_selector("#pain-dialog:not([open])", state="attached")
    page.keyboard.press("q")
    page.wait_for_selector("#after:not([hidden])")
    look("player-after")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#done:not([hidden])")
    page.wait_for_function("() => document.getElementById('sync').textContent === 'All saved.'", timeout=20_000)
    look("player-done")

    go(page, f"{base}/today")
    look("today-done")
    go(page, f"{base}/history")
    look("history")
    page.locator("a", has_text="Edit").first.click()
    page.wait_for_url(re.compile(r".*/history/\d+$"))
    look("session")
    go(page, f"{base}/checkin")
    look("checkin")
    go(page, f"{base}/progress")
    page.wait_for_function("() => [...document.querySelectorAll('img')].every(i => i.complete)", timeout=20_000)
    look("progress")
    go(page, f"{base}/outcome")
    look("outcome")
    for path, name, status in (
        ("/exercises", "exercises", 200),
        ("/exercises/bird-dog", "exercise", 200),
        ("/programs", "programs", 200),
        ("/programs/staged-low-back", "program", 200),
        ("/learn", "learn", 200),
        ("/learn/common", "learn-topic", 200),
        ("/account", "account", 200),
        ("/exercises/no-such-exercise", "error-404", 404),
    ):
        go(page, base + path, status)
        look(name)

    # Last, as it stops the person's sessions: a warning sign in the safety check.
    go(page, f"{base}/screen")
    look("screen")
    page.get_by_label("How old are you?").fill("42")
    page.locator("input[name=bladder_or_bowel_change]").check()
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()
    look("screen-result")
    go(page, f"{base}/today", 403)
    look("blocked")


class Findings:
    """What the tour found on each page, by "<page>-<size>-<scheme>"."""

    def __init__(self) -> None:
        self.looked: list[str] = []
        self.problems: dict[str, list[dict[str, Any]]] = {}
        self.wide: list[str] = []
        self.errors: list[str] = []

    def looker(self, page: Any, axe: str, size: str, scheme: str) -> Callable[..., None]:
        """`look(name)`: a screenshot of the page as it is now, then axe's findings and its width, under
        "<name>-<size>-<scheme>"."""
        folder = output_folder("web")

        def look(name: str, *, full_page: bool = True) -> None:
            where = f"{name}-{size}-{scheme}"
            page.wait_for_load_state()
            page.screenshot(path=str(folder / f"{where}.png"), full_page=full_page)
            # A page wider than the screen makes a phone scroll sideways to read each line.
            if page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth"):
                self.wide.append(where)
            found = violations(page, axe)
            if found:
                self.problems[where] = found
            self.looked.append(where)

        return look


def tour_one(browser: Any, base: str, axe: str, size: str, scheme: str, findings: Findings) -> None:
    """The tour for one person, at one size in one colour scheme, in a browser context of its own."""
    context = browser.new_context(viewport=SIZES[size], color_scheme=scheme)
    page = context.new_page()
    page.on("pageerror", lambda exc: findings.errors.append(str(exc)))
    tour(page, base, f"axe.{size}.{scheme}@example.org", findings.looker(page, axe, size, scheme))
    context.close()


# One test per size and colour scheme, each with its own server: the tours are the slowest tests of all, and four
# shorter ones spread over `make test`'s two workers where one long one would finish alone.
VARIANTS = pytest.mark.parametrize(("size", "scheme"), [(z, c) for z in ("phone", "laptop") for c in ("light", "dark")])


@VARIANTS
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_axe_finds_nothing_serious_on_any_page_at_either_size_light_or_dark(
    browser: Any, server: str, axe_source: str, size: str, scheme: str
) -> None:
    findings = Findings()
    tour_one(browser, server, axe_source, size, scheme, findings)
    assert len(findings.looked) == PAGES, findings.looked
    assert not findings.problems, "axe-core found serious or critical violations:\n" + describe(findings.problems)
    assert not findings.wide, f"wider than the screen: {findings.wide}"
    assert not findings.errors, findings.errors


# The clinician's pages (docs/clinician.md): the dashboard, a patient's page, the prescription editor (as it opens,
# and with a problem next to a field), the templates, a template, a new template, and the invitation page a patient
# opens. Set up through the API; each page looked at as in the tour above.

CLINIC_PAGES = 9


def clinic_tour(page: Any, base: str, patient_id: int, template_id: int, link: str, look: Callable[..., None]) -> None:
    go(page, f"{base}/clinic")
    look("clinic")
    go(page, f"{base}/clinic/patients/{patient_id}")
    look("clinic-patient")
    editor = f"{base}/clinic/patients/{patient_id}/program"
    go(page, editor)
    look("clinic-prescribe")
    page.locator("input[name=days_per_week]").fill("9")
    page.get_by_role("button", name=re.compile(r"^(Save as version|Prescribe this program)")).click()
    page.wait_for_selector("#problem-days_per_week")
    look("clinic-prescribe-problem")
    go(page, f"{base}/clinic/templates")
    look("clinic-templates")
    go(page, f"{base}/clinic/templates/{template_id}")
    look("clinic-template")
    go(page, f"{base}/clinic/templates/new?start=article:staged-low-back")
    look("clinic-template-new")
    go(page, f"{base}/clinic/patients/{patient_id}/program?start=template:{template_id}")
    look("clinic-prescribe-template")
    # The invitation page, as the patient it is for sees it.
    page.context.clear_cookies()
    go(page, base + link)
    page.get_by_label("Email").fill("invited@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + link)
    look("link")


@VARIANTS
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_axe_finds_nothing_serious_on_the_clinicians_pages(
    browser: Any, server: str, axe_source: str, size: str, scheme: str
) -> None:
    from tests.web.test_clinic_pages import SESSION, _account, _call

    ada = _account(server, "ada@example.org", role="clinician", display_name="Dr Ada Lee", profession="physio")
    code = _call(server, "POST", "/api/v1/clinic/invitations", token=ada)["code"]
    pat = _account(server, "pat@example.org")
    _call(server, "POST", "/api/v1/clinicians/accept", {"code": code}, token=pat)
    _call(server, "POST", "/api/v1/sessions", {**SESSION, "pain_after": 6}, token=pat)
    patient_id = _call(server, "GET", "/api/v1/me", token=pat)["id"]
    _call(server, "POST", f"/api/v1/clinic/patients/{patient_id}/programs", {"article": "ten-exercises"}, token=ada)
    draft = {"title": "Gentle", "days_per_week": 3, "items": [{"exercise": "bridge", "rung": "bridge", "dose": {}}]}
    template_id = _call(server, "POST", "/api/v1/clinic/templates", {"name": "Gentle", "program": draft}, token=ada)[
        "id"
    ]
    link = "/link/" + _call(server, "POST", "/api/v1/clinic/invitations", token=ada)["code"]
    _account(server, "invited@example.org")

    findings = Findings()
    context = browser.new_context(viewport=SIZES[size], color_scheme=scheme)
    page = context.new_page()
    page.on("pageerror", lambda exc: findings.errors.append(str(exc)))
    go(page, f"{server}/signin")
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    clinic_tour(page, server, patient_id, template_id, link, findings.looker(page, axe_source, size, scheme))
    context.close()
    assert len(findings.looked) == CLINIC_PAGES, findings.looked
    assert not findings.problems, "axe-core found serious or critical violations:\n" + describe(findings.problems)
    assert not findings.wide, f"wider than the screen: {findings.wide}"
    assert not findings.errors, findings.errors


# The camera coach's states of the Player (docs/camera.md, "In the Player"): the switch turned on, the framing
# check, the live view with the camera counting, at both sizes in light and dark. The synthetic pose worker of
# tests/web/test_camera_player.py stands in for the model; the fake webcam gives the frames.


def camera_states(chromium: Any, base: str, axe: str, size: str, scheme: str, findings: Findings) -> None:
    """The Player's camera states for one person, at one size in one colour scheme."""
    import json

    from tests.web.test_camera_player import WATCH_PART, route_synthetic_worker, sequences

    folder = output_folder("web")
    context = chromium.new_context(viewport=SIZES[size], color_scheme=scheme, service_workers="block")
    page = context.new_page()
    page.on("pageerror", lambda exc: findings.errors.append(str(exc)))
    go(page, f"{base}/signup")
    page.get_by_label("Email").fill(f"axe.camera.{size}.{scheme}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_label("How old are you?").fill("42")
    page.get_by_role("button", name="Check").click()
    page.get_by_role("button", name="Save and see today's session").click()
    page.wait_for_url(f"{base}/today")
    go(page, f"{base}/player?speed=60")
    tables = json.loads(page.locator("#runner-tables").text_content() or "{}")
    route_synthetic_worker(context, sequences(tables)[0])
    context.add_init_script(WATCH_PART)
    go(page, f"{base}/player?speed=60")
    page.get_by_role("switch", name="Use camera").check()

    def look(name: str) -> None:
        where = f"player-camera-{name}-{size}-{scheme}"
        page.screenshot(path=str(folder / f"{where}.png"))
        found = violations(page, axe)
        if found:
            findings.problems[where] = found
        findings.looked.append(where)

    look("switch")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("#camera.checking")
    look("framing")
    page.wait_for_selector("#live:not([hidden])")
    page.wait_for_function(
        "() => /counted|Waiting|Hold/.test(document.getElementById('camera-status').textContent)", timeout=60_000
    )
    look("live")
    context.close()


@VARIANTS
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_axe_finds_nothing_serious_in_the_players_camera_states(
    browser: Any, server: str, axe_source: str, tmp_path: Path, size: str, scheme: str
) -> None:
    from tests.web.test_camera_model import needs_pose
    from tests.web.test_camera_player import clip, webcam

    needs_pose(webcam=False)
    findings = Findings()
    with webcam(browser, clip(tmp_path)) as chromium:
        camera_states(chromium, server, axe_source, size, scheme, findings)
    assert len(findings.looked) == 3, findings.looked
    assert not findings.problems, "axe-core found serious or critical violations:\n" + describe(findings.problems)
    assert not findings.errors, findings.errors
