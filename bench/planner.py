"""Planner speed: per plan on the shipped catalogue, and on a generated catalogue of 2,000 exercises."""

from __future__ import annotations

import itertools
import json
from functools import partial

from backcoach.domain.catalogue import Catalogue, Prescription, load_catalogue
from backcoach.domain.planner import PlanRequest, build_plan
from bench.common import measure, save

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
    save("planner", result)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
