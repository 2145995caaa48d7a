"""How `backcoach serve` runs the web app: one process, or a supervisor and worker processes that each listen on
a socket of their own, with TCP_NODELAY on every connection and an optional access log.

Plain `uvicorn.run(workers=N)` has two faults that docs/deploy.md measures. Its supervisor binds the listening
socket itself, with the protocol number left at 0; accepted sockets inherit it, and asyncio sets TCP_NODELAY only
on sockets that say IPPROTO_TCP (https://github.com/Kludex/uvicorn/issues/3149). With Nagle's algorithm on, each
keep-alive response waits for the client's delayed ACK: 40 ms a request. And all workers accept from that one
socket, so whichever wakes first takes the connection, and keeps it for as long as the client keeps it alive.

So on Linux the workers are gunicorn's, each with a socket of its own bound with SO_REUSEPORT (gunicorn binds them
in the workers when `reuse_port` is set), and the kernel hashes each new connection to one of them. Every HTTP
connection sets TCP_NODELAY itself (`NoDelayHTTPProtocol`), whichever event loop and whoever made the socket.

The app is named by its import string, never imported here: the CLI and the web app are separate adapters
(pyproject.toml's import-linter contracts), and every worker builds its own app.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.importer import import_from_string
from uvicorn.protocols.http.auto import AutoHTTPProtocol

APP = "backcoach.web.app:app_factory"

# Linux hashes connections across the sockets of a SO_REUSEPORT group. macOS and the BSDs accept the option but do
# not balance with it (FreeBSD has SO_REUSEPORT_LB for that), so there the workers share one socket instead.
REUSEPORT_SPREADS = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")

# What uvicorn defaults to and the app was measured with; gunicorn's own default is 2 s.
KEEP_ALIVE_S = 5


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle's algorithm off for a TCP connection: responses are written as headers then body, and the
    second write must not wait for the client's delayed ACK of the first."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        # A client that has already gone leaves a socket that refuses options; the protocol notices on its own.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """uvicorn's HTTP protocol (httptools when installed, else h11), with TCP_NODELAY set on every connection."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        set_nodelay(transport)
        super().connection_made(transport)


class AccessLog:
    """One line per request on stderr, naming the worker process: `worker=<pid> GET /api/v1/plan 200 3.1ms`.

    The path is the raw one, still percent-encoded and without the query string: a line cannot be split by what a
    client sends, and query strings stay out of the log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.pid = os.getpid()  # built in the worker, so this is the worker's pid

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before it starts a response

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
            ms = (time.perf_counter() - started) * 1000
            # Python's stderr is line-buffered (or unbuffered): one write per line, so workers sharing a file never
            # split each other's lines.
            sys.stderr.write(f"worker={self.pid} {scope['method']} {path} {status} {ms:.1f}ms\n")


def build_app(access_log: bool) -> ASGIApp:
    app: ASGIApp = import_from_string(APP)()
    return AccessLog(app) if access_log else app


def app_with_access_log() -> ASGIApp:
    """For uvicorn, which takes the app as an import string when it starts workers itself."""
    return build_app(access_log=True)


def serve(host: str, port: int, workers: int, access_log: bool) -> None:
    """Serve until SIGINT or SIGTERM. The database must be migrated already (workers only check it), and the port
    checked with `check_free`."""
    if workers > 1 and REUSEPORT_SPREADS:
        _serve_with_gunicorn(host, port, workers, access_log)
        return
    import uvicorn

    # One worker: uvicorn in this process. Elsewhere than Linux: uvicorn's supervisor and its one shared socket.
    uvicorn.run(
        f"{__name__}:app_with_access_log" if access_log else APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=NoDelayHTTPProtocol,
        proxy_headers=True,
        access_log=False,
        log_level="warning",
    )


def check_free(host: str, port: int) -> None:
    """Raise OSError if the address is taken. gunicorn's workers bind with SO_REUSEPORT, which would let a second
    `backcoach serve` on the same port join the first's group and take half its connections; a plain bind fails."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.create_server((host, port), family=family):
        pass


def _serve_with_gunicorn(host: str, port: int, workers: int, access_log: bool) -> None:
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
    from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]

    class Worker(UvicornWorker):  # type: ignore[misc]
        CONFIG_KWARGS = {"loop": "auto", "http": NoDelayHTTPProtocol, "access_log": False}  # noqa: RUF012

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings: dict[str, Any] = {
                "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
                "workers": workers,
                "worker_class": Worker,
                "reuse_port": True,
                "keepalive": KEEP_ALIVE_S,
                "loglevel": "warning",
                # gunicorn's control socket (for gunicornc) would be one file in $HOME for every instance.
                "control_socket_disable": True,
            }
            for name, value in settings.items():
                self.cfg.set(name, value)

        def load(self) -> ASGIApp:
            return build_app(access_log)

    Server().run()
