"""The terminal player behind `backcoach start`: a live, full-screen runtime, or plain lines when not on a terminal.

The player owns the real clock and the keyboard; the runner (domain) owns the schedule. Each loop sleeps until the
next step's deadline (or the next key, or the next screen refresh), then hands the runner the time. Every finished
exercise is written to the database as soon as the runner reports it, so quitting, Ctrl-C or a killed process loses
at most the exercise in progress.
"""

from __future__ import annotations

import math
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import click
from rich.align import Align
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from backcoach.app import guided, history, safety
from backcoach.app.runtime import Runtime
from backcoach.cli.wrap import ask, confirm, fill, say
from backcoach.domain.catalogue import Exercise, Prescription
from backcoach.domain.history import DIFFICULTIES
from backcoach.domain.runner import SUGGEST_STOP_ABOVE, Event, ExerciseEnded, Runner, SessionEnded, StepStarted
from backcoach.domain.screening import PRE_SESSION_QUESTION
from backcoach.domain.timeline import Step, compile_timeline

REFRESH_S = 0.25
KEYS_HELP = "space pause/resume · n next · s skip exercise · b back · p pain · q quit"

_KIND_LABEL = {
    "intro": "GET READY",
    "rep": "MOVE",
    "hold": "HOLD",
    "relax": "RELAX",
    "switch-side": "OTHER SIDE",
    "rest": "REST",
    "transition": "NEXT UP",
    "done": "DONE",
}

# A 3x5 block font for the countdown, readable from a mat a couple of meters away.
_DIGITS = {
    "0": ["███", "█ █", "█ █", "█ █", "███"],
    "1": [" █ ", "██ ", " █ ", " █ ", "███"],
    "2": ["███", "  █", "███", "█  ", "███"],
    "3": ["███", "  █", "███", "  █", "███"],
    "4": ["█ █", "█ █", "███", "  █", "  █"],
    "5": ["███", "█  ", "███", "  █", "███"],
    "6": ["███", "█  ", "███", "█ █", "███"],
    "7": ["███", "  █", "  █", "  █", "  █"],
    "8": ["███", "█ █", "███", "█ █", "███"],
    "9": ["███", "█ █", "███", "  █", "███"],
    ":": ["   ", " █ ", "   ", " █ ", "   "],
}


def big_number(seconds: int) -> str:
    text = str(seconds) if seconds < 100 else f"{seconds // 60}:{seconds % 60:02d}"
    rows = ["  ".join(_DIGITS[c][row].replace("█", "██").replace(" ", "  ") for c in text) for row in range(5)]
    return "\n".join(rows)


class ScaledClock:
    """A monotonic clock running `speed` times faster than real time, for demonstrations and tests."""

    def __init__(self, speed: float = 1.0, source: Callable[[], float] = time.monotonic) -> None:
        self.speed = speed
        self.source = source
        self.origin = source()

    def __call__(self) -> float:
        return self.origin + (self.source() - self.origin) * self.speed

    def real_seconds(self, runner_seconds: float) -> float:
        return max(0.0, runner_seconds / self.speed)


class Keys:
    """Single key presses from the terminal (cbreak mode: no Enter needed, Ctrl-C still interrupts)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdin
        self.fd: int | None = None
        self._saved: Any = None

    def __enter__(self) -> Keys:
        if self.stream.isatty():
            import termios
            import tty

            self.fd = self.stream.fileno()
            self._saved = termios.tcgetattr(self.fd)
            tty.setcbreak(self.fd)
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def restore(self) -> None:
        if self.fd is not None and self._saved is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def again(self) -> None:
        if self.fd is not None:
            import tty

            tty.setcbreak(self.fd)

    def read(self, timeout: float) -> str | None:
        if self.fd is None:
            time.sleep(timeout)
            return None
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return None
        data = os.read(self.fd, 1)
        return data.decode(errors="ignore") or None


class Voice:
    """Speaks cues through espeak-ng when it is installed; a new cue cuts the previous one short."""

    def __init__(self, enabled: bool) -> None:
        self.exe = shutil.which("espeak-ng") if enabled else None
        self.missing = enabled and self.exe is None
        self._current: subprocess.Popen[bytes] | None = None

    def say(self, text: str) -> None:
        if not self.exe or not text:
            return
        if self._current is not None and self._current.poll() is None:
            self._current.terminate()
        self._current = subprocess.Popen(
            [self.exe, "-s", "150", text], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def close(self) -> None:
        if self._current is not None and self._current.poll() is None:
            self._current.terminate()


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """A Ctrl-C that arrives while an exercise is being stored takes effect once it is stored. Raised in the middle
    of the write, it could leave the transaction open with SQLite's write lock held, and the partial session saved
    after it would then wait for a lock its own process never lets go of."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


