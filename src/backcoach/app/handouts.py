"""The patient's assigned program as they see it (who prescribed it, their notes, whether it is due today), its
printable handout for the patient and for the clinician, and the clinician's progress report (docs/clinician.md,
"Handouts and reports").

The clinician's side goes through `Runtime.care`, so each handout and report is a read in the patient's access log
and another clinician's patient is no such patient; the patient's side goes through their own unit of work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from backcoach.app import preferences, prescribing
from backcoach.app.prescribing import Prescribed
from backcoach.app.runtime import Runtime
from backcoach.domain.catalogue import Exercise, Prescription
from backcoach.domain.describe import describe
from backcoach.domain.errors import InvalidInput, NotFound
from backcoach.domain.ladders import rung_exercise
from backcoach.domain.outcome import OutcomeRecord
from backcoach.domain.prescribed import PrescribedProgram
from backcoach.domain.report import ProgramSpan, Stretch, Week, stretches, weeks
from backcoach.storage.repository import PatientPrograms, UserRepository, profile

REPORT_WEEKS = (1, 104)
"""The fewest and most weeks a report covers: two years is the longest history Progress is drawn for."""


@dataclass(frozen=True)
class Prescriber:
    name: str
    profession: str | None
    verified: bool

    @property
    def described(self) -> str:
        """ "Dr Ada Byrne, physiotherapist (verified)", as the patient reads it."""
        job = f", {self.profession}" if self.profession else ""
        return f"{self.name}{job} ({'verified' if self.verified else 'not verified'})"


@dataclass(frozen=True)
class Assigned:
    """A patient's program with who prescribed it, and whether today's plan follows it."""

    prescribed: Prescribed
    prescriber: Prescriber
    due_today: bool
    today: dt.date

    @property
    def program(self) -> PrescribedProgram:
        return self.prescribed.program


@dataclass(frozen=True)
class HandoutItem:
    exercise: Exercise
    """As its prescribed rung is done (the rung's own name and steps)."""
    dose: Prescription
    note: str
    """The clinician's note, and for a "progress" item how far backcoach may take it."""


@dataclass(frozen=True)
class Handout:
    patient: str
    assigned: Assigned
    items: list[HandoutItem]


def _prescriber(repo: UserRepository, found: Prescribed) -> Prescriber:
    clinician = profile(repo.db, found.stored.clinician_id) if found.stored.clinician_id is not None else None
    if clinician is None:
        return Prescriber(found.prescribed_by, None, False)
    return Prescriber(found.prescribed_by, clinician.profession, clinician.verified_at is not None)


def _assigned(runtime: Runtime, repo: UserRepository, found: Prescribed) -> Assigned:
    today = runtime.today(preferences.zone_in(runtime, repo))
    return Assigned(found, _prescriber(repo, found), found.program.due(today), today)


def assigned_for(runtime: Runtime, patient_id: int, found: Prescribed) -> Assigned:
    """`found`, one of the patient's programs (the one a plan follows), with who prescribed it."""
    with runtime.unit(patient_id) as repo:
        return _assigned(runtime, repo, found)


def _assigned_in(runtime: Runtime, repo: UserRepository) -> Assigned | None:
    today = runtime.today(preferences.zone_in(runtime, repo))
    programs = prescribing.active_programs(repo)
    found = prescribing.followed_on(programs, today) or (programs[-1] if programs else None)
    return _assigned(runtime, repo, found) if found is not None else None


def assigned(runtime: Runtime, patient_id: int) -> Assigned | None:
    """The patient's program: the one today's plan follows, else the newest that has not ended; None without one."""
    with runtime.unit(patient_id) as repo:
        return _assigned_in(runtime, repo)


def _items(runtime: Runtime, program: PrescribedProgram) -> list[HandoutItem]:
    found = []
    for item in program.items:
        ladder = runtime.ladders[item.exercise]
        exercise = rung_exercise(runtime.catalogue.get(item.exercise), ladder.get(item.rung))
        notes = [f"From your clinician: {item.note}"] if item.note else []
        if item.mode == "progress" and item.ceiling is not None:
            top = runtime.names.get(item.ceiling.rung, item.ceiling.rung)
            notes.append(f"backcoach may build this up, never past {top}: {describe(item.ceiling.dose)}.")
        else:
            notes.append("Keep this dose (backcoach eases it after a flare-up, and never raises it).")
        found.append(HandoutItem(exercise, item.dose, " ".join(notes)))
    return found


def _patient_name(repo: UserRepository) -> str:
    return repo.email() or f"patient {repo.user_id}"


def my_handout(runtime: Runtime, patient_id: int) -> Handout:
    """The patient's own program as a handout."""
    with runtime.unit(patient_id) as repo:
        found = _assigned_in(runtime, repo)
        if found is None:
            raise NotFound("no clinician has prescribed you a program")
        name = _patient_name(repo)
    return Handout(name, found, _items(runtime, found.program))


def _clinician(runtime: Runtime, clinician_id: int) -> None:
    if not prescribing.is_clinician(runtime, clinician_id):
        raise prescribing.NotAClinician()


def clinician_handout(runtime: Runtime, clinician_id: int, patient_id: int, program_id: int) -> Handout:
    """One of the clinician's programs for the patient as the patient's handout (its current version)."""
    _clinician(runtime, clinician_id)
    with runtime.care(clinician_id, patient_id, "read", f"the handout of program {program_id}") as repo:
        stored = PatientPrograms(repo.db, patient_id).program(program_id, clinician_id)
        if stored is None:
            raise NotFound(f"program {program_id} does not exist")
        found = Prescribed(stored, PrescribedProgram.model_validate(stored.current.body))
        shown = _assigned(runtime, repo, found)
        name = _patient_name(repo)
    return Handout(name, shown, _items(runtime, found.program))


@dataclass(frozen=True)
class Report:
    patient: str
    clinician: Prescriber
    first: dt.date
    last: dt.date
    made_at: dt.datetime
    weeks: list[Week]
    outcomes: list[OutcomeRecord]
    stretches: list[Stretch]
    programs: list[Prescribed]
    """The clinician's own programs for the patient, each with every version."""
    names: dict[str, str]


def _span(found: Prescribed) -> ProgramSpan:
    versions = [(v.created_at.date(), PrescribedProgram.model_validate(v.body)) for v in found.stored.versions]
    ended = found.stored.ended_at.date() if found.stored.ended_at is not None else None
    return ProgramSpan(versions, ended)


def progress_report(runtime: Runtime, clinician_id: int, patient_id: int, weeks_back: int = 12) -> Report:
    """The last `weeks_back` weeks up to the patient's today (from their first session or program, if later)."""
    low, high = REPORT_WEEKS
    if not low <= weeks_back <= high:
        raise InvalidInput(f"weeks must be a whole number from {low} to {high}", ("weeks",))
    _clinician(runtime, clinician_id)
    with runtime.care(clinician_id, patient_id, "read", f"a progress report of the last {weeks_back} weeks") as repo:
        last = runtime.today(preferences.zone_in(runtime, repo))
        records = [s.record for s in repo.sessions()]
        outcomes = [o.record for o in repo.outcomes()]
        programs = [
            Prescribed(s, PrescribedProgram.model_validate(s.current.body))
            for s in PatientPrograms(repo.db, patient_id).programs(clinician_id)
        ]
        me = profile(repo.db, clinician_id)
        name = _patient_name(repo)
    began = [r.date for r in records] + [p.stored.versions[0].created_at.date() for p in programs]
    first = max(last - dt.timedelta(days=7 * weeks_back - 1), min(began, default=last))
    first = min(first, last)
    clinician = Prescriber(me.name, me.profession, me.verified_at is not None) if me else Prescriber("?", None, False)
    return Report(
        patient=name,
        clinician=clinician,
        first=first,
        last=last,
        made_at=runtime.now(),
        weeks=weeks(records, [_span(p) for p in programs], first, last),
        outcomes=sorted((o for o in outcomes if first <= o.date <= last), key=lambda o: o.date),
        stretches=stretches(records, first, last),
        programs=programs,
        names=runtime.names,
    )
