"""The planner: a person's constraints in, one safe, timed session out.

Rules, each checked by property tests over random option combinations (docs/planner.md explains each choice):
- the session opens with a warm-up or a stretch;
- only exercises whose equipment is at hand, none on the floor when the floor is ruled out, and no advanced
  exercise at beginner level;
- the estimate never exceeds the minutes asked for, and fills at least 60% of them from 10 minutes up, whenever the
  eligible exercises have that much in them (a dose may go below half its repetitions only to reach that share);
- from 15 minutes up it strengthens the abdominals, the back extensors and the glutes, whenever an eligible
  exercise can (only a strengthening exercise counts: a stretch works mobility, not a muscle group);
- under 15 minutes, rest between sets takes at most a fifth of the session: fewer sets, or other exercises;
- the order is a clinician's: warm-ups, the kettlebell swing, lying stretches, mobility, strengthening from least
  to most demanding, closing stretches; one-sided versions before two-sided ones; within each step, the exercises
  on the side of the floor the person is already on first; the order never looks at an exercise's id;
- an exercise the safety screen left out is never in the plan, and the plan lists it with the reason;
- a dose may be shortened to fit the time, never raised above the one it was given, and the item says so;
- the same inputs always give the same plan (no randomness; a tie in choosing between two exercises that score
  alike is broken by exercise id, a tie in ordering by the order they were chosen in).

Durations come from `backcoach.domain.timeline`, so a guided session built from the plan lasts exactly as long.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property, partial
from typing import Any, Protocol

from pydantic import ValidationError

from backcoach.domain.catalogue import Catalogue, Exercise, Prescription
from backcoach.domain.describe import describe
from backcoach.domain.errors import InvalidInput
from backcoach.domain.ladders import Ladder, rung_exercise
from backcoach.domain.timeline import (
    FLOOR_CHANGE_S,
    TRANSITION_S,
    counts,
    duration_of,
    resolution_notes,
    resolve,
    transition_duration,
)
from backcoach.domain.vocab import (
    CORE_TARGETS,
    EQUIPMENT,
    LEVELS,
    PLAN_LEVELS,
    Equipment,
    PlanLevel,
    Position,
)

MIN_MINUTES = 5
MAX_MINUTES = 60
DEFAULT_MINUTES = 15
COVERAGE_FROM_MINUTES = 15
FILL_FROM_MINUTES = 10
FILL_SHARE = 0.6
REST_LIMIT_BELOW_MINUTES = 15
REST_SHARE = 0.2
"""Under `REST_LIMIT_BELOW_MINUTES`, rest between sets takes at most this share of the plan's estimated time."""

SAFETY_CAUTIONS = (
    "Stop any exercise that makes your pain worse. Effort and mild stretching are fine; sharp, spreading or "
    "increasing pain is not.",
    "If you have had a back or spine injury, or have disc disease, check with your health care provider before you "
    "start.",
    "If your back pain is severe, or is not getting better, see a doctor.",
    "backcoach is not medical advice and does not replace a clinician who has examined you.",
)


class LeftOut(Protocol):
    """An exercise ruled out before planning (by the safety screen), and why."""

    @property
    def exercise(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def reason(self) -> str: ...


class PlanInputError(InvalidInput):
    """A request value outside its allowed set; names the option and what it allows."""

    def __init__(self, option: str, value: object, allowed: str) -> None:
        super().__init__(f"{value!r} is not allowed; allowed: {allowed}", (option,))
        self.option = option
        self.value = value
        self.allowed = allowed


class PlanInfeasible(InvalidInput):
    """No safe session can be built from these options; the message says which option to change. `loc` names
    the option most likely to help: `floor` when the floor was ruled out, otherwise `equipment`."""


@dataclass(frozen=True)
class PlanRequest:
    minutes: int = DEFAULT_MINUTES
    equipment: frozenset[Equipment] = frozenset()
    floor: bool = True
    level: PlanLevel = "beginner"

    def __post_init__(self) -> None:
        if isinstance(self.minutes, bool) or not isinstance(self.minutes, int):
            raise PlanInputError("minutes", self.minutes, f"a whole number from {MIN_MINUTES} to {MAX_MINUTES}")
        if not MIN_MINUTES <= self.minutes <= MAX_MINUTES:
            raise PlanInputError("minutes", self.minutes, f"a whole number from {MIN_MINUTES} to {MAX_MINUTES}")
        for item in self.equipment:
            if item not in EQUIPMENT:
                raise PlanInputError("equipment", item, ", ".join(EQUIPMENT))
        if self.level not in PLAN_LEVELS:
            raise PlanInputError("level", self.level, ", ".join(PLAN_LEVELS))


@dataclass(frozen=True)
class PlanItem:
    exercise: str
    rung: str
    """The rung of the exercise's ladder (the exercise id for its standard rung); `name` is the rung's name."""
    name: str
    category: str
    position: str
    equipment: list[str]
    prescription: Prescription
    estimated_duration_s: int
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "rung": self.rung,
            "name": self.name,
            "category": self.category,
            "position": self.position,
            "equipment": list(self.equipment),
            "prescription": self.prescription.model_dump(),
            "estimated_duration_s": self.estimated_duration_s,
            "note": self.note,
        }


