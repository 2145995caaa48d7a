"""The camera coach's pose runtime: served by the app from the folder scripts/ensure-pose builds, and the real model
in the real browser on a fake webcam (docs/camera.md).

The browser test needs the pose runtime (scripts/ensure-pose) and the test photograph (scripts/ensure-test-media);
it skips without them unless BACKCOACH_REQUIRE_POSE is set, as `make test` sets it, and then fails.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from bench.camera import chromium, photo, pose_installed, probe, webcam_browser, write_y4m
from fastapi.testclient import TestClient

from backcoach.settings import POSE_RUNTIME, Settings, load_settings
from backcoach.web import pwa
from backcoach.web.app import CSP, create_app
from backcoach.web.camera import BASE, SERVED
from tests.browser import browser, output_folder
from tests.conftest import IN_CI, ROOT
from tests.web.test_browser import server

__all__ = ["browser", "server"]


def make_runtime(folder: Path, *, models: tuple[str, ...] = ("lite", "full")) -> None:
    """A pose folder as ensure-pose lays it out, with small stand-ins for the files' contents."""
    for name in SERVED:
        if name.startswith("models/") and not any(name.endswith(f"_{m}.task") for m in models):
            continue
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"contents of {name} ".encode() * 200)


@pytest.fixture
def camera_client(tmp_path: Path) -> Any:
    app = create_app(Settings(home=tmp_path / "home", pose_dir=tmp_path / "pose"))
    with TestClient(app, headers={"Accept-Encoding": "gzip"}) as client:
        yield client


def test_without_the_runtime_the_status_says_so_and_every_file_is_404(camera_client: TestClient) -> None:
    status = camera_client.get("/camera/status.json")
    assert status.status_code == 200
    assert status.json() == {"installed": False, "version": POSE_RUNTIME, "bundle": None, "wasm": None, "models": {}}
    assert status.headers["cache-control"] == "no-cache"
    for name in SERVED:
        assert camera_client.get(f"{BASE}/{name}").status_code == 404


def test_the_runtime_is_served_with_its_types_and_cached_for_good(camera_client: TestClient, tmp_path: Path) -> None:
    make_runtime(tmp_path / "pose")
    status = camera_client.get("/camera/status.json").json()
    assert status == {
        "installed": True,
        "version": POSE_RUNTIME,
        "bundle": f"{BASE}/tasks-vision/vision_bundle.mjs",
        "wasm": f"{BASE}/tasks-vision/wasm",
        "models": {m: f"{BASE}/models/pose_landmarker_{m}.task" for m in ("lite", "full")},
    }
    wasm = camera_client.get(f"{status['wasm']}/vision_wasm_module_internal.wasm")
    assert wasm.status_code == 200
    assert wasm.headers["content-type"] == "application/wasm"
    assert wasm.headers["cache-control"] == "public, max-age=31536000, immutable"
    # Seconds of CPU to gzip 11 MB of wasm for every browser: left to a proxy.
    assert "content-encoding" not in wasm.headers
    assert wasm.content == (tmp_path / "pose/tasks-vision/wasm/vision_wasm_module_internal.wasm").read_bytes()
    model = camera_client.get(status["models"]["lite"])
    assert model.headers["content-type"] == "application/octet-stream"
    assert "content-encoding" not in model.headers
    bundle = camera_client.get(status["bundle"])
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert bundle.headers["content-encoding"] == "gzip"


def test_only_the_runtimes_own_files_are_served(camera_client: TestClient, tmp_path: Path) -> None:
    make_runtime(tmp_path / "pose")
    (tmp_path / "pose" / "secret.txt").write_text("not for the web")
    (tmp_path / "home").mkdir(exist_ok=True)
    (tmp_path / "home" / "backcoach.db-copy").write_text("not for the web either")
    for path in (
        f"{BASE}/secret.txt",
        f"{BASE}/tasks-vision/package.json",
        f"{BASE}/models/pose_landmarker_heavy.task",
        f"{BASE}/../home/backcoach.db-copy",
        f"{BASE}/tasks-vision/../secret.txt",
        f"{BASE}/%2e%2e/secret.txt",
        "/camera/tasks-vision-0.10.36+pose-0.5.1675469404/tasks-vision/vision_bundle.mjs",
    ):
        response = camera_client.get(path)
        assert response.status_code == 404, path
        assert b"not for the web" not in response.content


def test_the_lite_model_alone_is_enough_and_the_status_names_only_what_exists(
    camera_client: TestClient, tmp_path: Path
) -> None:
    make_runtime(tmp_path / "pose", models=("lite",))
    status = camera_client.get("/camera/status.json").json()
    assert status["installed"] is True
    assert list(status["models"]) == ["lite"]
    assert camera_client.get(f"{BASE}/models/pose_landmarker_full.task").status_code == 404


