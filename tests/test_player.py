"""The guided session end to end in real processes: unattended runs, answers through a pipe, kills and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from backcoach.app.runtime import Runtime
from backcoach.cli.player import Player, PlayerOptions, big_number
from backcoach.domain.planner import PlanRequest, build_plan

pytestmark = pytest.mark.usefixtures("db_home", "screened")


def save_plan(run, tmp_path: Path, minutes: int = 10) -> tuple[Path, dict[str, Any]]:
    plan = json.loads(run("plan", "--minutes", str(minutes), "--json").output)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return path, plan


def exported(run) -> list[dict[str, Any]]:
    sessions: list[dict[str, Any]] = json.loads(run("history", "export").output)["sessions"]
    return sessions


def test_timeline_json_lists_every_step_and_adds_up_to_the_plan(run, tmp_path: Path) -> None:
    path, plan = save_plan(run, tmp_path)
    steps = json.loads(run("timeline", str(path), "--json").output)
    assert sum(s["duration_s"] for s in steps) == plan["estimated_duration_s"]
    for step in steps:
        assert set(step) == {"kind", "exercise", "duration_s", "say", "side", "set", "rep"}
        assert step["kind"] in {"intro", "rep", "hold", "relax", "switch-side", "rest", "transition", "done"}
        assert step["side"] in {"left", "right", None}
        assert step["say"] or step["kind"] == "done"
    assert steps[-1]["kind"] == "done"
    assert "steps" in run("timeline", str(path)).output


@pytest.mark.slow
def test_timeline_rejects_a_broken_plan_file(run_process, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"items": [{"exercise": "spiderman", "prescription": {}}]}))
    result = run_process("timeline", str(path), "--json")
    assert result.returncode == 2
    assert "item 1, field 'exercise'" in result.stderr


@pytest.mark.slow
def test_an_unattended_run_logs_the_whole_plan(run, run_process, tmp_path: Path) -> None:
    path, plan = save_plan(run, tmp_path)
    result = run_process("start", str(path), "--auto", "--speed", "1000", "--pain-before", "2", "--pain-after", "1")
    assert result.returncode == 0, result.stderr
    assert "Well done" in result.stdout or "session done" in result.stdout
    [session] = exported(run)
    assert session["pain_before"] == 2
    assert session["pain_after"] == 1
    assert "partial" not in session
    assert [i["exercise"] for i in session["items"]] == [i["exercise"] for i in plan["items"]]
    for done, planned in zip(session["items"], plan["items"], strict=True):
        assert done["prescription"] == planned["prescription"]
        assert done["completed_reps"] == planned["prescription"]["reps"]
        assert done["completed_sets"] == planned["prescription"]["sets"]


@pytest.mark.slow
def test_auto_needs_the_pain_answers(run_process, tmp_path: Path) -> None:
    result = run_process("start", "--auto")
    assert result.returncode == 2
    assert "--pain-before" in result.stderr


def test_answers_through_a_pipe_are_asked_before_and_after(run, tmp_path: Path) -> None:
    path, plan = save_plan(run, tmp_path, minutes=5)
    answers = "n\n4\n" + "3\n" + "easy\n" * len(plan["items"])
    result = run("start", str(path), "--speed", "1000", input=answers)
    assert result.exit_code == 0, result.output
    [session] = exported(run)
    assert session["pain_before"] == 4
    assert session["pain_after"] == 3
    assert {i["difficulty"] for i in session["items"]} == {"easy"}


def test_a_red_flag_at_the_pre_check_stops_and_blocks(run, tmp_path: Path) -> None:
    path, _ = save_plan(run, tmp_path, minutes=5)
    result = run("start", str(path), input="y\n")
    assert result.exit_code == 3
    assert "emergency" in result.output.lower()
    assert exported(run) == []
    assert run("plan").exit_code == 3


def test_start_refuses_after_a_blocking_screen(run, tmp_path: Path) -> None:
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"fever_or_infection": True, "age": 40}))
    assert run("screen", "--answers", str(answers)).exit_code == 0
    result = run("start", "--auto", "--pain-before", "1", "--pain-after", "1")
    assert result.exit_code == 3
    assert "today" in result.output


def _start_slow(tmp_path: Path, path: Path, speed: str) -> subprocess.Popen[str]:
    exe = Path(sys.executable).parent / "backcoach"
    # Into a file, not a pipe nobody reads: on a slow machine the session's output fills a pipe's 64 KB, and the
    # player then blocks on a write and never gets to save or exit.
    # An ignored SIGINT is inherited through exec, and Python then installs no Ctrl-C handler at all. A test run
    # started in the background by a shell ignores it (as `cmd &` does), so the player started from it would too:
    # the parent handles it for the moment of the start, and a handled signal is reset to its default in the child.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    with (tmp_path / "player-output.txt").open("w") as output:
        try:
            return subprocess.Popen(
                [str(exe), "start", str(path), "--auto", "--speed", speed, "--pain-before", "3", "--pain-after", "3"],
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
                env=os.environ.copy(),
            )
        finally:
            signal.signal(signal.SIGINT, previous)


def _wait_for_items(run, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sessions = exported(run)
        if sessions and len(sessions[0]["items"]) >= count:
            return sessions
        time.sleep(0.2)
    raise AssertionError(f"no session with {count} saved exercises within {timeout} s")


def _interrupt_after(run, tmp_path: Path, saved: int, sig: signal.Signals) -> tuple[int, dict[str, Any]]:
    """Start a 15-minute plan at 40x, wait until `saved` exercises are stored, then send `sig`."""
    path, plan = save_plan(run, tmp_path, minutes=15)
    process = _start_slow(tmp_path, path, "40")
    try:
        _wait_for_items(run, saved)
        process.send_signal(sig)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    return process.returncode, plan


@pytest.mark.slow
def test_a_killed_session_keeps_every_finished_exercise(run, tmp_path: Path) -> None:
    _, plan = _interrupt_after(run, tmp_path, 2, signal.SIGKILL)
    [session] = exported(run)
    assert session["partial"] is True
    assert session["pain_before"] == 3
    assert session["pain_after"] is None
    assert 2 <= len(session["items"]) < len(plan["items"])
    for done, planned in zip(session["items"], plan["items"], strict=False):
        assert done["exercise"] == planned["exercise"]
        assert done["completed_reps"] == planned["prescription"]["reps"]


@pytest.mark.slow
def test_ctrl_c_saves_the_session_as_partly_done(run, tmp_path: Path) -> None:
    code, _ = _interrupt_after(run, tmp_path, 1, signal.SIGINT)
    assert code == 130
    [session] = exported(run)
    assert session["partial"] is True
    assert len(session["items"]) >= 1


def test_every_frame_of_a_session_fits_an_80_by_24_terminal(runtime: Runtime, catalogue) -> None:
    plan = build_plan(catalogue, PlanRequest(minutes=20, equipment=frozenset({"chair", "wall"})))
    items = [(catalogue.get(i.exercise), i.prescription) for i in plan.items]
    player = Player(runtime, runtime.local_user(), items, PlayerOptions())
    player.runner.start(0.0)
    console = Console(width=80, height=24, force_terminal=True, color_system=None)
    seen = set()
    while not player.runner.finished:
        deadline = player.runner.deadline()
        assert deadline is not None
        now = deadline - 0.5
        player.runner.advance(now)
        step = player.runner.current
        if step is not None and (step.kind, step.exercise) not in seen:
            seen.add((step.kind, step.exercise))
            with console.capture() as capture:
                console.print(player.frame(now))
            lines = capture.get().splitlines()
            assert len(lines) <= 24
            assert all(len(line) <= 80 for line in lines)
        player.runner.advance(deadline)
    assert len(seen) > 10


def test_the_countdown_digits_are_large_and_even() -> None:
    rows = big_number(42).splitlines()
    assert len(rows) == 5
    assert len({len(r) for r in rows}) == 1
    assert len(big_number(125).splitlines()[0]) > len(rows[0])
