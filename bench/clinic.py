"""The clinician's dashboard at the size of issue 15: one clinician with 200 linked patients, each with a year of
daily sessions of 8 exercises and a program, some with a blocking safety check, some flaring, some away.

Measures `GET /api/v1/clinic/dashboard` and the page `GET /clinic` in process (FastAPI's test client: routing, the
use case, the database and the JSON or the HTML, without a socket), median of repeated calls, on SQLite and, when
BACKCOACH_BENCH_POSTGRES_URL is set, on a fresh PostgreSQL database. The issue's target is under 100 ms median for
both. Writes bench/results/clinic.json: each database's API figures, with the page's under "page".

The rows are written in bulk (executemany), as bench/common.py writes its other users: a year of sessions for 200
people through the application layer would take many minutes and measure nothing here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from backcoach import content
from backcoach.app import accounts
from backcoach.app.runtime import Runtime, create_runtime
from backcoach.domain.prescribed import from_article
from backcoach.settings import Settings
from backcoach.storage.models import (
    Base,
    CareLink,
    Program,
    ProgramVersion,
    Screening,
    SessionItemRow,
    SessionRow,
    User,
)
from backcoach.web.app import create_app
from backcoach.web.deps import SIGNIN_COOKIE
from bench.common import ITEMS, PASSWORD, history, measure, save

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "200"))
DAYS = int(os.environ.get("BENCH_DAYS", "365"))
REPEATS = 25
TARGET_MS = 100


def _table(model: type[Base]) -> Any:
    return Base.metadata.tables[model.__tablename__]


def seed(runtime: Runtime) -> tuple[str, str]:
    """The clinician (through the application layer) and their patients (in bulk); the clinician's API token and
    browser sign-in."""
    clinician = accounts.register(runtime, "clinician@example.org", PASSWORD).id
    now = runtime.now()
    today = runtime.today()
    from bench import common

    # A year of the same kind of history as the web benchmark's people.
    common.HISTORY = DAYS
    records = history(today)
    program = from_article(content.programs()["staged-low-back"], today - dt.timedelta(days=DAYS), runtime.ladders)
    body = program.model_dump(mode="json")
    with runtime.engine.begin() as conn:
        conn.execute(
            text("UPDATE users SET role = 'clinician', display_name = 'Dr Bench' WHERE id = :id"), {"id": clinician}
        )
        first = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM users")).scalar_one()) + 1
        patients = list(range(first, first + PATIENTS))
        conn.execute(
            insert(_table(User)),
            [
                {
                    "id": p,
                    "email": f"patient{p}@example.org",
                    "password_hash": "x",
                    "is_local": False,
                    "created_at": now,
                }
                for p in patients
            ],
        )
        conn.execute(
            insert(_table(CareLink)),
            [
                {"clinician_id": clinician, "patient_id": p, "accepted_at": now - dt.timedelta(days=DAYS)}
                for p in patients
            ],
        )
        first_session = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM sessions")).scalar_one()) + 1
        sessions, items = [], []
        for n, p in enumerate(patients):
            # A fifth flare on their latest session; a tenth stopped a week and a half ago.
            kept = records[:-10] if n % 10 == 3 else records
            for k, r in enumerate(kept):
                sid = first_session + n * len(records) + k
                flare = n % 5 == 1 and k == len(kept) - 1
                sessions.append(
                    {
                        "id": sid,
                        "user_id": p,
                        "date": r.date,
                        "pain_before": r.pain_before,
                        "pain_after": r.pain_before + 4 if flare else r.pain_after,
                        "pain_next_morning": r.pain_next_morning,
                        "status": "complete",
                        "created_at": now,
                    }
                )
                items += [
                    {
                        "session_id": sid,
                        "user_id": p,
                        "position": i,
                        "exercise": item.exercise,
                        "rung": item.rung,
                        "prescription": item.prescription.model_dump(mode="json", exclude_unset=True),
                        "completed_reps": item.completed_reps,
                        "completed_sets": item.completed_sets,
                        "difficulty": item.difficulty,
                        "pain_during": item.pain_during,
                    }
                    for i, item in enumerate(r.items)
                ]
        conn.execute(insert(_table(SessionRow)), sessions)
        conn.execute(insert(_table(SessionItemRow)), items)
        conn.execute(
            insert(_table(Screening)),
            [
                {
                    "user_id": p,
                    "taken_at": now - dt.timedelta(days=1 if n % 7 == 0 else 30),
                    "answers": {"cancer_history": True} if n % 7 == 0 else {},
                    "clearance": "see-doctor" if n % 7 == 0 else "clear",
                    "reasons": [],
                    "advice": "",
                }
                for n, p in enumerate(patients)
            ],
        )
        for p in patients:
            program_id = conn.execute(
                insert(_table(Program)).returning(_table(Program).c.id),
                {"patient_id": p, "clinician_id": clinician, "title": program.title, "created_at": now},
            ).scalar_one()
            conn.execute(
                insert(_table(ProgramVersion)),
                {
                    "program_id": program_id,
                    "patient_id": p,
                    "version": 1,
                    "body": body,
                    "created_at": now - dt.timedelta(days=DAYS),
                    "created_by": clinician,
                    "clinician_name": "Dr Bench",
                },
            )
        if runtime.engine.dialect.name == "postgresql":
            for table in ("users", "sessions"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    with runtime.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return accounts.issue_token(runtime, clinician, "api").token, accounts.issue_token(
        runtime, clinician, "browser"
    ).token


def dashboard_ms(url: str, home: Path) -> dict[str, Any]:
    runtime = create_runtime(Settings(home=home, database_url=url))
    try:
        token, browser = seed(runtime)
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(create_app(runtime=runtime)) as client:
            first = client.get("/api/v1/clinic/dashboard", headers=headers)
            assert first.status_code == 200, first.text
            patients = first.json()["patients"]
            assert len(patients) == PATIENTS
            for _ in range(3):  # warm: the statement caches and the first chart-free imports
                client.get("/api/v1/clinic/dashboard", headers=headers)
            figures = measure(lambda: client.get("/api/v1/clinic/dashboard", headers=headers), repeats=REPEATS)
            client.cookies.set(SIGNIN_COOKIE, browser)
            page = client.get("/clinic")
            assert page.status_code == 200, page.text
            assert page.text.count("/clinic/patients/") >= PATIENTS
            for _ in range(3):  # warm: the template's first compile
                client.get("/clinic")
            page_figures = measure(lambda: client.get("/clinic"), repeats=REPEATS)
        flagged = sum(1 for p in patients if p["attention"])
        return figures | {
            "patients": len(patients),
            "patients_flagged": flagged,
            "target_ms": TARGET_MS,
            "page": page_figures | {"what": "GET /clinic, the HTML page"},
        }
    finally:
        runtime.dispose()


def fresh_postgres_database(admin_url: str) -> str:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS backcoach_bench_clinic WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE backcoach_bench_clinic"))
    admin.dispose()
    return make_url(admin_url).set(database="backcoach_bench_clinic").render_as_string(hide_password=False)


def run(postgres_url: str | None) -> dict[str, Any]:
    results: dict[str, Any] = {
        "what": "GET /api/v1/clinic/dashboard (and, under page, GET /clinic), in process, median of repeated calls",
        "data": {"patients": PATIENTS, "days_of_sessions": DAYS, "items_per_session": ITEMS},
        "problems": [],
    }
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        results["sqlite"] = dashboard_ms(f"sqlite:///{home / 'bench.db'}", home)
        if postgres_url:
            results["postgresql"] = dashboard_ms(fresh_postgres_database(postgres_url), home)
        else:
            results["problems"].append("postgresql: not measured (BACKCOACH_BENCH_POSTGRES_URL is not set)")
    save("clinic", results)
    return results


if __name__ == "__main__":
    print(json.dumps(run(os.environ.get("BACKCOACH_BENCH_POSTGRES_URL")), indent=2))
