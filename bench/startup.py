"""Start-up: `backcoach --help` and `backcoach plan --json`, cold processes, against `python3 -c pass` in the same run
(hyperfine, from Debian)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import save


def run() -> dict[str, Any]:
    exe = Path(sys.executable).parent / "backcoach"
    with tempfile.TemporaryDirectory() as home:
        env = f"BACKCOACH_HOME={home}"
        subprocess.run([str(exe), "plan", "--json"], env={"BACKCOACH_HOME": home}, capture_output=True, check=True)
        out = Path(home) / "hyperfine.json"
        subprocess.run(
            [
                "hyperfine",
                "-N",
                "--warmup",
                "3",
                "--runs",
                "30",
                "--export-json",
                str(out),
                f"{sys.executable} -c pass",
                f"env {env} {exe} --help",
                f"env {env} {exe} plan --json",
            ],
            capture_output=True,
            check=True,
        )
        data = json.loads(out.read_text())["results"]
    names = ["python -c pass", "backcoach --help", "backcoach plan --json"]
    timings = {
        name: {
            "median_ms": round(r["median"] * 1000, 2),
            "stdev_ms": round(r["stddev"] * 1000, 2),
            "runs": len(r["times"]),
        }
        for name, r in zip(names, data, strict=True)
    }
    base = timings["python -c pass"]["median_ms"]
    result = {
        **timings,
        "help_ratio": round(timings["backcoach --help"]["median_ms"] / base, 2),
        "plan_ratio": round(timings["backcoach plan --json"]["median_ms"] / base, 2),
    }
    save("startup", result)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
