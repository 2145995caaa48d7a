"""The camera coach's pose runtime in headless Chromium on a fake webcam: frames per second and inference time.

Not a test: `make bench` runs it (or `.venv/bin/python -m bench.camera`) after scripts/ensure-pose and
scripts/ensure-test-media. It serves the app with `backcoach serve`, makes a webcam clip of the photograph that
ensure-test-media extracts, starts Debian's Chromium with that clip as its camera, and runs the real camera.js and
pose-worker.js on a page of the app for each model, writing bench/results/camera.json. The browser test
(tests/web/test_camera_model.py) drives the same harness.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image

from bench.common import save

TEST_MEDIA_VERSION = "4.6.0+dfsg-12"
# Chromium's fake camera plays a file in a loop, at the frame rate its header gives; 30 frames a second leaves the
# model, not the clip, as the limit (the target is 20).
FPS = 30
# Debian's /usr/bin/chromium is a wrapper script; Playwright needs the browser binary itself.
CHROMIUM = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
WEBCAM_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Runs on a page of the app: the camera (the fake one), the worker and the model, as the Player will; returns the
# first `count` pose messages' figures, the last one whole, and the framing judged on it for the set-up given.
PROBE = """
async ({model, count, setup, overlay}) => {
  const { startCamera, cameraStatus } = await import("/static/js/camera/camera.js");
  const { judgeFraming } = await import("/static/js/camera/framing.js");
  const status = await cameraStatus();
  const video = document.createElement("video");
  document.body.append(video);
  const opened = performance.now();
  const camera = await startCamera({ model, video });
  const ready = performance.now();
  const poses = [];
  const errors = [];
  await new Promise((resolve) => {
    const off = camera.subscribe((message) => {
      if (message.type === "error") errors.push(message.message);
      if (message.type !== "pose") return;
      poses.push({ ...message, received: performance.now() });
      if (poses.length >= count) { off(); resolve(); }
    });
  });
  const last = poses[poses.length - 1];
  if (overlay) {
    // The last frame with the landmarks the model found on it, for a person to look at.
    const canvas = document.createElement("canvas");
    canvas.id = "pose-overlay";
    canvas.width = last.width;
    canvas.height = last.height;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#ff2d55";
    for (const p of last.landmarks || []) {
      ctx.beginPath();
      ctx.arc(p.x * canvas.width, p.y * canvas.height, 4, 0, 2 * Math.PI);
      ctx.fill();
    }
    document.body.prepend(canvas);
  }
  camera.stop();
  return {
    status,
    init_ms: ready - opened,
    poses: poses.map((p) => ({ t: p.t, received: p.received, width: p.width, height: p.height,
                               landmarks: p.landmarks ? p.landmarks.length : 0, ms: p.ms })),
    last,
    framing: judgeFraming(last, setup),
    stats: camera.stats,
    errors,
  };
}
"""


def pose_folder() -> Path:
    from backcoach.settings import load_settings

    return load_settings().pose_runtime


def pose_installed() -> bool:
    from backcoach.web.camera import status

    return bool(status(pose_folder())["installed"])


def photo() -> Path:
    """Where scripts/ensure-test-media puts messi5.jpg (the same rule as that script)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "backcoach-dev" / "test-media" / f"opencv-doc-{TEST_MEDIA_VERSION}" / "messi5.jpg"


def write_y4m(jpeg: Path, target: Path, *, frames: int = FPS, fps: int = FPS) -> Path:
    """A YUV4MPEG2 clip of one still image: a text header, then each frame as `FRAME` and the raw planes, Y at full
    size and Cb and Cr at half width and height (4:2:0). Pillow's YCbCr is JPEG's full range, hence C420jpeg."""
    image = Image.open(jpeg).convert("RGB")
    width, height = image.width // 2 * 2, image.height // 2 * 2
    image = image.crop((0, 0, width, height))
    y, cb, cr = image.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = (
        y.tobytes() + cb.resize(half, Image.Resampling.BOX).tobytes() + cr.resize(half, Image.Resampling.BOX).tobytes()
    )
    with target.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(planes)
    return target


