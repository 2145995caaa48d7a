"""Start-up: cold processes of the command line against `python3 -c pass` in the same run (hyperfine, from Debian).

- `backcoach --help`;
- `backcoach exercises`, with the validated content already cached (as after any earlier command);
- `backcoach plan --json` when nothing changed since the last plan (the kept plan is printed, `app/snapshots.py`),
  and right after a change: before each of those runs the person's revision is bumped, as any write bumps it, so
  every run plans in full and keeps a new snapshot; and right after `backcoach log`, which keeps the plan again
  itself (`cli/kept.py`), with `backcoach log` timed on its own as well.

The commands run with bytecode, as an installed copy has it (pip compiles on install): PYTHONDONTWRITEBYTECODE,
which some environments set, is removed, and the compiled files go to a temporary PYTHONPYCACHEPREFIX rather than
the source tree. Without them every start compiles backcoach's own modules again (see docs/cli.md).
BENCH_STARTUP_RUNS sets the runs per command (30).
"""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import save

RUNS = int(os.environ.get("BENCH_STARTUP_RUNS", "30"))
BUMP = "UPDATE users SET revision = revision + 1 WHERE is_local = 1"


def run() -> dict[str, Any]:
    exe = Path(sys.executable).parent / "backcoach"
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTHONDONTWRITEBYTECODE", "BACKCOACH_DATABASE_URL", "BACKCOACH_CACHE_DIR")
        }
        env |= {"BACKCOACH_HOME": str(home), "PYTHONPYCACHEPREFIX": str(Path(folder) / "pycache")}
        for args in (["plan", "--json"], ["exercises"]):
            subprocess.run([str(exe), *args], env=env, capture_output=True, check=True)
        database = home / "backcoach.db"
        bump = shlex.join(
            [
                sys.executable,
                "-c",
                f"import sqlite3; sqlite3.connect({str(database)!r}).execute({BUMP!r}).connection.commit()",
            ]
        )
        log = shlex.join([str(exe), "log", "--pain-before", "3", "--pain-after", "2", "--item", "bridge:15:3:right:2"])
        commands = {
            "python -c pass": (f"{sys.executable} -c pass", "true"),
            "backcoach --help": (f"{exe} --help", "true"),
            "backcoach exercises": (f"{exe} exercises", "true"),
            "backcoach plan --json": (f"{exe} plan --json", "true"),
            "backcoach plan --json, after a change": (f"{exe} plan --json", bump),
            "backcoach plan --json, after `backcoach log`": (f"{exe} plan --json", log),
            "backcoach log, keeping the plan": (log, "true"),
        }
        out = Path(folder) / "hyperfine.json"
        subprocess.run(
            [
                "hyperfine",
                "-N",
                "--warmup",
                "3",
                "--runs",
                str(RUNS),
                "--export-json",
                str(out),
                *(arg for _, prepare in commands.values() for arg in ("--prepare", prepare)),
                *(command for command, _ in commands.values()),
            ],
            env=env,
            capture_output=True,
            check=True,
        )
        data = json.loads(out.read_text())["results"]
        served = _kept_plan_served(exe, env, database)
    timings: dict[str, dict[str, float]] = {
        name: {
            "median_ms": round(r["median"] * 1000, 2),
            "stdev_ms": round(r["stddev"] * 1000, 2),
            "runs": len(r["times"]),
        }
        for name, r in zip(commands, data, strict=True)
    }
    base = timings["python -c pass"]["median_ms"]

    def ratio(name: str) -> float:
        return round(timings[name]["median_ms"] / base, 2)

    result = {
        **timings,
        "help_ratio": ratio("backcoach --help"),
        "plan_ratio": ratio("backcoach plan --json"),
        "plan_after_change_ratio": ratio("backcoach plan --json, after a change"),
        "plan_after_log_ratio": ratio("backcoach plan --json, after `backcoach log`"),
        "log_ratio": ratio("backcoach log, keeping the plan"),
        "exercises_ratio": ratio("backcoach exercises"),
        "bytecode": True,
        "plan_served_from_snapshot": served,
    }
    save("startup", result)
    return result


def _kept_plan_served(exe: Path, env: dict[str, str], database: Path) -> bool:
    """Whether the unchanged case really printed the kept plan: the process imported no SQLAlchemy."""
    with sqlite3.connect(database) as db:
        db.execute(BUMP)
    db.close()
    subprocess.run([str(exe), "plan", "--json"], env=env, capture_output=True, check=True)
    code = (
        "import sys\nfrom backcoach.cli.entry import main\nmain(['plan', '--json'])\nprint('sqlalchemy' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip().endswith("False")


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