@dataclass(frozen=True)
class Excluded:
    exercise: str
    name: str
    reason: str


@dataclass(frozen=True)
class Plan:
    minutes: int
    level: PlanLevel
    equipment: list[str]
    floor: bool
    estimated_duration_s: int
    items: list[PlanItem]
    cautions: list[str] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "minutes": self.minutes,
            "level": self.level,
            "equipment": list(self.equipment),
            "floor": self.floor,
            "estimated_duration_s": self.estimated_duration_s,
            "items": [item.to_dict() for item in self.items],
            "cautions": list(self.cautions),
            "excluded": [asdict(e) for e in self.excluded],
        }


def ceil_half(n: int) -> int:
    return max(1, math.ceil(n / 2))


@dataclass(frozen=True)
class Dose:
    """A dose on a rung of the exercise's ladder: what the dose rules give for today."""

    prescription: Prescription
    rung: str | None = None
    """None, or the exercise id, for the standard rung."""
    name: str | None = None
    """The rung's name."""
    note: str | None = None
    """Why the dose is what it is (a step up or down): it opens the plan item's note."""


DoseFor = Callable[[Exercise], Prescription | Dose]


def default_dose(exercise: Exercise) -> Prescription:
    return exercise.prescription


def _on_rung(exercise: Exercise, given: Prescription | Dose) -> tuple[Exercise, Prescription]:
    """The exercise as named on its rung, and the prescription. Only a non-standard rung costs a copy."""
    if isinstance(given, Prescription):
        return exercise, given
    if given.rung is None or given.rung == exercise.id:
        return exercise, given.prescription
    return exercise.model_copy(update={"name": given.name or exercise.name, "rung": given.rung}), given.prescription


def strengthens(e: Exercise) -> frozenset[str]:
    """The muscle groups an exercise counts toward for coverage: only a strengthening exercise strengthens."""
    return frozenset(e.targets) if e.category == "strength" else frozenset()


def eligible(catalogue: Iterable[Exercise], request: PlanRequest, left_out: Collection[str] = ()) -> list[Exercise]:
    return [
        e
        for e in catalogue
        if e.id not in left_out
        and set(e.equipment) <= request.equipment
        and (request.floor or not e.floor)
        and (request.level == "advanced" or e.level != "advanced")
    ]


# Shortening depths, as the passes that fill a plan use them: the full dose only, down to half the repetitions, or
# (the last resort) any dose within the full one, down to a single repetition.
_FULL, _ORDINARY, _ANY = 0, 1, 2


