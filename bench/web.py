"""Web load (issue 13): wrk against `backcoach serve` on the issue's data set (bench/common.py), SQLite and
PostgreSQL. Writes bench/results/web.json; bench/report.py turns it into BENCHMARKS.md.

What is measured, and against what, in one run:
- GET /api/v1/plan with 2 workers at 64 connections (BENCH_ROUNDS rounds), each round next to GET /api/v1/me, the
  minimal authenticated JSON endpoint of the same app (the yardstick); the same on PostgreSQL;
- one connection: the plan and /me on 1 and on 2 workers back to back, the Today and Progress pages on 2 workers;
- the plan on 1 worker at 64 connections (the earlier target: two processes faster than one);
- POST /api/v1/sessions at 64 connections, counting the rows stored against the writes acknowledged;
- how the requests spread over 2 workers: a separate short run with `--access-log`, counting `worker=<pid>` lines.

Every run records what the CPU did meanwhile (the server's processes, wrk, PostgreSQL, anything else, from /proc),
so that the report can say what limits each figure. Before and after every run one request checks that the URL
answers the intended status and content type: wrk counts 4xx and 5xx as errors but a redirect as a success.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import resource
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from backcoach.app.runtime import Runtime, create_runtime
from backcoach.settings import Settings
from backcoach.web.deps import SIGNIN_COOKIE
from bench.common import Seeded, dataset_facts, save, seed

DURATION = os.environ.get("BENCH_DURATION", "15s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WARMUP = os.environ.get("BENCH_WARMUP", "3s")
SHARE_DURATION = os.environ.get("BENCH_SHARE_DURATION", "10s")
MANY = 64
TICK = os.sysconf("SC_CLK_TCK")

# No per-response hook: it would make wrk parse every response on the same cores the server needs. A status other
# than 2xx or 3xx is counted by wrk itself; the checks around each run catch a redirect.
LUA = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "bad": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"timeouts": %d, "seconds": %.3f, "mean_ms": %.3f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f}\\n',
    summary.requests, e.status, e.connect, e.read, e.write, e.timeout, summary.duration / 1e6,
    latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


class BenchError(Exception):
    """A run that could not measure what it meant to: the report prints the message instead of a figure."""


@dataclass(frozen=True)
class Target:
    """One request, as wrk sends it, and what the intended answer looks like."""

    method: str
    path: str
    headers: dict[str, str]
    status: int
    content_type: str
    marker: bytes
    body: str | None = None

    def lua(self) -> str:
        lines = [f"wrk.method = {json.dumps(self.method)}"]
        lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in self.headers.items()]
        if self.body is not None:
            lines.append(f"wrk.body = {json.dumps(self.body)}")
        return "\n".join(lines) + "\n" + LUA


def targets(seeded: Seeded, today: str) -> dict[str, Target]:
    bearer = {"Authorization": f"Bearer {seeded.reader_token}"}
    cookie = {"Cookie": f"{SIGNIN_COOKIE}={seeded.cookie}"}
    write = {
        "date": today,
        "pain_before": 3,
        "pain_after": 2,
        "items": [
            {
                "exercise": "bridge",
                "prescription": {"reps": 15, "sets": 3, "rest_s": 60},
                "completed_reps": 15,
                "completed_sets": 3,
                "difficulty": "right",
                "pain_during": 1,
            }
        ],
    }
    return {
        "plan": Target("GET", "/api/v1/plan", bearer, 200, "application/json", b'"items"'),
        "me": Target("GET", "/api/v1/me", bearer, 200, "application/json", b'"email"'),
        "today": Target("GET", "/today", cookie, 200, "text/html", b"</html>"),
        "progress": Target("GET", "/progress", cookie, 200, "text/html", b"</html>"),
        # Writes go to another person: a run adds thousands of sessions dated today, which no real person has, and
        # would turn the reader's plan into a measure of that.
        "write": Target(
            "POST",
            "/api/v1/sessions",
            {"Authorization": f"Bearer {seeded.writer_token}", "Content-Type": "application/json"},
            201,
            "application/json",
            b'"id"',
            json.dumps(write),
        ),
    }


# The processes and the CPU they use, from /proc


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (which may hold spaces), or None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def _all_pids() -> Iterator[int]:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            yield int(entry)


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid in _all_pids():
        fields = _stat(pid)
        if fields:
            children.setdefault(int(fields[1]), []).append(pid)
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def postgres_pids() -> set[int]:
    found = set()
    for pid in _all_pids():
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "postgres":
                found.add(pid)
        except OSError:
            continue
    return found


def cpu_ticks(pids: set[int]) -> dict[int, int]:
    """User plus system clock ticks of each process still running."""
    ticks = {}
    for pid in pids:
        fields = _stat(pid)
        if fields:
            ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def machine_ticks() -> tuple[int, int, int]:
    """(busy, iowait, total) clock ticks of all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, iowait, irq, softirq, steal = values
    return user + nice + system + irq + softirq + steal, iowait, sum(values)