def chromium() -> str | None:
    return next((c for c in CHROMIUM if Path(c).exists()), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(home: Path, extra: dict[str, str] | None = None) -> Iterator[str]:
    """A real `backcoach serve` process on a free port, with its own home (and `extra` in its environment); yields
    its base URL."""
    port = free_port()
    env = {**os.environ, "BACKCOACH_HOME": str(home), **(extra or {})}
    env.pop("BACKCOACH_DATABASE_URL", None)
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


@contextmanager
def webcam_browser(clip: Path) -> Iterator[Any]:
    """Debian's Chromium with `clip` as its only camera, allowed without asking."""
    from playwright.sync_api import sync_playwright

    path = chromium()
    assert path is not None, "Chromium is missing: apt-get install chromium"
    args = [*BROWSER_ARGS, *WEBCAM_ARGS, f"--use-file-for-fake-video-capture={clip}"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=args)
        try:
            yield browser
        finally:
            browser.close()


def probe(
    browser: Any, base: str, model: str, count: int, setup: dict[str, str], screenshot: Path | None = None
) -> dict[str, Any]:
    """The PROBE on the app's landing page in a fresh context, with every request the context made (the page's
    and its workers') and every error the page or a worker reported."""
    context = browser.new_context()
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The wasm runtime writes its log to stderr, which reaches the console as errors; "INFO:" lines are not.
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" and not msg.text.startswith("INFO:") else None,
    )
    page.goto(base + "/")
    try:
        arguments = {"model": model, "count": count, "setup": setup, "overlay": screenshot is not None}
        result: dict[str, Any] = page.evaluate(PROBE, arguments)
        if screenshot is not None:
            page.locator("#pose-overlay").screenshot(path=str(screenshot))
    finally:
        context.close()
    result["requests"] = requests
    result["errors"] = [*result["errors"], *errors]
    return result


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(result: dict[str, Any], warm_up: int) -> dict[str, Any]:
    """Frames per second from when the poses arrived (after the first `warm_up`, while the model settles), and
    the worker's inference time per frame."""
    poses = result["poses"][warm_up:]
    span = (poses[-1]["received"] - poses[0]["received"]) / 1000
    ms = [p["ms"] for p in poses]
    return {
        "frames": len(poses),
        "frames_per_second": round((len(poses) - 1) / span, 1),
        "ms_per_frame_median": round(statistics.median(ms), 1),
        "ms_per_frame_p95": round(percentile(ms, 0.95), 1),
        "init_ms": round(result["init_ms"]),
        "frames_with_33_landmarks": sum(p["landmarks"] == 33 for p in poses),
        "frames_dropped": result["stats"]["dropped"],
        "frame_size": f"{poses[0]['width']}x{poses[0]['height']}",
    }


def run(frames: int = 300, warm_up: int = 30) -> dict[str, Any]:
    assert pose_installed(), "the pose runtime is missing: run scripts/ensure-pose"
    assert photo().is_file(), "the test photograph is missing: run scripts/ensure-test-media"
    # The machine's load, before and after: on a shared 2-core machine other work takes the cores the model needs.
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        clip = write_y4m(photo(), Path(scratch) / "webcam.y4m")
        with serve(Path(scratch) / "home") as base, webcam_browser(clip) as browser:
            models = {}
            for model in ("lite", "full"):
                result = probe(browser, base, model, frames + warm_up, {"position": "standing", "view": "any"})
                models[model] = summary(result, warm_up)
    output = {
        "source": f"fake webcam: messi5.jpg (opencv-doc {TEST_MEDIA_VERSION}) looped at {FPS} frames a second",
        "browser": "Debian's Chromium, headless, CPU delegate, module worker",
        "target_lite_frames_per_second": 20,
        "cpus": os.cpu_count(),
        "load_average_1min": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "models": models,
    }
    save("camera", output)
    return output


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
