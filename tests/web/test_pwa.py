"""The installable web app in-process: the manifest, its icons, the service worker's script and version, the offline
pages, and what signing out tells the browser (docs/pwa.md). The worker itself runs in tests/web/test_offline.py."""

from __future__ import annotations

import json
import re
import shutil
import struct
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from backcoach import __version__
from backcoach.web import pwa
from tests.web.test_pages import browser_user, page_csrf

ICONS = pwa.STATIC / "icons"


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its header chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG file"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def css_colour(name: str) -> str:
    """A colour of site.css's light scheme (its first :root block)."""
    css = (pwa.STATIC / "css" / "site.css").read_text(encoding="utf-8")
    root = css[css.index(":root") : css.index("}", css.index(":root"))]
    found = re.search(rf"{name}:\s*(#[0-9a-fA-F]{{6}})", root)
    assert found, name
    return found.group(1).lower()


def test_the_manifest_describes_an_installable_app(client: TestClient) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "backcoach"
    assert manifest["short_name"]
    assert "Not medical advice" in manifest["description"]
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/today", "/", "standalone")
    assert manifest["theme_color"] == css_colour("--accent") == "#1f7a57"
    assert manifest["background_color"] == css_colour("--bg") == "#fbfbf9"


def test_every_icon_has_the_size_the_manifest_gives(client: TestClient) -> None:
    icons = client.get("/manifest.webmanifest").json()["icons"]
    for icon in icons:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon
        assert response.headers["content-type"].startswith(icon["type"]), icon
        if icon["type"] == "image/png":
            width, height = png_size(response.content)
            assert icon["sizes"] == f"{width}x{height}", icon
        else:
            assert icon == {"src": "/static/favicon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}
    offered = {(i["purpose"], i["sizes"]) for i in icons}
    assert {("any", "192x192"), ("any", "512x512"), ("maskable", "512x512"), ("any", "any")} <= offered


def test_every_icon_file_is_offered(client: TestClient) -> None:
    listed = {i["src"] for i in client.get("/manifest.webmanifest").json()["icons"]}
    head = client.get("/").text.split("</head>")[0]
    for path in sorted(ICONS.iterdir()):
        url = f"/static/icons/{path.name}"
        if path.name == "apple-touch-icon.png":
            assert f'<link rel="apple-touch-icon" href="{url}">' in head
            assert png_size(path.read_bytes()) == (180, 180)
        else:
            assert url in listed, f"{path.name} is in icons/ but not in the manifest"


def test_maskable_icons_keep_the_figure_inside_the_safe_zone() -> None:
    """A launcher may cut a maskable icon to any shape that holds the central circle of 80% of its width: outside
    that circle there must be only the background, which must reach every edge (no transparent corners)."""
    for name in ("maskable-192.png", "maskable-512.png", "apple-touch-icon.png"):
        with Image.open(ICONS / name) as opened:
            image = opened.convert("RGBA")
        size = image.width
        raw = image.tobytes()
        pixels = [tuple(raw[i : i + 4]) for i in range(0, len(raw), 4)]
        background = pixels[0]
        assert background[3] == 255, f"{name}: opaque corners"
        assert "#{:02x}{:02x}{:02x}".format(*background[:3]) == css_colour("--accent")
        centre, radius = (size - 1) / 2, 0.4 * size
        outside = [
            (i % size, i // size)
            for i, pixel in enumerate(pixels)
            if pixel != background and (i % size - centre) ** 2 + (i // size - centre) ** 2 > radius**2
        ]
        assert outside == [], f"{name}: the figure reaches outside the safe zone at {outside[:5]}"
        white = pixels.count((255, 255, 255, 255))
        assert white > size * size / 20, f"{name}: the figure is drawn"


def test_every_page_links_the_manifest_and_registers_the_worker(client: TestClient) -> None:
    for path in ("/", "/signin", "/learn"):
        head = client.get(path).text.split("</head>")[0]
        assert '<link rel="manifest" href="/manifest.webmanifest">' in head, path
        assert '<meta name="theme-color" content="#1f7a57" media="(prefers-color-scheme: light)">' in head, path
        assert '<script type="module" src="/static/js/pwa.js"></script>' in head, path
    # The policy allows a worker and a manifest from this origin: neither is narrowed beyond default-src 'self'.
    csp = client.get("/").headers["content-security-policy"]
    assert "default-src 'self'" in csp
    # worker-src, when given, is that same 'self' (the camera coach's pose worker, docs/camera.md).
    assert "worker-src" not in csp.replace("worker-src 'self';", "")
    assert "manifest-src" not in csp


def config_of(script: str) -> dict[str, Any]:
    first, _, _ = script.partition("\n")
    assert first.startswith("const CONFIG = ")
    assert first.endswith(";")
    config: dict[str, Any] = json.loads(first.removeprefix("const CONFIG = ").removesuffix(";"))
    return config


def test_the_worker_is_served_from_the_root_never_from_a_stale_copy(client: TestClient) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "text/javascript"
    assert response.headers["cache-control"] == "no-cache"
    version = response.headers["x-backcoach-worker-version"]
    assert re.fullmatch(rf"{re.escape(__version__)}-[0-9a-f]{{16}}", version)
    assert response.headers["etag"] == f'"{version}"'
    assert config_of(response.text)["version"] == version
    assert response.text.endswith(pwa.WORKER_SOURCE.read_text(encoding="utf-8"))
    again = client.get("/sw.js", headers={"If-None-Match": f'"{version}"'})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"
    assert client.get("/sw.js", headers={"If-None-Match": '"0.0.0-old"'}).status_code == 200


def test_the_worker_precaches_the_whole_shell(client: TestClient) -> None:
    shell = config_of(client.get("/sw.js").text)["shell"]
    files = {
        "/static/" + p.relative_to(pwa.STATIC).as_posix()
        for p in pwa.STATIC.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert set(shell) == (files - {"/static/js/sw.js"}) | {"/offline", "/offline/stop", "/manifest.webmanifest"}
    for url in shell:
        assert client.get(url).status_code == 200, url


def test_the_version_changes_with_any_served_file_and_only_then(tmp_path: Path) -> None:
    package = tmp_path / "backcoach"
    shutil.copytree(pwa.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    first = pwa.digest(package)
    assert pwa.digest(package) == first
    cache = package / "web" / "__pycache__"
    cache.mkdir()
    (cache / "pwa.cpython-311.pyc").write_bytes(b"compiled")
    assert pwa.digest(package) == first, "bytecode is not what the app serves"
    for changed in ("web/static/css/site.css", "web/templates/today.html", "render/figures.py"):
        path = package / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert pwa.digest(package) != first, changed
        path.write_bytes(original)
    assert pwa.digest(package) == first


def test_the_offline_pages_name_nobody(client: TestClient) -> None:
    offline = client.get("/offline")
    assert offline.status_code == 200
    assert "You are offline" in offline.text
    assert 'href="/today"' in offline.text
    stop = client.get("/offline/stop")
    assert stop.status_code == 200
    assert "Please do not exercise" in stop.text
    assert "Get emergency care now" in stop.text
    for page in (offline, stop):
        assert "csrf" not in page.text
        assert "set-cookie" not in page.headers


def test_signing_out_and_deleting_the_account_empty_the_http_cache(app: Any) -> None:
    user = browser_user(app, "leaving@example.org")
    signed_out = user.post("/signout", data={"csrf": page_csrf(user)})
    assert signed_out.status_code == 303
    assert signed_out.headers["clear-site-data"] == '"cache"', 'never "storage": it would drop unsent sessions'
    user = browser_user(app, "deleting@example.org")
    deleted = user.post("/account/delete", data={"csrf": page_csrf(user), "confirm": "delete"})
    assert deleted.status_code == 303
    assert deleted.headers["clear-site-data"] == '"cache"'
