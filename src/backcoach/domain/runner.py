"""The session runner: a state machine over a timeline, advanced by the time it is given.

The runner never reads a clock. Every call passes `now`, a reading of a monotonic clock in seconds (a player may
scale it to compress time). Each step is scheduled from the absolute end of the step before it, not from the moment
the runner noticed that end, so lateness in noticing never accumulates into drift. Pausing shifts the schedule by
the length of the pause; skipping or going back starts the new step at `now`.

Events (step started, exercise ended, session ended, paused, resumed) are returned by every call and also sent to
subscribers, which is how the players and the session log follow along.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from backcoach.domain.timeline import Step

ExerciseOutcome = Literal["completed", "skipped", "stopped-for-pain", "stopped"]
STEP_UNITS = ("rep", "hold", "relax")


@dataclass(frozen=True)
class StepStarted:
    index: int
    step: Step
    at: float


@dataclass(frozen=True)
class ExerciseEnded:
    item: int
    exercise: str
    outcome: ExerciseOutcome
    completed_reps: int
    completed_sets: int
    pain_during: int | None
    at: float


@dataclass(frozen=True)
class SessionEnded:
    completed: bool
    at: float


@dataclass(frozen=True)
class Paused:
    at: float


@dataclass(frozen=True)
class Resumed:
    at: float


Event = StepStarted | ExerciseEnded | SessionEnded | Paused | Resumed
Listener = Callable[[Event], None]


def _check_pain(pain: int) -> None:
    if not 0 <= pain <= 10:
        raise ValueError("pain is a whole number from 0 to 10")


@dataclass(frozen=True)
class _Mark:
    sets_done: int
    reps_done: int


class Runner:
    def __init__(self, steps: Sequence[Step]) -> None:
        if not steps or steps[-1].kind != "done":
            raise ValueError("a timeline ends with a done step")
        self.steps = list(steps)
        self.index = 0
        self.started = False
        self.finished = False
        self.paused_at: float | None = None
        self.step_start = 0.0
        self._listeners: list[Listener] = []
        self._pain: dict[int, int] = {}
        self._ended: set[int] = set()
        self._item_of: list[int | None] = []
        self._first: dict[int, int] = {}
        self._last: dict[int, int] = {}
        self._marks: list[_Mark] = []
        self._index_items()
        self._offsets = [0]
        for step in self.steps:
            self._offsets.append(self._offsets[-1] + step.duration_s)

    # Structure

    def _index_items(self) -> None:
        item = -1
        for step in self.steps:
            if step.kind == "transition":
                self._item_of.append(item + 1)
            elif step.kind == "intro":
                item += 1
                self._item_of.append(item)
            elif step.kind == "done":
                self._item_of.append(None)
            else:
                self._item_of.append(item)
        for i, owner in enumerate(self._item_of):
            if owner is None:
                continue
            self._first.setdefault(owner, i)
            self._last[owner] = i
        # After each step, how many sets and repetitions of its exercise are done. A repetition counts once its
        # last step (on the last side) is over; a set once its last repetition is.
        last_of_rep: dict[tuple[int, int, int], int] = {}
        last_of_set: dict[tuple[int, int], int] = {}
        for i, step in enumerate(self.steps):
            owner = self._item_of[i]
            if owner is None or step.kind not in STEP_UNITS or step.set is None or step.rep is None:
                continue
            last_of_rep[(owner, step.set, step.rep)] = i
            last_of_set[(owner, step.set)] = i
        rep_at = {i: key for key, i in last_of_rep.items()}
        set_at = {i: key for key, i in last_of_set.items()}
        mark = _Mark(0, 0)
        current: int | None = None
        for i in range(len(self.steps)):
            owner = self._item_of[i]
            if owner != current:
                mark, current = _Mark(0, 0), owner
            if i in rep_at:
                _, set_no, rep_no = rep_at[i]
                mark = _Mark(set_no - 1, rep_no)
            if i in set_at:
                mark = _Mark(set_at[i][1], mark.reps_done)
            self._marks.append(mark)

    @property
    def item_count(self) -> int:
        return len(self._first)

    def item_of(self, index: int) -> int | None:
        return self._item_of[index] if 0 <= index < len(self.steps) else None

    @property
    def current(self) -> Step | None:
        return self.steps[self.index] if self.index < len(self.steps) else None

    @property
    def total_s(self) -> int:
        return self._offsets[-1]

    # Reading the state at a moment

    def remaining(self, now: float) -> float:
        """Seconds left in the current step."""
        step = self.current
        if step is None:
            return 0.0
        at = self.paused_at if self.paused_at is not None else now
        return max(0.0, self.step_start + step.duration_s - at)

    def elapsed(self, now: float) -> float:
        """Planned seconds of the session behind us (skips count as done, pauses do not count)."""
        step = self.current
        if step is None:
            return float(self.total_s)
        return self._offsets[self.index] + (step.duration_s - self.remaining(now))

    def deadline(self) -> float | None:
        """When the current step ends, on the runner's clock (None while paused or finished)."""
        step = self.current
        if step is None or self.paused_at is not None or not self.started:
            return None
        return self.step_start + step.duration_s

    def upcoming(self, count: int = 1) -> list[Step]:
        return self.steps[self.index + 1 : self.index + 1 + count]

    # Events

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, events: list[Event]) -> list[Event]:
        for event in events:
            for listener in self._listeners:
                listener(event)
        return events

    def _enter(self, index: int, at: float) -> list[Event]:
        self.index = index
        self.step_start = at
        if index >= len(self.steps):
            self.finished = True
            return [SessionEnded(completed=True, at=at)]
        return [StepStarted(index, self.steps[index], at)]

    def _end_exercise(self, item: int, outcome: ExerciseOutcome, upto: int, at: float) -> list[Event]:
        """End an exercise; `upto` is the last of its steps that was done (-1 for none)."""
        if item in self._ended:
            return []
        self._ended.add(item)
        exercise = self.steps[self._first[item]].exercise or ""
        mark = self._marks[upto] if upto >= 0 and self._item_of[upto] == item else _Mark(0, 0)
        if outcome == "completed":
            last = self._marks[self._last[item]]
            mark = _Mark(last.sets_done, last.reps_done)
        return [ExerciseEnded(item, exercise, outcome, mark.reps_done, mark.sets_done, self._pain.get(item), at)]

    def _leave(self, at: float) -> list[Event]:
        """The current step is over (on time or skipped): end its exercise if it was the last step."""
        events: list[Event] = []
        item = self._item_of[self.index]
        if item is not None and self._last[item] == self.index:
            events += self._end_exercise(item, "completed", self.index, at)
        events += self._enter(self.index + 1, at)
        return events

    # Commands

    def _over(self) -> bool:
        # A method, not the attribute, so that type checkers do not assume `advance` left it unchanged.
        return self.finished

    def start(self, now: float) -> list[Event]:
        if self.started:
            return []
        self.started = True
        return self._emit(self._enter(0, now))

    def advance(self, now: float) -> list[Event]:
        """Complete every step whose scheduled end has passed, each ending exactly when the one before ended."""
        events: list[Event] = []
        while self.started and not self.finished and self.paused_at is None:
            step = self.steps[self.index]
            end = self.step_start + step.duration_s
            if now < end:
                break
            events += self._leave(end)
        return self._emit(events)

    def pause(self, now: float) -> list[Event]:
        if not self.started or self.finished or self.paused_at is not None:
            return []
        events = self.advance(now)
        if self._over():
            return events
        self.paused_at = now
        return events + self._emit([Paused(now)])

    def resume(self, now: float) -> list[Event]:
        if self.paused_at is None:
            return []
        self.step_start += now - self.paused_at
        self.paused_at = None
        return self._emit([Resumed(now)])

    def toggle_pause(self, now: float) -> list[Event]:
        return self.resume(now) if self.paused_at is not None else self.pause(now)

    def _catch_up(self, now: float) -> tuple[list[Event], bool]:
        """Every command first completes the steps already due. Returns what that emitted, and whether there is
        still a session to command (it may have ended just now)."""
        if not self.started or self.finished:
            return [], False
        events = self.advance(now)
        return events, not self._over()

    def _restart_at(self, now: float) -> float:
        # While paused, a moved-to step waits with its full length until resume.
        return self.paused_at if self.paused_at is not None else now

    def skip_step(self, now: float) -> list[Event]:
        """Finish the current step now and start the next."""
        events, live = self._catch_up(now)
        if not live:
            return events
        at = self._restart_at(now)
        return events + self._emit(self._leave(at))

    def skip_exercise(self, now: float) -> list[Event]:
        """End the current exercise as skipped and go to the next one (or the end)."""
        return self._end_and_move_on(now, "skipped")

    def _end_and_move_on(self, now: float, outcome: ExerciseOutcome, pain: int | None = None) -> list[Event]:
        """End the exercise under way with `outcome` (noting the pain first, if any) and start the next one."""
        events, live = self._catch_up(now)
        if not live:
            return events
        if pain is not None:
            self.report_pain(pain)
        item = self._item_of[self.index]
        if item is None:
            return events
        at = self._restart_at(now)
        ended = self._end_exercise(item, outcome, self.index - 1, at)
        return events + self._emit(ended + self._enter(self._last[item] + 1, at))

    def back(self, now: float) -> list[Event]:
        """Go back one step within the current exercise; at its first step, restart that step."""
        events, live = self._catch_up(now)
        if not live:
            return events
        item = self._item_of[self.index]
        target = self.index
        if item is not None and self.index > self._first[item]:
            target = self.index - 1
        return events + self._emit(self._enter(target, self._restart_at(now)))

    def report_pain(self, pain: int) -> None:
        """Note pain during the current exercise (the highest report counts)."""
        _check_pain(pain)
        item = self._item_of[self.index] if self.index < len(self.steps) else None
        if item is not None:
            self._pain[item] = max(pain, self._pain.get(item, 0))

    def stop_for_pain(self, now: float, pain: int) -> list[Event]:
        """End the current exercise because it hurts, recording the pain, and go on to the next one."""
        _check_pain(pain)
        return self._end_and_move_on(now, "stopped-for-pain", pain)

    def quit(self, now: float) -> list[Event]:
        """Stop the session here. The exercise under way ends as stopped, with what was done of it."""
        events, live = self._catch_up(now)
        if not live:
            return events
        item = self._item_of[self.index]
        ended = self._end_exercise(item, "stopped", self.index - 1, now) if item is not None else []
        self.finished = True
        self.paused_at = None
        return events + self._emit([*ended, SessionEnded(completed=False, at=now)])