@dataclass
class _Candidate:
    """An eligible exercise at its dose, and how far it is shortened: its `rank` on the shortening order.

    Rank 0 is the full resolved dose; each next rank is shorter, as (sets, repetitions): fewer sets first, down to
    one, then fewer repetitions. Ranks below `ordinary` shorten no further than half the repetitions; the ones
    below that, down to a single repetition (`last`), are kept for the opener and the core exercises, which must
    fit, and for the last resort. Holds are never cut: the hold is what makes a stretch or a contraction work. The
    ranks are worked out on demand (a plan looks at thousands of candidates and uses a handful).
    """

    exercise: Exercise
    given: Prescription
    full: Prescription
    sets: int
    reps: int
    ordinary: int
    last: int
    rank: int = 0
    _durations: dict[int, int] = field(default_factory=dict)
    _extra: list[tuple[int, int]] = field(default_factory=list)
    _grid: list[int] | None = None

    @classmethod
    def build(cls, exercise: Exercise, dose: Prescription) -> _Candidate:
        full = resolve(dose)
        reps, sets, _ = counts(full)
        return cls(exercise, dose, full, sets, reps, sets + reps - ceil_half(reps), sets + reps - 2)

    def rung(self, rank: int) -> tuple[int, int]:
        """(sets, repetitions) at a rank."""
        if rank < self.sets:
            return self.sets - rank, self.reps
        if rank <= self.last:
            return 1, self.reps + self.sets - 1 - rank
        return self._extra[rank - self.last - 1]

    @cached_property
    def group(self) -> tuple[int, int]:
        return _group(self.exercise)

    @cached_property
    def demand(self) -> tuple[int, ...]:
        return _demand(self.exercise)

    def duration(self, rank: int | None = None) -> int:
        """Seconds at a rank (the current one by default), timed on first use: most candidates are only ever
        asked about their full dose and their shortest ordinary one."""
        rank = self.rank if rank is None else rank
        found = self._durations.get(rank)
        if found is None:
            sets, reps = self.rung(rank)
            found = duration_of(
                self.exercise,
                reps=reps,
                sets=sets,
                hold_s=self.full.hold_s,
                rest_s=self.full.rest_s if sets > 1 else None,
                per_side=self.full.per_side,
                alternating=self.full.alternating,
                positions=self.full.holds_per_rep or 1,
            )
            self._durations[rank] = found
        return found

    def rest(self, rank: int | None = None) -> int:
        """Seconds of rest between sets at a rank (the current one by default)."""
        sets = self.rung(self.rank if rank is None else rank)[0]
        return (sets - 1) * (self.full.rest_s or 0)

    def deepest(self, depth: int) -> int:
        """The shortest rank a pass of this depth may use."""
        return (0, self.ordinary - 1, self.last)[depth]

    def grid(self) -> list[int]:
        """Every dose within the full one (any number of sets and of repetitions up to the full ones), as ranks,
        longest first: the last resort's search, for when taking a whole set off jumps past a dose that would fit
        (two sets do not fit, and the next rank is one). Doses off the shortening order get ranks after `last`."""
        if self._grid is None:
            index = {self.rung(rank): rank for rank in range(self.last + 1)}
            for pair in itertools.product(range(1, self.sets + 1), range(1, self.reps + 1)):
                if pair not in index:
                    self._extra.append(pair)
                    index[pair] = self.last + len(self._extra)
            self._grid = sorted(index.values(), key=lambda rank: (-self.duration(rank), -self.rung(rank)[0]))
        return self._grid

    def dose(self) -> Prescription:
        """The dose at the current rank, built only when needed: thousands of ranks are timed, a handful used."""
        if self.rank == 0:
            return self.full
        sets, reps = self.rung(self.rank)
        return self.full.model_copy(
            update={"sets": sets, "reps": reps, "rest_s": self.full.rest_s if sets > 1 else None}
        )


# The clinical order (docs/planner.md). A session moves through these steps in turn; the opener comes before all.
STEPS: tuple[str, ...] = (
    "warm-up",
    "kettlebell",
    "lying stretch",
    "mobility",
    "strength",
    "closing stretch",
)
_LYING: frozenset[str] = frozenset({"supine", "side-lying", "prone"})
_LEVEL_RANK = {level: i for i, level in enumerate(LEVELS)}


def _support(position: Position) -> int:
    """How much the back itself must hold up, by starting position: lying on the back, the floor carries the trunk;
    on the side or on a chair it is carried but balanced; on hands and knees, kneeling or standing, the limbs and
    the trunk's own muscles hold it up; lying face down, the back extensors lift the limbs against gravity (the
    encyclopedia's advanced group goes from the bird-dog to the prone raise, and the superman is harder still)."""
    # A match rather than a table, so that mypy reports a position added to the vocabulary and missing here.
    match position:
        case "supine":
            return 0
        case "side-lying" | "seated":
            return 1
        case "quadruped" | "kneeling" | "standing":
            return 2
        case "prone":
            return 3


