"""Shared helpers for the benchmarks: repeated measurement (median and spread), the results folder, and the data set
of issue 13 (a person with 100 sessions of 8 items, 1,000 others with the same kind of history), seeded the same way
for the in-process planner figures and the web load."""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, text

from backcoach import content
from backcoach.app import accounts, preferences, safety
from backcoach.app import history as app_history
from backcoach.app.runtime import Runtime
from backcoach.domain.history import SessionItem, SessionRecord, export_history
from backcoach.domain.planner import PlanRequest, build_plan
from backcoach.domain.preferences import Preferences
from backcoach.domain.screening import Answers

RESULTS = Path(__file__).parent / "results"

# The data set: environment variables shrink it for a quick look at the harness (BENCH_USERS=20 BENCH_HISTORY=10).
OTHER_USERS = int(os.environ.get("BENCH_USERS", "1000"))
HISTORY = int(os.environ.get("BENCH_HISTORY", "100"))
ITEMS = 8
PASSWORD = "bench password 1"
READER_EMAIL = "reader@example.org"
WRITER_EMAIL = "writer@example.org"


def measure(fn: Callable[[], object], *, repeats: int = 7, number: int = 1) -> dict[str, float]:
    """Run `fn` `number` times per sample, `repeats` samples; milliseconds per call as median, min, max, stdev."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) * 1000 / number)
    return spread(samples) | {"samples": repeats}


def spread(samples_ms: list[float]) -> dict[str, float]:
    """Median, min, max, 90th percentile and stdev of samples in milliseconds."""
    ordered = sorted(samples_ms)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "min_ms": round(ordered[0], 3),
        "max_ms": round(ordered[-1], 3),
        "p90_ms": round(ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))], 3),
        "stdev_ms": round(statistics.stdev(ordered), 3) if len(ordered) > 1 else 0.0,
    }


def save(name: str, data: Any) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")


def dataset_facts() -> dict[str, int]:
    users = OTHER_USERS + 1
    return {
        "users": users,
        "sessions_per_user": HISTORY,
        "items_per_session": ITEMS,
        "sessions": users * HISTORY,
        "items": users * HISTORY * ITEMS,
    }


@dataclass(frozen=True)
class Seeded:
    """Who the load runs as: a reader (the issue's person) and a writer, each with an API token; the reader also
    signed in from a browser."""

    reader: int
    writer: int
    reader_token: str
    writer_token: str
    cookie: str
    csrf: str


def history(today: dt.date) -> list[SessionRecord]:
    """One session a day for HISTORY days before `today`, each of the same ITEMS exercises as a plan gives them,
    done as prescribed, with pains that move a little from day to day (so the dose rules have work to do)."""
    # A long plan, so that it has at least ITEMS exercises; its doses are what a newcomer would have been given.
    plan = build_plan(content.catalogue(), PlanRequest(30, frozenset({"chair", "wall"}), True, "beginner"))
    chosen = [plan.items[k % len(plan.items)] for k in range(ITEMS)]
    records = []
    for back in range(HISTORY, 0, -1):
        items = [
            SessionItem(
                exercise=item.exercise,
                rung=None if item.rung == item.exercise else item.rung,
                prescription=item.prescription,
                completed_reps=item.prescription.reps or 1,
                completed_sets=item.prescription.sets or 1,
                difficulty=("right", "right", "easy")[(back + position) % 3],
                pain_during=(back + position) % 3,
            )
            for position, item in enumerate(chosen)
        ]
        records.append(
            SessionRecord(
                date=today - dt.timedelta(days=back),
                pain_before=2 + back % 3,
                pain_after=1 + back % 3,
                pain_next_morning=1 + (back + 1) % 3,
                items=items,
            )
        )
    return records


def seed(runtime: Runtime) -> Seeded:
    """The data set, in a freshly migrated database.

    The reader and the writer go through the application layer (sign-up, preferences, safety check, history
    import, tokens), so whatever the app keeps beside its rows (a revision, a summary) is kept for them as for a
    real person. The other users are only there to give the tables their realistic size: they are written in bulk
    (executemany on SQLite, COPY on PostgreSQL), which takes seconds instead of minutes."""
    today = runtime.today()
    records = history(today)
    document = export_history(records)
    people = []
    for email in (READER_EMAIL, WRITER_EMAIL):
        account = accounts.register(runtime, email, PASSWORD)
        preferences.save(runtime, account.id, Preferences(minutes=20, equipment=("chair", "wall")))
        safety.take_screen(runtime, account.id, Answers(age=45))
        app_history.import_history(runtime, account.id, document)
        people.append(account.id)
    bulk_others(runtime.engine, records, runtime.now())
    reader, writer = people
    api = accounts.issue_token(runtime, reader, "api")
    write = accounts.issue_token(runtime, writer, "api")
    browser = accounts.issue_token(runtime, reader, "browser")
    with runtime.engine.connect() as conn:
        # Fresh statistics, as a long-running database would have: without them the first run after a bulk load
        # measures the query planner's guesses.
        conn.execute(text("ANALYZE"))
        conn.commit()
    return Seeded(reader, writer, api.token, write.token, browser.token, browser.csrf or "")


def bulk_others(engine: Engine, records: list[SessionRecord], now: dt.datetime) -> None:
    """OTHER_USERS people with the same history as the reader, in bulk, after the ids already taken."""
    from argon2 import PasswordHasher

    # One shared hash: hashing a thousand passwords with argon2 would take a minute and measures nothing here.
    password_hash = PasswordHasher().hash(PASSWORD)
    sessions = [
        (r.date, r.pain_before, r.pain_after, r.pain_next_morning, "partial" if r.partial else "complete")
        for r in records
    ]
    items = [
        [
            (
                position,
                i.exercise,
                i.rung,
                json.dumps(i.prescription.model_dump(mode="json", exclude_unset=True)),
                i.completed_reps,
                i.completed_sets,
                i.difficulty,
                i.pain_during,
            )
            for position, i in enumerate(r.items)
        ]
        for r in records
    ]
    with engine.begin() as conn:
        first_user = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM users")).scalar_one()) + 1
        first_session = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM sessions")).scalar_one()) + 1
        users = range(first_user, first_user + OTHER_USERS)

        def session_rows(stamp: object, iso: bool) -> Iterator[tuple[object, ...]]:
            for n, user in enumerate(users):
                for k, (day, *rest) in enumerate(sessions):
                    yield (first_session + n * len(sessions) + k, user, day.isoformat() if iso else day, *rest, stamp)

        def item_rows() -> Iterator[tuple[object, ...]]:
            for n, user in enumerate(users):
                for k, session_items in enumerate(items):
                    for item in session_items:
                        yield (first_session + n * len(sessions) + k, user, *item)

        user_columns = "users (id, email, password_hash, is_local, created_at)"
        session_columns = "sessions (id, user_id, date, pain_before, pain_after, pain_next_morning, status, created_at)"
        item_columns = (
            "session_items (session_id, user_id, position, exercise, rung, prescription, completed_reps, "
            "completed_sets, difficulty, pain_during)"
        )
        raw = cast(Any, conn.connection.driver_connection)
        if engine.dialect.name == "postgresql":
            with raw.cursor() as cur:
                with cur.copy(f"COPY {user_columns} FROM STDIN") as copy:
                    for user in users:
                        copy.write_row((user, f"user{user}@example.org", password_hash, False, now))
                with cur.copy(f"COPY {session_columns} FROM STDIN") as copy:
                    for row in session_rows(now, iso=False):
                        copy.write_row(row)
                with cur.copy(f"COPY {item_columns} FROM STDIN") as copy:
                    for row in item_rows():
                        copy.write_row(row)
                for table in ("users", "sessions", "session_items"):
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
        else:
            # As SQLAlchemy's UTCDateTime stores it on SQLite: naive UTC with microseconds.
            stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            raw.executemany(
                f"INSERT INTO {user_columns} VALUES (?,?,?,?,?)",
                ((user, f"user{user}@example.org", password_hash, 0, stamp) for user in users),
            )
            raw.executemany(f"INSERT INTO {session_columns} VALUES (?,?,?,?,?,?,?,?)", session_rows(stamp, iso=True))
            raw.executemany(f"INSERT INTO {item_columns} VALUES (?,?,?,?,?,?,?,?,?,?)", item_rows())
