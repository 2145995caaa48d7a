"""`backcoach serve` with several workers: each worker listens on a socket of its own and takes its share of the
connections, every connection has TCP_NODELAY, and what one server process writes the next read through another
sees (the guard for the per-process plan cache, docs/architecture.md)."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from backcoach.cli.server import AccessLog, NoDelayHTTPProtocol

PASSWORD = "a long enough password"
EXE = Path(sys.executable).parent / "backcoach"
REQUEST_LINE = re.compile(r"^worker=(\d+) (\S+) (\S+) (\d{3}) \d+\.\dms$", re.MULTILINE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return result


class Server:
    """One `backcoach serve` process (and its workers), its stderr kept in a file."""

    def __init__(self, home: Path, database_url: str, *options: str) -> None:
        self.port = free_port()
        self.stderr = home.parent / f"serve-{self.port}.err"
        env = {**os.environ, "BACKCOACH_HOME": str(home)}
        env.pop("BACKCOACH_DATABASE_URL", None)
        if not database_url.startswith("sqlite"):
            env["BACKCOACH_DATABASE_URL"] = database_url
        with self.stderr.open("wb") as err:
            self.process = subprocess.Popen(
                [str(EXE), "serve", "--port", str(self.port), *options],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        wait_for("the server to answer", self.answers)

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the server stopped: {self.log()}")
        try:
            return self.call("GET", "/api/v1/programs")[0] == 200
        except OSError:
            return False

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = conn.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
        finally:
            conn.close()

    def log(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")

    def requests(self) -> list[tuple[int, str, str, int]]:
        return [(int(pid), method, path, int(status)) for pid, method, path, status in REQUEST_LINE.findall(self.log())]

    def listeners(self) -> int:
        """Listening sockets on the port, whoever holds them: one per worker with SO_REUSEPORT."""
        count = 0
        for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
            for line in table.read_text().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                count += state == "0A" and int(local.rsplit(":", 1)[1], 16) == self.port
        return count

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
                raise AssertionError("the server did not stop on SIGTERM") from None


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def requests_on_fresh_connections(server: Server, count: int, path: str) -> None:
    """`count` keep-alive connections open at once, one request on each."""
    conns = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=30) for _ in range(count)]
    try:
        for conn in conns:
            conn.connect()
        for conn in conns:
            conn.request("GET", path)
        for conn in conns:
            response = conn.getresponse()
            response.read()
            assert response.status == 200
    finally:
        for conn in conns:
            conn.close()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="per-worker sockets are Linux's SO_REUSEPORT")
def test_two_workers_each_listen_take_connections_and_are_replaced_when_they_die(
    servers: list[Server], tmp_path: Path
) -> None:
    server = Server(tmp_path / "home", "sqlite", "--workers", "2", "--access-log")
    servers.append(server)
    wait_for("a listening socket per worker", lambda: server.listeners() == 2)

    # The kernel hashes each new connection to one of the two sockets: all 32 on one has a chance of 2**-31.
    requests_on_fresh_connections(server, 32, "/api/v1/learn")

    def learn_requests() -> list[int]:
        return [pid for pid, *request in server.requests() if request == ["GET", "/api/v1/learn", 200]]

    workers = set(wait_for("32 request lines", lambda: len(learn_requests()) == 32 and learn_requests()))
    assert len(workers) == 2, server.log()
    assert all(parent_of(pid) == server.process.pid for pid in workers), "each line names a worker of the server"

    dead = min(workers)
    os.kill(dead, signal.SIGKILL)

    def a_replacement_answers() -> bool:
        try:
            requests_on_fresh_connections(server, 4, "/api/v1/learn")
        except OSError:
            return False  # reset: queued on the dead worker's socket before the kernel closed it
        return bool({pid for pid, *_ in server.requests()} - workers)

    wait_for("a new worker to answer", a_replacement_answers)
    assert server.listeners() == 2
    live = {pid for pid, *_ in server.requests() if is_running(pid)}
    assert dead not in live
    assert len(live) == 2

    server.stop()
    assert server.process.returncode == 0, server.log()
    assert not any(is_running(pid) for pid in live), "stopping the server stops its workers"


@pytest.mark.slow
def test_the_access_log_names_the_worker_and_leaves_out_query_strings(servers: list[Server], tmp_path: Path) -> None:
    server = Server(tmp_path / "home", "sqlite", "--access-log")
    servers.append(server)
    assert server.call("GET", "/api/v1/programs?secret=hunter2")[0] == 200
    assert server.call("GET", "/api/v1/no-such-thing")[0] == 404
    wait_for("two more lines", lambda: len(server.requests()) >= 3)
    assert server.requests()[-2:] == [
        (server.process.pid, "GET", "/api/v1/programs", 200),
        (server.process.pid, "GET", "/api/v1/no-such-thing", 404),
    ]
    assert "hunter2" not in server.log()


@pytest.mark.slow
def test_serve_refuses_a_port_that_is_taken(tmp_path: Path) -> None:
    """gunicorn's workers bind with SO_REUSEPORT, which would let a second server quietly share the port."""
    env = {**os.environ, "BACKCOACH_HOME": str(tmp_path / "home")}
    env.pop("BACKCOACH_DATABASE_URL", None)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(EXE), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


