"""Writes BENCHMARKS.md from bench/results/*.json, with the machine it ran on."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS

OUT = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def machine() -> list[str]:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    found = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False)
    postgres = found.stdout.strip() or "not found"
    return [
        f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {os.cpu_count()} cores, {memory:.0f} GiB, {platform.platform()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {postgres}",
        "- PostgreSQL is the test server from `scripts/ensure-postgres` (loopback, fsync off): it measures backcoach, "
        "not the disk.",
    ]


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def main() -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/`); raw figures in `bench/results/`.",
        "",
        *machine(),
        "",
    ]
    planner = load("planner")
    if planner:
        lines += [
            "## Planner",
            "",
            "| request | shipped (ms, median) | 2,000 exercises (ms, median) |",
            "| --- | --- | --- |",
        ]
        worst_small = worst_big = 0.0
        for name, r in planner["plans"].items():
            small, big = r["shipped"], r["generated_2000"]
            worst_small, worst_big = max(worst_small, small["median_ms"]), max(worst_big, big["median_ms"])
            lines.append(
                f"| {name} | {small['median_ms']} (range {small['min_ms']}-{small['max_ms']}) "
                f"| {big['median_ms']} (range {big['min_ms']}-{big['max_ms']}) |"
            )
        lines += [
            "",
            f"Targets: under 2 ms shipped ({verdict(worst_small < 2)}), under 50 ms at 2,000 "
            f"({verdict(worst_big < 50)}).",
            "",
        ]
    startup = load("startup")
    if startup:
        lines += ["## Start-up", "", "| command | median (ms) | stdev |", "| --- | --- | --- |"]
        for name in ("python -c pass", "backcoach --help", "backcoach plan --json"):
            lines.append(f"| `{name}` | {startup[name]['median_ms']} | {startup[name]['stdev_ms']} |")
        lines += [
            "",
            f"`backcoach --help` is {startup['help_ratio']}x `python -c pass` (target under 3x: "
            f"{verdict(startup['help_ratio'] < 3)}); `plan --json` is {startup['plan_ratio']}x.",
            "",
        ]
    timing = load("timing")
    if timing:
        real, fast = timing["real_time_session"], timing["speed_60"]
        on_time = verdict(real["p99_ms"] < 10 and abs(real["drift_at_end_ms"]) < 10)
        lines += [
            "## Guided-session timing",
            "",
            f"A real-time session of {real['planned_s']} s, {real['boundaries']} step boundaries: "
            f"p50 {real['p50_ms']} ms, p99 {real['p99_ms']} ms, max {real['max_ms']} ms, "
            f"drift at the end {real['drift_at_end_ms']} ms (target p99 under 10 ms and no drift: {on_time}).",
            f"A {fast['planned_s']} s plan at 60x: {fast['wall_s']} s against {fast['expected_wall_s']} s "
            f"({fast['off_by_percent']:+}%).",
            "",
        ]
    web = load("web")
    if web:
        lines += [
            "## Web",
            "",
            f"wrk, {web['connections']} connections for {web['duration']}, with {web['users']:,} users and "
            f"{web['sessions']:,} session records stored.",
            "",
            "| database, processes | endpoint | requests/s | p50 (ms) | p99 (ms) | max (ms) | errors "
            "| writes acknowledged / stored |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for config, endpoints in web.items():
            if not isinstance(endpoints, dict):
                continue
            for endpoint, r in endpoints.items():
                writes = f"{r['ok']} / {r['stored']}" if "stored" in r else ""
                lines.append(
                    f"| {config} | {endpoint} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} | "
                    f"{r['bad'] + r['socket_errors']} | {writes} |"
                )
        lines += ["", "Seeding: " + ", ".join(f"{k.split()[0]} {v} s" for k, v in web.items() if "seed" in k), ""]
    weight = load("weight")
    if weight:
        lines += [
            "## Page weight",
            "",
            f"The Player page and everything it loads: {weight['total_kb']} KB transferred (gzip), "
            f"{len(weight['files'])} files (target under 150 KB: {verdict(weight['total_kb'] < 150)}).",
            "",
        ]
    notes = Path(__file__).with_name("NOTES.md")
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    OUT.write_text("\n".join(lines))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