def step_of(e: Exercise) -> str:
    """Which step of the session an exercise belongs to (one of `STEPS`)."""
    if e.category == "warm-up":
        return "warm-up"
    if e.category == "strength":
        # A kettlebell swing is a fast, loaded hinge: it belongs early, once the body is warm, never after the
        # session has tired the back (see its caution).
        return "kettlebell" if "kettlebell" in e.equipment else "strength"
    if e.category == "stretch":
        # 003 opens with its lying knee-to-chest stretches and 004 lists its lying stretches second and third;
        # 001, 002 and 004 put the cat stretch and the chair stretches at or near the end.
        return "lying stretch" if e.position in _LYING else "closing stretch"
    return "mobility"


_STEP_RANK = {s: i for i, s in enumerate(STEPS)}


def _group(e: Exercise) -> tuple[int, int]:
    """The step, then the level: easy work before hard work within every step."""
    return (_STEP_RANK[step_of(e)], _LEVEL_RANK[e.level])


def one_sided(e: Exercise) -> bool:
    """Done one side (one leg, one arm and leg) at a time: a single-leg version, as its default dose shows."""
    return e.prescription.per_side or e.prescription.alternating


def _demand(e: Exercise) -> tuple[int, ...]:
    """How demanding an exercise is within its step and level, least first: a loaded spine last, then how much the
    back holds up (`_support`), then how many muscle groups it strengthens at once, then two-sided after one-sided
    versions, then the length of one movement (a smaller movement is quicker)."""
    return (e.loaded, _support(e.position), len(strengthens(e)), not one_sided(e), e.tempo.rep_s)


def _order(chosen: Sequence[_Candidate]) -> list[_Candidate]:
    """The opener first, then step by step (and level by level) in the clinical order. Within a step, the
    exercises on the side of the floor the person is already on come first, so each step gets down to the floor
    or up from it at most once; then the least demanding first, then the shorter dose. Nothing looks at the id:
    exercises alike in all of these keep the order they were chosen in (Python's sort is stable)."""
    opener, rest = chosen[0], chosen[1:]
    groups: dict[tuple[int, int], list[_Candidate]] = {}
    for c in rest:
        groups.setdefault(c.group, []).append(c)
    side = opener.exercise.floor
    ordered = [opener]
    for key in sorted(groups):
        members = sorted(groups[key], key=partial(_within_step, side))
        ordered += members
        side = members[-1].exercise.floor
    return ordered


def _within_step(side: bool, c: _Candidate) -> tuple[Any, ...]:
    return (c.exercise.floor != side, c.demand, c.duration())


def session_order(exercises: Sequence[Exercise], doses: Sequence[Prescription]) -> list[int]:
    """The order a plan puts these exercises in, the first being its opener, as indexes into `exercises`."""
    chosen = [_Candidate.build(e, d) for e, d in zip(exercises, doses, strict=True)]
    index = {id(c): i for i, c in enumerate(chosen)}
    return [index[id(c)] for c in _order(chosen)]


def _total(chosen: Sequence[_Candidate]) -> int:
    """How long `_order`'s session lasts, without building it: only the number of floor changes depends on the
    order, and each step (and level) adds one exactly when it holds an exercise on the other side of the floor
    from where the person is when it begins, and then ends on that other side."""
    total = sum(c.duration() for c in chosen) + TRANSITION_S * (len(chosen) - 1)
    sides: dict[tuple[int, int], set[bool]] = {}
    for c in chosen[1:]:
        sides.setdefault(c.group, set()).add(c.exercise.floor)
    side = chosen[0].exercise.floor
    for key in sorted(sides):
        if sides[key] != {side}:
            total += FLOOR_CHANGE_S
            side = not side
    return total


def _lengthen(chosen: list[_Candidate], budget: int, current: int, rest_limited: bool) -> bool:
    """The last resort's other half: give the chosen item that gains the most its longest dose (within the one it
    was given) that still fits. False if none can grow."""
    best: tuple[int, int, _Candidate] | None = None
    for c in chosen:
        now = c.rank
        for rank in c.grid():
            gain = c.duration(rank) - c.duration(now)
            if gain <= (best[0] if best else 0):
                break
            if current + gain > budget:
                continue
            c.rank = rank
            fits = _fits(chosen, budget, rest_limited)
            c.rank = now
            if fits:
                best = (gain, rank, c)
                break
    if best is None:
        return False
    best[2].rank = best[1]
    return True


def _rest(chosen: Sequence[_Candidate]) -> int:
    return sum(c.rest() for c in chosen)


