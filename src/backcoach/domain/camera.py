"""The camera coach's rules for one exercise: what to measure in the pose, when a repetition counts, when a hold is
held, and which form faults to point out, each with its reason.

A rule set is the `[camera]` table of the exercise's data file (see docs/camera.md, "Signals and rules"), checked
here when the catalogue loads, and run in the browser by `web/static/js/camera/signals.js`. Landmark names are
BlazePose's without the side ("hip", not "left_hip"): the tracker reads them on the side nearest the camera.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from backcoach.domain.model import Frozen

Landmark = Literal["shoulder", "elbow", "wrist", "index", "hip", "knee", "ankle", "heel", "foot_index", "ear", "eye"]
"""The landmarks a rule may name (the face's other points and the fingers carry nothing our signals need)."""
Work = Literal["above", "below"]
Reason = Annotated[str, Field(min_length=10)]
Words = Annotated[str, Field(min_length=5, max_length=90)]
Code = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Seconds = Annotated[float, Field(ge=0.0, le=5.0)]


class Signal(Frozen):
    """One number per frame.

    - `angle`: the angle at the middle of three landmarks, 0 to 180 degrees (180: in a straight line).
    - `incline`: the angle of the segment from the first landmark to the second against the horizontal calibrated
      at the start, 0 (level) to 90 degrees (upright), whichever way it points.
    - `height`: how far the first landmark is above the second, across that horizontal, in torso lengths.
    - `rise`: how far one to three landmarks have risen, on average, above where they were in the start position,
      across that horizontal, in torso lengths (no second landmark's noise, and more than one averages theirs).
    """

    kind: Literal["angle", "incline", "height", "rise"]
    points: list[Landmark]
    sides: Literal["near", "either"] = "near"
    """`near`: the side facing the camera (or the better seen side); `either`: both sides, taking the one further
    into the working direction (for exercises that alternate sides)."""

    @model_validator(mode="after")
    def _arity(self) -> Self:
        if self.kind == "rise":
            if not 1 <= len(self.points) <= 3:
                raise ValueError(f"points: a rise signal needs 1 to 3 landmarks, not {len(self.points)}")
            if len(set(self.points)) != len(self.points):
                raise ValueError("points: a landmark is named twice")
            return self
        need = 3 if self.kind == "angle" else 2
        if len(self.points) != need:
            raise ValueError(f"points: a {self.kind} signal needs {need} landmarks, not {len(self.points)}")
        if len(set(self.points)) != need:
            raise ValueError("points: a landmark is named twice")
        return self


class Count(Frozen):
    """When a repetition counts: the signal goes past `enter` (the working position) and comes back past `exit`.

    The two thresholds are the hysteresis; a movement that passes `partial` but comes back without reaching
    `enter` is a partial repetition, reported and not counted."""

    work: Work
    """Which way the working position lies: the signal is above `enter` there, or below it."""
    enter: float
    exit: float
    partial: float
    dwell_s: Seconds = 0.15
    """How long the signal must stay past a threshold before the state changes (noise crosses it for a frame)."""
    min_rep_s: Seconds = 0.6
    """A repetition quicker than this is a jolt or a tracking jump, not a repetition."""
    reason: Reason

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        sign = 1.0 if self.work == "above" else -1.0
        if not sign * self.exit < sign * self.partial < sign * self.enter:
            order = "exit < partial < enter" if self.work == "above" else "exit > partial > enter"
            raise ValueError(
                f"with work = {self.work!r} the thresholds must be ordered {order}; "
                f"got exit {self.exit}, partial {self.partial}, enter {self.enter}"
            )
        return self


class Hold(Frozen):
    """The "held" band: the hold's timer runs only while the signal is inside it."""

    low: float | None = None
    high: float | None = None
    reason: Reason

    @model_validator(mode="after")
    def _a_band(self) -> Self:
        if self.low is None and self.high is None:
            raise ValueError("a hold band needs low, high or both")
        if self.low is not None and self.high is not None and self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        return self


class FormRule(Frozen):
    """A fault looked for while the signal is past `enter`: `measure` of `signal` over that time, compared with
    `value`. Said once, in positive words, when the repetition ends."""

    code: Code
    signal: Signal | None = None
    """Default: the rule set's own signal."""
    measure: Literal["max", "min", "median"]
    fault: Literal["above", "below"]
    value: float
    words: Words
    side: Literal["near", "either"] = "near"
    """Which side's landmarks the rule reads, as for a signal (a rule with its own signal takes that one's)."""
    reason: Reason


View = Literal["side", "front"]


class CameraRules(Frozen):
    """One exercise's rule set. `reliable = false` means the camera cannot follow it: the Player says `reason`
    and runs on the timer."""

    reliable: bool
    reason: Reason
    """Why the signal measures the exercise; or, for an unreliable one, the sentence the Player says."""
    view: View | None = None
    view_words: Words | None = None
    """What to say when the camera sees the body from the wrong angle."""
    visible: list[Landmark] = Field(default_factory=list)
    """Landmarks that must be seen (visibility 0.5 or more) on the side read for a frame to count."""
    horizontal: Annotated[list[Landmark], Field(min_length=2, max_length=2)] | None = None
    """Two landmarks in a level line in the start position: their line is the floor for `incline` and `height`
    (the device may be tilted). None: the image's own horizontal."""
    smoothing_s: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1
    """Time constant of the exponential smoothing of the signal."""
    signal: Signal | None = None
    count: Count | None = None
    hold: Hold | None = None
    form: list[FormRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        measured = ("view", "signal", "count")
        if not self.reliable:
            extra = [f for f in (*measured, "hold", "horizontal", "view_words") if getattr(self, f) is not None]
            if extra or self.form or self.visible:
                named = ", ".join(extra + (["form"] if self.form else []) + (["visible"] if self.visible else []))
                raise ValueError(f"an unreliable rule set measures nothing: remove {named}")
            return self
        missing = [f for f in measured if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a reliable rule set needs {', '.join(missing)}")
        assert self.signal is not None
        assert self.count is not None
        needed = set(self.signal.points) | {p for r in self.form if r.signal for p in r.signal.points}
        if self.horizontal:
            needed |= set(self.horizontal)
        unseen = sorted(needed - set(self.visible))
        if unseen:
            raise ValueError(f"visible must list every landmark the rules read; missing: {', '.join(unseen)}")
        if self.hold is not None:
            edge = self.hold.low if self.count.work == "above" else self.hold.high
            beyond = edge is not None and (
                edge >= self.count.enter if self.count.work == "above" else edge <= self.count.enter
            )
            if not beyond:
                raise ValueError(
                    f"hold: the band must lie past count.enter ({self.count.enter}) on the working side, so a held "
                    f"position is always a counted one"
                )
        codes = [r.code for r in self.form]
        if len(set(codes)) != len(codes):
            raise ValueError("form: a code is used twice")
        return self


MEASURE_FIELDS = ("model", "reps", "partials", "held_seconds", "flags")
MAX_COUNT = 10_000
"""Far more than any dose asks; the bound keeps a forged count inside the 32-bit integer the dose rules' query casts
it to on PostgreSQL."""
MAX_HELD_S = 86_400.0
Tally = Annotated[int, Field(ge=0, le=MAX_COUNT, strict=True)]


class CameraMeasure(Frozen):
    """What the camera measured over one exercise of a session (all its sets), as the Player records it: never an
    image or a landmark. Which flag codes are allowed depends on the exercise's rule set, so the application layer
    checks them (`app.history.check_items`), where the catalogue is at hand."""

    model: Literal["lite", "full"]
    """The pose model that measured: the full one is slower and steadier."""
    reps: Tally | None
    """Repetitions counted over every set and side (each movement the camera saw); null when it could not count at
    all, which leaves the recorded repetitions to decide."""
    partials: Tally
    """Movements that went part of the way and came back: reported, never counted."""
    held_seconds: Annotated[float, Field(ge=0.0, le=MAX_HELD_S, strict=True, allow_inf_nan=False)] | None
    """Seconds the hold position was actually held, over every repetition and set; null without holds."""
    flags: dict[Code, Annotated[int, Field(ge=1, le=MAX_COUNT, strict=True)]]
    """How many times each form rule (by its code) fired."""

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, data: object) -> object:
        # Pydantic's own message names the stray key but not the ones allowed.
        if isinstance(data, dict):
            unknown = sorted(str(k) for k in data if k not in MEASURE_FIELDS)
            if unknown:
                raise ValueError(f"unknown field {unknown[0]!r}; allowed: {', '.join(MEASURE_FIELDS)}")
        return data