@dataclass
class CpuProbe:
    """What the CPU did between `start` and `stop`: the server's workers (and its supervisor, when the workers are
    its children), wrk (this process's waited-for children), PostgreSQL, and the rest of the machine."""

    root: int
    server: set[int]
    started: float = 0.0
    machine: tuple[int, int, int] = (0, 0, 0)
    server_ticks: dict[int, int] = field(default_factory=dict)
    postgres_ticks: dict[int, int] = field(default_factory=dict)
    children: float = 0.0

    def start(self) -> None:
        self.machine = machine_ticks()
        self.server_ticks = cpu_ticks(self.server)
        self.postgres_ticks = cpu_ticks(postgres_pids())
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.children = usage.ru_utime + usage.ru_stime
        self.started = time.monotonic()

    def stop(self, requests: int) -> dict[str, Any]:
        seconds = time.monotonic() - self.started
        busy, iowait, total = (b - a for a, b in zip(self.machine, machine_ticks(), strict=True))
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        wrk = (usage.ru_utime + usage.ru_stime - self.children) / seconds
        server = {
            pid: (t - self.server_ticks.get(pid, 0)) / TICK / seconds for pid, t in cpu_ticks(self.server).items()
        }
        postgres = sum((t - self.postgres_ticks.get(pid, 0)) / TICK for pid, t in cpu_ticks(postgres_pids()).items())
        postgres /= seconds
        workers = {pid: c for pid, c in server.items() if pid != self.root or len(self.server) == 1}
        cores = os.cpu_count() or 1
        server_cores = sum(server.values())
        return {
            "cores": cores,
            "seconds": round(seconds, 3),
            "machine_busy": round(busy / total, 3) if total else None,
            "iowait": round(iowait / total, 3) if total else None,
            "server_cores": round(server_cores, 3),
            # Processes that did no work (a supervisor's helpers) are left out.
            "worker_cores": {str(pid): round(c, 3) for pid, c in workers.items() if c >= 0.01},
            "supervisor_cores": round(server.get(self.root, 0.0), 3) if len(self.server) > 1 else None,
            "wrk_cores": round(wrk, 3),
            "postgres_cores": round(postgres, 3),
            "other_cores": round(max(0.0, cores * busy / total - server_cores - wrk - postgres), 3) if total else None,
            "server_cpu_ms_per_request": round(1000 * server_cores * seconds / requests, 3) if requests else None,
            "postgres_cpu_ms_per_request": round(1000 * postgres * seconds / requests, 3) if requests else None,
        }


def connections_by_pid(pids: set[int], port: int) -> tuple[int, dict[str, int]]:
    """How many connections to `port` are established, and how many of them each process holds: keep-alive
    connections stay with the process that accepted them (the rest wait in the listening socket's queue)."""
    established, inodes = 0, set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "01":
                established += 1
                if cols[9] != "0":  # a connection still in the accept queue belongs to no process yet
                    inodes.add(cols[9])
    held = {}
    for pid in pids:
        count = 0
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                count += 1
        if count:
            held[str(pid)] = count
    return established, held


# The server


