"""Ladders: every exercise as an ordered list of rungs, easier to harder, each with its own dose and source.

The standard exercise is one rung; the others change the movement (a smaller lift, one leg instead of two) or take
an article's own version of it (a held bridge, a shorter knee hug). Each rung has a `start` dose, where a person
arrives on it, and a `top` dose, the most it asks before the next rung. Going up past a rung's top moves to the rung
above at that rung's `start`; going down below a rung's start moves to the rung below at that rung's `top`, the last
dose the person managed on it (`Ladder.step_up`, `Ladder.step_down`).

No rung ever asks more than the articles do. `article_ceilings` is the largest count, hold, number of sets and
times a day that any article gives the exercise; no field of a rung's dose passes it, so a harder rung is harder by
its movement, never by a bigger number. `longest_time_s` caps an exercise's time in a session at the longest any
article's dose implies. The data lives in `data/ladders/<exercise>.toml`; docs/ladders.md lists every ladder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator

from backcoach.domain.catalogue import (
    Catalogue,
    CatalogueError,
    Exercise,
    Prescription,
    Text,
    data_root,
    parse_toml,
)
from backcoach.domain.describe import describe
from backcoach.domain.model import Frozen
from backcoach.domain.timeline import START_REPS, counts, exercise_duration, resolve
from backcoach.domain.vocab import LEVELS, Level

FOLDER = "ladders"
MIN_STEPS = 3
"""A rung that changes the movement replaces the exercise's steps with a full list of its own, at least this long."""

RungId = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)?$")]
"""The exercise id for the standard rung, otherwise "<exercise>/<slug>", e.g. "bridge/held"."""


class LadderError(CatalogueError):
    """A ladder file failed validation. The message names the file, the rung (or the ladder) and the field.

    A `CatalogueError`, and so a `ValueError`, like every other content error."""


class Rung(Frozen):
    """One way of doing an exercise, with the dose to start it at and the most to ask of it."""

    id: RungId
    name: Text
    level: Level
    change: Text
    """One sentence: what differs from the standard exercise (the standard rung says that it is the standard)."""
    steps: list[Text] = Field(default_factory=list)
    """A full replacement for the exercise's steps when the movement differs; empty means the exercise's own."""
    cues: list[Text] = Field(default_factory=list)
    """Replacement form cues; empty means the exercise's own."""
    spoken_move: Text | None = None
    """A replacement for the exercise's spoken movement cue in a guided session."""
    start: Prescription
    """The dose on arriving at this rung from the rung below (or the first time)."""
    top: Prescription
    """The largest dose on this rung; past it, the next step is the rung above at its `start`."""
    source: str | None = None
    """The article (file name, as in articles.toml) that gives this rung; None when it is backcoach's own."""
    reason: Text
    """Why the rung exists and where its dose comes from, in plain words (articles named by title)."""

    @field_validator("steps")
    @classmethod
    def _whole_steps(cls, steps: list[str]) -> list[str]:
        if steps and len(steps) < MIN_STEPS:
            raise ValueError(
                f"a rung that changes the movement replaces all of the steps, at least {MIN_STEPS} of them; "
                f"leave steps empty to keep the exercise's own"
            )
        return steps

    @property
    def own(self) -> bool:
        """True when no article gives this rung: backcoach's own, explained in `reason`."""
        return self.source is None

    def same_movement(self, other: Rung) -> bool:
        """Done the same way as `other` (the same steps, cues and spoken cue), so only the dose tells them apart."""
        return (self.steps, self.cues, self.spoken_move) == (other.steps, other.cues, other.spoken_move)


