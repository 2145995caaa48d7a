"""The session runner: a state machine over a timeline, advanced by the time it is given.

The runner never reads a clock. Every call passes `now`, a reading of a monotonic clock in seconds (a player may
scale it to compress time). Each step is scheduled from the absolute end of the step before it, not from the moment
the runner noticed that end, so lateness in noticing never accumulates into drift. Pausing shifts the schedule by
the length of the pause; skipping or going back starts the new step at `now`.

Events (step started, exercise ended, session ended, paused, resumed) are returned by every call and also sent to
subscribers, which is how the players and the session log follow along.

There is one runner, and two players execute it. Everything a session's structure decides (which exercise a step
belongs to, each exercise's first and last step, how many sets and repetitions count as done when an exercise ends
at a given step, what each command does, what each way of ending an exercise means for its record) is worked out
here once, as plain tables (`Tables`, `COMMANDS`, `OUTCOMES`). This class executes them for the terminal player;
the browser player receives the same tables as JSON (`session_tables`) and `web/static/js/runner.js` executes them
with the same few lines of scheduling. tests/test_player_parity.py replays command traces through both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from backcoach.domain.catalogue import Exercise, Prescription
from backcoach.domain.history import Difficulty
from backcoach.domain.timeline import Step, compile_timeline

ExerciseOutcome = Literal["completed", "skipped", "stopped-for-pain", "stopped"]
STEP_UNITS = ("rep", "hold", "relax")
SUGGEST_STOP_ABOVE = 5
"""Pain reported above this during an exercise, and the players suggest stopping it."""


@dataclass(frozen=True)
class Outcome:
    """What one way of ending an exercise means for the session record."""

    difficulty: Difficulty
    """The item's difficulty until the person says how it felt."""
    asks: bool
    """Whether the questions after the session ask how it felt."""
    saved_empty: bool
    """Whether it is recorded even when no set or repetition was done and no pain was reported."""


OUTCOMES: dict[ExerciseOutcome, Outcome] = {
    "completed": Outcome("right", asks=True, saved_empty=True),
    "skipped": Outcome("right", asks=True, saved_empty=False),
    # Pain stopped it: that answers how it felt, and the dose rules read it as too hard.
    "stopped-for-pain": Outcome("hard", asks=False, saved_empty=False),
    "stopped": Outcome("right", asks=True, saved_empty=False),
}

Target = Literal["next", "previous-in-exercise", "after-exercise", "end"]


@dataclass(frozen=True)
class Command:
    """What a command does. Every command first completes the steps already due (the catch-up: a command given
    late acts on the step the schedule is really at), and does nothing once the session is over. The new step
    starts now, or at the moment of pausing while paused (so that it waits with its full length)."""

    ends: ExerciseOutcome | None
    """The exercise under way ends with this outcome (None: it goes on, unless its last step is over)."""
    goes_to: Target
    """next: the current step is over as if its time were up; previous-in-exercise: one step back, never into the
    exercise before; after-exercise: the step after the exercise's last; end: the session stops here."""


COMMANDS: dict[str, Command] = {
    "skip_step": Command(None, "next"),
    "back": Command(None, "previous-in-exercise"),
    "skip_exercise": Command("skipped", "after-exercise"),
    "stop_for_pain": Command("stopped-for-pain", "after-exercise"),
    "quit": Command("stopped", "end"),
}


@dataclass(frozen=True)
class Done:
    """How much of an exercise counts as done."""

    sets: int
    reps: int