def _fits(chosen: Sequence[_Candidate], budget: int, rest_limited: bool) -> bool:
    total = _total(chosen)
    return total <= budget and not (rest_limited and _rest(chosen) > REST_SHARE * total)


def _shrink_to_fit(chosen: list[_Candidate], budget: int, rest_limited: bool) -> bool:
    """Shorten the longest shortenable item, one step at a time, until the session fits; then, where rest is
    limited, take a set off the item that rests longest until the rest is within its share. False if it cannot."""
    while True:
        total = _total(chosen)
        if total > budget:
            shrinkable = [c for c in chosen if c.rank < c.last]
            if not shrinkable:
                return False
            longest = max(shrinkable, key=lambda c: (c.duration(), c.exercise.id))
            longest.rank += 1
        elif rest_limited and _rest(chosen) > REST_SHARE * total:
            # The shortening order takes sets off first, so the next rank of an item that rests has one set fewer.
            restful = max((c for c in chosen if c.rest()), key=lambda c: (c.rest(), c.duration(), c.exercise.id))
            restful.rank += 1
        else:
            return True


def _try_add(
    chosen: list[_Candidate], candidate: _Candidate, budget: int, current: int, depth: int, rest_limited: bool
) -> bool:
    """Add the candidate at the longest of its doses, down to the pass's depth, that fits."""
    ranks = candidate.grid() if depth == _ANY else range(candidate.deepest(depth) + 1)
    for rank in ranks:
        # Adding an item costs its own time plus at least one plain transition (adding never removes a floor
        # change): a cheap bound that spares the exact total for the many candidates that cannot fit.
        if current + candidate.duration(rank) + TRANSITION_S > budget:
            continue
        candidate.rank = rank
        if _fits([*chosen, candidate], budget, rest_limited):
            chosen.append(candidate)
            return True
    candidate.rank = 0
    return False


@dataclass(frozen=True)
class _Context:
    """What the chosen items already cover: worked out once per round, not once per candidate."""

    targets: frozenset[str]
    categories: frozenset[str]
    positions: frozenset[str]

    @classmethod
    def of(cls, chosen: Sequence[_Candidate]) -> _Context:
        return cls(
            frozenset(t for c in chosen for t in c.exercise.targets),
            frozenset(c.exercise.category for c in chosen),
            frozenset(c.exercise.position for c in chosen),
        )


def _variety(c: _Candidate, ctx: _Context, request: PlanRequest, on_floor: bool) -> tuple[Any, ...]:
    e = c.exercise
    score = 3 * len(set(e.targets) - ctx.targets)
    score += 2 * (e.category not in ctx.categories)
    score += e.position not in ctx.positions
    score -= 2 * (e.floor != on_floor)
    score += 2 * (request.level == "advanced" and e.level == "advanced")
    return (-score, c.duration(0), e.id)


def _kind(c: _Candidate) -> tuple[Any, ...]:
    """What the variety score looks at: candidates of one kind always score alike."""
    e = c.exercise
    return (frozenset(e.targets), e.category, e.position, e.floor, e.level)


def _ranked(
    kinds: dict[tuple[Any, ...], list[_Candidate]],
    ctx: _Context,
    request: PlanRequest,
    on_floor: bool,
    room: int,
    depth: int,
) -> Iterator[_Candidate]:
    """Candidates that could fit at the pass's depth, best first by (-score, full duration, id), exactly as sorting
    them all by `_variety` would order them; but each kind is scored once, and each kind's list is kept sorted."""
    by_score: dict[int, list[list[_Candidate]]] = {}
    for members in kinds.values():
        if members:
            by_score.setdefault(_variety(members[0], ctx, request, on_floor)[0], []).append(members)
    for score in sorted(by_score):
        merged = heapq.merge(*by_score[score], key=lambda c: (c.duration(0), c.exercise.id))
        yield from (c for c in merged if c.duration(c.deepest(depth)) <= room)


def _opener_key(c: _Candidate, on_floor: bool) -> tuple[Any, ...]:
    e = c.exercise
    return (e.category != "warm-up", e.floor != on_floor, c.duration(0), e.id)


def _infeasible_message(request: PlanRequest) -> str:
    if not request.floor:
        return (
            "No warm-up or stretch can be done with these options: every exercise off the floor needs a chair, a "
            "wall or a kettlebell. Add a chair (and a wall) to your equipment, or allow floor exercises."
        )
    return "No warm-up or stretch fits these options; allow floor exercises or add a chair to your equipment."


