"""The Progress page at two years of sessions (700; issue 14: under 50 ms when cached): the page and each of its
charts, in-process through the web app (Starlette's test client, so routing, the sign-in and the cache all run),
cached and not.

`history` is also the data set of tests/web/test_progress_page.py: a person who climbs each exercise's ladder the
way the dose rules let them, with now and then a step down, a missed day or two sessions in one."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from backcoach.app import accounts, preferences, safety
from backcoach.app import history as app_history
from backcoach.app.runtime import Runtime, create_runtime
from backcoach.domain.catalogue import Catalogue
from backcoach.domain.dosing import positions
from backcoach.domain.history import SessionItem, SessionRecord, export_history
from backcoach.domain.ladders import Ladder
from backcoach.domain.preferences import Preferences
from backcoach.domain.screening import Answers
from backcoach.settings import Settings
from bench.common import save, spread

SESSIONS = int(os.environ.get("BENCH_PROGRESS_SESSIONS", "700"))
SAMPLES = int(os.environ.get("BENCH_PROGRESS_SAMPLES", "50"))
COLD_SAMPLES = int(os.environ.get("BENCH_PROGRESS_COLD_SAMPLES", "5"))
EXERCISES = (
    "bridge",
    "pelvic-tilt",
    "bird-dog",
    "cat-stretch",
    "straight-leg-raise",
    "heel-slide",
    "ankle-pump",
    "knee-to-chest",
)
PASSWORD = "bench password 1"
PAGE = "/progress"
CHARTS = ("/progress/pain.svg", "/progress/calendar.svg", "/progress/doses.svg", "/progress/outcome.svg")


def _days(count: int, today: dt.date, rng: random.Random) -> list[dt.date]:
    """`count` session days ending today: most days one session, some none, some two."""
    if count == 0:
        return []
    days: list[dt.date] = [today]
    day = today
    while len(days) < count:
        day -= dt.timedelta(days=1)
        roll = rng.random()
        if roll < 0.1:
            continue
        days.append(day)
        if roll > 0.93 and len(days) < count:
            days.append(day)
    return sorted(days)


def history(
    count: int, today: dt.date, catalogue: Catalogue, ladders: Mapping[str, Ladder], seed: int = 14
) -> list[SessionRecord]:
    """`count` sessions up to `today` of the eight EXERCISES, each starting on its standard rung and stepping up or
    (less often) down one position of its ladder at a time; pain settles from about 5 to about 2 over the history,
    most sessions have a next-morning answer, and about one item in twelve is not finished."""
    rng = random.Random(seed)
    days = _days(count, today, rng)
    ladder_positions = {e: positions(catalogue.get(e), ladders[e]) for e in EXERCISES}
    # Rule 12 of the dose rules: the first time, the standard rung's start.
    at = {e: next(i for i, p in enumerate(steps) if p.rung.id == e) for e, steps in ladder_positions.items()}
    records = []
    for index, day in enumerate(days):
        progress = index / max(count - 1, 1)
        usual = 5 - 3 * progress
        before = max(0, min(10, round(usual + rng.choice((-1, 0, 0, 1)))))
        after = max(0, min(10, before + rng.choice((-1, -1, 0, 0, 1))))
        morning = None if rng.random() < 0.15 else max(0, min(10, before + rng.choice((-1, 0, 0, 1))))
        items = []
        for exercise in EXERCISES:
            steps = ladder_positions[exercise]
            roll = rng.random()
            if roll < 0.12:
                at[exercise] = min(len(steps) - 1, at[exercise] + 1)
            elif roll > 0.975:
                at[exercise] = max(0, at[exercise] - 1)
            position = steps[at[exercise]]
            dose = position.dose
            finished = rng.random() > 0.08
            reps, sets = dose.reps or 1, dose.sets or 1
            items.append(
                SessionItem(
                    exercise=exercise,
                    rung=None if position.rung.id == exercise else position.rung.id,
                    prescription=dose,
                    completed_reps=reps if finished else max(1, reps // 2),
                    completed_sets=sets if finished else sets - 1,
                    difficulty=rng.choice(("easy", "right", "right", "hard")),
                    pain_during=rng.choice((0, 1, 1, 2, 3)),
                )
            )
        records.append(
            SessionRecord(date=day, pain_before=before, pain_after=after, pain_next_morning=morning, items=items)
        )
    return records


def seed_person(runtime: Runtime, email: str, count: int, *, checks: int | None = None) -> tuple[int, str]:
    """A person with `count` sessions (one import, through the application layer) and a weekly check for every
    week of them (or `checks`), signed in from a browser: their id and the sign-in cookie's value."""
    account = accounts.register(runtime, email, PASSWORD)
    preferences.save(runtime, account.id, Preferences(minutes=20))
    safety.take_screen(runtime, account.id, Answers(age=45))
    today = preferences.today(runtime, account.id)
    records = history(count, today, runtime.catalogue, runtime.ladders)
    app_history.import_history(runtime, account.id, export_history(records))
    weeks = checks if checks is not None else len({r.date - dt.timedelta(days=r.date.weekday()) for r in records})
    if weeks:
        from backcoach.app import outcomes
        from backcoach.domain.outcome import parse_outcome

        rng = random.Random(count)
        start = today - dt.timedelta(weeks=weeks - 1)
        for week in range(weeks):
            base = 2 + round(6 * week / max(weeks - 1, 1))
            scores = [max(0, min(10, base + rng.choice((-1, 0, 1)))) for _ in range(3)]
            record = parse_outcome(
                {
                    "date": (start + dt.timedelta(weeks=week)).isoformat(),
                    "activities": [
                        {"activity": name, "score": score}
                        for name, score in zip(
                            ("bending to put on socks", "sitting for an hour", "lifting a bag of groceries"),
                            scores,
                            strict=True,
                        )
                    ],
                }
            )
            outcomes.record_outcome(runtime, account.id, record)
    browser = accounts.issue_token(runtime, account.id, "browser")
    return account.id, browser.token