@dataclass(frozen=True)
class Tables:
    """A timeline's structure, worked out once so that no player re-derives it."""

    steps: tuple[Step, ...]
    item_of: tuple[int | None, ...]
    """Each step's exercise (a transition leads into the next one; `done` has none)."""
    first: tuple[int, ...]
    """Each exercise's first step (its transition in, or its intro)."""
    last: tuple[int, ...]
    """Each exercise's last step: when it is over, the exercise is completed."""
    done_before: tuple[Done, ...]
    """For each step: what of its exercise is done if the exercise ends while the step is under way."""
    done: tuple[Done, ...]
    """For each exercise: what counts as done when it is completed."""
    starts: tuple[int, ...]
    """Each step's planned start in seconds, and then the session's planned length."""

    @classmethod
    def of(cls, steps: Sequence[Step]) -> Tables:
        if not steps or steps[-1].kind != "done":
            raise ValueError("a timeline ends with a done step")
        item_of: list[int | None] = []
        item = -1
        for step in steps:
            if step.kind == "transition":
                item_of.append(item + 1)
            elif step.kind == "intro":
                item += 1
                item_of.append(item)
            elif step.kind == "done":
                item_of.append(None)
            else:
                item_of.append(item)
        first: dict[int, int] = {}
        last: dict[int, int] = {}
        for i, owner in enumerate(item_of):
            if owner is not None:
                first.setdefault(owner, i)
                last[owner] = i
        after = _done_after(steps, item_of)
        done_before = [
            after[i - 1] if i > 0 and owner is not None and item_of[i - 1] == owner else Done(0, 0)
            for i, owner in enumerate(item_of)
        ]
        starts = [0]
        for step in steps:
            starts.append(starts[-1] + step.duration_s)
        count = len(first)
        return cls(
            steps=tuple(steps),
            item_of=tuple(item_of),
            first=tuple(first[k] for k in range(count)),
            last=tuple(last[k] for k in range(count)),
            done_before=tuple(done_before),
            done=tuple(after[last[k]] for k in range(count)),
            starts=tuple(starts),
        )


def _done_after(steps: Sequence[Step], item_of: Sequence[int | None]) -> list[Done]:
    """After each step, how many sets and repetitions of its exercise are done. A repetition counts once its last
    step (on the last side) is over; a set once its last repetition is. One pass each way: linear in the steps."""
    last_of_rep: dict[tuple[int, int, int], int] = {}
    last_of_set: dict[tuple[int, int], int] = {}
    for i, step in enumerate(steps):
        owner = item_of[i]
        if owner is None or step.kind not in STEP_UNITS or step.set is None or step.rep is None:
            continue
        last_of_rep[(owner, step.set, step.rep)] = i
        last_of_set[(owner, step.set)] = i
    rep_at = {i: key for key, i in last_of_rep.items()}
    set_at = {i: key for key, i in last_of_set.items()}
    marks: list[Done] = []
    mark = Done(0, 0)
    current: int | None = None
    for i, owner in enumerate(item_of):
        if owner != current:
            mark, current = Done(0, 0), owner
        if i in rep_at:
            _, set_no, rep_no = rep_at[i]
            mark = Done(set_no - 1, rep_no)
        if i in set_at:
            mark = Done(set_at[i][1], mark.reps)
        marks.append(mark)
    return marks


def session_tables(items: Sequence[tuple[Exercise, Prescription]]) -> dict[str, Any]:
    """The session as plain, JSON-ready data: what the browser player executes (docs/timing.md)."""
    tables = Tables.of(compile_timeline(items))

    def done(mark: Done) -> dict[str, int]:
        return {"completed_sets": mark.sets, "completed_reps": mark.reps}

    return {
        "steps": [
            {
                **step.to_dict(),
                "item": tables.item_of[i],
                "starts_at": tables.starts[i],
                "done_before": done(tables.done_before[i]),
            }
            for i, step in enumerate(tables.steps)
        ],
        "items": [
            {
                "exercise": exercise.id,
                "rung": exercise.rung,
                "name": exercise.name,
                "prescription": dose.model_dump(mode="json"),
                "first_step": tables.first[k],
                "last_step": tables.last[k],
                "done": done(tables.done[k]),
            }
            for k, (exercise, dose) in enumerate(items)
        ],
        "total_s": tables.starts[-1],
        "commands": {name: {"ends": c.ends, "goes_to": c.goes_to} for name, c in COMMANDS.items()},
        "outcomes": {
            name: {"difficulty": o.difficulty, "asks": o.asks, "saved_empty": o.saved_empty}
            for name, o in OUTCOMES.items()
        },
        "suggest_stop_above": SUGGEST_STOP_ABOVE,
    }


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

    @property
    def saved(self) -> bool:
        """Whether this ending goes into the session record."""
        did_something = self.completed_reps or self.completed_sets or self.pain_during is not None
        return bool(OUTCOMES[self.outcome].saved_empty or did_something)

    @property
    def difficulty(self) -> Difficulty:
        return OUTCOMES[self.outcome].difficulty

    @property
    def asks(self) -> bool:
        return OUTCOMES[self.outcome].asks


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