@dataclass
class PlayerOptions:
    auto: bool = False
    speed: float = 1.0
    voice: bool = False
    pain_before: int | None = None
    pain_after: int | None = None


@dataclass
class _Saved:
    position: int
    name: str
    asks: bool


@dataclass
class Player:
    runtime: Runtime
    user: int
    items: list[tuple[Exercise, Prescription]]
    options: PlayerOptions
    out: IO[str] = field(default_factory=lambda: sys.stdout)
    session_id: int | None = None
    saved: list[_Saved] = field(default_factory=list)
    completed: bool = False
    _counted: tuple[int, int] = (-1, -1)
    _pending: list[ExerciseEnded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.steps: list[Step] = compile_timeline(self.items)
        self.runner = Runner(self.steps)
        self.clock = ScaledClock(self.options.speed)
        self.voice = Voice(self.options.voice)
        # Questions are asked whenever the run is attended (answers may come through a pipe); keys need a terminal.
        self.interactive = not self.options.auto
        self.live = self.out.isatty() and not self.options.auto
        self.runner.subscribe(self._on_event)

    # Saving as we go

    def _on_event(self, event: Event) -> None:
        if isinstance(event, ExerciseEnded):
            # Saved right after the runner call that ended it, once the next step has been shown and spoken:
            # a database write never delays a cue, and nothing waits longer than one loop turn.
            self._pending.append(event)
        elif isinstance(event, SessionEnded):
            self.completed = event.completed

    def _flush(self) -> None:
        while self._pending:
            with _uninterrupted():
                self._save(self._pending.pop(0))

    def _save(self, event: ExerciseEnded) -> None:
        if self.session_id is None or not event.saved:
            return
        exercise, dose = self.items[event.item]
        item = history.session_item(
            exercise.id,
            rung=exercise.rung,
            prescription=dose,
            completed_reps=event.completed_reps,
            completed_sets=event.completed_sets,
            difficulty=event.difficulty,
            pain_during=event.pain_during,
        )
        guided.save_exercise(self.runtime, self.user, self.session_id, item)
        self.saved.append(_Saved(len(self.saved), exercise.name, event.asks))

    # The whole session

    def run(self) -> int:
        """Run the session; returns the exit code."""
        if self.voice.missing:
            say("espeak-ng is not installed, so cues are shown but not spoken (apt install espeak-ng).")
        pain_before = self._before()
        if pain_before is None:
            return 3
        self.session_id = guided.begin_session(self.runtime, self.user, pain_before)
        interrupted = False
        try:
            with Keys() as keys:
                self.keys = keys
                if self.live:
                    self._run_live()
                else:
                    self._run_plain()
        except KeyboardInterrupt:
            interrupted = True
            self.runner.quit(self.clock())
        finally:
            self._flush()
            self.voice.close()
        self._after(interrupted)
        return 130 if interrupted else 0

    def _before(self) -> int | None:
        if self.interactive:
            say("Before you start, a short check.")
            if confirm(PRE_SESSION_QUESTION, default=False):
                result = safety.record_red_flag(self.runtime, self.user)
                say(result.advice)
                return None
        if self.options.pain_before is not None:
            return self.options.pain_before
        value: int = ask("How much does your back hurt right now (0 to 10)?", type=click.IntRange(0, 10))
        return value

    def _after(self, interrupted: bool) -> None:
        assert self.session_id is not None
        pain_after = self.options.pain_after
        difficulties: dict[int, str] = {}
        if not interrupted and self.interactive:
            say("\nWell done. Two quick questions to set your next session.")
            if pain_after is None:
                pain_after = ask("How much does your back hurt now (0 to 10)?", type=click.IntRange(0, 10))
            for saved in self.saved:
                if not saved.asks:
                    continue
                difficulties[saved.position] = ask(
                    f"How did the {saved.name.lower()} feel?",
                    type=click.Choice(DIFFICULTIES),
                    default="right",
                )
        stored = guided.finish_session(
            self.runtime,
            self.user,
            self.session_id,
            pain_after=pain_after,
            difficulties=difficulties,
            partial=not self.completed,
        )
        state = "complete" if not stored.record.partial else "partly done"
        say(
            f"Saved session {stored.id} ({state}): {len(stored.record.items)} exercises. "
            "Tomorrow morning, record how your back feels with: backcoach checkin --pain N"
        )

    # Keys

    def _handle(self, key: str) -> None:
        now = self.clock()
        runner = self.runner
        if key == " ":
            runner.toggle_pause(now)
        elif key == "n":
            runner.skip_step(now)
        elif key == "s":
            runner.skip_exercise(now)
        elif key == "b":
            runner.back(now)
        elif key == "q":
            runner.quit(now)
        elif key == "p":
            self._ask_pain()

    def _ask_pain(self) -> None:
        runner = self.runner
        was_paused = runner.paused_at is not None
        runner.pause(self.clock())
        with self._prompting():
            pain: int = ask("Pain right now (0 to 10)?", type=click.IntRange(0, 10))
            stop = pain > SUGGEST_STOP_ABOVE and confirm(
                "That is a lot of pain. backcoach suggests stopping this exercise. Stop it?", default=True
            )
        if stop:
            runner.stop_for_pain(self.clock(), pain)
        else:
            runner.report_pain(pain)
        if not was_paused:
            runner.resume(self.clock())

    @contextmanager
    def _prompting(self) -> Iterator[None]:
        live: Live | None = getattr(self, "_live", None)
        if live is not None:
            live.stop()
        self.keys.restore()
        try:
            yield
        finally:
            self.keys.again()
            if live is not None:
                live.start(refresh=True)

    # The two ways of showing it

    def _wait(self) -> str | None:
        deadline = self.runner.deadline()
        timeout = REFRESH_S if self.live or deadline is None else 3600.0
        if deadline is not None:
            left = deadline - self.clock()
            timeout = min(timeout, self.clock.real_seconds(left))
            if self.voice.exe and self.runner.current and self.runner.current.kind == "hold":
                # Wake on each whole second of a hold, to count its last seconds out loud.
                timeout = min(timeout, self.clock.real_seconds(left - math.floor(left - 1e-9)))
        key = self.keys.read(timeout)
        self._count_down()
        return key

    def _count_down(self) -> None:
        step = self.runner.current
        if step is None or step.kind != "hold" or not self.voice.exe:
            return
        left = math.ceil(self.runner.remaining(self.clock()) - 1e-9)
        if 1 <= left <= 3 and (self.runner.index, left) != self._counted:
            self._counted = (self.runner.index, left)
            self.voice.say(str(left))

    def _run_plain(self) -> None:
        def show(event: Event) -> None:
            if isinstance(event, StepStarted):
                self._line(event)
                self.voice.say(event.step.say)

        self.runner.subscribe(show)
        self.runner.start(self.clock())
        while not self.runner.finished:
            if self.options.auto:
                self._sleep()
                self._count_down()
            else:
                key = self._wait()
                if key:
                    self._handle(key)
            self.runner.advance(self.clock())
            self._flush()

    def _sleep(self) -> None:
        deadline = self.runner.deadline()
        if deadline is not None:
            time.sleep(self.clock.real_seconds(deadline - self.clock()))

    def _line(self, event: StepStarted) -> None:
        step = event.step
        item = self.runner.item_of(event.index)
        name = self.items[item][0].name if item is not None else ""
        stamp = _clock_text(self.runner.elapsed(event.at))
        if step.kind == "intro" and item is not None:
            text = f"[{stamp}] Exercise {item + 1} of {len(self.items)}: {name}. {self.items[item][0].steps[0]}"
        elif step.kind in ("rep", "hold", "relax"):
            dose = self.items[item][1] if item is not None else None
            where = [f"set {step.set}/{dose.sets}" if dose and (dose.sets or 1) > 1 else ""]
            where.append(f"rep {step.rep}/{dose.reps}" if dose else "")
            where.append(step.side or "")
            detail = " · ".join(w for w in where if w)
            text = f"[{stamp}] {name} · {detail}: {step.say} ({step.duration_s} s)"
        elif step.kind == "done":
            text = f"[{stamp}] {step.say}"
        else:
            text = f"[{stamp}] {step.say} ({step.duration_s} s)"
        # Continuation lines start under the text, past the "[0:00] " stamp.
        print(fill(text, hang=" " * (len(stamp) + 3)), file=self.out, flush=True)

    def _run_live(self) -> None:
        console = Console(file=self.out)

        def ring(event: Event) -> None:
            if isinstance(event, StepStarted):
                console.bell()
                self.voice.say(event.step.say)

        self.runner.subscribe(ring)
        with Live(console=console, screen=True, auto_refresh=False, transient=True) as live:
            self._live = live
            self.runner.start(self.clock())
            while not self.runner.finished:
                live.update(self.frame(self.clock()), refresh=True)
                key = self._wait()
                if key:
                    self._handle(key)
                self.runner.advance(self.clock())
                self._flush()
        del self._live

    def frame(self, now: float) -> RenderableType:
        """One screen of the live view, sized for an 80x24 terminal."""
        runner = self.runner
        step = runner.current
        if step is None:
            return Text("Done.")
        item = runner.item_of(runner.index)
        exercise, dose = self.items[item] if item is not None else (None, None)
        paused = runner.paused_at is not None
        title = Text()
        title.append("backcoach  ", style="bold cyan")
        if exercise is not None and item is not None:
            title.append(f"{exercise.name}", style="bold")
            title.append(f"  ({item + 1} of {len(self.items)})", style="dim")
        title.append(f"   {_clock_text(runner.elapsed(now))} of {_clock_text(runner.total_s)}")
        if paused:
            title.append("   PAUSED", style="bold black on yellow")

        remaining = math.ceil(runner.remaining(now))
        label = Text(_KIND_LABEL[step.kind], style="bold magenta" if step.kind == "hold" else "bold green")
        big = Align.center(Text(big_number(remaining), style="bold", justify="left", no_wrap=True))
        say = Text(step.say, style="bold")
        count = Table.grid(padding=(0, 3))
        cells = []
        if dose is not None and step.set is not None and (dose.sets or 1) > 1:
            cells.append(f"Set {step.set} of {dose.sets}")
        if dose is not None and step.rep is not None:
            cells.append(f"Rep {step.rep} of {dose.reps}")
        if step.side:
            cells.append(f"Side: {step.side}")
        if cells:
            count.add_row(*cells)
        counters = Align.center(count)
        centre = Table.grid(expand=True)
        centre.add_column(justify="center")
        centre.add_row(label)
        centre.add_row(big)
        centre.add_row(say)
        centre.add_row(counters)
        panel = Panel(centre, border_style="magenta" if step.kind == "hold" else "green", height=11)

        how = Text()
        if exercise is not None:
            for i, line in enumerate(exercise.steps[:3], 1):
                how.append(f"{i}. ", style="bold")
                how.append(_clip(line, 74) + "\n")
            how.append("Cue: ", style="bold")
            how.append(_clip(exercise.cues[0], 73), style="italic")
        upcoming = runner.upcoming(1)
        nxt = Text("Next: ", style="bold")
        nxt.append(_clip(upcoming[0].say, 70) if upcoming else "the end of the session")
        share = runner.elapsed(now) / max(1, runner.total_s)
        bar = Table.grid(expand=True, padding=(0, 1))
        bar.add_column(ratio=1)
        bar.add_column(width=10, justify="right")
        bar.add_row(
            ProgressBar(total=max(1, runner.total_s), completed=runner.elapsed(now)),
            f"{share:4.0%} done",
        )
        keys = Text(KEYS_HELP, style="dim")
        return Group(title, panel, how, nxt, bar, keys)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _clock_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def preview(steps: Sequence[Step]) -> Iterator[str]:
    """The timeline as readable lines, for `backcoach timeline` without --json."""
    t = 0
    for step in steps:
        where = " ".join(
            part
            for part in (
                f"set {step.set}" if step.set else "",
                f"rep {step.rep}" if step.rep else "",
                step.side or "",
            )
            if part
        )
        exercise = step.exercise or ""
        yield f"{_clock_text(t):>6}  {step.kind:<11} {step.duration_s:>4} s  {exercise:<30} {where:<18} {step.say}"
        t += step.duration_s