@dataclass(frozen=True)
class Database:
    name: str
    url: str | None
    """None for SQLite under `home`."""
    home: Path

    def runtime(self, migrate: bool = True) -> Runtime:
        return create_runtime(Settings(home=self.home, database_url=self.url), migrate=migrate)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """`backcoach serve --workers N` as a subprocess, its stderr in a file (the access log when asked for)."""

    def __init__(self, database: Database, workers: int, access_log: bool = False) -> None:
        self.database = database
        self.workers = workers
        self.access_log = access_log
        self.port = free_port()
        self.log = database.home / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        # (pid, start time) of every process of the server, so that stopping it never signals a reused pid.
        self.started: dict[int, str] = {}
        self.root = 0

    @property
    def pids(self) -> set[int]:
        return self.refresh()

    def refresh(self) -> set[int]:
        """The server's processes, including any worker started since (a supervisor may replace one)."""
        if self.root:
            for pid in ({self.root} | descendants(self.root)) - set(self.started):
                fields = _stat(pid)
                if fields:
                    self.started[pid] = fields[19]
        return set(self.started)

    def start(self) -> None:
        env = {**os.environ, "BACKCOACH_HOME": str(self.database.home)}
        env.pop("BACKCOACH_DATABASE_URL", None)
        if self.database.url:
            env["BACKCOACH_DATABASE_URL"] = self.database.url
        args = [str(Path(sys.executable).parent / "backcoach"), "serve", "--port", str(self.port)]
        args += ["--workers", str(self.workers)] + (["--access-log"] if self.access_log else [])
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=log)
        self.root = self.process.pid
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            workers = self.pids - {self.root}
            if self.process.poll() is not None:
                self.stop()
                raise BenchError(f"`{' '.join(args[1:])}` exited: {self.tail()}")
            if self._answers() and (self.workers == 1 or len(workers) >= self.workers):
                return
            time.sleep(0.2)
        self.stop()
        raise BenchError(f"`{' '.join(args[1:])}` did not answer within 90 s: {self.tail()}")

    def _answers(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/api/v1/programs")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-600:].strip()
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None:
            return
        self.refresh()  # the workers as they are now, so that none outlives the server
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            # uvicorn's graceful shutdown waits for idle keep-alive connections; the figures are already taken.
            self.process.kill()
            self.process.wait(timeout=10)
        for pid, start in self.started.items():
            fields = _stat(pid)
            if fields and fields[19] == start:  # a worker the supervisor left behind, not a reused pid
                os.kill(pid, signal.SIGKILL)
        self.process = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# Runs


def seconds_of(duration: str) -> float:
    """wrk's duration (`15s`, `1m`) in seconds."""
    found = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", duration.strip())
    if found is None:
        raise BenchError(f"not a duration wrk understands: {duration!r} (e.g. 15s or 1m)")
    return float(found.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[found.group(2)]


def check(server: Server, target: Target) -> None:
    """One request: the intended status and content type, and the text the intended answer holds."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(target.method, target.path, body=target.body, headers=target.headers)
        response = conn.getresponse()
        body = response.read()
    except OSError as exc:
        raise BenchError(f"{target.method} {target.path}: {exc}") from None
    finally:
        conn.close()
    kind = response.getheader("content-type", "")
    if response.status != target.status or not kind.startswith(target.content_type) or target.marker not in body:
        raise BenchError(
            f"{target.method} {target.path} answered {response.status} {kind or 'without a content type'}, "
            f"not {target.status} {target.content_type}: {body[:160]!r}"
        )


def wrk(
    server: Server,
    target: Target,
    connections: int,
    duration: str,
    *,
    checked: bool = True,
    count: Callable[[], int] | None = None,
) -> dict[str, Any]:
    """One wrk run, checked before and after, with the CPU it cost; `count` counts stored rows around a write."""
    if checked:
        check(server, target)
    before = count() if count else 0
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(target.lua())
    threads = 2 if connections > 1 else 1
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--timeout", "10s", "-s", script.name]
    probe = CpuProbe(server.root, server.pids)
    probe.start()
    process = subprocess.Popen(
        [*args, f"http://127.0.0.1:{server.port}{target.path}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    held: dict[str, int] = {}
    established = 0
    if connections > 1:
        # Halfway through, every connection is open and settled on the worker that accepted it.
        time.sleep(seconds_of(duration) / 2)
        established, held = connections_by_pid(server.pids, server.port)
    out, err = process.communicate()
    os.unlink(script.name)
    found = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if process.returncode != 0 or not found:
        raise BenchError(f"wrk failed ({process.returncode}): {err.strip() or out.strip()}")
    result: dict[str, Any] = json.loads(found[0].removeprefix("RESULT "))
    result["cpu"] = probe.stop(result["requests"])
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    result["errors"] = result["bad"] + sum(result[k] for k in ("connect_errors", "read_errors", "write_errors"))
    result["errors"] += result["timeouts"]
    result["ok"] = result["requests"] - result["bad"]
    if established:
        result["connections_established"] = established
        result["connections_by_pid"] = held
    if count:
        result["stored"] = count() - before
        result["every_acknowledged_write_stored"] = result["stored"] >= result["ok"]
    if checked:
        check(server, target)
    return result


class Bench:
    """The results as they come: saved after every run, so that a failure later loses nothing measured."""

    def __init__(self) -> None:
        self.results: dict[str, Any] = {
            "method": {
                "duration": DURATION,
                "rounds": ROUNDS,
                "warmup": WARMUP,
                "share_duration": SHARE_DURATION,
                "connections": MANY,
                "wrk": f"wrk -t2 -c{MANY} -d{DURATION} (64 connections), wrk -t1 -c1 -d{DURATION} (one)",
            },
            "machine": machine_facts(),
            "dataset": dataset_facts(),
            "runs": {},
            "share": None,
            "problems": [],
        }

    def record(self, key: str, run: Callable[[], dict[str, Any]]) -> None:
        """One measured run under `key` (`database/workers/target/connections`); a failure is kept as its message."""
        try:
            result = run()
        except (BenchError, OSError, subprocess.SubprocessError) as exc:
            result = {"error": str(exc)}
            self.results["problems"].append(f"{key}: {exc}")
        self.results["runs"].setdefault(key, []).append(result)
        save("web", self.results)

    def warm(self, server: Server, target: Target) -> None:
        """Imports, templates, compiled SQL and the pools, in every worker, before anything is measured."""
        try:
            wrk(server, target, MANY, WARMUP)
        except BenchError as exc:
            self.results["problems"].append(f"warm-up of {target.path}: {exc}")

    def sqlite(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            database = Database("sqlite", None, Path(tmp))
            runtime, seeded = self.seed(database)
            try:
                self.reads_and_writes(database, runtime, seeded, one_connection=True)
                self.share(database, targets(seeded, runtime.today().isoformat())["plan"])
            finally:
                runtime.dispose()

    def postgres(self, admin_url: str) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            database = Database("postgresql", fresh_postgres_database(admin_url), Path(tmp))
            runtime, seeded = self.seed(database)
            try:
                self.reads_and_writes(database, runtime, seeded, one_connection=False)
            finally:
                runtime.dispose()

    def seed(self, database: Database) -> tuple[Runtime, Seeded]:
        started = time.monotonic()
        runtime = database.runtime()
        seeded = seed(runtime)
        self.results["dataset"][f"{database.name}_seed_s"] = round(time.monotonic() - started, 1)
        save("web", self.results)
        return runtime, seeded

    def reads_and_writes(self, database: Database, runtime: Runtime, seeded: Seeded, *, one_connection: bool) -> None:
        db = database.name
        want = targets(seeded, runtime.today().isoformat())

        def count() -> int:
            with runtime.engine.connect() as conn:
                query = text("SELECT count(*) FROM sessions WHERE user_id = :user")
                return int(conn.execute(query, {"user": seeded.writer}).scalar_one())

        two = Server(database, 2)
        one = Server(database, 1) if one_connection else None
        try:
            # Both servers run together, so that each comparison of 1 and 2 workers is taken back to back; an
            # idle server costs nothing.
            for server in (two, one):
                if server is not None:
                    server.start()
            for name in ("plan", "me", "today", "progress") if one_connection else ("plan", "me"):
                self.warm(two, want[name])
            if one is not None:
                for name in ("plan", "me"):
                    self.warm(one, want[name])
            # The headline and its yardstick, alternating, so that a change in the machine's load hits both sides.
            for _ in range(ROUNDS):
                for name in ("plan", "me"):
                    self.record(f"{db}/2w/{name}/c{MANY}", partial(wrk, two, want[name], MANY, DURATION))
            if one is not None:
                self.record(f"{db}/1w/plan/c{MANY}", partial(wrk, one, want["plan"], MANY, DURATION))
                for name in ("plan", "me"):
                    for label, server in (("1w", one), ("2w", two)):
                        self.record(f"{db}/{label}/{name}/c1", partial(wrk, server, want[name], 1, DURATION))
                for name in ("today", "progress"):
                    self.record(f"{db}/2w/{name}/c1", partial(wrk, two, want[name], 1, DURATION))
            # Writes last: they grow the writer's history and the tables.
            self.record(f"{db}/2w/write/c{MANY}", partial(wrk, two, want["write"], MANY, DURATION, count=count))
        except BenchError as exc:
            self.results["problems"].append(f"{db}: {exc}")
        finally:
            for server in (two, one):
                if server is not None:
                    server.stop()
            save("web", self.results)

    def share(self, database: Database, plan: Target) -> None:
        """How the requests of 64 keep-alive connections spread over 2 workers, from the access log. A run of its
        own: writing the log costs CPU, so the throughput runs go without it."""
        result: dict[str, Any]
        try:
            with Server(database, 2, access_log=True) as server:
                self.warm(server, plan)
                check(server, plan)
                offset = server.log.stat().st_size
                run = wrk(server, plan, MANY, SHARE_DURATION, checked=False)
                lines = server.log.read_bytes()[offset:].decode(errors="replace").splitlines()
                check(server, plan)
            by_pid = Counter(m.group(1) for line in lines if (m := re.search(r"worker=(\d+)", line)))
            if not by_pid:
                raise BenchError(f"no `worker=<pid>` in the access log; its last lines: {server.tail()[-300:]}")
            statuses = Counter(m.group(1) for line in lines if (m := re.search(r'(?:" |status=)([1-5]\d\d)\b', line)))
            logged = sum(by_pid.values())
            result = {
                "logged": logged,
                "by_worker": dict(by_pid.most_common()),
                "busiest_share": round(max(by_pid.values()) / logged, 3),
                "statuses": dict(statuses),
                "workers_not_of_this_server": sorted(set(by_pid) - {str(p) for p in server.pids}),
                "run": run,
            }
        except BenchError as exc:
            result = {"error": str(exc)}
            self.results["problems"].append(f"share: {exc}")
        self.results["share"] = result
        save("web", self.results)


def machine_facts() -> dict[str, Any]:
    """What the figures were taken on, beside them: the cores, the load when the run began, and the cost of
    starting Python (`python -c pass`), the unit of the CLI's figures."""
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        runs.append((time.perf_counter() - started) * 1000)
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "python_c_pass_ms": round(statistics.median(runs), 2),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "uvicorn": uvicorn.__version__,
        "wrk": wrk_version.strip(),
        "platform": platform.platform(),
    }


def fresh_postgres_database(admin_url: str) -> str:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS backcoach_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE backcoach_bench"))
    admin.dispose()
    return make_url(admin_url).set(database="backcoach_bench").render_as_string(hide_password=False)


def run(postgres_url: str | None) -> dict[str, Any]:
    bench = Bench()
    started = time.monotonic()
    bench.sqlite()
    bench.results["method"]["sqlite_phase_s"] = round(time.monotonic() - started, 1)
    if postgres_url:
        started = time.monotonic()
        try:
            bench.postgres(postgres_url)
        except (SQLAlchemyError, OSError) as exc:
            # The SQLite figures stand on their own; a PostgreSQL server that is not there is a line in the report.
            bench.results["problems"].append(f"postgresql: {exc}")
        bench.results["method"]["postgresql_phase_s"] = round(time.monotonic() - started, 1)
    else:
        bench.results["problems"].append("postgresql: not measured (BACKCOACH_BENCH_POSTGRES_URL is not set)")
    bench.results["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    save("web", bench.results)
    return bench.results


if __name__ == "__main__":
    print(json.dumps(run(os.environ.get("BACKCOACH_BENCH_POSTGRES_URL")), indent=2))
