"""Writes BENCHMARKS.md from bench/results/*.json: issue 13's targets, each with its yardstick and what limits it,
then every earlier target, then the details, the data set and the method."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import RESULTS

OUT = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"

# What limits each figure, in words, written once the figures come from a quiet machine: one slot per figure. The
# report puts it after the bench's own measured reading (where the CPU went while the figure was taken).
WHY: dict[str, str] = {
    "plan.rps": "CPU: a hit is the token's one-row read (which brings the revision) and a dictionary lookup; the "
    "rest is uvicorn, Starlette and FastAPI's routing and dependencies, on two cores shared with wrk.",
    "plan.p99": "Queueing behind the same CPU (Little's law: 64 connections over the throughput).",
    "plan.p50": "The framework's per-request work plus one loopback round trip; nothing is built on a hit.",
    "plan.yardstick": "Both pay the same token read; the plan adds five query options to parse and a larger body.",
    "plan.postgresql": "The token's read is a round trip to a PostgreSQL server that shares the two cores.",
    "first-plan.cpu": "Reading the last two weeks' attempts and each exercise's last two days (about 100 rows here; "
    "SQLite hands each row to Python for a microsecond or more), the screen, the preferences and the revision; "
    "the dose decisions, the advanced check and the plan are memoised by what they read, so only what the change "
    "touched is worked out again (a preferences edit changes the request, so that plan is built afresh)",
    "writes.rps": "One writer at a time (SQLite's lock: a write runs on the event loop when no writer holds the "
    "lock and waits on the process's writer thread when one does; the processes take turns on a file lock instead "
    "of polling), and per request FastAPI's routing and dependencies, the token's read, pydantic's validation of "
    "the record and five statements and a commit, about four to five times the CPU of /me",
    "writes.p99": "Writers wait their turn for SQLite's one write lock, across both processes; a write that finds "
    "it held waits on the writer thread, which then shares the process's GIL with the event loop.",
    "writes.stored": "Each write commits before its 201; the count is taken from the database afterwards.",
    "workers.p50": "TCP_NODELAY on every connection (gunicorn workers with uvicorn's protocol), so no "
    "Nagle/delayed-ACK wait.",
    "workers.rps": "At one connection there is no parallelism to gain; the two figures differ by noise.",
    "workers.share": "Each worker has its own SO_REUSEPORT socket; the kernel hashes connections across them.",
    "pages.today": "A hit is the sign-in's read and the stored page; Jinja renders only after a change.",
    "pages.progress": "As Today; the charts are drawn once per change, not per request.",
    "cli.plan": "Python's start-up and the standard library's imports; the kept plan needs nothing else.",
    "cli.plan (after a change)": "Importing SQLAlchemy (about 430 ms here), pydantic and the models, then the plan.",
    "cli.exercises": "Importing click and rich, and drawing the table; the content is read from its cache.",
    "cli.plan (after `backcoach log`)": "As with nothing changed: `log` made the kept plan again before it ended, "
    "having SQLAlchemy and the plan loaded already (cli/kept.py).",
}

# Issue 13's own figures, measured before the work on it (its "before"); "" where the issue gives none.
BEFORE: dict[str, str] = {
    "plan.rps": "164/s",
    "plan.p99": "800 ms",
    "plan.p50": "",
    "plan.yardstick": "0.18 (against the exercise list's 908/s)",
    "plan.postgresql": "",
    "first-plan.cpu": "9.6 ms (a whole request's CPU, py-spy)",
    "writes.rps": "348/s",
    "writes.p99": "",
    "writes.stored": "all",
    "workers.p50": "44 ms against 0.8 ms (exercise list)",
    "workers.rps": "",
    "workers.share": "61 of 64 connections on one worker",
    "pages.today": "",
    "pages.progress": "",
    "cli.plan": "520 ms (38x `python -c pass`)",
    "cli.plan (after a change)": "520 ms (every plan was built then)",
    "cli.exercises": "",
    "cli.plan (after `backcoach log`)": "520 ms (every plan was built then)",
}


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def ms(value: float | None) -> str:
    if value is None:
        return "not measured"
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"


def per_s(value: float | None) -> str:
    return "not measured" if value is None else f"{value:,.0f}/s"


def met(ok: bool | None) -> str:
    return "not measured" if ok is None else "yes" if ok else "**no**"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@dataclass
class Row:
    """One figure of a target table."""

    key: str
    figure: str
    target: str
    measured: str
    yardstick: str
    ok: bool | None
    limit: str

    def line(self) -> str:
        why = WHY.get(self.key, "").rstrip(".")
        limit = " ".join(
            p for p in (f"Measured: {self.limit}" if self.limit else "", f"Why: {why or '_to be written_'}.") if p
        )
        before = BEFORE.get(self.key, "") or "—"
        cells = (self.figure, self.target, self.measured, self.yardstick, before, met(self.ok), limit)
        return "| " + " | ".join(cell(c) for c in cells) + " |"


HEADER = [
    "| figure | target | measured | yardstick / ratio | before (issue 13) | met | what limits it |",
    "| --- | --- | --- | --- | --- | --- | --- |",
]


# The web runs: medians over rounds, and what the CPU did


class Web:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.runs: dict[str, list[dict[str, Any]]] = data.get("runs", {})

    def good(self, key: str) -> list[dict[str, Any]]:
        return [r for r in self.runs.get(key, []) if "error" not in r]

    def error(self, key: str) -> str | None:
        errors = [str(r["error"]) for r in self.runs.get(key, []) if "error" in r]
        if errors:
            return errors[0]
        return None if key in self.runs else "not run"

    def median(self, key: str, field: str) -> float | None:
        values = [r[field] for r in self.good(key)]
        return statistics.median(values) if values else None

    def typical(self, key: str) -> dict[str, Any] | None:
        """The round with the median throughput: its CPU reading explains the median figure."""
        good = sorted(self.good(key), key=lambda r: r["rps"])
        return good[len(good) // 2] if good else None

    def errors(self, key: str) -> int:
        return sum(r["errors"] for r in self.good(key))

    def figure(self, key: str, field: str, fmt: Callable[[float | None], str]) -> str:
        """The median, with the range over rounds and any errors; or why it was not measured."""
        good = self.good(key)
        if not good:
            return f"not measured: {self.error(key)}"
        text = fmt(self.median(key, field))
        if len(good) > 1:
            values = [r[field] for r in good]
            text += f" ({fmt(min(values))} to {fmt(max(values))} over {len(good)} rounds)"
        if self.errors(key):
            text += f", **{self.errors(key)} errors**"
        failed = len(self.runs.get(key, [])) - len(good)
        if failed:
            text += f", {failed} rounds failed"
        return text

    def within(self, key: str, field: str, test: Callable[[float], bool]) -> bool | None:
        value = self.median(key, field)
        return None if value is None else test(value) and self.errors(key) == 0

    def ratio(self, top: str, bottom: str, field: str = "rps") -> float | None:
        a, b = self.median(top, field), self.median(bottom, field)
        return a / b if a is not None and b else None

    def limit(self, key: str) -> str:
        """Where the CPU went during the typical run of `key`, and what that says about the limit."""
        run = self.typical(key)
        if run is None:
            return ""
        db, workers, target, conns = key.split("/")
        c = run["cpu"]
        per = c["server_cpu_ms_per_request"]
        if conns == "c1":
            latency = run["p50_ms"]
            text = f"one request at a time, p50 {ms(latency)} against {ms(per)} of server CPU per request"
            if per is not None and latency - per >= 20:
                text += (
                    f"; {ms(latency - per)} of each request is waiting, not working: the signature of Nagle's "
                    "algorithm meeting delayed ACKs (a socket without TCP_NODELAY)"
                )
            elif per is not None and per >= 0.6 * latency:
                text += ": the server's CPU is most of the latency (Python's work per request)"
            else:
                text += ": the rest is wrk, the loopback and scheduling"
            return text + self.noise(c) + "."
        parts = [f"server {c['server_cores']:.2f}", f"wrk {c['wrk_cores']:.2f}"]
        if c["postgres_cores"] >= 0.05:
            parts.append(f"PostgreSQL {c['postgres_cores']:.2f}")
        if c["other_cores"] >= 0.05:
            parts.append(f"other processes {c['other_cores']:.2f}")
        busy = c["machine_busy"] or 0.0
        text = f"the {c['cores']} cores were {busy:.0%} busy ({', '.join(parts)} cores); "
        text += f"{ms(per)} of server CPU per request"
        if busy >= 0.9:
            text = "CPU-bound: " + text
        workers_cores = sorted(c.get("worker_cores", {}).values())
        if len(workers_cores) > 1 and workers_cores[0] < 0.6 * workers_cores[-1]:
            text += (
                f"; one worker used {workers_cores[-1]:.2f} cores and another {workers_cores[0]:.2f}: the "
                "connections' split, not the cores, set the pace"
            )
        elif workers_cores and workers_cores[0] >= 0.85:
            text += "; every worker ran near a full core (one process runs Python on one core at a time)"
        if busy < 0.9:
            text = "not CPU-bound: " + text + "; requests wait, "
            if target == "write" and db == "sqlite":
                text += "most likely for SQLite's write lock (one writer at a time)"
            elif target == "write":
                text += "most likely on PostgreSQL's commits"
            else:
                text += "on something other than CPU (locks, the thread pool, the network)"
            if (c["iowait"] or 0) >= 0.05:
                text += f", and on the disk (iowait {c['iowait']:.0%})"
        single = self.typical(f"{db}/{workers}/{target}/c1")
        if single and per and single["cpu"]["server_cpu_ms_per_request"]:
            growth = per / single["cpu"]["server_cpu_ms_per_request"]
            if growth >= 1.3:
                text += (
                    f"; the CPU per request is {growth:.1f}x the one-connection figure: contention (threads "
                    "competing for the GIL, locks)"
                )
        return text + self.noise(c) + "."

    def tail(self, key: str, target_ms: float) -> str:
        """What sets the p99 at 64 connections: Little's law ties the mean wait to the throughput, the rest is
        the tail."""
        run = self.typical(key)
        if run is None:
            return ""
        connections = int(key.rsplit("/c", 1)[1])
        little = 1000 * connections / run["rps"] if run["rps"] else 0.0
        text = (
            f"Little's law: {connections} connections at {per_s(run['rps'])} wait {ms(little)} on average "
            f"(measured mean {ms(run['mean_ms'])}); the p99 is {run['p99_ms'] / run['p50_ms']:.1f}x the p50"
        )
        if little >= target_ms:
            need = per_s(1000 * connections / target_ms)
            return f"{text}: even the mean misses, so throughput limits it (the mean fits only above {need})."
        if run["p99_ms"] >= target_ms:
            return f"{text}: the mean fits, the tail misses (requests queued behind slower ones)."
        return f"{text}."

    @staticmethod
    def noise(cpu: dict[str, Any]) -> str:
        other = cpu.get("other_cores") or 0.0
        return f"; other processes took {other:.1f} cores meanwhile: a noisy machine" if other >= 0.2 else ""

    def cpu_per_request(self, key: str) -> float | None:
        run = self.typical(key)
        return run["cpu"]["server_cpu_ms_per_request"] if run else None


# The sections


def machine(web: dict[str, Any] | None) -> list[str]:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    found = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False)
    postgres = found.stdout.strip() or "not found"
    facts = (web or {}).get("machine", {})
    lines = [
        "## The machine",
        "",
        f"- Written: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- {facts.get('nproc', os.cpu_count())} cores, {memory:.0f} GiB, {facts.get('platform', platform.platform())}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {postgres}, "
        f"uvicorn {facts.get('uvicorn', '?')}, {facts.get('wrk', 'wrk')}",
    ]
    if facts:
        lines.append(
            f"- `python -c pass`: {ms(facts['python_c_pass_ms'])} (median of 20, from Python's subprocess); load "
            f"average {facts['loadavg_at_start'][0]} when the web runs began, {facts.get('loadavg_at_end', ['?'])[0]} "
            "at their end"
        )
    others = [r["cpu"]["other_cores"] for rs in (web or {}).get("runs", {}).values() for r in rs if "cpu" in r]
    if others:
        quiet = max(others) < 0.2
        lines.append(
            f"- Other processes used up to {max(others):.2f} cores during the web runs (median "
            f"{statistics.median(others):.2f}): "
            + ("a quiet machine." if quiet else "**a noisy machine: these figures are lower than a quiet one's.**")
        )
    lines += [
        "- PostgreSQL is the test server from `scripts/ensure-postgres` (loopback, fsync off): it measures backcoach, "
        "not the disk.",
        "- wrk runs on the same cores as the server (and PostgreSQL): every figure is a share of the same 2 cores.",
        "",
    ]
    return lines


def method(web: dict[str, Any] | None, planner: dict[str, Any] | None) -> list[str]:
    lines = ["## Data set and method", ""]
    if web:
        d, m = web["dataset"], web["method"]
        seeding = ", ".join(f"{k.removesuffix('_seed_s')} {v} s" for k, v in d.items() if k.endswith("_seed_s"))
        lines += [
            f"- Data: {d['users']:,} users, each with {d['sessions_per_user']} sessions of {d['items_per_session']} "
            f"items, one a day up to the day before the run ({d['sessions']:,} sessions, {d['items']:,} items). The "
            "reader (the issue's person) and a second person who takes the writes sign up, save their options, take "
            "the safety check and import their history through the application; the others are written in bulk. "
            f"Seeding: {seeding}.",
            f"- Load: `{m['wrk']}`; the headline (the plan, 2 workers, 64 connections, SQLite) and its yardstick "
            f"alternate for {m['rounds']} round{'s' if m['rounds'] != 1 else ''}, everything else runs once. Figures "
            f"are medians over rounds, with their range. Each server is warmed for {m['warmup']} per URL first.",
            "- The yardstick is GET /api/v1/me with the same bearer token: the least an authenticated JSON request "
            "costs in the same app, served in the same run. 1 and 2 workers are compared back to back, both servers "
            "running (an idle one costs nothing).",
            "- Every run is checked before and after by one request that must answer the intended status and content "
            "type (wrk would count a redirect as a success); wrk counts any other status and every socket error.",
            f"- The spread over workers comes from a separate {m['share_duration']} run with `--access-log`, counting "
            "`worker=<pid>` lines (the log costs CPU, so the throughput runs go without it).",
            "- What limits a figure is read from /proc during its run: how busy the cores were, and how much of it "
            "was the server, wrk, PostgreSQL or anything else; the server's CPU per request, and the established "
            "connections each worker held halfway through.",
        ]
    if planner and "first_plan_after_change" in planner:
        f = planner["first_plan_after_change"]
        lines.append(
            f"- The first plan after a change: in-process on the same data set, {f['samples_per_change']} samples for "
            "each kind of change (an edit of the latest session, then of the plan options), each right after the "
            "change; `time.process_time` around `plans.todays_plan` and `PlanOut.of(plan).model_dump_json()`."
        )
    return [*lines, ""]


def plan_section(w: Web) -> list[str]:
    head, me = "sqlite/2w/plan/c64", "sqlite/2w/me/c64"
    ratio = w.ratio(head, me)
    pg_ratio = w.ratio("postgresql/2w/plan/c64", head)
    plan_cpu, me_cpu = w.cpu_per_request(head), w.cpu_per_request(me)
    yard = ""
    if plan_cpu is not None and me_cpu is not None:
        yard = (
            f"the plan costs {ms(plan_cpu)} of server CPU per request against {ms(me_cpu)} for /me: "
            f"{ms(plan_cpu - me_cpu)} is the plan's own work."
        )
    pg_cpu = w.typical("postgresql/2w/plan/c64")
    pg_limit = ""
    if pg_cpu and plan_cpu is not None:
        c = pg_cpu["cpu"]
        pg_limit = (
            f"PostgreSQL: {ms(c['server_cpu_ms_per_request'])} of server CPU and "
            f"{ms(c['postgres_cpu_ms_per_request'])} of the database's per request, on the same cores; SQLite: "
            f"{ms(plan_cpu)} in all. " + w.limit("postgresql/2w/plan/c64")
        )
    me_rps = w.median(me, "rps")
    rows = [
        Row(
            "plan.rps",
            "requests/s, 2 workers, 64 connections, SQLite",
            "at least 1,500/s",
            w.figure(head, "rps", per_s),
            f"/me {per_s(me_rps)}; plan/me {ratio:.2f}" if ratio is not None else "",
            w.within(head, "rps", lambda v: v >= 1500),
            w.limit(head),
        ),
        Row(
            "plan.p99",
            "p99 at that load",
            "under 100 ms",
            w.figure(head, "p99_ms", ms),
            f"/me {ms(w.median(me, 'p99_ms'))}",
            w.within(head, "p99_ms", lambda v: v < 100),
            w.tail(head, 100),
        ),
        Row(
            "plan.p50",
            "p50 at one connection (2 workers)",
            "under 2 ms",
            w.figure("sqlite/2w/plan/c1", "p50_ms", ms),
            f"/me {ms(w.median('sqlite/2w/me/c1', 'p50_ms'))}",
            w.within("sqlite/2w/plan/c1", "p50_ms", lambda v: v < 2),
            w.limit("sqlite/2w/plan/c1"),
        ),
        Row(
            "plan.yardstick",
            "throughput against the minimal authenticated endpoint (same app, same run)",
            "at least 0.5",
            f"{ratio:.2f}" if ratio is not None else "not measured",
            f"plan {per_s(w.median(head, 'rps'))} / me {per_s(me_rps)}",
            None if ratio is None else ratio >= 0.5,
            yard,
        ),
        Row(
            "plan.postgresql",
            "PostgreSQL against SQLite, requests/s (2 workers, 64 connections)",
            "at least 0.7 (within 30%)",
            f"{pg_ratio:.2f}" if pg_ratio is not None else "not measured: " + str(w.error("postgresql/2w/plan/c64")),
            f"PostgreSQL {w.figure('postgresql/2w/plan/c64', 'rps', per_s)}, p99 "
            f"{ms(w.median('postgresql/2w/plan/c64', 'p99_ms'))}; /me {per_s(w.median('postgresql/2w/me/c64', 'rps'))}",
            None if pg_ratio is None else pg_ratio >= 0.7,
            pg_limit,
        ),
    ]
    return ["### Today's plan (GET /api/v1/plan)", "", *HEADER, *(r.line() for r in rows), ""]


def first_plan_section(planner: dict[str, Any] | None) -> list[str]:
    found = (planner or {}).get("first_plan_after_change")
    rows = []
    if not found:
        rows.append(
            Row("first-plan.cpu", "CPU of the first plan after a change", "under 3 ms", "not measured", "", None, "")
        )
    else:
        unchanged = found["unchanged (the same plan again)"]
        for name in ("after a session edit", "after a preferences edit"):
            f = found[name]
            cpu, wall = f["cpu"], f["wall"]
            revised = f["revision_changed"]
            checked = (
                ""
                if revised is None
                else f"; the person's revision changed in {revised} of {found['samples_per_change']} samples"
            )
            waited = wall["median_ms"] - cpu["median_ms"]
            limit = (
                f"wall {ms(wall['median_ms'])} against {ms(cpu['median_ms'])} of CPU: "
                + (
                    "all of it is Python's own work (the queries, the dose rules, the planner and the rendering)"
                    if waited < 0.2 * cpu["median_ms"]
                    else f"{ms(waited)} waiting (on the database file, or for a core on a busy machine)"
                )
                + checked
                + "."
            )
            rows.append(
                Row(
                    "first-plan.cpu",
                    f"CPU of today's plan and its JSON, {name}",
                    "under 3 ms",
                    f"{ms(cpu['median_ms'])} median (p90 {ms(cpu['p90_ms'])}, {ms(cpu['min_ms'])} to "
                    f"{ms(cpu['max_ms'])})",
                    f"the same plan again, nothing changed: {ms(unchanged['cpu']['median_ms'])}",
                    cpu["median_ms"] < 3,
                    limit,
                )
            )
    return ["### The first plan after a change (nothing cached)", "", *HEADER, *(r.line() for r in rows), ""]


def writes_section(w: Web) -> list[str]:
    key = "sqlite/2w/write/c64"
    run = w.typical(key)
    stored = None
    stored_text = "not measured"
    if w.good(key):
        stored = all(r["every_acknowledged_write_stored"] for r in w.good(key))
        stored_text = "; ".join(f"{r['ok']:,} acknowledged, {r['stored']:,} stored" for r in w.good(key))
    pg = w.typical("postgresql/2w/write/c64")
    rows = [
        Row(
            "writes.rps",
            "requests/s, 2 workers, 64 connections, SQLite",
            "at least 500/s",
            w.figure(key, "rps", per_s),
            f"PostgreSQL {per_s(pg['rps'])}" if pg else "",
            w.within(key, "rps", lambda v: v >= 500),
            w.limit(key),
        ),
        Row(
            "writes.p99",
            "p99 at that load",
            "under 200 ms",
            w.figure(key, "p99_ms", ms),
            f"PostgreSQL {ms(pg['p99_ms'])}" if pg else "",
            w.within(key, "p99_ms", lambda v: v < 200),
            w.tail(key, 200),
        ),
        Row(
            "writes.stored",
            "every acknowledged write stored",
            "all",
            stored_text,
            (f"PostgreSQL {pg['ok']:,} acknowledged, {pg['stored']:,} stored" if pg else ""),
            stored,
            "rows counted before and after the run; a few more are stored than acknowledged: requests in flight when "
            "wrk stopped."
            if run
            else "",
        ),
    ]
    return ["### Writes (POST /api/v1/sessions)", "", *HEADER, *(r.line() for r in rows), ""]


def workers_section(w: Web) -> list[str]:
    one, two = "sqlite/1w/plan/c1", "sqlite/2w/plan/c1"
    p50 = w.ratio(two, one, "p50_ms")
    rps = w.ratio(two, one)
    me = w.ratio("sqlite/2w/me/c1", "sqlite/1w/me/c1", "p50_ms")
    share = w.data.get("share") or {}
    share_text, share_ok, share_limit = "not measured", None, ""
    if "error" in share:
        share_text = f"not measured: {share['error']}"
    elif share:
        share_ok = share["busiest_share"] <= 0.6 and share["run"]["errors"] == 0
        split = " / ".join(f"{n:,}" for n in share["by_worker"].values())
        share_text = f"{share['busiest_share']:.0%} ({split} of {share['logged']:,} requests logged)"
        held = share["run"].get("connections_by_pid", {})
        if held:
            waiting = share["run"]["connections_established"] - sum(held.values())
            share_limit = (
                f"halfway through, the workers held {' and '.join(str(n) for n in held.values())} of the "
                f"{share['run']['connections_established']} established connections"
                + (f" ({waiting} still queued, accepted by none)" if waiting > 0 else "")
                + ": keep-alive connections stay with the worker that accepted them."
            )
        if share["workers_not_of_this_server"]:
            share_limit += f" Unexpected pids in the log: {', '.join(share['workers_not_of_this_server'])}."
    headline = w.typical("sqlite/2w/plan/c64")
    held_headline = headline.get("connections_by_pid", {}) if headline else {}
    rows = [
        Row(
            "workers.p50",
            "p50 at one connection, 2 workers against 1 (the plan)",
            "at most 1.10",
            f"{p50:.2f}" if p50 is not None else "not measured",
            f"2 workers {ms(w.median(two, 'p50_ms'))}, 1 worker {ms(w.median(one, 'p50_ms'))}; /me "
            + (f"{me:.2f}" if me is not None else "not measured"),
            None if p50 is None else p50 <= 1.10,
            w.limit(two),
        ),
        Row(
            "workers.rps",
            "requests/s at one connection, 2 workers against 1 (the plan)",
            "at least 0.90",
            f"{rps:.2f}" if rps is not None else "not measured",
            f"2 workers {per_s(w.median(two, 'rps'))}, 1 worker {per_s(w.median(one, 'rps'))}",
            None if rps is None else rps >= 0.90,
            w.limit(one),
        ),
        Row(
            "workers.share",
            "the busiest worker's share of requests, 64 connections",
            "at most 60%",
            share_text,
            (
                "connections held in the headline run: " + " / ".join(str(n) for n in held_headline.values())
                if held_headline
                else ""
            ),
            share_ok,
            share_limit,
        ),
    ]
    return ["### Several workers", "", *HEADER, *(r.line() for r in rows), ""]


def pages_section(w: Web) -> list[str]:
    rows = [
        Row(
            f"pages.{name}",
            f"{title} p50 at one connection, nothing changed (2 workers)",
            "under 5 ms",
            w.figure(f"sqlite/2w/{name}/c1", "p50_ms", ms),
            f"/me {ms(w.median('sqlite/2w/me/c1', 'p50_ms'))}",
            w.within(f"sqlite/2w/{name}/c1", "p50_ms", lambda v: v < 5),
            w.limit(f"sqlite/2w/{name}/c1"),
        )
        for name, title in (("today", "Today page (GET /today)"), ("progress", "Progress page (GET /progress)"))
    ]
    return ["### The Today and Progress pages", "", *HEADER, *(r.line() for r in rows), ""]


def startup_time(startup: dict[str, Any], command: str) -> tuple[str, float] | None:
    """The median of the figure for `command`, preferring a cold one; tolerant of how startup.json names it."""
    names = [k for k, v in startup.items() if k.startswith(command) and isinstance(v, dict) and "median_ms" in v]
    names.sort(key=lambda k: ("cold" not in k, len(k)))
    return (names[0], float(startup[names[0]]["median_ms"])) if names else None


def cli_section(startup: dict[str, Any] | None) -> list[str]:
    """Every figure bench/startup.py gives for each command (e.g. served from a snapshot, and after a change), each
    against the command's target: a cold process in every case."""
    startup = startup or {}
    base = startup_time(startup, "python -c pass")
    rows = []
    for key, command, limit_ms in (
        ("cli.plan", "backcoach plan --json", 200),
        ("cli.exercises", "backcoach exercises", 150),
    ):
        names = sorted((k for k, v in startup.items() if k.startswith(command) and isinstance(v, dict)), key=len)
        if not names:
            rows.append(Row(key, f"`{command}`, cold", f"under {limit_ms} ms", "not measured", "", None, ""))
        for name in names:
            value = float(startup[name]["median_ms"])
            variant = name.removeprefix(command).strip(" ,")
            ratio = f"{value / base[1]:.1f}x `python -c pass` ({ms(base[1])})" if base else ""
            limit = (
                f"starting Python is {ms(base[1])} of it; the rest is imports and the command's own work."
                if base
                else ""
            )
            row_key = key + (f" ({variant})" if variant else "")
            figure = f"`{command}`" + (f", {variant}" if variant else "")
            rows.append(Row(row_key, figure, f"under {limit_ms} ms", ms(value), ratio, value < limit_ms, limit))
    facts = [
        f"{k}: {json.dumps(v)}" for k, v in startup.items() if not isinstance(v, dict) and not k.endswith("_ratio")
    ]
    note = [f"From bench/startup.py (hyperfine, cold processes); {', '.join(facts)}.", ""] if facts else []
    return ["### The command line", "", *HEADER, *(r.line() for r in rows), "", *note]