def _single_sets(pool: Sequence[_Candidate]) -> int:
    """What every eligible exercise fills at one set of its full repetitions: the most a plan can hold without
    resting between sets."""
    if not pool:
        return 0
    return sum(c.duration((c.full.sets or 1) - 1) for c in pool) + TRANSITION_S * (len(pool) - 1)


def _rest_limited(request: PlanRequest, pool: Sequence[_Candidate]) -> bool:
    """Whether rest between sets is held to `REST_SHARE` of the plan: in every plan under
    `REST_LIMIT_BELOW_MINUTES`, except (from `FILL_FROM_MINUTES` up) when the exercises at one set each could not
    fill `FILL_SHARE` of it, so that only their sets can."""
    if request.minutes >= REST_LIMIT_BELOW_MINUTES:
        return False
    budget = request.minutes * 60
    return request.minutes < FILL_FROM_MINUTES or _single_sets(pool) >= FILL_SHARE * budget


def build_plan(
    catalogue: Catalogue,
    request: PlanRequest,
    dose_for: DoseFor = default_dose,
    cautions: Sequence[str] = (),
    excluded: Sequence[LeftOut] = (),
) -> Plan:
    budget = request.minutes * 60
    left_out = {e.exercise for e in excluded}
    given = {e.id: dose_for(e) for e in eligible(catalogue, request, left_out)}
    why = {i: d.note for i, d in given.items() if isinstance(d, Dose) and d.note}
    pool = [_Candidate.build(*_on_rung(catalogue.get(i), d)) for i, d in given.items()]
    openers = [c for c in pool if c.exercise.category in ("warm-up", "stretch")]
    if not openers:
        raise PlanInfeasible(_infeasible_message(request), ("equipment" if request.floor else "floor",))
    floor_count = sum(c.exercise.floor for c in pool)
    on_floor = floor_count * 2 >= len(pool)
    rest_limited = _rest_limited(request, pool)
    # The best opener that fits the time (every opener fits at a single repetition unless its hold alone is longer).
    openers.sort(key=lambda c: _opener_key(c, on_floor))
    opener = None
    for c in openers:
        if _shrink_to_fit([c], budget, rest_limited):
            opener = c
            break
        c.rank = 0
    if opener is None:
        raise PlanInfeasible(f"No warm-up or stretch fits in {request.minutes} minutes at today's doses.", ("minutes",))
    on_floor = opener.exercise.floor
    chosen = [opener]
    remaining = [c for c in pool if c is not opener]
    notes: list[str] = []

    if request.minutes >= COVERAGE_FROM_MINUTES:
        for target in CORE_TARGETS:
            if any(target in strengthens(c.exercise) for c in chosen):
                continue
            covering = [c for c in remaining if target in strengthens(c.exercise)]
            if not covering:
                group = target.replace("-", " ")
                notes.append(f"No exercise for the {group} fits these options, so this plan leaves them out.")
                continue
            missing = {t for t in CORE_TARGETS if not any(t in strengthens(c.exercise) for c in chosen)}
            ctx = _Context.of(chosen)
            best = min(
                covering,
                key=lambda c: (-len(missing & strengthens(c.exercise)), _variety(c, ctx, request, on_floor)),
            )
            chosen.append(best)
            remaining.remove(best)
        while not _shrink_to_fit(chosen, budget, rest_limited):
            dropped = chosen.pop()
            dropped.rank = 0
            notes.append(f"{dropped.exercise.name} did not fit in {request.minutes} minutes even when shortened.")

    kinds: dict[tuple[Any, ...], list[_Candidate]] = {}
    for c in sorted(remaining, key=lambda c: (c.duration(0), c.exercise.id)):
        kinds.setdefault(_kind(c), []).append(c)
    # Fill the time: each round adds the best candidate that fits at its full dose; failing that, the best that
    # fits shortened down to half its repetitions. Failing both, while the plan is short of its fill share (the
    # last resort, rather than stop with most of the time unused): the best candidate at the longest dose within
    # its own that fits, down to a single repetition; failing that, a chosen item lengthened back towards its own.
    fill_to = FILL_SHARE * budget if request.minutes >= FILL_FROM_MINUTES else 0
    while True:
        current = _total(chosen)
        room = budget - current - TRANSITION_S
        ctx = _Context.of(chosen)
        depths = (_FULL, _ORDINARY, _ANY) if current < fill_to else (_FULL, _ORDINARY)
        added = None
        for depth in depths:
            ranked = _ranked(kinds, ctx, request, on_floor, room, depth)
            added = next((c for c in ranked if _try_add(chosen, c, budget, current, depth, rest_limited)), None)
            if added is not None:
                break
        if added is not None:
            kinds[_kind(added)].remove(added)
        elif not (current < fill_to and _lengthen(chosen, budget, current, rest_limited)):
            break

    ordered = _order(chosen)
    items = []
    previous: Exercise | None = None
    for c in ordered:
        duration = c.duration() + (transition_duration(previous, c.exercise) if previous else 0)
        items.append(_item(c, duration, request.minutes, rest_limited, why.get(c.exercise.id)))
        previous = c.exercise
    total = sum(i.estimated_duration_s for i in items)
    if request.minutes >= FILL_FROM_MINUTES and total < FILL_SHARE * budget:
        notes.append(
            f"Only about {round(total / 60)} minutes of exercise fit these options at today's doses; "
            "more equipment, or allowing floor exercises, gives a fuller session."
        )
    return Plan(
        minutes=request.minutes,
        level=request.level,
        equipment=[e for e in EQUIPMENT if e in request.equipment],
        floor=request.floor,
        estimated_duration_s=total,
        items=items,
        cautions=[*cautions, *notes, *SAFETY_CAUTIONS],
        excluded=[Excluded(e.exercise, e.name, e.reason) for e in excluded],
    )


