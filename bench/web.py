"""Web load: requests per second and p50 / p99 / max latency with wrk at 64 connections, for GET /api/v1/plan,
POST /api/v1/sessions and the Today page, with 10,000 users and 1,000,000 session records already stored, on SQLite
and on PostgreSQL, with one and with two server processes. Every run counts errors, and after the write run every
acknowledged session record is looked for in the database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import text

from backcoach.app.accounts import hash_token
from backcoach.app.runtime import create_runtime
from backcoach.settings import Settings
from bench.common import save

USERS = int(os.environ.get("BENCH_USERS", "10000"))
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "1000000"))
DURATION = os.environ.get("BENCH_DURATION", "30s")
CONNECTIONS = 64
TOKEN = "bench-api-token-0001"
# Writes go to another person: 30 s of posting adds thousands of sessions dated this week, which no real person has,
# and would turn the readers' plans into a measure of that.
WRITE_TOKEN = "bench-api-token-0002"
COOKIE = "bench-session-token-0001"
PRESCRIPTION = json.dumps({"reps": 15, "sets": 3, "rest_s": 60})
POST_BODY = json.dumps(
    {
        "date": "2026-11-20",
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
)

USER_COLUMNS = "users (id, email, password_hash, is_local, created_at, preferences)"
SESSION_COLUMNS = "sessions (id, user_id, date, pain_before, pain_after, status, created_at)"
ITEM_COLUMNS = (
    "session_items (session_id, user_id, position, exercise, prescription, completed_reps, completed_sets, difficulty)"
)
RESEQUENCE = "SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT max(id) FROM {0}))"
POST_SCRIPT = 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = {}\n'

# No per-response hook: it would make wrk parse every response on the same two cores the server needs. Anything
# that is not a 2xx or 3xx is counted by wrk itself as a status error.
LUA = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "bad": %d, "socket_errors": %d, "seconds": %.3f, "p50_ms": %.3f, ' ..
    '"p99_ms": %.3f, "max_ms": %.3f}\\n',
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def seed(url: str, home: Path) -> None:
    """Schema, then users, sessions and items in bulk, plus one API token and one browser session for the load."""
    runtime = create_runtime(Settings(home=home, database_url=None if url.startswith("sqlite") else url))
    runtime.dispose()
    engine = runtime.engine
    now = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)
    per_user = max(1, SESSIONS // USERS)
    # One shared hash: hashing 10,000 distinct passwords with argon2 would take minutes and measures nothing here.
    from argon2 import PasswordHasher

    password_hash = PasswordHasher().hash("bench password 1")
    prefs = json.dumps({"minutes": 15, "equipment": [], "floor": True, "level": "beginner"})
    days = [(dt.date(2026, 11, 20) - dt.timedelta(days=k)).isoformat() for k in range(per_user)]
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        if engine.dialect.name == "postgresql":
            with raw.cursor() as cur:  # type: ignore[union-attr]
                with cur.copy(
                    "COPY users (id, email, password_hash, is_local, created_at, preferences) FROM STDIN"
                ) as copy:
                    for u in range(1, USERS + 1):
                        copy.write_row((u, f"user{u}@example.org", password_hash, False, now, prefs))
                with cur.copy(
                    "COPY sessions (id, user_id, date, pain_before, pain_after, status, created_at) FROM STDIN"
                ) as copy:
                    for s in range(SESSIONS):
                        copy.write_row((s + 1, s // per_user + 1, days[s % per_user], 3, 2, "complete", now))
                with cur.copy(f"COPY {ITEM_COLUMNS} FROM STDIN") as copy:
                    for s in range(SESSIONS):
                        copy.write_row((s + 1, s // per_user + 1, 0, "bridge", PRESCRIPTION, 15, 3, "right"))
                for table in ("users", "sessions", "session_items"):
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
        else:
            stamp = now.replace(tzinfo=None).isoformat(sep=" ")
            raw.executemany(  # type: ignore[union-attr]
                f"INSERT INTO {USER_COLUMNS} VALUES (?,?,?,?,?,?)",
                ((u, f"user{u}@example.org", password_hash, 0, stamp, prefs) for u in range(1, USERS + 1)),
            )
            raw.executemany(  # type: ignore[union-attr]
                f"INSERT INTO {SESSION_COLUMNS} VALUES (?,?,?,?,?,?,?)",
                ((s + 1, s // per_user + 1, days[s % per_user], 3, 2, "complete", stamp) for s in range(SESSIONS)),
            )
            raw.executemany(  # type: ignore[union-attr]
                f"INSERT INTO {ITEM_COLUMNS} VALUES (?,?,?,?,?,?,?,?)",
                ((s + 1, s // per_user + 1, 0, "bridge", PRESCRIPTION, 15, 3, "right") for s in range(SESSIONS)),
            )
        later = now + dt.timedelta(days=30)
        for user, kind, token, csrf in (
            (1, "api", TOKEN, None),
            (2, "api", WRITE_TOKEN, None),
            (1, "session", COOKIE, "x"),
        ):
            conn.execute(
                text(
                    "INSERT INTO auth_tokens (user_id, kind, token_hash, csrf, created_at, expires_at) "
                    "VALUES (:user, :kind, :hash, :csrf, :now, :later)"
                ),
                {"user": user, "kind": kind, "hash": hash_token(token), "csrf": csrf, "now": now, "later": later},
            )
    with engine.connect() as conn:
        # Fresh statistics, as a long-running database would have: without them the first run after a bulk load
        # measures the query planner's guesses.
        conn.execute(text("ANALYZE"))
        conn.commit()
    engine.dispose()


def count_sessions(url: str, home: Path) -> int:
    runtime = create_runtime(Settings(home=home, database_url=None if url.startswith("sqlite") else url), migrate=False)
    with runtime.engine.connect() as conn:
        n = int(conn.execute(text("SELECT count(*) FROM sessions")).scalar() or 0)
    runtime.dispose()
    return n


def serve(url: str, home: Path, workers: int, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BACKCOACH_HOME": str(home)}
    env.pop("BACKCOACH_DATABASE_URL", None)
    if not url.startswith("sqlite"):
        env["BACKCOACH_DATABASE_URL"] = url
    exe = Path(sys.executable).parent / "backcoach"
    process = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/programs", timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def wrk(url: str, script: str) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script + LUA)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{DURATION}", "--timeout", "10s", "-s", f.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    result["ok"] = result["requests"] - result["bad"]
    return result


def run_config(url: str, home: Path, workers: int, port: int) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    auth = f'wrk.headers["Authorization"] = "Bearer {TOKEN}"\n'
    scripts = {
        "GET /api/v1/plan": (f"{base}/api/v1/plan", auth),
        "POST /api/v1/sessions": (
            f"{base}/api/v1/sessions",
            f'wrk.headers["Authorization"] = "Bearer {WRITE_TOKEN}"\n' + POST_SCRIPT.format(json.dumps(POST_BODY)),
        ),
        "GET /today": (f"{base}/today", f'wrk.headers["Cookie"] = "backcoach_session={COOKIE}"\n'),
    }
    process = serve(url, home, workers, port)
    results: dict[str, Any] = {}
    try:
        for name, (target, script) in scripts.items():
            before = count_sessions(url, home) if name.startswith("POST") else 0
            results[name] = wrk(target, script)
            if name.startswith("POST"):
                stored = count_sessions(url, home) - before
                results[name]["stored"] = stored
                results[name]["every_acknowledged_write_stored"] = stored >= results[name]["ok"]
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            # uvicorn's graceful shutdown waits for idle keep-alive connections; the figures are already taken.
            process.kill()
            process.wait(timeout=10)
    return results


def run(postgres_url: str | None) -> dict[str, Any]:
    results: dict[str, Any] = {"users": USERS, "sessions": SESSIONS, "connections": CONNECTIONS, "duration": DURATION}
    databases = [("sqlite", "sqlite")] + ([("postgresql", postgres_url)] if postgres_url else [])
    port = 18_700
    for name, url in databases:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            started = time.monotonic()
            seed(url, home)
            results[f"{name} seed seconds"] = round(time.monotonic() - started, 1)
            for workers in (1, 2):
                port += 1
                label = f"{name}, {workers} process{'es' if workers > 1 else ''}"
                results[label] = run_config(url, home, workers, port)
                save("web", results)  # after every configuration, so a later failure loses nothing measured
    return results


def fresh_postgres_database(admin_url: str) -> str:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS backcoach_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE backcoach_bench"))
    admin.dispose()
    return make_url(admin_url).set(database="backcoach_bench").render_as_string(hide_password=False)


if __name__ == "__main__":
    admin = os.environ.get("BACKCOACH_BENCH_POSTGRES_URL")
    print(json.dumps(run(fresh_postgres_database(admin) if admin else None), indent=2))