def earlier_targets(
    w: Web | None,
    planner: dict[str, Any] | None,
    startup: dict[str, Any] | None,
    timing: dict[str, Any] | None,
    weight: dict[str, Any] | None,
    simulate: dict[str, Any] | None,
) -> list[str]:
    rows: list[tuple[str, str, str, bool | None]] = []
    if planner:
        small = max(r["shipped"]["median_ms"] for r in planner["plans"].values())
        big = max(r["generated_2000"]["median_ms"] for r in planner["plans"].values())
        rows.append(("planner, shipped catalogue (slowest request, median)", "under 2 ms", ms(small), small < 2))
        rows.append(("planner, 2,000 exercises (slowest request, median)", "under 50 ms", ms(big), big < 50))
    if startup:
        base, help_ = startup_time(startup, "python -c pass"), startup_time(startup, "backcoach --help")
        if base and help_:
            ratio = help_[1] / base[1]
            rows.append(("`backcoach --help` against `python -c pass`", "under 3x", f"{ratio:.2f}x", ratio < 3))
    if timing:
        real = timing["real_time_session"]
        ok = real["p99_ms"] < 10 and abs(real["drift_at_end_ms"]) < 10
        rows.append(
            (
                "guided session: step boundaries p99 and drift at the end",
                "under 10 ms, no drift",
                f"p99 {ms(real['p99_ms'])}, drift {ms(real['drift_at_end_ms'])}",
                ok,
            )
        )
    if weight:
        rows.append(
            (
                "the Player page and all it loads (gzip)",
                "under 150 KB",
                f"{weight['total_kb']} KB",
                weight["total_kb"] < 150,
            )
        )
    if progress := load("progress"):
        hit, built = (progress[k]["page and its charts"]["median_ms"] for k in ("cached", "not cached"))
        rows.append(
            (
                f"the Progress page and its four charts at {progress['sessions']} sessions, cached (median; not "
                f"cached: {ms(built)})",
                "under 50 ms",
                ms(hit),
                hit < 50,
            )
        )
    if simulate:
        over = simulate["items_over_their_time_cap"]
        rows.append(("simulation (`make simulate`): items over their time cap", "none", str(over), over == 0))
    if w is not None:
        p99 = w.median("sqlite/2w/plan/c64", "p99_ms")
        rows.append(
            (
                "web: the plan's p99 at 64 connections (SQLite, 2 workers)",
                "under 25 ms",
                ms(p99),
                None if p99 is None else p99 < 25,
            )
        )
        gain = w.ratio("sqlite/2w/plan/c64", "sqlite/1w/plan/c64")
        rows.append(
            (
                "web: 2 workers against 1 at 64 connections (the plan, requests/s)",
                "faster (above 1)",
                f"{gain:.2f} ({per_s(w.median('sqlite/2w/plan/c64', 'rps'))} against "
                f"{per_s(w.median('sqlite/1w/plan/c64', 'rps'))})"
                if gain is not None
                else "not measured",
                None if gain is None else gain > 1,
            )
        )
    lines = ["## Earlier targets", "", "| figure | target | measured | met |", "| --- | --- | --- | --- |"]
    lines += [f"| {cell(a)} | {cell(b)} | {cell(c)} | {met(d)} |" for a, b, c, d in rows]
    return [*lines, ""]