def _item(c: _Candidate, duration: int, minutes: int, rest_limited: bool, why: str | None = None) -> PlanItem:
    e, dose = c.exercise, c.dose()
    notes = [*([why] if why else []), *resolution_notes(e, dose)]
    if c.rank:
        shorter, full = describe(dose, today=True), describe(c.full, today=True)
        why = f"Shortened to fit {minutes} minutes: {shorter} instead of {full}."
        if rest_limited and c.rest() < c.rest(0):
            why += " In a session this short, resting between sets takes at most a fifth of the time."
        notes.insert(0, why)
    return PlanItem(
        exercise=e.id,
        rung=e.rung or e.id,
        name=e.name,
        category=e.category,
        position=e.position,
        equipment=list(e.equipment),
        prescription=dose,
        estimated_duration_s=duration,
        note=" ".join(notes) or None,
    )


class PlanFileError(InvalidInput):
    """A saved plan that cannot be run; names the item and the field."""


def plan_items(
    raw: object, catalogue: Catalogue, ladders: Mapping[str, Ladder] | None = None
) -> list[tuple[Exercise, Prescription]]:
    """The exercises and doses of a plan saved with `backcoach plan --json`, validated. An item's `rung` (when
    `ladders` are given) makes the exercise that rung's version: its own name and steps."""
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), list) or not raw["items"]:
        raise PlanFileError("a plan is a JSON object with a non-empty list of items (save one with `plan --json`)")
    items = []
    for index, entry in enumerate(raw["items"], 1):
        if not isinstance(entry, dict):
            raise PlanFileError(f"item {index}: must be an object with exercise and prescription")
        exercise_id = entry.get("exercise")
        if not isinstance(exercise_id, str) or exercise_id not in catalogue:
            raise PlanFileError(f"item {index}, field 'exercise': unknown exercise {exercise_id!r}")
        exercise = catalogue.get(exercise_id)
        rung_id = entry.get("rung")
        if ladders is not None and rung_id is not None and rung_id != exercise_id:
            ladder = ladders[exercise_id]
            if not isinstance(rung_id, str) or rung_id not in ladder:
                allowed = ", ".join(ladder.ids)
                raise PlanFileError(f"item {index}, field 'rung': {rung_id!r} is not a rung of it; allowed: {allowed}")
            exercise = rung_exercise(exercise, ladder.get(rung_id))
        try:
            dose = Prescription.model_validate(entry.get("prescription", {}))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"]) or "prescription"
            raise PlanFileError(f"item {index}, field 'prescription.{where}': {problem['msg']}") from None
        items.append((exercise, resolve(dose)))
    return items