class Ladder(Frozen):
    """An exercise's rungs, ordered from easier to harder. One of them is the standard exercise."""

    exercise: str
    rungs: Annotated[list[Rung], Field(min_length=2)]

    def __len__(self) -> int:
        return len(self.rungs)

    def __contains__(self, rung_id: object) -> bool:
        return any(r.id == rung_id for r in self.rungs)

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.rungs]

    @property
    def standard(self) -> Rung:
        """The standard exercise's rung: the one whose id is the exercise id."""
        return self.get(self.exercise)

    def index(self, rung_id: str) -> int:
        """The rung's place on the ladder, 0 for the easiest. KeyError for a rung not on this ladder."""
        for i, r in enumerate(self.rungs):
            if r.id == rung_id:
                return i
        raise KeyError(f"{self.exercise} has no rung {rung_id!r}; its rungs are {', '.join(self.ids)}")

    def get(self, rung_id: str) -> Rung:
        return self.rungs[self.index(rung_id)]

    def above(self, rung_id: str) -> Rung | None:
        """The next harder rung, or None at the top of the ladder. Moving up, a person arrives at its `start`."""
        i = self.index(rung_id)
        return self.rungs[i + 1] if i + 1 < len(self.rungs) else None

    def below(self, rung_id: str) -> Rung | None:
        """The next easier rung, or None at the bottom. Moving down, a person arrives at its `top`."""
        i = self.index(rung_id)
        return self.rungs[i - 1] if i > 0 else None

    def step_up(self, rung_id: str) -> tuple[Rung, Prescription] | None:
        """Past the top of `rung_id`: the rung above and the dose to arrive at (its start); None at the top."""
        up = self.above(rung_id)
        return (up, up.start) if up else None

    def step_down(self, rung_id: str) -> tuple[Rung, Prescription] | None:
        """Below the start of `rung_id`: the rung below and the dose to arrive at (its top, the last dose managed
        there); None at the bottom."""
        down = self.below(rung_id)
        return (down, down.top) if down else None


@dataclass(frozen=True)
class Ceilings:
    """The most any article gives an exercise, field by field. None where no article gives a number at all."""

    reps: int | None
    """The largest count: the biggest of any article's `reps`, `reps_max` and `target_reps`."""
    hold_s: int | None
    """The longest hold: the biggest of any article's `hold_s` and `hold_s_max`."""
    sets: int
    """The most sets; 1 when no article gives sets, since the articles ask for one set unless they say otherwise."""
    times_per_day: int | None

    def excess(self, dose: Prescription) -> list[tuple[str, int, int | None]]:
        """Every field of `dose` that passes its ceiling, as (field, value, ceiling).

        A ceiling of None means no article gives that number, so a dose that states one passes it: the field stays
        empty, and the timing model fills it (5 repetitions to start, see `timeline.resolve`).
        """
        limits = {
            "reps": self.reps,
            "reps_max": self.reps,
            "target_reps": self.reps,
            "hold_s": self.hold_s,
            "hold_s_max": self.hold_s,
            "sets": self.sets,
            "times_per_day": self.times_per_day,
        }
        found: list[tuple[str, int, int | None]] = []
        for field, limit in limits.items():
            value = getattr(dose, field)
            if value is not None and (limit is None or value > limit):
                found.append((field, value, limit))
        return found


def _doses(exercise: Exercise) -> list[Prescription]:
    """The exercise's default dose and every article's own."""
    return [exercise.prescription, *(s.prescription for s in exercise.sources)]


def article_ceilings(exercise: Exercise) -> Ceilings:
    """The largest count, hold, sets and times a day that any of the exercise's articles (or its default) gives."""
    doses = _doses(exercise)
    counts = [n for d in doses for n in (d.reps, d.reps_max, d.target_reps) if n]
    holds = [n for d in doses for n in (d.hold_s, d.hold_s_max) if n]
    sets = [d.sets for d in doses if d.sets]
    daily = [d.times_per_day for d in doses if d.times_per_day]
    return Ceilings(
        reps=max(counts, default=None),
        hold_s=max(holds, default=None),
        sets=max(sets, default=1),
        times_per_day=max(daily, default=None),
    )


def fullest(dose: Prescription) -> Prescription:
    """A dose at the top of its ranges ("3 to 5" is 5, "build up to 30" is 30, "10 to 15 seconds" is 15), resolved
    for timing (`timeline.resolve`): the most that dose ever asks for in one session."""
    reps = max((n for n in (dose.reps, dose.reps_max, dose.target_reps) if n), default=None)
    hold = max((n for n in (dose.hold_s, dose.hold_s_max) if n), default=None)
    top = dose.model_copy(
        update={"reps": reps, "reps_max": None, "target_reps": None, "hold_s": hold, "hold_s_max": None}
    )
    return resolve(top)


def dose_time_s(exercise: Exercise, dose: Prescription) -> int:
    """Seconds the exercise takes at the top of `dose` (see `fullest`), intro included, transitions not."""
    return exercise_duration(exercise, fullest(dose))


def longest_time_s(exercise: Exercise) -> int:
    """The time cap for one exercise in a session: the longest that its default dose or any article's dose takes,
    each at the top of its ranges. A range's upper end is part of what the article asks, so it counts."""
    return max(dose_time_s(exercise, d) for d in _doses(exercise))


