"""Step-boundary timing of a real guided session, and the wall time of a compressed one.

Not a test: run it with `make bench` (or `.venv/bin/python bench/timing.py`). It runs a real-time session of at
least two minutes through the real player (unattended, plain output, SQLite), records when each step actually
started against its schedule, and reports p50, p99 and max of that error and the drift at the end. It then times
`backcoach start PLAN --auto --speed 60` on a 10-minute plan against the 10 s it should take.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backcoach.app.runtime import create_runtime
from backcoach.cli.player import Player, PlayerOptions
from backcoach.domain.catalogue import Prescription
from backcoach.domain.runner import Event, SessionEnded, StepStarted
from backcoach.domain.timeline import resolve
from backcoach.settings import Settings
from bench.common import RESULTS

# About 2.5 minutes of short steps: many boundaries, four exercises saved along the way.
SESSION = [
    ("ankle-pump", Prescription(reps=6, per_side=True)),
    ("superman", Prescription(reps=4, hold_s=2)),
    ("bridge", Prescription(reps=4, sets=2, rest_s=5)),
    ("cat-stretch", Prescription(reps=2)),
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def step_boundaries(home: Path) -> dict[str, float]:
    runtime = create_runtime(Settings(home=home))
    items = [(runtime.catalogue.get(e), resolve(p)) for e, p in SESSION]
    options = PlayerOptions(auto=True, speed=1.0, pain_before=2, pain_after=2)
    player = Player(runtime, runtime.local_user(), items, options, out=io.StringIO())
    errors: list[float] = []
    end: dict[str, float] = {}

    def probe(event: Event) -> None:
        observed = player.clock()
        if isinstance(event, StepStarted) and event.index > 0:
            errors.append(observed - event.at)
        elif isinstance(event, SessionEnded):
            end["drift"] = observed - event.at
            end["scheduled_s"] = event.at - player.clock.origin

    player.runner.subscribe(probe)
    started = time.monotonic()
    player.run()
    wall = time.monotonic() - started
    runtime.dispose()
    ms = [e * 1000 for e in errors]
    return {
        "planned_s": player.runner.total_s,
        "wall_s": round(wall, 3),
        "boundaries": len(ms),
        "p50_ms": round(percentile(ms, 0.50), 3),
        "p99_ms": round(percentile(ms, 0.99), 3),
        "max_ms": round(max(ms), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "drift_at_end_ms": round(end["drift"] * 1000, 3),
    }


def compressed_run(home: Path) -> dict[str, float]:
    exe = Path(sys.executable).parent / "backcoach"
    env = {**os.environ, "BACKCOACH_HOME": str(home)}
    env.pop("BACKCOACH_DATABASE_URL", None)
    # A session starts only after the safety screen, as for any person.
    subprocess.run(
        [str(exe), "screen", "--answers", "-"], input='{"age": 45}', capture_output=True, text=True, env=env, check=True
    )
    plan = subprocess.run(
        [str(exe), "plan", "--minutes", "10", "--json"], capture_output=True, text=True, env=env, check=True
    ).stdout
    path = home / "plan.json"
    path.write_text(plan)
    planned = json.loads(plan)["estimated_duration_s"]
    args = [str(exe), "start", str(path), "--auto", "--speed", "60", "--pain-before", "2", "--pain-after", "2"]
    started = time.monotonic()
    subprocess.run(args, capture_output=True, text=True, env=env, check=True)
    wall = time.monotonic() - started
    expected = planned / 60
    return {
        "planned_s": planned,
        "expected_wall_s": round(expected, 3),
        "wall_s": round(wall, 3),
        "off_by_percent": round(100 * (wall - expected) / expected, 2),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        real = step_boundaries(Path(tmp) / "real")
        fast = compressed_run(Path(tmp) / "fast")
    result = {"real_time_session": real, "speed_60": fast, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "timing.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    ok = real["p99_ms"] < 10 and abs(real["drift_at_end_ms"]) < 10
    print(f"step boundaries: p99 {real['p99_ms']} ms, drift {real['drift_at_end_ms']} ms: {'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
