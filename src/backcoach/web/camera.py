"""The camera coach's pose runtime, served from the folder scripts/ensure-pose builds (docs/camera.md).

The app never fetches any of it: without that folder every file is 404 and the status says it is not installed.
The files' URLs carry the runtime's versions, so they are cached for a year and never asked for again; only the
status is asked for each time. Everything runs in the browser: nothing here receives a frame or a landmark.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse

from backcoach.settings import POSE_RUNTIME

router = APIRouter(include_in_schema=False)

BASE = f"/camera/{POSE_RUNTIME}"
MODELS = ("lite", "full")
# The only files served, by their path under the runtime's folder: the Tasks API's module bundle, the wasm loader
# and binary pairs it picks between (the module pair in a module worker; SIMD or not on a page), and the models.
SERVED: dict[str, str] = {
    "tasks-vision/vision_bundle.mjs": "text/javascript",
    **{
        f"tasks-vision/wasm/vision_wasm{kind}_internal.{ext}": media
        for kind in ("", "_module", "_nosimd")
        for ext, media in (("js", "text/javascript"), ("wasm", "application/wasm"))
    },
    **{f"models/pose_landmarker_{model}.task": "application/octet-stream" for model in MODELS},
}
# Large binaries gain little from gzip (the models are weights) or cost seconds of CPU per request (the wasm), and a
# proxy in front can compress them once; app.py leaves these types uncompressed.
UNCOMPRESSED = ("application/wasm", "application/octet-stream")
IMMUTABLE = "public, max-age=31536000, immutable"


def folder(request: Request) -> Path:
    path: Path = request.app.state.runtime.settings.pose_runtime
    return path


def status(root: Path) -> dict[str, Any]:
    """What the Player needs to know before it offers the camera: whether the runtime is there, and where."""
    models = [m for m in MODELS if (root / f"models/pose_landmarker_{m}.task").is_file()]
    runtime = all((root / name).is_file() for name in SERVED if not name.startswith("models/"))
    installed = runtime and "lite" in models
    return {
        "installed": installed,
        "version": POSE_RUNTIME,
        "bundle": f"{BASE}/tasks-vision/vision_bundle.mjs" if installed else None,
        "wasm": f"{BASE}/tasks-vision/wasm" if installed else None,
        "models": {m: f"{BASE}/models/pose_landmarker_{m}.task" for m in models} if installed else {},
    }


@router.get("/camera/status.json")
def camera_status(request: Request) -> JSONResponse:
    # no-cache: `make run` may build the runtime after a page first asked.
    return JSONResponse(status(folder(request)), headers={"Cache-Control": "no-cache"})


@router.get("/camera/{version}/{name:path}")
def camera_file(request: Request, version: str, name: str) -> FileResponse:
    media = SERVED.get(name)
    path = folder(request) / name
    if version != POSE_RUNTIME or media is None or not path.is_file():
        raise HTTPException(404, f"no such camera file: {version}/{name} (scripts/ensure-pose installs them)")
    return FileResponse(path, media_type=media, headers={"Cache-Control": IMMUTABLE})
