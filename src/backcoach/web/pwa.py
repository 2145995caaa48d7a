"""The installable, offline web app: the web app manifest, the service worker and its offline pages (docs/pwa.md).

The service worker's source is `static/js/sw.js`; `/sw.js` serves it from the site's root (a worker controls only
the paths under its own URL) with its configuration put in front: the cache version and the app shell to precache.
The version is the app's version and a digest of the package's files, so any change to what the app serves (a
script, a style, a template, the figures' drawing code) makes a new worker, which replaces the old caches. It is
worked out once per process, on the first request for the worker, never at import.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from backcoach import __version__
from backcoach.domain import screening
from backcoach.web.pages import templates

router = APIRouter(include_in_schema=False)

PACKAGE = Path(__file__).resolve().parent.parent
STATIC = Path(__file__).parent / "static"
WORKER_SOURCE = STATIC / "js" / "sw.js"

# The colors of static/css/site.css in its light scheme: --accent for the browser's frame, --bg for the splash.
THEME_COLOUR = "#1f7a57"
BACKGROUND_COLOUR = "#fbfbf9"

ICONS: list[dict[str, str]] = [
    {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {"src": "/static/icons/maskable-192.png", "sizes": "192x192", "type": "image/png", "purpose": "maskable"},
    {"src": "/static/icons/maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    {"src": "/static/favicon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
]
APPLE_TOUCH_ICON = "/static/icons/apple-touch-icon.png"
"""180 px, opaque and full-bleed: iOS rounds the corners itself and fills transparency with black."""

# Files the package holds that make up what the app serves. Compiled bytecode is left out: it differs between
# machines for the same source.
DIGESTED = {".py", ".html", ".css", ".js", ".svg", ".png", ".toml", ".json", ".mako"}


def manifest() -> dict[str, Any]:
    return {
        "id": "/today",
        "name": "backcoach",
        "short_name": "backcoach",
        "description": "A home coach for lower-back strengthening and stretching exercises. Not medical advice.",
        "lang": "en",
        "start_url": "/today",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["health", "fitness"],
        "icons": ICONS,
    }


def digest(folder: Path) -> str:
    """A digest of every served file under `folder`, by relative path and content."""
    sha = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in DIGESTED):
        if "__pycache__" in path.parts:
            continue
        sha.update(path.relative_to(folder).as_posix().encode())
        sha.update(b"\0")
        sha.update(path.read_bytes())
        sha.update(b"\0")
    return sha.hexdigest()[:16]


def shell(static: Path = STATIC) -> list[str]:
    """What the worker precaches at install: every static file (styles, modules, icons, the favicon) but the
    worker's own source, and the offline pages."""
    files = sorted(
        "/static/" + p.relative_to(static).as_posix()
        for p in static.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p != static / "js" / "sw.js"
    )
    return [*files, "/offline", "/offline/stop", "/manifest.webmanifest"]


@cache
def worker() -> tuple[bytes, str]:
    """The worker's script and its version, built on first use and kept for the life of the process."""
    version = f"{__version__}-{digest(PACKAGE)}"
    config = {"version": version, "shell": shell()}
    # The configuration is one line in front of the source, so sw.js itself stays plain, readable JavaScript.
    head = f"const CONFIG = {json.dumps(config)};\n"
    return (head + WORKER_SOURCE.read_text(encoding="utf-8")).encode(), version


@router.get("/manifest.webmanifest")
def web_manifest() -> Response:
    body = json.dumps(manifest(), indent=1)
    return Response(body, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


@router.get("/sw.js")
def service_worker(request: Request) -> Response:
    body, version = worker()
    etag = f'"{version}"'
    # no-cache: the browser asks every time whether the worker changed, so a release reaches it on the next visit.
    headers = {"Cache-Control": "no-cache", "ETag": etag, "X-Backcoach-Worker-Version": version}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/javascript", headers=headers)


@router.get("/offline", response_class=HTMLResponse)
def offline(request: Request) -> HTMLResponse:
    """What the worker shows for a page it has no copy of while the network is down."""
    return templates().TemplateResponse(request, "offline.html", {"stopped": False})


@router.get("/offline/stop", response_class=HTMLResponse)
def offline_stop(request: Request) -> HTMLResponse:
    """What the worker shows instead of Today and the Player after a warning sign was reported with no network,
    until the server has recorded it."""
    advice = screening.pre_session_red_flag().advice
    return templates().TemplateResponse(request, "offline.html", {"stopped": True, "advice": advice})
