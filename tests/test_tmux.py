"""The real terminal player, driven through tmux like a person at an 80x24 terminal: keys in, screen out."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("db_home", "screened")]

PLAN = {
    "items": [
        {"exercise": "ankle-pump", "prescription": {"reps": 3, "per_side": True}},
        {"exercise": "superman", "prescription": {"reps": 4, "hold_s": 2}},
        {"exercise": "cat-stretch", "prescription": {"reps": 3}},
    ]
}


class Terminal:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True, timeout=10
        ).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "coach")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "coach", *keys)

    def wait_for(self, *texts: str, timeout: float = 30.0, gone: bool = False) -> str:
        """The first screen with all of `texts` on it (or, `gone`, none of them). The terminal is drawn while we
        read it, so a screen showing one text may not show the others yet: never assert on a screen, wait for it."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            shown = [text in screen for text in texts]
            if (not any(shown)) if gone else all(shown):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{'still' if gone else 'never'} saw {texts!r} on the screen:\n{screen}")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if shutil.which("tmux") is None:
        if IN_CI:
            pytest.fail("tmux is missing: `make test` installs it")
        pytest.skip("tmux is not installed (make test installs it)")
    term = Terminal(f"backcoach-test-{uuid.uuid4().hex[:8]}")
    yield term
    subprocess.run(["tmux", "-L", term.socket, "kill-server"], capture_output=True, check=False)


def test_a_person_runs_pauses_skips_reports_pain_and_quits(run, terminal: Terminal, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN))
    exe = Path(sys.executable).parent / "backcoach"
    env = " ".join(
        f"{k}={shlex.quote(v)}" for k, v in os.environ.items() if k in ("BACKCOACH_HOME", "BACKCOACH_DATABASE_URL")
    )
    command = f"env {env} TERM=xterm-256color {exe} start {plan} --speed 3; echo EXITED-$?; sleep 600"
    terminal.tmux("new-session", "-d", "-s", "coach", "-x", "80", "-y", "24", command)

    terminal.wait_for("warning sign")
    terminal.keys("n", "Enter")
    terminal.wait_for("hurt right now")
    terminal.keys("3", "Enter")
    terminal.wait_for("GET READY", "Ankle pump", "(1 of 3)", "space pause")

    terminal.keys("Space")
    terminal.wait_for("PAUSED")
    terminal.keys("Space")
    terminal.wait_for("PAUSED", gone=True)

    # A repetition lasts under a second at this speed: pause on it to read it, and go back while paused.
    terminal.keys("n", "Space")
    terminal.wait_for("MOVE", "Rep 1 of 3", "Side: left", "PAUSED")
    terminal.keys("b")
    terminal.wait_for("GET READY", "PAUSED")
    terminal.keys("Space")
    terminal.wait_for("PAUSED", gone=True)

    terminal.keys("s")
    terminal.wait_for("Superman")
    terminal.wait_for("HOLD", timeout=40)

    terminal.keys("p")
    terminal.wait_for("Pain right now")
    terminal.keys("7", "Enter")
    terminal.wait_for("Stop it?")
    terminal.keys("y", "Enter")
    terminal.wait_for("Cat stretch")

    terminal.keys("q")
    terminal.wait_for("hurt now")
    terminal.keys("2", "Enter")
    screen = terminal.wait_for("EXITED-")
    assert "EXITED-0" in screen
    assert "partly done" in screen

    [session] = json.loads(run("history", "export").output)["sessions"]
    assert session["partial"] is True
    assert session["pain_before"] == 3
    assert session["pain_after"] == 2
    [superman] = session["items"]
    assert superman["exercise"] == "superman"
    assert superman["pain_during"] == 7
    assert superman["difficulty"] == "hard"
    assert superman["completed_reps"] < 4