def rung_exercise(exercise: Exercise, rung: Rung) -> Exercise:
    """The exercise as `rung` is done: the same id, tempo and everything else, with the rung's name, level, steps
    and cues (where it gives them) and spoken movement cue (if it gives one). The timeline, player and handouts show
    a rung through this, with no other change."""
    if rung.id == exercise.id:
        return exercise
    update: dict[str, Any] = {"name": rung.name, "level": rung.level, "rung": rung.id}
    if rung.steps:
        update["steps"] = list(rung.steps)
    if rung.cues:
        update["cues"] = list(rung.cues)
    if rung.spoken_move:
        update["spoken"] = exercise.spoken.model_copy(update={"move": rung.spoken_move})
    return exercise.model_copy(update=update)


# Validation


def _amounts(dose: Prescription) -> dict[str, int]:
    """What a dose asks, field by field, with the gaps filled as the timing model fills them: the count done
    (`reps`) and the most it builds to (`reps_max`), the hold and its upper end, sets, and times a day."""
    done = resolve(dose)
    reps, sets, _ = counts(done)
    return {
        "reps": reps,
        "reps_max": max(n for n in (dose.reps, dose.reps_max, dose.target_reps, reps) if n),
        "hold_s": done.hold_s or 0,
        "hold_s_max": max(dose.hold_s or 0, dose.hold_s_max or 0),
        "sets": sets,
        "times_per_day": dose.times_per_day or 1,
    }


def _shape(dose: Prescription) -> dict[str, Any]:
    return {"per_side": dose.per_side, "alternating": dose.alternating, "holds_per_rep": dose.holds_per_rep or 1}


def harder_than(upper: Prescription, lower: Prescription) -> bool:
    """On one movement, `upper` asks more than `lower`: a longer hold, or the same hold with no fewer repetitions
    or sets and more of one. (Times a day is how often, not how hard one session is, so it does not count.)"""
    u, lo = _amounts(upper), _amounts(lower)
    if u["hold_s"] != lo["hold_s"]:
        return u["hold_s"] > lo["hold_s"]
    return u["reps"] >= lo["reps"] and u["sets"] >= lo["sets"] and (u["reps"], u["sets"]) != (lo["reps"], lo["sets"])


def check_ladder(file: str, ladder: Ladder, exercise: Exercise, articles: Iterable[str]) -> None:
    """Every rule a ladder must keep (docs/ladders.md, "Rules"). Raises `LadderError` naming the rung and field."""
    known = sorted(articles)

    def fail(rung: str | None, field: str, message: str) -> LadderError:
        where = f"rung {rung!r}" if rung else f"entry {ladder.exercise!r}"
        return LadderError(f"{file}: {where}: field {field!r}: {message}")

    expected = file.rsplit("/", 1)[-1].removesuffix(".toml")
    if ladder.exercise != expected:
        raise fail(None, "exercise", f"must match the file name {expected!r}")
    if ladder.exercise != exercise.id:
        raise fail(None, "exercise", f"is checked against exercise {exercise.id!r}")
    seen: set[str] = set()
    for rung in ladder.rungs:
        if rung.id in seen:
            raise fail(rung.id, "id", "used by two rungs; every rung needs its own id")
        seen.add(rung.id)
        if rung.id != exercise.id and not rung.id.startswith(f"{exercise.id}/"):
            raise fail(rung.id, "id", f"must be {exercise.id!r} (the standard) or start with '{exercise.id}/'")
    if exercise.id not in seen:
        raise fail(None, "rungs", f"no standard rung: one rung must have the exercise's own id {exercise.id!r}")

    standard = ladder.standard
    if standard.start.model_dump() != exercise.prescription.model_dump():
        raise fail(
            standard.id,
            "start",
            f"the standard rung starts at the exercise's default prescription ({describe(exercise.prescription)}), "
            f"not {describe(standard.start)}",
        )
    if standard.level != exercise.level:
        raise fail(standard.id, "level", f"the standard rung keeps the exercise's level {exercise.level!r}")
    if standard.name != exercise.name:
        raise fail(standard.id, "name", f"the standard rung keeps the exercise's name {exercise.name!r}")
    for field in ("steps", "cues", "spoken_move"):
        if getattr(standard, field):
            raise fail(standard.id, field, "the standard rung is the exercise as written: leave it empty")

    top = article_ceilings(exercise)
    cap = longest_time_s(exercise)
    for rung in ladder.rungs:
        if rung.source is not None and rung.source not in known:
            raise fail(rung.id, "source", f"unknown article {rung.source!r}; allowed: {', '.join(known)}")
        start, most = _shape(rung.start), _shape(rung.top)
        for key in ("per_side", "alternating", "holds_per_rep"):
            if start[key] != most[key]:
                raise fail(rung.id, f"top.{key}", f"is {most[key]!r} but start's is {start[key]!r}: they must match")
        low, high = _amounts(rung.start), _amounts(rung.top)
        for key, value in low.items():
            if high[key] < value:
                raise fail(rung.id, f"top.{key}", f"asks less than start ({high[key]} < {value}); top is the most")
        for part, dose in (("start", rung.start), ("top", rung.top)):
            for field, value, limit in top.excess(dose):
                if limit is None:
                    raise fail(
                        rung.id,
                        f"{part}.{field}",
                        f"no article gives {exercise.id} this number, so leave it empty "
                        f"(the timing model starts at {START_REPS} repetitions)",
                    )
                raise fail(
                    rung.id,
                    f"{part}.{field}",
                    f"{value} is more than the most any article gives {exercise.id} ({limit})",
                )
        seconds = dose_time_s(rung_exercise(exercise, rung), rung.top)
        if seconds > cap:
            raise fail(
                rung.id,
                "top",
                f"takes {seconds} s, longer than the longest any article's dose implies for {exercise.id} ({cap} s)",
            )

    for lower, upper in zip(ladder.rungs, ladder.rungs[1:], strict=False):
        if LEVELS.index(upper.level) < LEVELS.index(lower.level):
            raise fail(
                upper.id,
                "level",
                f"{upper.level!r} is below the level of the rung before it, {lower.id!r} ({lower.level!r}): "
                f"rungs go from easier to harder, so levels never go down",
            )
        if upper.same_movement(lower):
            if _shape(upper.start) != _shape(lower.top):
                raise fail(
                    upper.id,
                    "start",
                    f"does the same movement as {lower.id!r}, so it must keep its sides and holds per repetition",
                )
            if not harder_than(upper.start, lower.top):
                raise fail(
                    upper.id,
                    "start",
                    f"does the same movement as {lower.id!r}, so it must start harder than that rung's top "
                    f"({describe(upper.start)} is not harder than {describe(lower.top)}): a longer hold, or more "
                    f"repetitions or sets at the same hold",
                )


