"""Page weight: bytes transferred (gzip, as a browser asks) for the Player page and every asset it loads."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from backcoach.app import safety
from backcoach.domain.screening import Answers
from backcoach.settings import Settings
from backcoach.web.app import create_app
from bench.common import save


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        app = create_app(Settings(home=Path(home)))
        client = TestClient(app, headers={"Accept-Encoding": "gzip"})
        form = client.get("/signup").text
        token = re.search(r'name="csrf" value="([^"]+)"', form)
        assert token
        client.post("/signup", data={"email": "w@example.org", "password": "weighing the page", "csrf": token.group(1)})
        # The Player needs a recent safety check before a session.
        runtime = app.state.runtime
        with runtime.accounts() as repo:
            found = repo.credentials("w@example.org")
        assert found is not None
        safety.take_screen(runtime, found.user_id, Answers(age=40))
        sizes: dict[str, int] = {}

        def fetch(path: str) -> str:
            response = client.get(path)
            response.raise_for_status()
            # The bytes on the wire: compressed when the server compressed them.
            sizes[path] = len(response.content) if "content-encoding" not in response.headers else len(response.read())
            raw = response.headers.get("content-length")
            if raw:
                sizes[path] = int(raw)
            body: str = response.text
            return body

        page = fetch("/player")
        assets = set(re.findall(r'(?:src|href)="(/static/[^"]+|/figures/[^"]+)"', page))
        data = re.search(r'<script type="application/json" id="session-data">(.*?)</script>', page, re.S)
        if data:
            assets |= {item["figure"] for item in json.loads(data.group(1))["items"]}
        for asset in sorted(assets):
            fetch(asset)
    total = sum(sizes.values())
    result = {"total_bytes": total, "total_kb": round(total / 1024, 1), "files": sizes}
    save("weight", result)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
