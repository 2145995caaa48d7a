"""A program a clinician prescribes: exercises on rungs of their ladders at doses within each rung, with how the dose
may change, on chosen days (docs/clinician.md, "Programs and versions").

`PrescribedProgram` checks what it can alone (counts, days, a ceiling only on a "progress" item); `check_program`
checks it against the catalogue and ladders, naming the item and the field. `follow` turns one item and the dose
rules' decision into today's dose: never above the item's ceiling, fixed for "keep", stepped down by a flare.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal, Self, TypeVar, get_args

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from backcoach.domain import dosing
from backcoach.domain.catalogue import Catalogue, Exercise, Prescription
from backcoach.domain.errors import InvalidInput
from backcoach.domain.ladders import Ladder, Rung, article_ceilings, fullest
from backcoach.domain.model import Frozen
from backcoach.domain.preferences import WEEKDAYS, Weekday
from backcoach.domain.programs import Program
from backcoach.domain.timeline import counts, resolve

Mode = Literal["keep", "progress"]
MODES: tuple[Mode, ...] = get_args(Mode)
MAX_ITEMS = 30
MAX_SESSIONS_PER_DAY = 3
"""As the articles say: none asks for a program more than three times a day."""

DEFAULT_DAYS: dict[int, tuple[Weekday, ...]] = {
    1: ("mon",),
    2: ("mon", "thu"),
    3: ("mon", "wed", "fri"),
    4: ("mon", "tue", "thu", "fri"),
    5: ("mon", "tue", "wed", "thu", "fri"),
    6: ("mon", "tue", "wed", "thu", "fri", "sat"),
    7: WEEKDAYS,
}
"""The days a program is done on when the clinician gives only how many: spread over the week, with rest between."""

Note = Annotated[str, Field(max_length=2000)]


class Ceiling(Frozen):
    """The most backcoach may progress an item to: a rung of its ladder and a dose within that rung."""

    rung: str
    dose: Prescription


class PrescribedItem(Frozen):
    exercise: str
    rung: str
    """A rung of the exercise's ladder; the exercise id is its standard rung."""
    dose: Prescription
    note: Note = ""
    mode: Mode = "keep"
    """"keep": this dose every time; "progress": the dose rules may raise it, up to `ceiling`."""
    ceiling: Ceiling | None = None

    @model_validator(mode="after")
    def _ceiling_with_progress(self) -> Self:
        if self.mode == "progress" and self.ceiling is None:
            raise ValueError("a 'progress' item needs a ceiling (the rung and dose to progress it up to)")
        if self.mode == "keep" and self.ceiling is not None:
            raise ValueError("a 'keep' item keeps its dose, so it takes no ceiling; use mode 'progress'")
        return self


class ProgramDraft(Frozen):
    """A program without its start date: what a template keeps."""

    title: Annotated[str, Field(min_length=1, max_length=120)]
    note: Note = ""
    days_per_week: Annotated[int, Field(ge=1, le=7)]
    days: tuple[Weekday, ...] = ()
    """The weekdays it is done on; empty means spread over the week (`DEFAULT_DAYS`)."""
    sessions_per_day: Annotated[int, Field(ge=1, le=MAX_SESSIONS_PER_DAY)] = 1
    items: Annotated[list[PrescribedItem], Field(min_length=1, max_length=MAX_ITEMS)]

    @field_validator("days")
    @classmethod
    def _days_match(cls, days: tuple[Weekday, ...], info: ValidationInfo) -> tuple[Weekday, ...]:
        count = info.data.get("days_per_week")
        if days and count is not None and (len(set(days)) != len(days) or len(days) != count):
            raise ValueError(
                f"days must name {count} different weekdays (days_per_week), or be left empty; "
                f"allowed: {', '.join(WEEKDAYS)}"
            )
        return days

    @property
    def weekdays(self) -> tuple[Weekday, ...]:
        chosen = set(self.days or DEFAULT_DAYS[self.days_per_week])
        return tuple(d for d in WEEKDAYS if d in chosen)


class PrescribedProgram(ProgramDraft):
    start_date: dt.date

    def due(self, on: dt.date) -> bool:
        """Whether the program asks for a session on `on`: from its start date, on its weekdays."""
        return on >= self.start_date and WEEKDAYS[on.weekday()] in self.weekdays

    def draft(self) -> ProgramDraft:
        return ProgramDraft.model_validate(self.model_dump(exclude={"start_date"}))