def _where(raw: Mapping[str, Any], loc: tuple[int | str, ...]) -> tuple[str, str]:
    """A pydantic error location as (what, field): a rung by its id where the file gives one."""
    rungs = raw.get("rungs")
    if len(loc) >= 2 and loc[0] == "rungs" and isinstance(loc[1], int) and isinstance(rungs, list):
        item = rungs[loc[1]] if loc[1] < len(rungs) else {}
        name = item.get("id") if isinstance(item, dict) else None
        return f"rung {name or f'#{loc[1] + 1}'!r}", ".".join(str(p) for p in loc[2:]) or "(rung)"
    return f"entry {raw.get('exercise', '?')!r}", ".".join(str(p) for p in loc) or "(entry)"


def parse_ladder(file: str, raw: Mapping[str, Any], exercise: Exercise, articles: Iterable[str]) -> Ladder:
    try:
        ladder = Ladder.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            what, field = _where(raw, e["loc"])
            problems.append(f"{file}: {what}: field {field!r}: {e['msg']}")
        raise LadderError("\n".join(problems)) from None
    check_ladder(file, ladder, exercise, articles)
    return ladder


def load_ladders(catalogue: Catalogue, root: Traversable | None = None) -> dict[str, Ladder]:
    """Load and check `root/ladders/<exercise>.toml` (the shipped package data by default): exactly one ladder for
    every exercise in the catalogue, and no other file. Returned in the catalogue's order."""
    root = root or data_root()
    folder = root / FOLDER
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)
    found: dict[str, Ladder] = {}
    for path in files:
        file = f"{FOLDER}/{path.name}"
        exercise_id = path.name.removesuffix(".toml")
        if exercise_id not in catalogue:
            raise LadderError(f"{file}: no exercise {exercise_id!r} in the catalogue; a ladder file is named after one")
        try:
            raw = parse_toml(file, path.read_text(encoding="utf-8"))
        except CatalogueError as exc:
            raise LadderError(str(exc)) from None
        found[exercise_id] = parse_ladder(file, raw, catalogue.get(exercise_id), catalogue.articles)
    missing = [e.id for e in catalogue if e.id not in found]
    if missing:
        raise LadderError(f"{FOLDER}/: no ladder for {', '.join(missing)}; every exercise needs one")
    return {e.id: found[e.id] for e in catalogue}
