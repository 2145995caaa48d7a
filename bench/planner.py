"""Planner speed: per plan on the shipped catalogue, and on a generated catalogue of 2,000 exercises; and the CPU
of the first plan after a change (issue 13: under 3 ms), in-process, for the issue's person on its data set."""

from __future__ import annotations

import itertools
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from sqlalchemy import inspect, text

from backcoach.app import history, plans, preferences
from backcoach.app.runtime import create_runtime
from backcoach.domain.catalogue import Catalogue, Prescription, load_catalogue
from backcoach.domain.planner import PlanRequest, build_plan
from backcoach.settings import Settings
from backcoach.web.schemas import PlanOut
from bench.common import dataset_facts, measure, save, seed, spread

SAMPLES = int(os.environ.get("BENCH_PLAN_SAMPLES", "50"))

REQUESTS = {
    "15 min beginner, floor, no equipment": PlanRequest(),
    "60 min advanced, everything": PlanRequest(60, frozenset({"chair", "wall", "kettlebell"}), True, "advanced"),
    "20 min no floor, chair and wall": PlanRequest(20, frozenset({"chair", "wall"}), False, "beginner"),
}


def generated(size: int) -> Catalogue:
    """`size` exercises made from the shipped ones: new ids, varied doses, the same spread of kinds."""
    shipped = load_catalogue()
    base = list(shipped)
    exercises = {}
    for n, (e, step) in enumerate(zip(itertools.cycle(base), itertools.count(), strict=False)):
        if n >= size:
            break
        dose = e.prescription
        varied: Prescription = dose.model_copy(
            update={"reps": (dose.reps or 5) + step % 7, "sets": 1 + step % 3, "rest_s": 30 if step % 3 else None}
        )
        exercises[f"{e.id}-{n:04d}"] = e.model_copy(update={"id": f"{e.id}-{n:04d}", "prescription": varied})
    return Catalogue(articles=shipped.articles, exercises=exercises)


def run() -> dict[str, object]:
    shipped = load_catalogue()
    big = generated(2000)
    result: dict[str, object] = {"shipped_size": len(shipped), "generated_size": len(big), "plans": {}}
    plans: dict[str, object] = {}
    for name, request in REQUESTS.items():
        plans[name] = {
            "shipped": measure(partial(build_plan, shipped, request), repeats=9, number=50),
            "generated_2000": measure(partial(build_plan, big, request), repeats=7, number=3),
        }
    result["plans"] = plans
    result["first_plan_after_change"] = first_plan_after_change()
    save("planner", result)
    return result


def first_plan_after_change() -> dict[str, Any]:
    """CPU (`time.process_time`) of today's plan rendered to the API's JSON bytes, each sample right after a change
    made through the application layer, so that nothing the app may cache for this person still holds.

    Two kinds of change, SAMPLES each: an edit of the latest session (what recording a session does to the dose
    rules' input) and a change of the plan options. Then the same plan again with nothing changed, which shows what
    a cache saves. Wall time is kept beside the CPU: the difference is time spent waiting, here on SQLite's file."""
    with tempfile.TemporaryDirectory() as home:
        # argon2's default cost would be paid at sign-up only; nothing here signs in.
        runtime = create_runtime(Settings(home=Path(home)), hasher=PasswordHasher.from_parameters(CHEAPEST))
        try:
            seeded = seed(runtime)
            user = seeded.reader
            latest = max(history.sessions(runtime, user), key=lambda s: (s.record.date, s.id))
            saved = preferences.current(runtime, user)

            # Counters of their own, so that every call really changes a value, whatever ran before.
            pains, minutes = itertools.count(), itertools.count()

            def edit_session() -> None:
                history.edit_session(runtime, user, latest.id, {"pain_after": 1 + next(pains) % 2})

            def edit_preferences() -> None:
                # 20 and 21 minutes give plans of the same size: the cost compared is the same work.
                preferences.save(runtime, user, saved.model_copy(update={"minutes": 21 - next(minutes) % 2}))

            def render() -> bytes:
                return PlanOut.of(plans.todays_plan(runtime, user)).model_dump_json().encode()

            has_revision = "revision" in {c["name"] for c in inspect(runtime.engine).get_columns("users")}

            def revision() -> int | None:
                """The person's revision, read straight from the table: each change must have been one."""
                if not has_revision:
                    return None
                with runtime.engine.connect() as conn:
                    query = text("SELECT revision FROM users WHERE id = :id")
                    return int(conn.execute(query, {"id": user}).scalar_one())

            for _ in range(5):  # imports, compiled SQL and the catalogue's first use: a running server has them
                edit_session()
                render()
            result: dict[str, Any] = {"dataset": dataset_facts(), "samples_per_change": SAMPLES}
            for name, change in (
                ("after a session edit", edit_session),
                ("after a preferences edit", edit_preferences),
            ):
                result[name] = _sample(change, render, revision)
            result["unchanged (the same plan again)"] = _sample(None, render, revision)
            result["plan_bytes"] = len(render())
        finally:
            runtime.dispose()
    return result


def _sample(
    change: Callable[[], None] | None, render: Callable[[], bytes], revision: Callable[[], int | None]
) -> dict[str, Any]:
    cpu: list[float] = []
    wall: list[float] = []
    revisions_changed = 0
    for _ in range(SAMPLES):
        before = revision()
        if change is not None:
            change()
        else:
            render()
        revisions_changed += before is not None and revision() != before
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        render()
        cpu.append((time.process_time() - cpu_start) * 1000)
        wall.append((time.perf_counter() - wall_start) * 1000)
    return {
        "cpu": spread(cpu),
        "wall": spread(wall),
        "mean_cpu_ms": round(statistics.fmean(cpu), 3),
        # None when the users table has no revision column (before migration 0006).
        "revision_changed": None if revision() is None else revisions_changed,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