async def no_content(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def loops() -> list[Any]:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return ["asyncio", pytest.param("uvloop", marks=pytest.mark.skip(reason="uvloop is not installed"))]
    return ["asyncio", "uvloop"]


@pytest.mark.parametrize("loop", loops())
def test_every_connection_gets_tcp_nodelay_whoever_made_the_listening_socket(loop: str) -> None:
    # As uvicorn's supervisor makes it: protocol number 0, so asyncio leaves Nagle on, and nothing to inherit.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    assert listener.proto == 0
    assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
    config = uvicorn.Config(no_content, http=NoDelayHTTPProtocol, loop=loop, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        wait_for("the server to start", lambda: server.started or not thread.is_alive())
        assert thread.is_alive()
        host, port = listener.getsockname()
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", "/")
        assert conn.getresponse().status == 204
        # Kept alive, so the server still holds the accepted socket.
        [protocol] = list(server.server_state.connections)
        accepted = protocol.transport.get_extra_info("socket")
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        conn.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def test_the_access_log_counts_a_request_the_app_failed_as_500(capsys: pytest.CaptureFixture[str]) -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        raise AssertionError("nothing is sent")

    scope = {"type": "http", "method": "POST", "path": "/api/v1/sessions", "raw_path": b"/api/v1/sessions"}
    with pytest.raises(RuntimeError):
        asyncio.run(AccessLog(broken)(scope, receive, send))
    assert REQUEST_LINE.findall(capsys.readouterr().err) == [(str(os.getpid()), "POST", "/api/v1/sessions", "500")]


def token_for(server: Server, email: str) -> str:
    assert server.call("POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD})[0] == 201
    status, body = server.call("POST", "/api/v1/auth/token", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return str(body["access_token"])


def flared(plan: dict[str, Any]) -> dict[str, Any]:
    """Today's plan, done, and every exercise hurt: the next plan steps each of them down (docs/dosing.md, rule 7)."""

    def done(item: dict[str, Any]) -> dict[str, Any]:
        prescription = {k: v for k, v in item["prescription"].items() if v is not None}
        return {
            "exercise": item["exercise"],
            "rung": item["rung"],
            "prescription": prescription,
            "completed_reps": prescription.get("reps"),
            "completed_sets": prescription.get("sets", 1),
            "difficulty": "hard",
            "pain_during": 8,
        }

    items = [done(item) for item in plan["items"]]
    today = dt.datetime.now(dt.UTC).astimezone().date()  # the server's today: its local date (Runtime.today)
    return {"date": today.isoformat(), "pain_before": 2, "pain_after": 7, "items": items}


@pytest.mark.slow
@pytest.mark.databases
def test_a_plan_read_through_one_server_reflects_a_write_through_the_other(
    servers: list[Server], database_url: str, tmp_path: Path
) -> None:
    """Each server keeps its own process and whatever it caches; the database is all they share."""
    home = tmp_path / "home"
    a = Server(home, database_url)
    servers.append(a)
    b = Server(home, database_url)
    servers.append(b)
    token = token_for(a, "alice@example.org")

    def plan(server: Server) -> dict[str, Any]:
        status, body = server.call("GET", "/api/v1/plan", token=token)
        assert status == 200, body
        return dict(body)

    first = plan(b)
    assert plan(a) == first

    # A session through A, read through B.
    status, created = a.call("POST", "/api/v1/sessions", flared(first), token)
    assert status == 201, created
    after_session = plan(b)
    assert after_session != first
    assert after_session == plan(a)

    # A screen through B, read through A.
    status, screen = b.call("POST", "/api/v1/screening", {"age": 40, "worse_bending_backward": True}, token)
    assert status == 200, screen
    assert screen["excludes"]
    after_screen = plan(a)
    assert after_screen != after_session
    assert {e["exercise"] for e in after_screen["excluded"]} >= set(screen["excludes"])
    assert after_screen == plan(b)

    # Deleting the session through B, read through A.
    assert b.call("DELETE", f"/api/v1/sessions/{created['id']}", token=token)[0] == 204
    after_delete = plan(a)
    assert after_delete != after_screen
    assert after_delete == plan(b)

    # A red flag through A blocks the next plan through B; a clinician's clearance through B lets A plan again.
    assert a.call("POST", "/api/v1/red-flag", token=token)[0] == 200
    assert b.call("GET", "/api/v1/plan", token=token)[0] == 403
    assert a.call("GET", "/api/v1/plan", token=token)[0] == 403
    assert b.call("POST", "/api/v1/clearance", {"note": "Seen by Dr Jones: go ahead"}, token)[0] == 200
    cleared = plan(a)
    assert cleared == plan(b)

    assert not a.requests()
    assert not b.requests(), "no access log unless asked for"
