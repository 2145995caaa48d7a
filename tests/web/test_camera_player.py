"""The camera coach in the whole Player, in Debian's Chromium against a real `backcoach serve` (docs/camera.md, "In
the Player").

The pose worker's script is replaced, through a Playwright route, by a synthetic worker that speaks the same
messages (`init` -> `ready`, each `frame` -> a `pose`) and answers each frame with the pose of a landmark sequence
made by src/backcoach/render/landmarks.py for the exercise the Player is on, so camera.js, framing.js, signals.js,
coach.js and the Player all run for real; the fake webcam gives the frames. Each pose is the sequence's next moment
on a camera clock of the worker's own (a fixed step a frame), so a loaded machine makes the session slower, never
different: how the counting copes with late and lost frames is measured on replayed frames (bench/camera_signals.py)
and in node (tests/js/camera_signals.test.mjs).
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from bench.camera import BROWSER_ARGS, WEBCAM_ARGS, chromium, serve, write_y4m
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from backcoach import content
from backcoach.domain.catalogue import Prescription
from backcoach.domain.runner import session_tables
from backcoach.domain.timeline import resolve
from backcoach.render.landmarks import Options, generate
from tests.browser import browser, output_folder
from tests.web.test_browser import PHONE, api_sessions, server, sign_up
from tests.web.test_camera_model import needs_pose

__all__ = ["browser", "server"]

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# The synthetic person moves this many times faster than the sequence's own clock, to keep the test short; the
# tracker's tolerances (a 0.15 s dwell, 0.6 s a repetition at least) still hold at twice the pace.
PACE = 2.0
# A still start position before each sequence, in the sequence's time: the tracker judges the view over half a
# second and then calibrates the floor over a second (signals.js), before the first repetition; at PACE, 2 s.
LEAD_S = 4.0

SYNTHETIC_WORKER = """
const PACE = %(pace)s, LEAD_MS = %(lead)s, FRAME_MS = %(frame)s, SILENT_FROM = %(silent)s;
let sequences = null, current = null, parts = 0, played = 0, clock = null;
// The page tells which exercise (and which side) is on through a channel the test's init script feeds.
new BroadcastChannel("synthetic-pose").onmessage = (event) => { current = event.data; parts += 1; played = 0; };
self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "init") {
    sequences = await (await fetch("/synthetic/sequences.json")).json();
    self.postMessage({ type: "ready", model: message.model });
  } else if (message.type === "frame") {
    message.frame.close();
    // From this part on, no pose at all: a camera that froze.
    if (SILENT_FROM > 0 && parts >= SILENT_FROM) return;
    const sequence = sequences[current] || sequences.framing;
    // Each frame is the next moment of the sequence, FRAME_MS on the camera's clock after the last, however late
    // a busy machine delivers it: the trackers then see the same frames at the same times on any machine.
    clock = clock === null ? message.t : clock + FRAME_MS;
    const at = Math.max(0, played * FRAME_MS * PACE - LEAD_MS);
    played += 1;
    const k = Math.min(sequence.frames.length - 1, Math.floor((at / 1000) * sequence.fps));
    const frame = sequence.frames[k];
    const landmarks = frame.length > 1 ? [] : null;
    for (let i = 1; i < frame.length; i += 4) {
      landmarks.push({ x: frame[i], y: frame[i + 1], z: frame[i + 2], visibility: frame[i + 3] });
    }
    self.postMessage({ type: "pose", t: clock, width: sequence.width, height: sequence.height, landmarks, ms: 1 });
  } else if (message.type === "close") self.close();
};
"""

# Tells the synthetic worker which sequence to play: the coach names the tracker it starts on the camera panel.
WATCH_PART = r"""
(() => {
  const channel = new BroadcastChannel("synthetic-pose");
  let last = null;
  new MutationObserver(() => {
    const panel = document.getElementById("camera");
    const part = panel && panel.dataset.part;
    if (part && part !== last) { last = part; channel.postMessage(part); }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-part"] });
  // Whether the model read frames or rested, on each exercise ("bridge:reading").
  window.modelStates = new Set();
  new MutationObserver(() => {
    const panel = document.getElementById("camera");
    if (panel && panel.dataset.model) window.modelStates.add(`${panel.dataset.exercise}:${panel.dataset.model}`);
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-model", "data-exercise"] });
  // The most repetitions the status has said were counted: a status lasts only until the next one, which on a
  // loaded machine can come before a polling test looks.
  window.countedMost = 0;
  new MutationObserver(() => {
    const status = document.getElementById("camera-status");
    const said = status && /Repetition (\d+) of \d+ counted/.exec(status.textContent);
    if (said) window.countedMost = Math.max(window.countedMost, Number(said[1]));
  }).observe(document, { subtree: true, childList: true, characterData: true });
})();
"""


def clip(tmp_path: Path) -> Path:
    """A webcam clip of a plain picture: the synthetic worker ignores what the frames show."""
    picture = tmp_path / "plain.jpg"
    Image.new("RGB", (320, 240), (90, 110, 120)).save(picture)
    return write_y4m(picture, tmp_path / "webcam.y4m", frames=30)


def parts(tables: dict[str, Any]) -> list[tuple[int, str, int, int]]:
    """Each stretch one tracker follows: (item, exercise, part, repetitions), a part for each side of a per-side
    exercise, with the repetitions the Player waits for in it."""
    found: list[tuple[int, str, int, int]] = []
    for k, item in enumerate(tables["items"]):
        steps = tables["steps"][item["first_step"] : item["last_step"] + 1]
        closing = "relax" if any(s["kind"] == "hold" for s in steps) else "rep"
        part, reps = 1, 0
        for step in steps:
            if step["kind"] == "switch-side":
                found.append((k, item["exercise"], part, reps))
                part, reps = part + 1, 0
            elif step["kind"] == closing:
                reps += 1
        found.append((k, item["exercise"], part, reps))
    return found


def sequences(tables: dict[str, Any]) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """A synthetic set for every part of every exercise the camera measures, and each item's ground truth."""
    catalogue = content.catalogue()
    out: dict[str, Any] = {}
    truth: dict[int, dict[str, Any]] = {}
    for k, exercise, part, reps in parts(tables):
        rules = catalogue.get(exercise).camera
        if rules is None or not rules.reliable or reps == 0:
            continue
        holds = tables["items"][k]["prescription"]["hold_s"] is not None
        options = Options(reps=(reps, reps), partial_rate=0.0, fps=(30.0, 30.0))
        session = generate(exercise, rules, holds, seed=1000 * k + part, options=options)
        out[f"{exercise}:{part}"] = session
        out.setdefault("framing", {**session, "frames": session["frames"][:1]})
        mine = truth.setdefault(k, {"reps": 0, "held": 0.0, "holds": 0, "flags": Counter()})
        mine["reps"] += session["truth"]["reps"]
        mine["held"] += session["truth"]["held_seconds"] if holds and rules.hold else 0.0
        mine["holds"] += session["truth"]["reps"] if holds and rules.hold else 0
        mine["flags"].update(f["code"] for f in session["truth"]["faults"])
    return out, truth


def waits(page: Any, condition: str, seconds: int, failure: str) -> None:
    """Waits for `condition`; if it does not come, fails saying what the Player showed."""
    try:
        page.wait_for_function(condition, timeout=seconds * 1000)
    except PlaywrightTimeout:
        seen = page.evaluate(
            "() => ({status: document.getElementById('camera-status').textContent, counted: window.countedMost,"
            " part: document.getElementById('camera').dataset.part, step: document.getElementById('live')"
            ".textContent.trim().slice(0, 200)})"
        )
        raise AssertionError(f"{failure} in {seconds} s: {seen}") from None


def route_synthetic_worker(
    context: Any, data: dict[str, Any], *, frame_ms: float = 1000 / 30, silent_from: int = 0
) -> None:
    """`frame_ms`: the camera's time between two poses; `silent_from`: from the part with this number on (1 is the
    first), the worker answers no frame (0: never)."""
    body = SYNTHETIC_WORKER % {"pace": PACE, "lead": LEAD_S * 1000, "frame": frame_ms, "silent": silent_from}
    context.route(
        "**/static/js/camera/pose-worker.js",
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=body),
    )
    payload = json.dumps(data)
    context.route(
        "**/synthetic/sequences.json",
        lambda route: route.fulfill(status=200, content_type="application/json", body=payload),
    )


@pytest.mark.slow
@SQLITE
def test_the_camera_counts_the_repetitions_and_holds_of_the_whole_session(
    browser: Any, server: str, tmp_path: Path
) -> None:
    needs_pose(webcam=False)
    folder = output_folder("web")
    with webcam(browser, clip(tmp_path)) as camera_browser:
        context = camera_browser.new_context(viewport=PHONE, service_workers="block")
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_up(page, server, "camera@example.org")

        page.goto(f"{server}/player?speed=60")
        tables = json.loads(page.locator("#runner-tables").text_content() or "{}")
        data, truth = sequences(tables)
        assert truth, "today's plan has an exercise the camera measures"
        route_synthetic_worker(context, data)
        context.add_init_script(WATCH_PART)
        page.goto(f"{server}/player?speed=60")
        switch = page.get_by_role("switch", name="Use camera")
        switch.check()
        page.get_by_label("How much does your back hurt right now?").select_option("3")
        page.get_by_role("button", name="Start").click()
        page.wait_for_selector("#camera.checking")
        page.wait_for_function("() => document.querySelector('#camera-outline').width > 0")
        page.wait_for_function("() => document.getElementById('camera-status').textContent === 'Looks good'")
        page.screenshot(path=str(folder / "camera-player-framing-phone.png"))
        page.wait_for_selector("#live:not([hidden])")
        waits(page, "() => window.countedMost >= 2", 60, "no second repetition counted")
        page.screenshot(path=str(folder / "camera-player-counted-phone.png"), full_page=True)
        waits(page, "() => !document.getElementById('after').hidden", 300, "the session did not end")
        page.get_by_label("How much does your back hurt now?").select_option("2")
        page.get_by_role("button", name="Save").click()
        page.wait_for_selector("#done:not([hidden])")
        page.wait_for_function("() => document.getElementById('sync').textContent === 'All saved.'", timeout=20_000)
        [session] = api_sessions(page, server)
        model_states = set(page.evaluate("() => [...window.modelStates]"))
        context.close()

    assert "partial" not in session
    # The model rests through an exercise on the timer, and reads through every one the camera measures.
    for k, item in enumerate(session["items"]):
        assert f"{item['exercise']}:{'reading' if k in truth else 'resting'}" in model_states, (k, model_states)
    for k, item in enumerate(session["items"]):
        if k not in truth:
            assert "camera" not in item, item
            continue
        camera = item["camera"]
        assert camera["model"] == "lite"
        assert (
            camera["reps"]
            == truth[k]["reps"]
            == item["completed_reps"] * (2 if item["prescription"]["per_side"] else 1)
        )
        assert camera["partials"] == 0
        assert camera["flags"] == dict(truth[k]["flags"])
        if truth[k]["holds"]:
            # Within docs/camera.md's 0.3 s a hold, on the camera's clock (the person moves PACE times faster).
            assert camera["held_seconds"] > 0, camera
            assert abs(camera["held_seconds"] - truth[k]["held"] / PACE) <= 0.3 * truth[k]["holds"], camera
        else:
            assert camera["held_seconds"] is None
    origin = urlsplit(server)[:2]
    assert [u for u in requests if urlsplit(u)[:2] != origin] == []
    assert errors == []


def measured_parts(tables: dict[str, Any]) -> list[tuple[int, str]]:
    """The items the camera drives, in order, with each one's starting position."""
    catalogue = content.catalogue()
    found: list[tuple[int, str]] = []
    for k, item in enumerate(tables["items"]):
        exercise = catalogue.get(item["exercise"])
        if exercise.camera and exercise.camera.reliable and (item["prescription"]["holds_per_rep"] or 1) == 1:
            found.append((k, exercise.position))
    return found


@pytest.mark.slow
@SQLITE
def test_when_the_camera_loses_the_person_the_exercise_goes_on_on_the_timer(
    browser: Any, server: str, tmp_path: Path
) -> None:
    """The person holds still in the start position through the first exercise the camera drives (no repetition
    ever comes), and then the camera freezes (no picture at all): each time, after 20 s the exercise goes on on the
    timer instead of waiting for ever, and the record keeps what the camera counted, so the dose stays put."""
    needs_pose(webcam=False)
    with webcam(browser, clip(tmp_path)) as camera_browser:
        context = camera_browser.new_context(viewport=PHONE, service_workers="block")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_up(page, server, "lost@example.org", minutes=20)
        page.goto(f"{server}/player?speed=60")
        tables = json.loads(page.locator("#runner-tables").text_content() or "{}")
        driven = measured_parts(tables)
        (first, position), (second, same) = driven[0], driven[1]
        assert same == position, "the test wants the next exercise the camera drives in the same position"
        still, _ = sequences(tables)
        # Only the framing sequence (the first exercise's start position, still): every part plays it, and from the
        # second part on the worker answers nothing. A pose every quarter second: 20 s is 80 poses.
        route_synthetic_worker(context, {"framing": still["framing"]}, frame_ms=250, silent_from=2)
        context.add_init_script(WATCH_PART)
        page.goto(f"{server}/player?speed=60")
        page.get_by_role("switch", name="Use camera").check()
        # The full model, offered once the switch is on and the server has it; the choice is remembered.
        page.get_by_label("Camera model").select_option("full")
        page.reload()
        page.wait_for_function("() => document.getElementById('camera-model').value === 'full'")
        page.get_by_label("How much does your back hurt right now?").select_option("3")
        page.get_by_role("button", name="Start").click()
        names = [item["name"].lower() for item in json.loads(page.locator("#session-data").text_content())["items"]]
        for k in (first, second):
            words = f"The camera lost track of the {names[k]}, so the rest of it runs on the timer."
            waits(
                page,
                f"() => document.getElementById('camera-status').textContent === {json.dumps(words)}",
                120,
                f"the camera did not let the {names[k]} go",
            )
            # On a phone the panel is below the controls: what it says is also under the countdown, on the first
            # screen.
            echo = page.evaluate(
                "() => { const e = document.getElementById('camera-echo'); const box = e.getBoundingClientRect();"
                " return {text: e.textContent, shown: e.checkVisibility(), bottom: box.bottom + scrollY}; }"
            )
            assert echo["text"] == words
            assert echo["shown"]
            assert echo["bottom"] <= PHONE["height"], echo
            if k == first:
                page.screenshot(path=str(output_folder("web") / "camera-player-lost-phone.png"))
        page.get_by_role("button", name="More").click()
        page.get_by_role("button", name="Finish now").click()
        waits(page, "() => !document.getElementById('after').hidden", 60, "the session did not end")
        page.get_by_role("button", name="Save").click()
        page.wait_for_function("() => document.getElementById('sync').textContent === 'All saved.'", timeout=20_000)
        [session] = api_sessions(page, server)
        context.close()

    lost = session["items"][first]
    assert lost["camera"]["reps"] == 0, lost
    assert lost["camera"]["model"] == "full"
    # The timer ran the repetitions, but the count decides: unfinished, so the dose is not raised on it.
    assert lost["completed_reps"] == lost["prescription"]["reps"], lost
    assert errors == []


@contextmanager
def serve_without_runtime(tmp_path: Path) -> Iterator[str]:
    """`backcoach serve` with BACKCOACH_POSE_DIR on an empty folder: the camera coach is not installed."""
    (tmp_path / "no-pose").mkdir()
    with serve(tmp_path / "home", {"BACKCOACH_POSE_DIR": str(tmp_path / "no-pose")}) as base:
        yield base


@pytest.mark.slow
def test_the_switch_says_when_the_camera_coach_is_not_installed(browser: Any, tmp_path: Path) -> None:
    with serve_without_runtime(tmp_path) as base:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        sign_up(page, base, "no.camera@example.org")
        page.goto(f"{base}/player?speed=60")
        switch = page.get_by_role("switch", name="Use camera")
        # A click, not check(): the page may turn the switch off again before Playwright looks at it, which is the
        # point of the test.
        switch.click()
        page.wait_for_function(
            "() => document.getElementById('camera-note').textContent"
            " === 'The camera coach is not installed on this server.'"
        )
        assert not switch.is_checked()
        assert switch.is_disabled()
        # The page remembers the choice; the next visit checks again and stays off.
        page.reload()
        page.wait_for_function("() => document.getElementById('camera-switch').disabled")
        assert not page.get_by_role("switch", name="Use camera").is_checked()
        context.close()


@contextmanager
def webcam(browser: Any, clip: Path, *, allowed: bool = True) -> Iterator[Any]:
    """Another Chromium, from the same Playwright as the `browser` fixture (two sync Playwrights cannot run at once),
    with `clip` as its camera. Not allowed: no fake permission prompt, so Playwright answers the prompt with a
    refusal, as a person who says no."""
    args = [*BROWSER_ARGS, *WEBCAM_ARGS[: 2 if allowed else 1], f"--use-file-for-fake-video-capture={clip}"]
    instance = browser.browser_type.launch(executable_path=chromium(), args=args)
    try:
        yield instance
    finally:
        instance.close()


@pytest.mark.slow
@SQLITE
def test_a_refused_camera_falls_back_to_the_timer(browser: Any, server: str, tmp_path: Path) -> None:
    needs_pose(webcam=False)
    with webcam(browser, clip(tmp_path), allowed=False) as refusing:
        refused_session(refusing, server)


def refused_session(browser: Any, server: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_up(page, server, "refused@example.org")
    page.goto(f"{server}/player?speed=60")
    page.get_by_role("switch", name="Use camera").check()
    page.get_by_label("How much does your back hurt right now?").select_option("3")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("#live:not([hidden])")
    status = page.locator("#camera-status")
    assert status.text_content() == (
        "The camera was not allowed, so the session runs on the timer. You can allow it in the browser's site settings."
    )
    page.wait_for_selector("#after:not([hidden])", timeout=120_000)
    page.get_by_role("button", name="Save").click()
    page.wait_for_function("() => document.getElementById('sync').textContent === 'All saved.'", timeout=20_000)
    [session] = api_sessions(page, server)
    assert all("camera" not in item for item in session["items"])
    assert all(i["completed_reps"] == i["prescription"]["reps"] for i in session["items"])
    context.close()


# The runner's waits for the camera (runner.js: gate, wait, proceed), tried against the person's own commands: a
# wait never moves a boundary it should not, and never outlives its step.
RUNNER_WAITS = """
import { Runner } from "%(runner)s";
import assert from "node:assert/strict";
const tables = JSON.parse(%(tables)s);
const at = (runner) => runner.stepStart;
const d = (i) => tables.steps[i].duration_s;

// A step that may not end waits exactly at its end; the next starts when the wait ends, and the one after follows
// from there to the millisecond.
let open = false;
let r = new Runner(tables);
r.gate = (i) => i !== 1 || open;
r.start(0);
r.advance(d(0) + d(1) + 50);
assert.equal(r.index, 1);
assert.equal(r.waiting, true);
assert.equal(r.remaining(d(0) + d(1) + 50), 0);
assert.equal(r.deadline(), null);
open = true;
r.proceed(d(0) + d(1) + 7);
assert.equal(r.index, 2);
assert.equal(at(r), d(0) + d(1) + 7);
r.advance(d(0) + d(1) + 7 + d(2));
assert.equal(at(r), d(0) + d(1) + 7 + d(2));

// Paused while waiting: the clock runs again only when both the person and the camera let it.
open = false;
r = new Runner(tables);
r.gate = (i) => i !== 1 || open;
r.start(0);
r.advance(d(0) + d(1) + 1);
r.pause(d(0) + d(1) + 2);
open = true;
r.proceed(d(0) + d(1) + 3);
assert.equal(r.index, 1, "still paused");
r.resume(d(0) + d(1) + 10);
r.advance(d(0) + d(1) + 10);
assert.equal(r.index, 2);
assert.equal(at(r), d(0) + d(1) + 10);

// A hold's clock stopped mid-step keeps what is left, and the step ends that much later.
r = new Runner(tables);
r.start(0);
r.advance(d(0));
r.wait(d(0) + 0.5, 1);
assert.equal(r.remaining(d(0) + 9), d(1) - 0.5);
r.proceed(d(0) + 4.5);
assert.equal(r.deadline(), d(0) + d(1) + 4);

// A wait asked for after the step's time is up, or for a step already left, does nothing.
r = new Runner(tables);
r.start(0);
r.wait(d(0) + 1, 0);
assert.equal(r.waiting, false);
r.wait(1, 3);
assert.equal(r.waiting, false);

// Next during a wait: the next step starts now and does not wait.
open = false;
r = new Runner(tables);
r.gate = (i) => i !== 1 || open;
r.start(0);
r.advance(d(0) + d(1) + 1);
r.skipStep(d(0) + d(1) + 5);
assert.equal(r.index, 2);
assert.equal(r.waiting, false);
assert.equal(at(r), d(0) + d(1) + 5);
assert.equal(r.deadline(), d(0) + d(1) + 5 + d(2));
console.log("ok");
"""


def test_the_runner_waits_for_the_camera_without_moving_any_other_boundary() -> None:
    catalogue = content.catalogue()
    items = [(catalogue.get("straight-leg-raise"), resolve(Prescription(reps=2, hold_s=5)))]
    tables = session_tables(items)
    runner = Path(__file__).parents[2] / "src/backcoach/web/static/js/runner.js"
    script = RUNNER_WAITS % {"runner": runner.as_uri(), "tables": json.dumps(json.dumps(tables))}
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