def run() -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from backcoach.web.app import create_app
    from backcoach.web.deps import SIGNIN_COOKIE

    with tempfile.TemporaryDirectory() as home:
        runtime = create_runtime(Settings(home=Path(home)), hasher=PasswordHasher.from_parameters(CHEAPEST))
        try:
            started = time.perf_counter()
            user, token = seed_person(runtime, "progress@example.org", SESSIONS)
            seeded_s = round(time.perf_counter() - started, 2)
            with TestClient(create_app(runtime=runtime)) as client:
                client.cookies.set(SIGNIN_COOKIE, token)
                sizes = {}
                for url in (PAGE, *CHARTS):  # imports, compiled SQL and matplotlib's fonts: a running server has them
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.status_code)
                    sizes[url] = len(response.content)

                def timed(url: str, forget: bool) -> float:
                    if forget:
                        runtime.cache.forget(user)
                    start = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - start) * 1000
                    assert response.status_code == 200, (url, response.status_code)
                    return elapsed

                result: dict[str, Any] = {
                    "sessions": SESSIONS,
                    "items_per_session": len(EXERCISES),
                    "seed_s": seeded_s,
                    "bytes": sizes,
                    "samples": {"cached": SAMPLES, "not cached": COLD_SAMPLES},
                }
                for label, forget, samples in (("cached", False, SAMPLES), ("not cached", True, COLD_SAMPLES)):
                    per_url: dict[str, list[float]] = {url: [] for url in (PAGE, *CHARTS)}
                    whole: list[float] = []
                    for _ in range(samples):
                        times = [timed(url, forget) for url in (PAGE, *CHARTS)]
                        for url, ms in zip(per_url, times, strict=True):
                            per_url[url].append(ms)
                        whole.append(sum(times))
                    result[label] = {
                        "page and its charts": spread(whole),
                        **{url: spread(values) for url, values in per_url.items()},
                    }
        finally:
            runtime.dispose()
    save("progress", result)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
