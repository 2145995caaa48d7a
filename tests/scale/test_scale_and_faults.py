"""Scale and faults: two server processes on one PostgreSQL database, a server killed mid-write, an old database."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from backcoach.app.runtime import create_runtime
from backcoach.domain.history import SessionRecord
from backcoach.settings import Settings
from backcoach.storage.engine import HEAD, current_revision, make_engine, upgrade
from tests.conftest import Clock
from tests.web.test_browser import free_port

pytestmark = [pytest.mark.slow, pytest.mark.databases]

PASSWORD = "a long enough password"


class Server:
    def __init__(self, database_url: str, home: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "BACKCOACH_HOME": str(home)}
        env.pop("BACKCOACH_DATABASE_URL", None)
        if not database_url.startswith("sqlite"):
            env["BACKCOACH_DATABASE_URL"] = database_url
        exe = Path(sys.executable).parent / "backcoach"
        self.process = subprocess.Popen(
            [str(exe), "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.base + "/api/v1/programs", timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the server did not start") from None
                time.sleep(0.1)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None

    def kill(self) -> None:
        # The whole process group: uvicorn and anything it started, at once, with no chance to clean up.
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def token_for(server: Server, email: str) -> str:
    server.call("POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD})
    status, body = server.call("POST", "/api/v1/auth/token", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return str(body["access_token"])


def session_body(n: int) -> dict[str, Any]:
    """A session record whose contents say which write it was, so a duplicate cannot hide."""
    return {
        "date": "2026-11-20",
        "pain_before": n % 11,
        "pain_after": n % 7,
        "items": [
            {
                "exercise": "bridge",
                "prescription": {"reps": 15, "sets": 3, "rest_s": 60},
                "completed_reps": n,
                "completed_sets": 1,
                "difficulty": "right",
            }
        ],
    }


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_server_processes_share_one_postgresql_database(
    servers: list[Server], database_url: str, tmp_path: Path
) -> None:
    one = Server(database_url, tmp_path / "one")
    servers.append(one)
    two = Server(database_url, tmp_path / "two")
    servers.append(two)

    token = token_for(one, "shared@example.org")
    status, created = one.call("POST", "/api/v1/sessions", session_body(7), token)
    assert status == 201
    status, read = two.call("GET", f"/api/v1/sessions/{created['id']}", token=token)
    assert status == 200, "a token issued by one process is honoured by the other"
    assert read["items"][0]["completed_reps"] == 7

    token_for(two, "guarded@example.org")
    wrong = {"email": "guarded@example.org", "password": "not the password"}
    codes = [(one if n % 2 else two).call("POST", "/api/v1/auth/token", wrong)[0] for n in range(5)]
    assert codes == [401] * 5
    right = {"email": "guarded@example.org", "password": PASSWORD}
    assert one.call("POST", "/api/v1/auth/token", right)[0] == 429, "failures counted across both processes"
    assert two.call("POST", "/api/v1/auth/token", right)[0] == 429


def test_a_killed_server_keeps_every_acknowledged_write_and_none_twice(
    servers: list[Server], database_url: str, tmp_path: Path
) -> None:
    server = Server(database_url, tmp_path / "home")
    servers.append(server)
    token = token_for(server, "writer@example.org")
    acknowledged: list[int] = []
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                status, _ = server.call("POST", "/api/v1/sessions", session_body(n), token)
            except (OSError, urllib.error.URLError, http.client.HTTPException):
                # Killed before or while answering (an answer cut off after its status line is no answer): this
                # write is not acknowledged, and the loop ends with the server.
                return
            if status == 201:
                acknowledged.append(n)

    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()
    stop.set()
    writer.join(timeout=15)
    assert len(acknowledged) >= 40

    again = Server(database_url, tmp_path / "home")
    servers.append(again)
    status, sessions = again.call("GET", "/api/v1/sessions", token=token)
    assert status == 200
    stored = [s["items"][0]["completed_reps"] for s in sessions]
    assert len(stored) == len(set(stored)), "a write was stored twice"
    missing = set(acknowledged) - set(stored)
    assert not missing, f"acknowledged but lost: {sorted(missing)}"
    assert len(stored) - len(acknowledged) <= 1, "at most the write in flight was stored without its answer"


def test_the_app_starts_on_a_database_from_an_older_migration(database_url: str, tmp_path: Path, clock: Clock) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    record = SessionRecord.model_validate(session_body(3))
    # Rows written the way revision 0001 knew them: today's models have columns that table lacks.
    with engine.begin() as conn:
        at = {"at": clock().replace(tzinfo=None) if engine.dialect.name == "sqlite" else clock()}
        conn.execute(text("INSERT INTO users (id, is_local, created_at) VALUES (1, true, :at)"), at)
        conn.execute(
            text(
                "INSERT INTO sessions (id, user_id, date, pain_before, pain_after, status, created_at) "
                "VALUES (1, 1, :date, 3, 3, 'complete', :at)"
            ),
            {**at, "date": record.date},
        )
        conn.execute(
            text(
                "INSERT INTO session_items (session_id, user_id, position, exercise, prescription, completed_reps, "
                "completed_sets, difficulty) VALUES (1, 1, 0, 'bridge', :rx, 3, 1, 'right')"
            ),
            {"rx": json.dumps({"reps": 15, "sets": 3, "rest_s": 60})},
        )
    with engine.connect() as conn:
        assert "preferences" not in [c["name"] for c in conn.dialect.get_columns(conn, "users")]
    engine.dispose()

    runtime = create_runtime(Settings(home=tmp_path / "home", database_url=database_url), clock=clock)
    try:
        assert current_revision(runtime.engine) == HEAD
        with runtime.unit(runtime.local_user()) as repo:
            [stored] = repo.sessions()
        assert stored.record == record
        with runtime.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM auth_tokens")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM outcomes")).scalar() == 0
    finally:
        runtime.dispose()