def test_the_policy_allows_wasm_and_same_origin_workers_and_nothing_more() -> None:
    rules = dict(rule.strip().split(" ", 1) for rule in CSP.split(";"))
    assert rules["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert rules["worker-src"] == "'self'"
    assert rules["connect-src"] == "'self'"
    assert "unsafe-eval'" not in CSP.replace("'wasm-unsafe-eval'", "")
    assert "blob:" not in CSP
    assert "*" not in CSP


def test_the_service_worker_never_precaches_the_runtime() -> None:
    shell = pwa.shell()
    assert not [path for path in shell if path.startswith("/camera/") or path.endswith((".wasm", ".task"))]
    # The camera's own modules are small and precached with the rest of the app's scripts.
    assert "/static/js/camera/pose-worker.js" in shell


def test_the_setting_names_the_folder_ensure_pose_builds(tmp_path: Path) -> None:
    script = (ROOT / "scripts" / "ensure-pose").read_text()
    versions = dict(re.findall(r"^(TASKS_VISION_VERSION|POSE_VERSION)=(\S+)$", script, re.M))
    assert f"tasks-vision-{versions['TASKS_VISION_VERSION']}+pose-{versions['POSE_VERSION']}" == POSE_RUNTIME
    assert 'target="$cache/tasks-vision-$TASKS_VISION_VERSION+pose-$POSE_VERSION"' in script
    # 1.0.0 and later send usage metrics to Google: the pin must stay below it.
    assert versions["TASKS_VISION_VERSION"].startswith("0.")
    cache = tmp_path / "cache"
    settings = load_settings({"BACKCOACH_HOME": str(tmp_path), "XDG_CACHE_HOME": str(cache)})
    assert settings.pose_runtime == cache / "backcoach" / "pose" / POSE_RUNTIME
    chosen = load_settings({"BACKCOACH_HOME": str(tmp_path), "BACKCOACH_POSE_DIR": str(tmp_path / "elsewhere")})
    assert chosen.pose_runtime == tmp_path / "elsewhere"


def needs_pose(*, webcam: bool = True) -> None:
    if chromium() is None:
        if IN_CI:
            pytest.fail("Chromium is missing: `make test` installs Debian's chromium")
        pytest.skip("Chromium is not installed (make test installs it)")
    missing = []
    if not pose_installed():
        missing.append("the pose runtime (scripts/ensure-pose)")
    if webcam and not photo().is_file():
        missing.append("the test photograph (scripts/ensure-test-media)")
    if missing:
        reason = f"{' and '.join(missing)} not installed"
        if os.environ.get("BACKCOACH_REQUIRE_POSE"):
            pytest.fail(f"{reason}, and BACKCOACH_REQUIRE_POSE is set")
        pytest.skip(f"{reason}: `make test` installs them")


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_real_model_finds_the_body_on_a_fake_webcam_without_leaving_the_app(server: str, tmp_path: Path) -> None:
    needs_pose()
    clip = write_y4m(photo(), tmp_path / "webcam.y4m", frames=15)
    origin = urlsplit(server)
    with webcam_browser(clip) as browser:
        # The photograph faces the camera: the whole body is in view, and a side-on set-up asks the person to turn.
        lite = probe(
            browser, server, "lite", 15, {"position": "standing", "view": "any"}, output_folder("web") / "camera.png"
        )
        full = probe(browser, server, "full", 3, {"position": "standing"})

    for result in (lite, full):
        assert result["errors"] == []
        assert result["status"]["installed"] is True
        assert [(p["landmarks"], p["width"], p["height"]) for p in result["poses"]] == [(33, 548, 342)] * len(
            result["poses"]
        )
        assert all(p["ms"] > 0 for p in result["poses"])
        # Every request, the page's and the worker's, went to the app itself, and the runtime came from it whole.
        elsewhere = [u for u in result["requests"] if urlsplit(u)[:2] != origin[:2]]
        assert elsewhere == []
        paths = {urlsplit(u).path for u in result["requests"]}
        assert f"{BASE}/tasks-vision/wasm/vision_wasm_module_internal.wasm" in paths
    assert f"{BASE}/models/pose_landmarker_lite.task" in {urlsplit(u).path for u in lite["requests"]}
    assert f"{BASE}/models/pose_landmarker_full.task" in {urlsplit(u).path for u in full["requests"]}

    assert lite["framing"] == {"ok": True, "problems": []}
    assert [p["code"] for p in full["framing"]["problems"]] == ["turn-side-on"]
    landmarks = lite["last"]["landmarks"]
    # The photograph's player stands upright: head above hips above ankles, every landmark inside the frame.
    assert landmarks[0]["y"] < landmarks[23]["y"] < landmarks[27]["y"]
    assert all(0 <= p["x"] <= 1 and 0 <= p["y"] <= 1 for p in landmarks)


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_worker_names_the_models_when_asked_for_another(browser: Any, server: str) -> None:
    needs_pose(webcam=False)
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/")
    message = page.evaluate(
        """() => new Promise((resolve) => {
                const worker = new Worker("/static/js/camera/pose-worker.js", { type: "module" });
                worker.onmessage = (event) => resolve(event.data);
                worker.postMessage({ type: "init", model: "heavy" });
            })"""
    )
    context.close()
    assert message == {"type": "error", "message": 'no such pose model: "heavy"; the models are lite, full'}