class Runner:
    def __init__(self, steps: Sequence[Step] | Tables) -> None:
        self.tables = steps if isinstance(steps, Tables) else Tables.of(steps)
        self.steps = list(self.tables.steps)
        self.index = 0
        self.started = False
        self.finished = False
        self.paused_at: float | None = None
        self.step_start = 0.0
        self._listeners: list[Listener] = []
        self._pain: dict[int, int] = {}
        self._ended: set[int] = set()

    # Structure

    @property
    def item_count(self) -> int:
        return len(self.tables.first)

    def item_of(self, index: int) -> int | None:
        return self.tables.item_of[index] if 0 <= index < len(self.steps) else None

    @property
    def current(self) -> Step | None:
        return self.steps[self.index] if self.index < len(self.steps) else None

    @property
    def total_s(self) -> int:
        return self.tables.starts[-1]

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
        return self.tables.starts[self.index] + (step.duration_s - self.remaining(now))

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

    def _end_exercise(self, item: int, outcome: ExerciseOutcome, at: float) -> list[Event]:
        """End an exercise while the current step is under way (or, completed, just after its last step)."""
        if item in self._ended:
            return []
        self._ended.add(item)
        exercise = self.steps[self.tables.first[item]].exercise or ""
        mark = self.tables.done[item] if outcome == "completed" else self.tables.done_before[self.index]
        return [ExerciseEnded(item, exercise, outcome, mark.reps, mark.sets, self._pain.get(item), at)]

    def _leave(self, at: float) -> list[Event]:
        """The current step is over (on time or skipped): end its exercise if it was the last step."""
        events: list[Event] = []
        item = self.tables.item_of[self.index]
        if item is not None and self.tables.last[item] == self.index:
            events += self._end_exercise(item, "completed", at)
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

    def _command(self, name: str, now: float, pain: int | None = None) -> list[Event]:
        """Execute one of COMMANDS (web/static/js/runner.js executes the same table the same way)."""
        rule = COMMANDS[name]
        if not self.started or self.finished:
            return []
        events = self.advance(now)
        if self._over():
            return events
        if pain is not None:
            self.report_pain(pain)
        # While paused, a moved-to step waits with its full length until resume.
        at = self.paused_at if self.paused_at is not None else now
        item = self.tables.item_of[self.index]
        if rule.goes_to == "next":
            return events + self._emit(self._leave(at))
        if rule.goes_to == "previous-in-exercise":
            back = item is not None and self.index > self.tables.first[item]
            return events + self._emit(self._enter(self.index - 1 if back else self.index, at))
        ended = self._end_exercise(item, rule.ends, at) if item is not None and rule.ends is not None else []
        if rule.goes_to == "end":
            self.finished = True
            self.paused_at = None
            return events + self._emit([*ended, SessionEnded(completed=False, at=at)])
        if item is None:
            return events
        return events + self._emit(ended + self._enter(self.tables.last[item] + 1, at))

    def skip_step(self, now: float) -> list[Event]:
        """Finish the current step now and start the next."""
        return self._command("skip_step", now)

    def skip_exercise(self, now: float) -> list[Event]:
        """End the current exercise as skipped and go to the next one (or the end)."""
        return self._command("skip_exercise", now)

    def back(self, now: float) -> list[Event]:
        """Go back one step within the current exercise; at its first step, restart that step."""
        return self._command("back", now)

    def report_pain(self, pain: int) -> None:
        """Note pain during the current exercise (the highest report counts)."""
        _check_pain(pain)
        item = self.tables.item_of[self.index] if self.index < len(self.steps) else None
        if item is not None:
            self._pain[item] = max(pain, self._pain.get(item, 0))

    def stop_for_pain(self, now: float, pain: int) -> list[Event]:
        """End the current exercise because it hurts, recording the pain, and go on to the next one."""
        _check_pain(pain)
        return self._command("stop_for_pain", now, pain)

    def quit(self, now: float) -> list[Event]:
        """Stop the session here. The exercise under way ends as stopped, with what was done of it."""
        return self._command("quit", now)