Draft = TypeVar("Draft", bound=ProgramDraft)


class ProgramError(InvalidInput):
    """A prescribed program that does not fit the catalogue or its ladders; `loc` names the item and field."""


def parse_program(raw: object, kind: type[Draft]) -> Draft:
    """A program (or a draft) from JSON-like data, its first problem as `ProgramError` naming the field."""
    try:
        return kind.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        loc = tuple(p for p in problem["loc"] if p not in ("function-after",))
        raise ProgramError(problem["msg"].removeprefix("Value error, "), loc) from None


# Positions: comparing doses on one ladder


def _amounts(dose: Prescription) -> tuple[int, int, int]:
    """What a dose asks at most in one session: repetitions, hold and sets."""
    top = fullest(dose)
    reps, sets, _ = counts(top)
    return reps, top.hold_s or 0, sets


def _shape(dose: Prescription) -> tuple[bool, bool, int]:
    return dose.per_side, dose.alternating, dose.holds_per_rep or 1


def _not_above(dose: Prescription, limit: Prescription) -> bool:
    return all(a <= b for a, b in zip(_amounts(dose), _amounts(limit), strict=True))


def position(ladder: Ladder, rung: str, dose: Prescription) -> tuple[int, tuple[int, int, int]]:
    """Where a dose sits on a ladder, for ordering: the rung's place, then what the dose asks."""
    return ladder.index(rung), _amounts(dose)


def at_or_below(ladder: Ladder, rung: str, dose: Prescription, ceiling: Ceiling) -> bool:
    """A lower rung than the ceiling's, or its rung at a dose that asks no more in any field."""
    here, top = ladder.index(rung), ladder.index(ceiling.rung)
    return here < top or (here == top and _not_above(dose, ceiling.dose))


def _check_dose(
    where: tuple[str | int, ...], exercise: Exercise, ladder: Ladder, rung: str, dose: Prescription
) -> None:
    """A dose within its rung: the rung's way of doing it (each side, alternating, positions held) and nothing past
    the rung's top, so nothing past what the articles ask (the ladder's own rule)."""
    if rung not in ladder:
        raise ProgramError(
            f"{rung!r} is not a rung of {exercise.id}; allowed: {', '.join(ladder.ids)}", (*where, "rung")
        )
    top = ladder.get(rung).top
    if _shape(dose) != _shape(top):
        per_side, alternating, holds = _shape(top)
        raise ProgramError(
            f"{rung} is done with per_side={str(per_side).lower()}, alternating={str(alternating).lower()}, "
            f"holds_per_rep={holds}; the dose must be done the same way",
            (*where, "dose"),
        )
    if not _not_above(dose, top):
        reps, hold, sets = _amounts(top)
        most = f"{reps} repetitions" + (f", holding {hold} s" if hold else "") + f", {sets} set(s)"
        raise ProgramError(f"asks more than the top of {rung} ({most}); choose a harder rung", (*where, "dose"))
    ceilings = article_ceilings(exercise)
    if dose.times_per_day is not None and dose.times_per_day > (ceilings.times_per_day or 1):
        raise ProgramError(
            f"times_per_day {dose.times_per_day} is more than the articles give ({ceilings.times_per_day or 1})",
            (*where, "dose", "times_per_day"),
        )


def check_program(program: ProgramDraft, catalogue: Catalogue, ladders: Mapping[str, Ladder]) -> None:
    """Every item against the catalogue and its ladder; the first problem as `ProgramError`."""
    for i, item in enumerate(program.items):
        where: tuple[str | int, ...] = ("items", i)
        if item.exercise not in catalogue:
            allowed = ", ".join(e.id for e in catalogue)
            raise ProgramError(f"unknown exercise {item.exercise!r}; allowed: {allowed}", (*where, "exercise"))
        exercise, ladder = catalogue.get(item.exercise), ladders[item.exercise]
        _check_dose(where, exercise, ladder, item.rung, item.dose)
        if item.ceiling is not None:
            _check_dose((*where, "ceiling"), exercise, ladder, item.ceiling.rung, item.ceiling.dose)
            if ladder.index(item.ceiling.rung) < ladder.index(item.rung) or (
                item.ceiling.rung == item.rung and not _not_above(item.dose, item.ceiling.dose)
            ):
                raise ProgramError(
                    "the ceiling must be at or above the starting rung and dose on the ladder "
                    f"(a rung from {item.rung} up: {', '.join(ladder.ids[ladder.index(item.rung) :])})",
                    (*where, "ceiling"),
                )
    if len({item.exercise for item in program.items}) != len(program.items):
        seen: set[str] = set()
        for i, item in enumerate(program.items):
            if item.exercise in seen:
                raise ProgramError(f"{item.exercise} is already in the program", ("items", i, "exercise"))
            seen.add(item.exercise)