def web_details(w: Web) -> list[str]:
    lines = [
        "### Every web run",
        "",
        "| database | workers | URL | connections | requests/s | p50 | p90 | p99 | max | errors "
        "| server CPU per request | cores busy (server, wrk, PostgreSQL, other) | connections held by each worker |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    paths = {"plan": "GET /api/v1/plan", "me": "GET /api/v1/me", "today": "GET /today", "progress": "GET /progress"}
    paths["write"] = "POST /api/v1/sessions"
    for key, results in w.runs.items():
        db, workers, target, conns = key.split("/")
        for r in results:
            start = f"| {db} | {workers.removesuffix('w')} | {paths.get(target, target)} | {conns.removeprefix('c')} |"
            if "error" in r:
                lines.append(f"{start} {cell('not measured: ' + r['error'])} | | | | | | | | |")
                continue
            c = r["cpu"]
            held = r.get("connections_by_pid", {})
            queued = r.get("connections_established", 0) - sum(held.values())
            spread = " / ".join(str(n) for n in held.values()) + (f" ({queued} queued)" if queued > 0 else "")
            lines.append(
                f"{start} {r['rps']:,.0f} | {ms(r['p50_ms'])} | {ms(r['p90_ms'])} | {ms(r['p99_ms'])} | "
                f"{ms(r['max_ms'])} | {r['errors']} | {ms(c['server_cpu_ms_per_request'])} | "
                f"{c['machine_busy']:.0%} ({c['server_cores']:.2f}, {c['wrk_cores']:.2f}, {c['postgres_cores']:.2f}, "
                f"{c['other_cores']:.2f}) | {spread} |"
            )
    share = w.data.get("share") or {}
    if share and "error" not in share:
        r = share["run"]
        lines += [
            "",
            f"The spread run (access log on): {r['rps']:,.0f} requests/s, {share['logged']:,} requests logged, "
            "by worker "
            + ", ".join(f"{pid}: {n:,}" for pid, n in share["by_worker"].items())
            + (
                "; statuses " + ", ".join(f"{s}: {n:,}" for s, n in share["statuses"].items())
                if share["statuses"]
                else ""
            )
            + ".",
        ]
    problems = w.data.get("problems", [])
    if problems:
        lines += ["", "Problems during the runs:", "", *(f"- {cell(p)}" for p in problems)]
    return [*lines, ""]


def planner_details(planner: dict[str, Any]) -> list[str]:
    lines = [
        "### Planner",
        "",
        "| request | shipped (ms, median) | 2,000 exercises (ms, median) |",
        "| --- | --- | --- |",
    ]
    for name, r in planner["plans"].items():
        small, big = r["shipped"], r["generated_2000"]
        lines.append(
            f"| {name} | {small['median_ms']} (range {small['min_ms']}-{small['max_ms']}) "
            f"| {big['median_ms']} (range {big['min_ms']}-{big['max_ms']}) |"
        )
    return [*lines, ""]


def startup_details(startup: dict[str, Any]) -> list[str]:
    lines = ["### Start-up", "", "| command | median (ms) | stdev |", "| --- | --- | --- |"]
    for name, r in startup.items():
        if isinstance(r, dict) and "median_ms" in r:
            lines.append(f"| `{name}` | {r['median_ms']} | {r.get('stdev_ms', '')} |")
    ratios = [f"{k.removesuffix('_ratio')} {v}x" for k, v in startup.items() if k.endswith("_ratio")]
    if ratios:
        lines += ["", "Against `python -c pass`: " + ", ".join(ratios) + "."]
    return [*lines, ""]


def timing_details(timing: dict[str, Any]) -> list[str]:
    real, fast = timing["real_time_session"], timing["speed_60"]
    return [
        "### Guided-session timing",
        "",
        f"A real-time session of {real['planned_s']} s, {real['boundaries']} step boundaries: "
        f"p50 {real['p50_ms']} ms, p99 {real['p99_ms']} ms, max {real['max_ms']} ms, "
        f"drift at the end {real['drift_at_end_ms']} ms.",
        f"A {fast['planned_s']} s plan at 60x: {fast['wall_s']} s against {fast['expected_wall_s']} s "
        f"({fast['off_by_percent']:+}%).",
        "",
    ]


def simulate_details(simulate: dict[str, Any]) -> list[str]:
    return [
        "### Simulation (`make simulate`, not part of `make bench`)",
        "",
        f"{simulate['people']:,} simulated people for {simulate['weeks']} weeks ({simulate['plan']}): "
        f"{simulate['reached_a_top_rung']:,} reached the top of a ladder, {simulate['stepped_down_at_least_once']:,} "
        f"stepped down at least once, longest session {simulate['longest_session_s']} s, items over their time cap "
        f"{simulate['items_over_their_time_cap']}, days with no plan {simulate['days_with_no_plan']}. The full report "
        "is in [docs/dosing.md](docs/dosing.md#simulation-report).",
        "",
    ]


def main() -> None:
    planner, startup, timing = load("planner"), load("startup"), load("timing")
    web_data, weight, simulate = load("web"), load("weight"), load("simulate")
    # Results from the web bench before issue 13 have no "runs", and a run cut short no "method": not this
    # report's to read.
    w = Web(web_data) if web_data and "runs" in web_data and "method" in web_data else None
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/`, see `bench/report.py`); the raw figures are in `bench/results/`. Issue "
        "13's targets come first, each beside its yardstick and with what limits it (**Measured:** what the CPU did "
        "while the figure was taken; **Why:** the reason in words); then every earlier target; then the details.",
        "",
        *machine(web_data if w else None),
        "## Issue 13's targets",
        "",
    ]
    if w is not None:
        lines += plan_section(w)
    lines += first_plan_section(planner)
    if w is not None:
        lines += writes_section(w) + workers_section(w) + pages_section(w)
    else:
        lines += ["The web figures were not measured: run `make bench`.", ""]
    lines += cli_section(startup)
    lines += earlier_targets(w, planner, startup, timing, weight, simulate)
    lines += method(web_data if w else None, planner)
    lines += ["## Details", ""]
    if w is not None:
        lines += web_details(w)
    if planner:
        lines += planner_details(planner)
    if startup:
        lines += startup_details(startup)
    if timing:
        lines += timing_details(timing)
    if weight:
        lines += [
            "### Page weight",
            "",
            f"The Player page and everything it loads: {weight['total_kb']} KB transferred (gzip), "
            f"{len(weight['files'])} files.",
            "",
        ]
    if simulate:
        lines += simulate_details(simulate)
    notes = Path(__file__).with_name("NOTES.md")
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    OUT.write_text("\n".join(lines))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
