"""A progress report for a clinic's records: sessions and adherence per week against what was prescribed, pain
around the sessions, and each exercise's dose and rung over time (docs/clinician.md, "Handouts and reports").

Pure functions over session records and a program's versions; the application layer reads them through
`Runtime.care` and the renderer draws them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from backcoach.domain.describe import describe
from backcoach.domain.history import SessionRecord
from backcoach.domain.prescribed import PrescribedProgram
from backcoach.domain.progress import week_start

NOT_A_DIAGNOSIS = (
    "This report lists what the patient recorded in backcoach. It is not a diagnosis and not a clinical "
    "assessment: read it beside your own examination."
)


@dataclass(frozen=True)
class ProgramSpan:
    """One program as it was prescribed over time: each version from the day it was made, until it ended."""

    versions: Sequence[tuple[dt.date, PrescribedProgram]]
    """(the day the version was made, the version), oldest first."""
    ended: dt.date | None = None

    def sessions_on(self, day: dt.date) -> int:
        """How many sessions the program asked for on `day`: by the version in effect then, if it was due. A version
        asks nothing of the days before it was made, even when its start date is earlier."""
        if self.ended is not None and day >= self.ended:
            return 0
        made = [program for created, program in self.versions if created <= day]
        if not made or not made[-1].due(day):
            return 0
        return made[-1].sessions_per_day


@dataclass(frozen=True)
class Week:
    start: dt.date
    sessions: int
    prescribed: int
    """Sessions the programs asked for in the days of this week inside the report's period."""
    pain_before: float | None
    pain_after: float | None
    pain_next_morning: float | None

    @property
    def adherence(self) -> float | None:
        """Sessions done over sessions prescribed (may pass 1); None for a week nothing was prescribed in."""
        return self.sessions / self.prescribed if self.prescribed else None


@dataclass(frozen=True)
class Stretch:
    """A run of sessions in which one exercise was done on one rung at one dose."""

    exercise: str
    rung: str
    dose: str
    first: dt.date
    last: dt.date
    sessions: int
    not_finished: int


def _average(values: Sequence[int | None]) -> float | None:
    given = [v for v in values if v is not None]
    return sum(given) / len(given) if given else None


def weeks(
    records: Sequence[SessionRecord], programs: Sequence[ProgramSpan], first: dt.date, last: dt.date
) -> list[Week]:
    """Every week (Monday to Sunday) that overlaps `first`..`last`, counting only the days inside it. With several
    programs due on one day, the day asks for the most sessions any of them asks (the plan follows one a day)."""
    inside = [r for r in records if first <= r.date <= last]
    found: list[Week] = []
    monday = week_start(first)
    while monday <= last:
        days = [monday + dt.timedelta(days=i) for i in range(7)]
        days = [d for d in days if first <= d <= last]
        done = [r for r in inside if days[0] <= r.date <= days[-1]]
        prescribed = sum(max((p.sessions_on(d) for p in programs), default=0) for d in days)
        found.append(
            Week(
                monday,
                len(done),
                prescribed,
                _average([r.pain_before for r in done]),
                _average([r.pain_after for r in done]),
                _average([r.pain_next_morning for r in done]),
            )
        )
        monday += dt.timedelta(days=7)
    return found


def stretches(records: Sequence[SessionRecord], first: dt.date, last: dt.date) -> list[Stretch]:
    """Each exercise's runs at one rung and dose, in the order the exercises were first done, then by date."""
    runs: dict[str, list[Stretch]] = {}
    for record in sorted((r for r in records if first <= r.date <= last), key=lambda r: r.date):
        for item in record.items:
            rung = item.rung or item.exercise
            dose = describe(item.prescription)
            missed = 0 if item.completed else 1
            mine = runs.setdefault(item.exercise, [])
            if mine and (mine[-1].rung, mine[-1].dose) == (rung, dose):
                run = mine[-1]
                mine[-1] = Stretch(
                    item.exercise,
                    rung,
                    dose,
                    run.first,
                    record.date,
                    run.sessions + 1,
                    run.not_finished + missed,
                )
            else:
                mine.append(Stretch(item.exercise, rung, dose, record.date, record.date, 1, missed))
    return [s for run in runs.values() for s in run]