def _admits(rung: Rung, dose: Prescription) -> bool:
    return _shape(dose) == _shape(rung.top) and _not_above(dose, rung.top)


def article_rung(ladder: Ladder, dose: Prescription, article: str) -> str:
    """The rung an article's dose is done on: the standard one when it holds the dose, else the rung that article
    gives (a held bridge is the "held" rung), else the easiest rung that holds it."""
    candidates = [ladder.standard, *(r for r in ladder.rungs if r.source == article), *ladder.rungs]
    return next((r.id for r in candidates if _admits(r, dose)), ladder.exercise)


def from_article(
    article: Program,
    start_date: dt.date,
    ladders: Mapping[str, Ladder],
    days_per_week: int = 7,
    sessions_per_day: int | None = None,
) -> PrescribedProgram:
    """An article's program exactly as the article gives it: its exercises in its order, each at the article's own
    dose (kept) on the rung of the ladder that holds it. The article's notes become the program's note."""
    sessions = sessions_per_day or (article.sessions_per_day.min if article.sessions_per_day else 1)
    return PrescribedProgram(
        title=article.title[:120],
        note=" ".join(article.notes),
        start_date=start_date,
        days_per_week=days_per_week,
        sessions_per_day=min(sessions, MAX_SESSIONS_PER_DAY),
        items=[
            PrescribedItem(
                exercise=item.exercise,
                rung=article_rung(ladders[item.exercise], item.prescription, article.source_file),
                dose=item.prescription,
                note=item.stage,
            )
            for item in article.items
        ],
    )


def from_template(draft: ProgramDraft, start_date: dt.date) -> PrescribedProgram:
    """A program from a saved template's draft, starting on `start_date`."""
    return PrescribedProgram.model_validate({**draft.model_dump(), "start_date": start_date})


# Following a program


@dataclass(frozen=True)
class Followed:
    """Today's dose of one item: the rung, its name, the dose and why it is what it is."""

    rung: str
    prescription: Prescription
    reason: str | None
    resting: bool = False


def follow(
    item: PrescribedItem,
    exercise: Exercise,
    ladder: Ladder,
    decision: dosing.DoseDecision,
    tried: bool,
) -> Followed:
    """Today's dose of `item`, given the dose rules' `decision` over the person's attempts since the program started
    (`tried` says whether there were any).

    - With no attempt yet, the prescribed rung and dose.
    - "keep": the prescribed dose, unless the dose rules step it down (a flare, or pain twice in a row): then theirs,
      if it is lower; "rest" leaves the item out today.
    - "progress": the dose rules' dose, capped at the item's ceiling; below the starting dose only when they step
      it down.
    """
    if decision.decision == "rest":
        return Followed(item.rung, item.dose, decision.reason, resting=True)
    given = Followed(item.rung, resolve(item.dose), None)
    if not tried:
        return given
    stepped_down = decision.decision == "regress" or decision.swapped
    rules = Followed(decision.rung, decision.prescription, decision.reason)
    if item.mode == "keep":
        lower = position(ladder, decision.rung, decision.prescription) < position(ladder, item.rung, item.dose)
        return rules if stepped_down and lower else given
    assert item.ceiling is not None
    if not at_or_below(ladder, decision.rung, decision.prescription, item.ceiling):
        top = Followed(item.ceiling.rung, resolve(item.ceiling.dose), None)
        return Followed(
            top.rung, top.prescription, "At the most your clinician set for it: it stays here until they change it."
        )
    if not stepped_down and decision.decision == "start":
        # The rules' "start" (after time away) is the standard rung's start; the clinician's start stands instead.
        return Followed(item.rung, resolve(item.dose), decision.reason)
    return rules
